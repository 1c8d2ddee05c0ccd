import { Command } from 'commander';
import { buildPlan, type Plan, type PlanWindow } from '#core/plan/index.ts';
import { STRATEGIES } from '#core/strategies.ts';
import { weightsBar } from '../progress.ts';
import { readRequestFile, validateRequestFor } from '../request-file.ts';
import { assertStrategy } from '../resolve.ts';

function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m ${seconds % 60}s` : `${seconds}s`;
}

function approvalLine(plan: Plan, before: string): string[] {
  return plan.approval.required
    ? [`  approval before ${before} (times out after ${plan.approval.timeoutSeconds}s)`]
    : [];
}

function stepLines(plan: Plan): string[] {
  return plan.steps.map((step, index) => {
    const replicas =
      step.newReplicas === undefined ? '' : `  replicas new=${step.newReplicas} old=${step.oldReplicas}`;
    const analysis = step.analyze ? `analyze ${step.windowSeconds}s` : 'no analysis';
    return `  step ${index + 1}/${plan.stepCount}  ${weightsBar({ ...step.weights })}  bake ${step.bakeSeconds}s, ${analysis}${replicas}`;
  });
}

/** Blue-green has no steps: an optional preview analysis and approval, the switch, a post-switch analysis. */
function blueGreenLines(plan: Plan): string[] {
  const { live, next } = plan.tracks;
  const window = (label: string, w: PlanWindow | undefined) =>
    w?.enabled ? [`  ${label}: bake ${w.bakeSeconds}s, analyze ${w.windowSeconds}s`] : [];
  return [
    ...window(`preview analysis of ${next}`, plan.preview),
    ...approvalLine(plan, 'the switch'),
    `  switch  ${weightsBar({ [next]: 100, [live]: 0 })}`,
    ...window('post-switch analysis', plan.postSwitch),
  ];
}

/** The plan as a person reads it: one line per step, then duration, transitions and cost. */
export function formatPlan(plan: Plan): string {
  const body =
    plan.strategy === 'blue-green'
      ? blueGreenLines(plan)
      : [...stepLines(plan), ...approvalLine(plan, 'promotion')];
  return [
    `${plan.strategy}: ${plan.tracks.live} -> ${plan.tracks.next}`,
    ...body,
    `expected duration  ${formatDuration(plan.expectedDurationSeconds)}`,
    `state transitions  ${plan.stateTransitions}`,
    `AWS cost of a run  $${plan.estimatedCostUsd.toFixed(6)} (at $0.025 per 1,000 transitions)`,
  ].join('\n');
}

/** `cutover plan <strategy> -f request.json [--json]`: what a release would do, before running it. */
export function planCommand(): Command {
  return new Command('plan')
    .description('print the steps, expected duration, state transitions and AWS cost of a release')
    .argument('<strategy>', STRATEGIES.join(' | '))
    .requiredOption('-f, --file <path>', 'the request, as JSON')
    .option('--json', 'print the plan as JSON')
    .addHelpText('after', '\nExample:\n  $ cutover plan canary -f examples/requests/canary.json')
    .action(async (strategy: string, options: { file: string; json?: boolean }) => {
      assertStrategy(strategy, STRATEGIES);
      const request = await validateRequestFor(strategy, await readRequestFile(options.file));
      const plan = buildPlan(strategy, request);
      console.log(options.json ? JSON.stringify(plan, null, 2) : formatPlan(plan));
    });
}

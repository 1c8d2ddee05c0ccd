import { Command } from 'commander';
import {
  buildDatabaseMigrationPlan,
  buildPlan,
  type DatabaseMigrationPlan,
  type Plan,
  type PlanWindow,
  transitionCostUsd,
} from '#core/plan/index.ts';
import type { DatabaseMigrationRequest } from '#core/schemas/database-migration.ts';
import type { HookPhase } from '#core/schemas/index.ts';
import { formatDuration } from '../format.ts';
import { weightsBar } from '../progress.ts';
import { readRequestFile, validateRequestFor } from '../request-file.ts';
import { assertStrategy, STRATEGIES } from '../resolve.ts';

function approvalLine(plan: Plan, before: string): string[] {
  return plan.approval.required
    ? [`  approval before ${before} (times out after ${plan.approval.timeoutSeconds}s)`]
    : [];
}

function hookLine(plan: Plan, phase: HookPhase, when: string): string[] {
  const names = plan.hooks.names[phase];
  if (names.length === 0) return [];
  return [`  webhook${names.length === 1 ? '' : 's'} ${names.join(', ')} ${when}`];
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

const COST_NOTE = '(at $0.025 per 1,000 transitions)';
/** Labels are this wide, values start after them (`state transitions  34`). */
const label = (text: string) => text.padEnd(17);
const continued = label('');

/** The transitions known from the request, then those the data and RDS decide, and what they cost. */
function transitionLines(plan: DatabaseMigrationPlan): string[] {
  const cost = `$${plan.estimatedCostUsd.toFixed(6)}`;
  if (plan.variableTransitions.length === 0) {
    return [`state transitions  ${plan.stateTransitions}`, `AWS cost of a run  ${cost} ${COST_NOTE}`];
  }
  const terms = plan.variableTransitions.map(
    (term) =>
      `+ ${term.transitions} per ${term.per}${term.max === undefined ? '' : ` (at most ${term.max})`}`,
  );
  const copied =
    plan.source === undefined
      ? []
      : [
          'tables and slices depend on the data: one slice per table, one more each time ' +
            "a table's copy outlasts copy.budgetSeconds",
        ];
  return [
    `state transitions  ${plan.stateTransitions}`,
    ...[...terms, ...copied].map((line) => `${continued}  ${line}`),
    `AWS cost of a run  ${cost} + $${transitionCostUsd(1).toFixed(6)} per further transition ${COST_NOTE}`,
  ];
}

/** What a failing step leads to: the copy undone or not, what stays, the notification, the unlock, the end. */
function failureLines(onFailure: DatabaseMigrationPlan['onFailure']): string[] {
  return [
    `${label('on failure')}  ${onFailure.detail}; then publish Failed, unlock`,
    `${continued}  ${onFailure.kept}`,
    `${continued}  ends FAILED with the error's name; a request Prepare refuses ends there, nothing locked`,
  ];
}

/**
 * A database migration as a person reads it: one line per step, what a failure does, the duration, the
 * transitions (with those the data and RDS decide) and their cost.
 *
 * @example
 * console.log(formatDatabaseMigrationPlan(buildDatabaseMigrationPlan(request)));
 * // database-migration: shop/orders, target postgres://postgres@127.0.0.1:5432/shop
 * //   Prepare        check the request and the migrations directory, lock shop/orders ...
 */
export function formatDatabaseMigrationPlan(plan: DatabaseMigrationPlan): string {
  const width = Math.max(...plan.steps.map((step) => step.name.length));
  const databases = plan.source === undefined ? `target ${plan.target}` : `${plan.source} -> ${plan.target}`;
  const wait = plan.rdsWaitSeconds;
  const rdsWaits = wait ? `; RDS waits ${formatDuration(wait.min)} to ${formatDuration(wait.max)}` : '';
  return [
    `${plan.strategy}: ${plan.service.namespace}/${plan.service.name}, ${databases}`,
    ...plan.steps.map((step) => `  ${step.name.padEnd(width)}  ${step.detail}`),
    ...failureLines(plan.onFailure),
    `expected duration  depends on the data (backup, migrations, copy, validation)${rdsWaits}`,
    ...transitionLines(plan),
  ].join('\n');
}

/** The plan as a person reads it: one line per step, then duration, transitions and cost. */
export function formatPlan(plan: Plan): string {
  const body = [
    ...hookLine(plan, 'beforeTraffic', `once ${plan.tracks.next} is ready, before it takes traffic`),
    ...(plan.strategy === 'blue-green'
      ? blueGreenLines(plan)
      : [...stepLines(plan), ...approvalLine(plan, 'promotion')]),
    ...hookLine(plan, 'afterTraffic', 'once the release has all traffic, before scale-down and clean-up'),
  ];
  return [
    `${plan.strategy}: ${plan.tracks.live} -> ${plan.tracks.next}`,
    ...body,
    `expected duration  ${formatDuration(plan.expectedDurationSeconds)}`,
    `state transitions  ${plan.stateTransitions}`,
    `AWS cost of a run  $${plan.estimatedCostUsd.toFixed(6)} ${COST_NOTE}`,
  ].join('\n');
}

const NOT_GIVEN =
  'release.replicas is not given: the release will run as many replicas as the live track when it starts';

/** `cutover plan <strategy> -f request.json [--json]`: what a release would do, before running it. */
export function planCommand(): Command {
  return new Command('plan')
    .description(
      'print the steps, expected duration, state transitions and AWS cost of a release or migration',
    )
    .argument('<strategy>', STRATEGIES.join(' | '))
    .requiredOption('-f, --file <path>', 'the request, as JSON')
    .option('--json', 'print the plan as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ cutover plan canary -f examples/requests/canary.json\n' +
        '  $ cutover plan database-migration -f examples/requests/database-migration.json',
    )
    .action(async (strategy: string, options: { file: string; json?: boolean }) => {
      assertStrategy(strategy, STRATEGIES);
      const input = await readRequestFile(options.file);
      if (strategy === 'database-migration') {
        const request = (await validateRequestFor(strategy, input)) as DatabaseMigrationRequest;
        const plan = buildDatabaseMigrationPlan(request);
        console.log(options.json ? JSON.stringify(plan, null, 2) : formatDatabaseMigrationPlan(plan));
        return;
      }
      const request = await validateRequestFor(strategy, input);
      const given = request.release.replicas !== undefined;
      // A rolling block that does not fit the 1 replica assumed is refused, as it would be at the start
      // of a release with one live replica.
      const { validateWithReplicas } = await import('#core/schemas/index.ts');
      const planned = given
        ? request
        : validateWithReplicas(
            strategy,
            request,
            1,
            `${NOT_GIVEN}, and the 1 this plan assumes does not fit the request:`,
          );
      const plan = buildPlan(strategy, planned);
      console.log(options.json ? JSON.stringify(plan, null, 2) : formatPlan(plan));
      if (!given) console.error(`${NOT_GIVEN}; this plan, which does not read the cluster, assumes 1`);
    });
}

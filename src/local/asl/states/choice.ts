import { selectChoice, selectJsonataChoice } from '../choice.ts';
import { applyPath } from '../data-flow.ts';
import type { StateResult, StateRun } from '../state-run.ts';
import type { ChoiceState } from '../types.ts';

/**
 * Choice: the first matching rule's `Next`, else `Default`, else `States.NoChoiceMatched`. The matching
 * rule's `Assign` (the state's own when `Default` is taken) reads the effective input as `$`.
 */
export function runChoice(run: StateRun<ChoiceState>): StateResult | Promise<StateResult> {
  if (run.jsonata) return runJsonataChoice(run);
  const { state, frame } = run;
  const context = run.contextSource();
  const effective = applyPath(run.input, state.InputPath, context, frame);
  const rule = selectChoice(state, effective, context, frame);
  const next = rule === undefined ? (state.Default as string) : rule.Next;
  const output = applyPath(effective, state.OutputPath, context, frame);
  const assign = rule === undefined ? state.Assign : rule.Assign;
  return assign === undefined ? { output, next } : { output, next, assigned: run.assign(assign, effective) };
}

/**
 * A JSONata Choice: the first rule whose `Condition` is true gives `Next`, and its `Output` and `Assign`
 * (the state's own when `Default` is taken); the output is the input without an `Output`.
 */
async function runJsonataChoice(run: StateRun<ChoiceState>): Promise<StateResult> {
  const match = await selectJsonataChoice(run);
  return match === undefined
    ? run.exitJsonata(run.state, {}, run.input, run.state.Default)
    : run.exitJsonata(match.rule, {}, run.input, match.rule.Next, match.field);
}

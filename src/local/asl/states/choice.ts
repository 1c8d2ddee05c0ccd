import { selectNextState } from '../choice.ts';
import { applyPath } from '../data-flow.ts';
import type { StateResult, StateRun } from '../state-run.ts';
import type { ChoiceState } from '../types.ts';

/** Choice: the first matching rule's `Next`, else `Default`, else `States.NoChoiceMatched`. */
export function runChoice(run: StateRun<ChoiceState>): StateResult {
  const context = run.contextSource();
  const effective = applyPath(run.input, run.state.InputPath, context);
  const next = selectNextState(run.state, effective, context);
  return { output: applyPath(effective, run.state.OutputPath, context), next };
}

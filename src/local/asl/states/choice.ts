import { selectNextState } from '../choice.ts';
import { applyInputPath, applyOutputPath } from '../data-flow.ts';
import type { StateResult, StateRun } from '../state-run.ts';
import type { ChoiceState } from '../types.ts';

/** Choice: the first matching rule's `Next`, else `Default`, else `States.NoChoiceMatched`. */
export function runChoice(run: StateRun<ChoiceState>): StateResult {
  const effective = applyInputPath(run.input, run.state.InputPath, run.contextSource());
  const next = selectNextState(run.state, effective);
  return { output: applyOutputPath(effective, run.state.OutputPath), next };
}

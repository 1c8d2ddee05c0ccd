import { selectNextState } from '../choice.ts';
import { applyInputPath, applyOutputPath } from '../data-flow.ts';
import type { StateResult, StateRun } from '../state-run.ts';
import type { ChoiceState } from '../types.ts';

/** Choice: the first matching rule's `Next`, else `Default`, else `States.NoChoiceMatched`. */
export async function runChoice(run: StateRun<ChoiceState>): Promise<StateResult> {
  const effective = applyInputPath(run.input, run.state.InputPath, run.context());
  const next = selectNextState(run.state, effective);
  return { output: applyOutputPath(effective, run.state.OutputPath), next };
}

import { applyInputPath, applyOutputPath } from '../data-flow.ts';
import type { StateResult, StateRun } from '../state-run.ts';
import type { SucceedState } from '../types.ts';

/** Succeed: ends the frame with its input (through InputPath and OutputPath). */
export async function runSucceed(run: StateRun<SucceedState>): Promise<StateResult> {
  const effective = applyInputPath(run.input, run.state.InputPath, run.context());
  return { output: applyOutputPath(effective, run.state.OutputPath) };
}

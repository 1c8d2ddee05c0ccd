import { applyInputPath, applyOutputPath } from '../data-flow.ts';
import type { StateResult, StateRun } from '../state-run.ts';
import type { SucceedState } from '../types.ts';

/** Succeed: ends the frame with its input (through InputPath and OutputPath). */
export function runSucceed(run: StateRun<SucceedState>): StateResult {
  const effective = applyInputPath(run.input, run.state.InputPath, run.contextSource());
  return { output: applyOutputPath(effective, run.state.OutputPath, run.contextSource()) };
}

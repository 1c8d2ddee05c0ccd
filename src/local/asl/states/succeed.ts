import { applyPath } from '../data-flow.ts';
import type { StateResult, StateRun } from '../state-run.ts';
import type { SucceedState } from '../types.ts';

/** Succeed: ends the frame with its input (through InputPath and OutputPath; JSONata: `Output`). */
export function runSucceed(run: StateRun<SucceedState>): StateResult | Promise<StateResult> {
  if (run.jsonata) return run.exit(run.input, undefined, false);
  const context = run.contextSource();
  const effective = applyPath(run.input, run.state.InputPath, context, run.frame);
  return { output: applyPath(effective, run.state.OutputPath, context, run.frame) };
}

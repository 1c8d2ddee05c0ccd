import type { StateResult, StateRun } from '../state-run.ts';
import type { PassState } from '../types.ts';

/** Pass: `Result` (or the effective input) through ResultPath and OutputPath. */
export function runPass(run: StateRun<PassState>): StateResult {
  const effective = run.effectiveInput(run.state.Parameters);
  const result = run.state.Result !== undefined ? run.state.Result : effective;
  return { output: run.output(result), next: run.state.Next };
}

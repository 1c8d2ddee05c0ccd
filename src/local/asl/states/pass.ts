import type { StateResult, StateRun } from '../state-run.ts';
import type { PassState } from '../types.ts';

/**
 * Pass: `Result` (or the effective input) through ResultPath and OutputPath; `Assign` reads that result.
 * JSONata: `Output` (else the input) and `Assign`.
 */
export function runPass(run: StateRun<PassState>): StateResult | Promise<StateResult> {
  if (run.jsonata) return run.exit(run.input, run.state.Next, false);
  const effective = run.effectiveInput(run.state.Parameters);
  const result = run.state.Result !== undefined ? run.state.Result : effective;
  return run.exit(result, run.state.Next);
}

import { runChildFrames } from '../children.ts';
import type { StateResult, StateRun } from '../state-run.ts';
import type { ParallelState } from '../types.ts';

/** Parallel: runs every branch on the effective input (JSONata: `Arguments`); the output is the array of branch outputs. */
export async function runParallel(run: StateRun<ParallelState>): Promise<StateResult> {
  const { state } = run;
  if (run.cursor.phase !== 'children') {
    const effective = run.jsonata ? await run.evaluateArguments() : run.effectiveInput(state.Parameters);
    run.emit('ParallelStateStarted');
    run.save({ phase: 'children', effective });
  }
  const effective = run.cursor.effective;
  const { parallelResult } = run.engine.standIns;
  if (parallelResult) {
    const result = await parallelResult(run, effective);
    run.emit('ParallelStateSucceeded');
    return run.exit(result, state.Next);
  }
  // A failure's ParallelStateFailed is the driver's to record: none before a retry (see exitState).
  const results = await runChildFrames(run, {
    count: state.Branches.length,
    concurrency: state.Branches.length,
    definition: (index) => state.Branches[index]!,
    input: () => effective,
    abortsFailedTask: true,
  });
  run.emit('ParallelStateSucceeded');
  return run.exit(results, state.Next);
}

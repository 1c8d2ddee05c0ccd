import { resolveDynamicField } from '../data-flow.ts';
import { FailStateError, STATES_ERRORS, StatesError } from '../errors.ts';
import type { StateResult, StateRun } from '../state-run.ts';
import type { FailState } from '../types.ts';

/**
 * Fail: fails the frame with `Error`/`ErrorPath` and `Cause`/`CausePath` (paths or intrinsic functions); one
 * the state leaves out stays undefined, so the execution reports none.
 */
export function runFail(run: StateRun<FailState>): StateResult | Promise<StateResult> {
  const { Error: error, ErrorPath, Cause: cause, CausePath } = run.state;
  if (run.jsonata) return failJsonata(run);
  throw new FailStateError(
    error ?? dynamicString(run, 'ErrorPath', ErrorPath),
    cause ?? dynamicString(run, 'CausePath', CausePath),
  );
}

/** The string `path` selects for `field`; a `States.Runtime` error (with AWS's state prefix) otherwise. */
function dynamicString(
  run: StateRun<FailState>,
  field: 'ErrorPath' | 'CausePath',
  path: string | undefined,
): string | undefined {
  if (path === undefined) return undefined;
  const value = resolveDynamicField(field, path, run.input, run.contextSource(), run.frame);
  if (typeof value !== 'string') {
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `The field '${field}' ('${path}') must select a string, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** A JSONata Fail state: `Error` and `Cause` may be `{% %}` expressions, which must give strings. */
async function failJsonata(run: StateRun<FailState>): Promise<never> {
  const states = run.states();
  const text = async (field: 'Error' | 'Cause') => {
    const value = run.state[field];
    return value === undefined ? undefined : ((await run.evaluate(value, field, states, 'string')) as string);
  };
  throw new FailStateError(await text('Error'), await text('Cause'));
}

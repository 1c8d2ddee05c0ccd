import { resolvePayloadTemplate } from '../data-flow.ts';
import { StatesError } from '../errors.ts';
import type { StateResult, StateRun } from '../state-run.ts';
import type { FailState } from '../types.ts';

/** Fail: fails the frame with `Error`/`ErrorPath` and `Cause`/`CausePath` (paths or intrinsic functions). */
export function runFail(run: StateRun<FailState>): StateResult {
  const { Error: error, ErrorPath, Cause: cause, CausePath } = run.state;
  throw new StatesError(
    error ?? dynamicString(run, 'ErrorPath', ErrorPath) ?? '',
    cause ?? dynamicString(run, 'CausePath', CausePath) ?? '',
  );
}

function dynamicString(
  run: StateRun<FailState>,
  field: string,
  path: string | undefined,
): string | undefined {
  if (path === undefined) return undefined;
  const template = { [`${field}.$`]: path };
  const resolved = resolvePayloadTemplate(template, run.input, run.contextSource(), run.frame) as Record<
    string,
    unknown
  >;
  const value = resolved[field];
  if (typeof value !== 'string') {
    throw new StatesError(
      'States.Runtime',
      `${field} '${path}' must select a string (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

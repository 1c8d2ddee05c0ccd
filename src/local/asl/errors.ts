/**
 * Errors raised while evaluating Amazon States Language expressions. Their `name` is the Step Functions
 * error name (`States.Runtime`, ...), so `Retry`/`Catch` `ErrorEquals` match them as AWS does.
 */

/** Every predefined `States.*` error name, as the Amazon States Language defines them. */
export const STATES_ERRORS = {
  ALL: 'States.ALL',
  HeartbeatTimeout: 'States.HeartbeatTimeout',
  Timeout: 'States.Timeout',
  TaskFailed: 'States.TaskFailed',
  Permissions: 'States.Permissions',
  ResultPathMatchFailure: 'States.ResultPathMatchFailure',
  ParameterPathFailure: 'States.ParameterPathFailure',
  QueryEvaluationError: 'States.QueryEvaluationError',
  BranchFailed: 'States.BranchFailed',
  NoChoiceMatched: 'States.NoChoiceMatched',
  IntrinsicFailure: 'States.IntrinsicFailure',
  ExceedToleratedFailureThreshold: 'States.ExceedToleratedFailureThreshold',
  ItemReaderFailed: 'States.ItemReaderFailed',
  ResultWriterFailed: 'States.ResultWriterFailed',
  DataLimitExceeded: 'States.DataLimitExceeded',
  Runtime: 'States.Runtime',
} as const;

/** One of the predefined `States.*` error names. */
export type StatesErrorName = (typeof STATES_ERRORS)[keyof typeof STATES_ERRORS];

/** The set of {@link STATES_ERRORS} values, e.g. to tell a predefined name from a custom one. */
export const STATES_ERROR_NAMES: ReadonlySet<string> = new Set(Object.values(STATES_ERRORS));

/**
 * A Step Functions error: `error` (also `name`) is what `ErrorEquals` matches, `causeText` is the
 * execution history's `cause`.
 *
 * @example
 * throw new StatesError(STATES_ERRORS.Runtime, "Invalid path '$.a' : No results for path: $['a']");
 */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    readonly causeText: string,
    options?: { cause?: unknown },
  ) {
    super(causeText, options);
    this.name = error;
  }
}

/** Any thrown value as a StatesError: unexpected ones become `States.Runtime`. */
export function asStatesError(thrown: unknown): StatesError {
  if (thrown instanceof StatesError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new StatesError(STATES_ERRORS.Runtime, message, { cause: thrown });
}

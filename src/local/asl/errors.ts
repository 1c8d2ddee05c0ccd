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
 * execution history's `cause`. Either is undefined when a Fail state leaves it out (AWS then reports none).
 *
 * @example
 * throw new StatesError(STATES_ERRORS.Runtime, "Invalid path '$.a' : No results for path: $['a']");
 */
export class StatesError extends Error {
  constructor(
    readonly error: string | undefined,
    readonly causeText: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(causeText, options);
    if (error !== undefined) this.name = error;
  }
}

/**
 * The error a Fail state raises with its `Error` and `Cause`: its cause stays as written, even for
 * `States.Runtime` (no state prefix).
 */
export class FailStateError extends StatesError {}

/**
 * A `States.QueryEvaluationError` a JSONata state raised in one of its own fields, recorded in an
 * `EvaluationFailed` history event: `location` is the field (`Output/a`, `Items`), none for a Map state whose
 * input is not an array. `linksToEntered` when AWS links the event to the StateEntered event (a Wait's
 * Timestamp that is no timestamp), not to the event before it.
 */
export class EvaluationError extends StatesError {
  constructor(
    causeText: string,
    readonly location: string | undefined,
    readonly linksToEntered = false,
  ) {
    super(STATES_ERRORS.QueryEvaluationError, causeText);
  }
}

/**
 * `causeText` with AWS's prefix for an error a state raised itself, naming the state and its StateEntered event.
 *
 * @example
 * statePrefixed('P', 2, 'Invalid path ...'); // "An error occurred while executing the state 'P' (entered at the event id #2). Invalid path ..."
 */
export function statePrefixed(state: string, enteredEventId: number, causeText: string): string {
  return `An error occurred while executing the state '${state}' (entered at the event id #${enteredEventId}). ${causeText}`;
}

/** `cause` without the prefix {@link statePrefixed} gives it for `state`; other causes as they are. */
export function withoutStatePrefix(cause: string, state: string): string {
  const prefix = `An error occurred while executing the state '${state}' (entered at the event id #`;
  if (!cause.startsWith(prefix)) return cause;
  const rest = /^\d+\)\. /.exec(cause.slice(prefix.length));
  return rest ? cause.slice(prefix.length + rest[0].length) : cause;
}

/** `States.ItemReaderFailed` with `cause`: a Distributed Map's `ItemReader` could not read its items. */
export function itemReaderFailed(cause: string): StatesError {
  return new StatesError(STATES_ERRORS.ItemReaderFailed, cause);
}

/**
 * A task whose `TimeoutSeconds` elapsed: recorded as `States.Timeout` without a cause (TaskTimedOut,
 * ExecutionFailed), as AWS records it, while a Catcher gets `{ "Error": "States.Timeout", "Cause": "" }`
 * (LocalStack's AWS-recorded `test_invoke_timeout`).
 */
export class TaskTimeoutError extends StatesError {
  constructor() {
    super(STATES_ERRORS.Timeout, undefined);
  }
}

/**
 * A task token's task that got no heartbeat within its `HeartbeatSeconds`: recorded as `States.Timeout`
 * without a cause, as AWS records it, and matched by a retrier or catcher naming `States.HeartbeatTimeout`
 * as well as `States.Timeout`.
 */
export class HeartbeatTimeoutError extends StatesError {
  constructor() {
    super(STATES_ERRORS.Timeout, undefined);
  }
}

/**
 * An error a branch or iteration recorded before a restart, raised again as it was recorded: its cause
 * already names the state that raised it, so no state prefixes it again.
 */
export class RecordedError extends StatesError {}

/** A {@link StatesError} as a cursor keeps it: what {@link raiseAgain} needs to raise the same error. */
export interface StoredError {
  error?: string;
  cause?: string;
  /** Which timeout a `States.Timeout` without a cause was: they differ in what retriers and catchers see. */
  timeout?: 'task' | 'heartbeat';
}

/** `error` as a cursor keeps it. */
export function storedError(error: StatesError): StoredError {
  const stored: StoredError = errorDetails(error.error, error.causeText);
  if (error instanceof TaskTimeoutError) stored.timeout = 'task';
  else if (error instanceof HeartbeatTimeoutError) stored.timeout = 'heartbeat';
  return stored;
}

/** The error {@link storedError} kept, to raise again after a restart. */
export function raiseAgain(stored: StoredError): StatesError {
  if (stored.timeout === 'task') return new TaskTimeoutError();
  if (stored.timeout === 'heartbeat') return new HeartbeatTimeoutError();
  return new RecordedError(stored.error, stored.cause);
}

/**
 * `{ error, cause }` of a history event or an execution's end, without the ones that are undefined.
 *
 * @example
 * errorDetails('Broke', undefined); // { error: 'Broke' }
 */
export function errorDetails(
  error: string | undefined,
  cause: string | undefined,
): { error?: string; cause?: string } {
  const details: { error?: string; cause?: string } = {};
  if (error !== undefined) details.error = error;
  if (cause !== undefined) details.cause = cause;
  return details;
}

/**
 * The `{ Error, Cause }` a Catcher passes on (and its `Assign` reads), without an absent one; a
 * {@link TaskTimeoutError}'s absent cause is passed on as `""`, as AWS does.
 */
export function errorOutput(error: StatesError): { Error?: string; Cause?: string } {
  const output: { Error?: string; Cause?: string } = {};
  if (error.error !== undefined) output.Error = error.error;
  if (error.causeText !== undefined) output.Cause = error.causeText;
  else if (error instanceof TaskTimeoutError) output.Cause = '';
  return output;
}

/** Any thrown value as a StatesError: unexpected ones become `States.Runtime`. */
export function asStatesError(thrown: unknown): StatesError {
  if (thrown instanceof StatesError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new StatesError(STATES_ERRORS.Runtime, message, { cause: thrown });
}

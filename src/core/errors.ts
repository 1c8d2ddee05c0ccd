/**
 * Error names are a contract with the state machines: a task throws an `Error` whose `name` is matched
 * by `Retry` and `Catch` `ErrorEquals`. Every name used in `statemachines/` is a class here.
 */

/** Base of every Cutover error: `name` is the class's error name, `cause` is kept. */
export abstract class CutoverError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.errorName;
  }
  /** The name state machines match on; each subclass sets it. */
  static readonly errorName: string = 'CutoverError';
}

/** A request failed schema validation; the message names every bad field and the allowed values. */
export class ValidationError extends CutoverError {
  static override readonly errorName = 'ValidationError';
}

/**
 * A database that refused a connection: no such database, role or host, no password or a wrong one, TLS
 * that does not verify, a secret naming it that cannot be read. A `ValidationError` to the state machines (not retried); a command that only reads
 * the database for information tells it apart from a check the data failed.
 */
export class DatabaseConnectionError extends ValidationError {}

/** Another release of the same service holds the lock. */
export class ServiceLockedError extends CutoverError {
  static override readonly errorName = 'ServiceLocked';
}

/**
 * The same request started again (an event delivered twice, a client's retry) while its first execution
 * runs and holds the service: this one changed nothing, and nobody is notified.
 */
export class DuplicateReleaseError extends CutoverError {
  static override readonly errorName = 'DuplicateRelease';
}

/** Analysis judged the new version unhealthy. */
export class AnalysisFailedError extends CutoverError {
  static override readonly errorName = 'AnalysisFailed';
}

/** Analysis stayed inconclusive past `inconclusiveLimit`. */
export class AnalysisInconclusiveError extends CutoverError {
  static override readonly errorName = 'AnalysisInconclusive';
}

/** A track did not become ready before its progress deadline, or reported a failed rollout. */
export class RolloutDeadlineExceededError extends CutoverError {
  static override readonly errorName = 'RolloutDeadlineExceeded';
}

/** A track's rollout failed (crash loop, image pull error, ...). */
export class RolloutFailedError extends CutoverError {
  static override readonly errorName = 'RolloutFailed';
}

/**
 * A track about to take all traffic is not fully ready (a pod restarting, rescheduled): the state machine
 * checks again a few times, then rolls back.
 */
export class TrackNotReadyError extends CutoverError {
  static override readonly errorName = 'TrackNotReady';
}

/** A person rejected the approval. */
export class ApprovalRejectedError extends CutoverError {
  static override readonly errorName = 'ApprovalRejected';
}

/** Nobody approved before the approval's timeout. */
export class ApprovalTimedOutError extends CutoverError {
  static override readonly errorName = 'ApprovalTimedOut';
}

/**
 * No failure: a paused canary step got its answer (or timed out with `approval.onTimeout: continue`). The
 * pause's Fail state raises it to end the checks that run beside the wait, as only a failing branch ends a
 * Parallel state early; the state catches it and goes on to the next step.
 */
export class PauseAnsweredError extends CutoverError {
  static override readonly errorName = 'PauseAnswered';
}

/** A webhook answered other than 2xx, or not in time. */
export class HookFailedError extends CutoverError {
  static override readonly errorName = 'HookFailed';
}

/** The routing object's controller refused it (a Gateway did not accept the HTTPRoute): no weight of it is in effect. */
export class RouteNotAcceptedError extends CutoverError {
  static override readonly errorName = 'RouteNotAccepted';
}

/** A router was asked for weights it cannot express (e.g. 10/90 on a Service selector). */
export class UnsupportedWeightError extends CutoverError {
  static override readonly errorName = 'UnsupportedWeight';
}

/** A factory was given a `type` it does not know. */
export class UnknownAdapterTypeError extends CutoverError {
  static override readonly errorName = 'UnknownAdapterType';
}

/** A transient adapter failure (5xx, timeout, throttling): the state machines retry it. */
export class TransientAdapterError extends CutoverError {
  static override readonly errorName = 'TransientAdapterError';
}

/** A backup key does not exist in the backup store. */
export class BackupNotFoundError extends CutoverError {
  static override readonly errorName = 'BackupNotFound';
}

/** An already-applied migration's file changed since it was applied (its checksum differs). */
export class MigrationChecksumMismatchError extends CutoverError {
  static override readonly errorName = 'MigrationChecksumMismatch';
}

/** A schema migration failed; its transaction was rolled back. */
export class MigrationFailedError extends CutoverError {
  static override readonly errorName = 'MigrationFailed';
}

/**
 * Another session held the database's migration lock for as long as a migration may wait: no migration ran.
 */
export class MigrationLockedError extends CutoverError {
  static override readonly errorName = 'MigrationLocked';
}

/**
 * Source and target differ after a copy: the message names the table, the row counts and checksums, or the
 * columns whose new type changes copied values, with their types and how many rows.
 */
export class ValidationFailedError extends CutoverError {
  static override readonly errorName = 'ValidationFailed';
}

/** A table without a primary key is over the size that can be copied whole in one task. */
export class TableTooLargeWithoutPrimaryKeyError extends CutoverError {
  static override readonly errorName = 'TableTooLargeWithoutPrimaryKey';
}

/** A copy would write into a target table that already holds rows it did not copy. */
export class TargetNotEmptyError extends CutoverError {
  static override readonly errorName = 'TargetNotEmpty';
}

/** A database backup could not be taken (logical export or RDS snapshot). */
export class BackupFailedError extends CutoverError {
  static override readonly errorName = 'BackupFailed';
}

/**
 * RDS refused a call because the DB instance is not `available` (a backup window, a modification, a snapshot
 * still running): the state machines retry it every minute for half an hour before failing with it.
 */
export class DatabaseInstanceBusyError extends CutoverError {
  static override readonly errorName = 'DatabaseInstanceBusy';
}

/** Loading a backup back failed; the restore's transaction was rolled back. */
export class RestoreFailedError extends CutoverError {
  static override readonly errorName = 'RestoreFailed';
}

/** Emptying the tables a failed run copied into failed; its transaction was rolled back. */
export class CopyUndoFailedError extends CutoverError {
  static override readonly errorName = 'CopyUndoFailed';
}

/** An RDS Blue/Green deployment failed, or did not switch over before its timeout. */
export class BlueGreenSwitchoverFailedError extends CutoverError {
  static override readonly errorName = 'BlueGreenSwitchoverFailed';
}

/**
 * A task of a stopped execution, still in flight, found the execution's rollback under way: it changed
 * nothing, so the rollback's restore stands.
 */
export class ExecutionStoppedError extends CutoverError {
  static override readonly errorName = 'ExecutionStopped';
}

/**
 * A rollback's capacity check ended with a track it gives traffic back to that has no ready replica: the
 * rollback stops before it moves the traffic, so that no request goes to that track; the weights, and the
 * new track that has them, stay as the release left them.
 */
export class RollbackStoppedError extends CutoverError {
  static override readonly errorName = 'RollbackStopped';
}

/** Every error class the state machines may name, for the `ErrorEquals` contract test. */
export const CUTOVER_ERRORS = [
  ValidationError,
  ServiceLockedError,
  DuplicateReleaseError,
  AnalysisFailedError,
  AnalysisInconclusiveError,
  RolloutDeadlineExceededError,
  RolloutFailedError,
  TrackNotReadyError,
  ApprovalRejectedError,
  ApprovalTimedOutError,
  PauseAnsweredError,
  UnsupportedWeightError,
  RouteNotAcceptedError,
  HookFailedError,
  UnknownAdapterTypeError,
  TransientAdapterError,
  BackupNotFoundError,
  MigrationChecksumMismatchError,
  MigrationFailedError,
  MigrationLockedError,
  ValidationFailedError,
  TableTooLargeWithoutPrimaryKeyError,
  TargetNotEmptyError,
  BackupFailedError,
  DatabaseInstanceBusyError,
  RestoreFailedError,
  CopyUndoFailedError,
  BlueGreenSwitchoverFailedError,
  ExecutionStoppedError,
  RollbackStoppedError,
] as const;

/** The names of {@link CUTOVER_ERRORS}. */
export const CUTOVER_ERROR_NAMES: ReadonlySet<string> = new Set(CUTOVER_ERRORS.map((e) => e.errorName));

/**
 * Errors the AWS Lambda service (not the function's code) raises for a task; the state machines retry them.
 * `Lambda.Unknown` is a function that timed out, ran out of memory or crashed (retried twice, as Cutover's
 * tasks are idempotent). Not Cutover errors, but names the `ErrorEquals` contract accepts.
 */
export const LAMBDA_SERVICE_ERROR_NAMES: ReadonlySet<string> = new Set([
  'Lambda.ServiceException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.Unknown',
]);

/**
 * The readable part of a state error's `Cause`: a Lambda function error's cause is its JSON
 * (`{"errorMessage", "errorType", "stackTrace"}`), of which only the message is for people; a rejected
 * approval's (`error` `ApprovalRejected`) is the reject body, read by {@link rejectionText}.
 *
 * @example
 * readableCause('{"errorMessage":"errorRate 0.3 > 0.05","errorType":"AnalysisFailed","stackTrace":[]}'); // 'errorRate 0.3 > 0.05'
 * readableCause('{"approver":"ci"}', 'ApprovalRejected'); // 'rejected by ci (no reason given)'
 */
export function readableCause(cause: string | undefined, error?: string): string | undefined {
  if (error === ApprovalRejectedError.errorName) return rejectionText(cause);
  const message = parsedObject(cause)?.errorMessage;
  return typeof message === 'string' ? message : cause;
}

/**
 * A Step Functions error as one line: its name, and its readable cause in parentheses when there is one.
 *
 * @example
 * failureSummary({ Error: 'Aborted', Cause: 'bad canary' }); // 'Aborted (bad canary)'
 */
export function failureSummary(error: { readonly Error: string; readonly Cause?: string }): string {
  const readable = readableCause(error.Cause, error.Error);
  return readable ? `${error.Error} (${readable})` : error.Error;
}

/**
 * A Step Functions error as an event's detail: its name and its readable cause.
 *
 * @example
 * errorDetail({ Error: 'AnalysisFailed', Cause: '{"errorMessage":"errorRate 0.3 > 0.05"}' });
 * // { error: 'AnalysisFailed', cause: 'errorRate 0.3 > 0.05' }
 */
export function errorDetail(error: { readonly Error: string; readonly Cause?: string }) {
  return { error: error.Error, cause: readableCause(error.Cause, error.Error) };
}

/**
 * How a rejection reads: its cause is the reject body `{ reason?, approver? }` as JSON (`cutover reject`,
 * the release API and the approval machine send it so); a cause that is no such body is kept as it is.
 *
 * @example
 * rejectionText('{"reason":"p99 too high","approver":"ci"}'); // 'rejected by ci: p99 too high'
 * rejectionText('{}'); // 'rejected (no reason given)'
 */
function rejectionText(cause: string | undefined): string | undefined {
  const rejection = rejectionOf(cause);
  return rejection ? rejectedText(rejection) : cause;
}

/** Who rejected an approval and why, as the reject body gives them; either may be missing. */
export interface Rejection {
  readonly approver?: string;
  readonly reason?: string;
}

/** How a rejection without a reason (none, or a blank one) says so. */
export const NO_REASON_GIVEN = 'no reason given';

/**
 * The reject body `{ reason?, approver? }` a rejection's cause holds as JSON, without blank fields;
 * `undefined` for a cause that is no such body.
 *
 * @example
 * rejectionOf('{"reason":" ","approver":"ci"}'); // { approver: 'ci' }
 */
export function rejectionOf(cause: string | undefined): Rejection | undefined {
  const body = parsedObject(cause);
  if (!body) return undefined;
  const approver = typeof body.approver === 'string' ? body.approver : '';
  const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
  return { ...(approver ? { approver } : {}), ...(reason ? { reason } : {}) };
}

/**
 * A rejection as one phrase.
 *
 * @example
 * rejectedText({ approver: 'ci', reason: 'p99 too high' }); // 'rejected by ci: p99 too high'
 * rejectedText({}); // 'rejected (no reason given)'
 */
export function rejectedText({ approver, reason }: Rejection): string {
  return `rejected${approver ? ` by ${approver}` : ''}${reason ? `: ${reason}` : ` (${NO_REASON_GIVEN})`}`;
}

/** A cause that is a JSON object, parsed; anything else is undefined. */
function parsedObject(cause: string | undefined): Record<string, unknown> | undefined {
  if (!cause?.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(cause);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

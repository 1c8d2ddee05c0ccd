import { isDeepStrictEqual } from 'node:util';
import { executionNameOf } from '#core/api-routes.ts';
import { cliFlagsFor } from '#core/cli-flags.ts';
import { DuplicateReleaseError, ExecutionStoppedError } from '#core/errors.ts';
import type { ExecutionOutcome, ExecutionReader } from '#core/ports/executions.ts';
import type { Lock } from '#core/ports/lock.ts';
import type { ServiceRef } from '#core/types.ts';
import { serviceLocked } from './service-locked.ts';
import { logger } from './task-handler.ts';

/**
 * How long a free lock taken back by its execution lasts (its own expired while it timed out and waited
 * for a redrive): a day, the margin a release's lock has beyond its plan; its Unlock gives it back sooner.
 */
const RETAKEN_LOCK_SECONDS = 86_400;

/** Whom a task works for: a release or migration, or the rollback that claimed its clean-up. */
export interface FencedExecution {
  readonly service: ServiceRef;
  /** The release's (or migration's) execution, the owner of `service`'s lock. */
  readonly executionArn: string;
  /** The rollback this task runs in, when it runs in one: its own claim does not stop it. */
  readonly rollbackArn?: string;
}

/**
 * Throws `ExecutionStopped` when the execution may no longer change its service, so a task that changes
 * the service or the database calls this before each change:
 * - a rollback (other than `rollbackArn`) has claimed its clean-up, or claimed it and holds it no longer (it
 *   failed, or was stopped mid-way). Step Functions does not cancel a task in flight when its execution is
 *   stopped, and a stopped execution can be redriven (`RedriveExecution`, within 14 days) after its
 *   rollback put the service back: it must not undo what the rollback did, nor go on with a release that
 *   was stopped;
 * - another execution holds the service's lock: this one lost it (its lock expired, or it gave it back and
 *   was redriven), and changing the service, or restoring its own backup, would undo what that one changes.
 * A free lock (it expired while the execution timed out, say) is taken back first, so no other release
 * starts while this one changes the service.
 * The message says the task changed nothing, or what `whatItDid` makes of the stop.
 *
 * @example
 * await refuseIfFencedOff(lock, { service: request.service, executionArn }, 'set-weights');
 * await router.setWeights(service, weights);
 */
export async function refuseIfFencedOff(
  lock: Lock,
  { service, executionArn, rollbackArn }: FencedExecution,
  task: string,
  whatItDid: (stopped: string) => string = changedNothing(task),
): Promise<void> {
  await refuseIfRolledBack(lock, executionArn, whatItDid, rollbackArn);
  let holder = await lock.holder(service);
  if (holder === undefined && (await lock.acquire(service, executionArn, RETAKEN_LOCK_SECONDS))) return;
  holder ??= await lock.holder(service);
  if (holder !== undefined && holder !== executionArn) {
    throw new ExecutionStoppedError(
      whatItDid(
        `${service.namespace}/${service.name} is locked by ${holder}, not by ${executionArn}, which lost ` +
          "the lock: what it would change is that execution's to change now",
      ),
    );
  }
}

/** The words of a stop that kept `task` from changing anything. */
const changedNothing = (task: string) => (stopped: string) => `${task} changed nothing: ${stopped}`;

/**
 * Throws `ExecutionStopped` (`whatItDid` with the stop) when a rollback other than `rollbackArn` holds the
 * claim on `executionArn`'s clean-up, or, for the execution's own tasks (no `rollbackArn`), when a rollback
 * claimed it and holds it no longer (it failed, or was stopped mid-way): the execution was stopped either way.
 */
async function refuseIfRolledBack(
  lock: Lock,
  executionArn: string,
  whatItDid: (stopped: string) => string,
  rollbackArn?: string,
): Promise<void> {
  const claim = await lock.rollbackOf(executionArn);
  if (claim === undefined || claim.rollbackArn === rollbackArn) return;
  if (!claim.givenUp) {
    throw new ExecutionStoppedError(
      whatItDid(`${executionArn} was stopped, and its rollback ${claim.rollbackArn} owns the clean-up`),
    );
  }
  // A claim given up (its rollback failed) or lapsed (stopped mid-way) leaves the clean-up to the next run of
  // the rollback machine, never to the stopped execution.
  if (rollbackArn === undefined) {
    throw new ExecutionStoppedError(
      whatItDid(
        `${executionArn} was stopped, and its rollback ${claim.rollbackArn} ended without cleaning up: run ` +
          'the rollback machine again to clean up after it',
      ),
    );
  }
}

/**
 * Errors an execution can fail with past its `Catch`: `States.Runtime`, which nothing catches, and
 * `States.DataLimitExceeded`, which `States.ALL` catches from a task but a state without a `Catch` (a Pass
 * building a value over 256 KiB) raises too. An execution that failed with one may have run no rollback, so
 * its service may be half released.
 */
const UNCAUGHT_ERRORS: ReadonlySet<string> = new Set(['States.Runtime', 'States.DataLimitExceeded']);

/**
 * True for a holder that ended through its own end states and will not give the lock back: SUCCEEDED, or
 * FAILED with the error its failure path ended on (its Unlock failed). Not one that failed with an error
 * nothing catches, timed out (no `Catch` runs) or was aborted (its rollback gives the lock back once it has
 * cleaned up): their service may be as they left it, and a person should look first.
 */
function endedThroughItsEnd(holder: ExecutionOutcome | undefined): boolean {
  if (holder?.status === 'SUCCEEDED') return true;
  return holder?.status === 'FAILED' && !UNCAUGHT_ERRORS.has(holder.error ?? 'States.Runtime');
}

/**
 * Locks `service` for `executionArn` for `ttlSeconds`. When another execution holds it, the lock is taken
 * over if `executions` (built only then) says that holder ended through its own end states (see
 * {@link endedThroughItsEnd}: its Unlock failed), with a warning naming it; otherwise the task fails
 * `DuplicateRelease` when the holder runs the same request, `ServiceLocked` naming the holder else. When a rollback claimed the execution meanwhile (it was stopped while this task ran,
 * and its rollback found nothing locked yet), the lock is given back and the task fails `ExecutionStopped`:
 * a stopped execution must not hold the service (a failure to give it back is added to that error's
 * message, not put in its place).
 *
 * @example
 * await lockForExecution({ lock, executions: deps.executions }, request.service, executionArn, 86_400, 'validate-request');
 */
export async function lockForExecution(
  { lock, executions }: { lock: Lock; executions: () => Promise<ExecutionReader> },
  service: ServiceRef,
  executionArn: string,
  ttlSeconds: number,
  task: string,
): Promise<void> {
  if (!(await lock.acquire(service, executionArn, ttlSeconds))) {
    await takeOverFromEnded(lock, executions, service, executionArn, ttlSeconds);
  }
  try {
    await refuseIfRolledBack(lock, executionArn, changedNothing(task));
  } catch (error) {
    const releaseError = await lock.release(service, executionArn).then(
      () => undefined,
      (failure: Error) => failure,
    );
    if (releaseError && error instanceof ExecutionStoppedError) {
      throw new ExecutionStoppedError(
        `${error.message}; giving ${service.namespace}/${service.name}'s lock back failed too ` +
          `(${releaseError.message}): its rollback releases it`,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Whether `executionArn` was started as the running `holder` was: by the same state machine with the same
 * input (an event delivered twice, a client retrying a start), whatever the JSON's key order and spacing.
 */
async function startedAlike(
  reader: ExecutionReader,
  holder: string,
  running: ExecutionOutcome,
  executionArn: string,
): Promise<boolean> {
  const machineOf = (arn: string) => arn.slice(0, arn.lastIndexOf(':'));
  if (machineOf(holder) !== machineOf(executionArn) || running.input === undefined) return false;
  const own = (await reader.describe(executionArn))?.input;
  return own !== undefined && isDeepStrictEqual(JSON.parse(own), JSON.parse(running.input));
}

/**
 * Takes the lock over from a holder that ended holding it; `DuplicateRelease` when the running holder was
 * started with the same request (see {@link startedAlike}), `ServiceLocked` naming the holder otherwise.
 */
async function takeOverFromEnded(
  lock: Lock,
  executions: () => Promise<ExecutionReader>,
  service: ServiceRef,
  executionArn: string,
  ttlSeconds: number,
): Promise<void> {
  const holder = await lock.holder(service);
  if (holder === undefined) {
    // Freed (or expired) since the refusal: acquire as usual.
    if (await lock.acquire(service, executionArn, ttlSeconds)) return;
    throw serviceLocked(service, await lock.holder(service));
  }
  const reader = await executions();
  const ended = await reader.describe(holder);
  if (!endedThroughItsEnd(ended)) {
    if (ended?.status === 'RUNNING' && (await startedAlike(reader, holder, ended, executionArn))) {
      throw new DuplicateReleaseError(
        `the same request as ${holder}, which is running: this execution changed nothing (\`cutover watch ${executionNameOf(holder)}${cliFlagsFor(holder)}\` follows it)`,
      );
    }
    throw serviceLocked(service, holder, ended);
  }
  if (!(await lock.takeOver(service, holder, executionArn, ttlSeconds))) {
    throw serviceLocked(service, await lock.holder(service));
  }
  logger.warn('took over the lock of an execution that ended holding it', {
    service: `${service.namespace}/${service.name}`,
    previousHolder: holder,
    previousHolderStatus: ended?.status,
    previousHolderError: ended?.error,
  });
}

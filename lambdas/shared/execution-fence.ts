import { ExecutionStoppedError } from '#core/errors.ts';
import type { Lock } from '#core/ports/lock.ts';
import type { ServiceRef } from '#core/types.ts';
import { serviceLocked } from './service-locked.ts';

/**
 * Throws `ExecutionStopped` when a rollback has claimed `executionArn`'s clean-up. Step Functions does not
 * cancel a task in flight when its execution is stopped: a task that changes the service or the database
 * calls this before each change, so it cannot undo what the rollback put back.
 *
 * @example
 * await refuseIfRolledBack(lock, executionArn, 'set-weights');
 * await router.setWeights(service, weights);
 */
export async function refuseIfRolledBack(lock: Lock, executionArn: string, task: string): Promise<void> {
  const rollbackArn = await lock.rollbackOf(executionArn);
  if (rollbackArn) {
    throw new ExecutionStoppedError(
      `${task} changed nothing: ${executionArn} was stopped and its rollback ${rollbackArn} is putting the service back`,
    );
  }
}

/**
 * Locks `service` for `executionArn` for `ttlSeconds`: `ServiceLocked` naming the holder when another
 * execution holds it. When a rollback claimed the execution meanwhile (it was stopped while this task ran,
 * and its rollback found nothing locked yet), the lock is given back and the task fails `ExecutionStopped`:
 * a stopped execution must not hold the service (a failure to give it back is added to that error's
 * message, not put in its place).
 *
 * @example
 * await lockForExecution(lock, request.service, executionArn, 86_400, 'validate-request');
 */
export async function lockForExecution(
  lock: Lock,
  service: ServiceRef,
  executionArn: string,
  ttlSeconds: number,
  task: string,
): Promise<void> {
  if (!(await lock.acquire(service, executionArn, ttlSeconds))) {
    throw serviceLocked(service, await lock.holder(service));
  }
  try {
    await refuseIfRolledBack(lock, executionArn, task);
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

import { ExecutionStoppedError } from '#core/errors.ts';
import type { Lock } from '#core/ports/lock.ts';

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

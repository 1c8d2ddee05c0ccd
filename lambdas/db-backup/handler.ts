import { createBackupStoreFromEnvironment } from '#adapters/backup/index.ts';
import { backupTarget } from '#adapters/database/workflow.ts';
import { createLockFromEnvironment } from '#adapters/lock/index.ts';
import { executionNameOf } from '#core/api-routes.ts';
import { ExecutionStoppedError } from '#core/errors.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';
import { refuseIfFencedOff } from '#lambdas/shared/execution-fence.ts';
import { logger } from '#lambdas/shared/task-handler.ts';

/**
 * DbBackup: logical backup of the target database to the backup store; returns the manifest key. Before
 * each table, and every 5 s while one is read, it checks that no rollback claimed the execution
 * (`ExecutionStopped`: a stopped migration's backup ends there, its session too, with no manifest written).
 */
export const handler = dbTaskHandler('db-backup', {}, async ({ request, executionArn }) => {
  const lock = createLockFromEnvironment();
  // Only a stop ends the backup: a failed look-up (a throttled lock table) is logged, and checked again later.
  const checkStop = () =>
    refuseIfFencedOff(
      lock,
      { service: request.service, executionArn },
      'db-backup',
      (why) => `db-backup wrote no backup: ${why}`,
    ).catch((error: unknown) => {
      if (error instanceof ExecutionStoppedError) throw error;
      logger.warn('could not check whether the execution was stopped', { cause: (error as Error).message });
    });
  return {
    manifestKey: await backupTarget(
      request,
      createBackupStoreFromEnvironment(),
      executionNameOf(executionArn),
      {
        stop: { checkStop },
      },
    ),
  };
});

import { createBackupStoreFromEnvironment } from '#adapters/backup/index.ts';
import { migrateTarget } from '#adapters/database/workflow.ts';
import { createLockFromEnvironment } from '#adapters/lock/index.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';
import { refuseIfRolledBack } from '#lambdas/shared/execution-fence.ts';
import { logger } from '#lambdas/shared/task-handler.ts';

/**
 * DbMigrate: applies the request's migration phase (`MigrationFailed`, `MigrationChecksumMismatch`); a
 * statement still running when the function's time nearly runs out fails its migration, rolled back. While
 * another session holds the database's migration lock it waits (logged), up to
 * `migrations.lockWaitSeconds` (`MigrationLocked`); a migration that gave up a lock wait and is tried
 * again is logged too. A migration whose execution was stopped and claimed by its rollback applies
 * nothing (`ExecutionStopped`): checked before it connects, and again once it holds the migration lock,
 * as the stop may come while it waits for the lock.
 */
export const handler = dbTaskHandler('db-migrate', {}, async ({ request, executionArn }, invocation) => {
  const lock = createLockFromEnvironment();
  const refuseIfStopped = () => refuseIfRolledBack(lock, executionArn, 'db-migrate');
  await refuseIfStopped();
  const report = await migrateTarget(request, createBackupStoreFromEnvironment(), {
    timeLeftMs: invocation.timeLeftMs(),
    onLockWait: (holder) => logger.warn(`waiting for the migration lock, held by ${holder}`),
    onLockTimeout: (what) => logger.warn(what),
    beforeApplying: refuseIfStopped,
  });
  return { applied: report.applied.map((m) => m.version), pending: report.pending };
});

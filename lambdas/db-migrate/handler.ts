import { createBackupStoreFromEnvironment } from '#adapters/backup/index.ts';
import type { MigrationRunPoint } from '#adapters/database/migrations.ts';
import { migrateTarget } from '#adapters/database/workflow.ts';
import { createLockFromEnvironment } from '#adapters/lock/index.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';
import { refuseIfRolledBack } from '#lambdas/shared/execution-fence.ts';
import { logger } from '#lambdas/shared/task-handler.ts';

/**
 * What a migration run stopped at `point` leaves: `db-migrate stopped before V2__b: <stop>; V1__a, applied
 * before the stop, stays applied`, or that it changed nothing (naming what `transaction: all` rolled back).
 */
function stoppedRun({ committed, uncommitted, next }: MigrationRunPoint, stopped: string): string {
  if (committed.length > 0) {
    const stay = committed.length === 1 ? 'stays' : 'stay';
    return `db-migrate stopped before ${next}: ${stopped}; ${committed.join(', ')}, applied before the stop, ${stay} applied`;
  }
  const were = uncommitted.length === 1 ? 'was' : 'were';
  const rolledBack =
    uncommitted.length > 0 ? `; ${uncommitted.join(', ')} ${were} rolled back (transaction: all)` : '';
  return `db-migrate changed nothing: ${stopped}${rolledBack}`;
}

/**
 * DbMigrate: applies the request's migration phase (`MigrationFailed`, `MigrationChecksumMismatch`); a
 * statement still running when the function's time nearly runs out fails its migration, rolled back. While
 * another session holds the database's migration lock it waits (logged), up to
 * `migrations.lockWaitSeconds` (`MigrationLocked`); a migration that gave up a lock wait and is tried
 * again is logged too. A migration whose execution was stopped and claimed by its rollback applies no more
 * (`ExecutionStopped`, naming what stays applied): checked before it connects, once it holds the migration
 * lock (the stop may come while it waits for it), before each next migration, and before the COMMIT of
 * `transaction: all`, which the stop rolls back. A statement running at the stop runs to its end.
 */
export const handler = dbTaskHandler('db-migrate', {}, async ({ request, executionArn }, invocation) => {
  const lock = createLockFromEnvironment();
  await refuseIfRolledBack(lock, executionArn, 'db-migrate');
  const report = await migrateTarget(request, createBackupStoreFromEnvironment(), {
    timeLeftMs: invocation.timeLeftMs(),
    onLockWait: (holder) => logger.warn(`waiting for the migration lock, held by ${holder}`),
    onLockTimeout: (what) => logger.warn(what),
    beforeApplying: (point) =>
      refuseIfRolledBack(lock, executionArn, 'db-migrate', (stopped) => stoppedRun(point, stopped)),
  });
  return { applied: report.applied.map((m) => m.version), pending: report.pending };
});

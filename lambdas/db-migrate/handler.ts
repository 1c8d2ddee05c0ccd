import * as z from 'zod';
import { createBackupStoreFromEnvironment } from '#adapters/backup/index.ts';
import type { MigrationRunPoint } from '#adapters/database/migrations.ts';
import { migrateTarget } from '#adapters/database/workflow.ts';
import { createLockFromEnvironment } from '#adapters/lock/index.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';
import { refuseIfFencedOff } from '#lambdas/shared/execution-fence.ts';
import { logger } from '#lambdas/shared/task-handler.ts';

/**
 * What a migration run stopped at `point` left, if it applied anything: `V1__a, applied before the stop,
 * stays applied; the migrations from V2__b on were not` (`...; it was the last migration of the run` when
 * the stop came after its last), or what the stop rolled back of a run that committed nothing.
 */
function leftByStop({ committed, uncommitted, next }: MigrationRunPoint): string | undefined {
  if (committed.length > 0) {
    const stay = committed.length === 1 ? 'stays' : 'stay';
    const rest = next ? `the migrations from ${next} on were not` : 'it was the last migration of the run';
    return `${committed.join(', ')}, applied before the stop, ${stay} applied; ${rest}`;
  }
  if (uncommitted.length === 0) return undefined;
  return uncommitted.length === 1
    ? `${uncommitted[0]} was rolled back`
    : `${uncommitted.join(', ')} were rolled back (transaction: all)`;
}

/** The `ExecutionStopped` message of a run stopped at `point`: what `stopped` says, and what the run left. */
function stoppedRun(point: MigrationRunPoint, stopped: string): string {
  const left = leftByStop(point);
  if (point.committed.length > 0) {
    return `db-migrate stopped ${point.next ? `before ${point.next}` : 'after its last migration'}: ${stopped}; ${left}`;
  }
  return `db-migrate changed nothing: ${stopped}${left ? `; ${left}` : ''}`;
}

/**
 * DbMigrate: applies the request's migration phase (`MigrationFailed`, `MigrationChecksumMismatch`); a
 * statement still running when the function's time nearly runs out fails its migration, rolled back. While
 * another session holds the database's migration lock it waits (logged), up to
 * `migrations.lockWaitSeconds` (`MigrationLocked`); a migration that gave up a lock wait and is tried
 * again is logged too. A migration whose execution was stopped and claimed by its rollback applies no more
 * (`ExecutionStopped`, naming what stays applied): checked before it connects, once it holds the migration
 * lock (the stop may come while it waits for it), before each next migration and after the last, and before each
 * COMMIT, which the stop rolls back: a statement running at the stop runs to its end, and its migration (all
 * of the run's with `transaction: all`) is then rolled back. The
 * stop's rollback tells the on-call what stays applied once this run let go of the migration lock
 * (DbListApplied). With `startedAt` (when the execution started), it reports as `appliedEarlier` what an
 * attempt before it applied, cut off by a kill or a timeout.
 */
export const handler = dbTaskHandler(
  'db-migrate',
  { startedAt: z.iso.datetime({ offset: true }).optional() },
  async ({ request, executionArn, startedAt }, invocation) => {
    const lock = createLockFromEnvironment();
    await refuseIfFencedOff(lock, { service: request.service, executionArn }, 'db-migrate');
    const report = await migrateTarget(request, createBackupStoreFromEnvironment(), {
      timeLeftMs: invocation.timeLeftMs(),
      ...(startedAt && { since: new Date(startedAt) }),
      onLockWait: (holder) => logger.warn(`waiting for the migration lock, held by ${holder}`),
      onLockTimeout: (what) => logger.warn(what),
      beforeApplying: (point) =>
        refuseIfFencedOff(lock, { service: request.service, executionArn }, 'db-migrate', (stopped) =>
          stoppedRun(point, stopped),
        ),
    });
    if (report.withoutFile.length > 0) {
      logger.warn(`applied but without a file among the migrations: ${report.withoutFile.join(', ')}`);
    }
    return {
      applied: report.applied.map((m) => m.version),
      appliedEarlier: report.appliedEarlier,
      pending: report.pending,
      withoutFile: report.withoutFile,
    };
  },
);

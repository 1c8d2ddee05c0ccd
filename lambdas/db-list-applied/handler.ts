import { migrationsAppliedByStopped, STOPPED_MIGRATE_WAIT_SECONDS } from '#adapters/database/workflow.ts';
import { createExecutionReaderFromEnvironment } from '#adapters/executions/index.ts';
import { ValidationError } from '#core/errors.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/** Time kept after the wait for the migration lock, to read the history and answer. */
const ANSWER_MARGIN_MS = 15_000;

/**
 * DbListApplied, in the rollback of a stopped database migration: the migrations the execution applied to
 * the target before its stop, which stay applied (`migrations`, as `V3__backfill`; see
 * `migrationsAppliedByStopped`), read once its Migrate task has ended. The execution's start comes from
 * Step Functions (`ValidationError` when it has no such execution).
 */
export const handler = dbTaskHandler('db-list-applied', {}, async ({ request, executionArn }, invocation) => {
  const execution = await createExecutionReaderFromEnvironment().describe(executionArn);
  if (!execution?.startDate) {
    throw new ValidationError(`executionArn: no execution ${executionArn} to read the start of`);
  }
  // A function with less time than the wait gives up while it can still answer MigrationLocked.
  const waitSeconds = Math.min(
    STOPPED_MIGRATE_WAIT_SECONDS,
    Math.max(0, (invocation.timeLeftMs() - ANSWER_MARGIN_MS) / 1000),
  );
  return { migrations: await migrationsAppliedByStopped(request, execution.startDate, { waitSeconds }) };
});

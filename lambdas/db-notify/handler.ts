import * as z from 'zod';
import { createNotifierFromEnvironment } from '#adapters/notifier/index.ts';
import { errorDetail, failureSummary } from '#core/errors.ts';
import { migrationsAppliedClause } from '#core/rollback.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';
import { stateErrorSchema } from '#lambdas/shared/task-handler.ts';

/**
 * What DeleteBlueGreen did after the failure or stop (its result; `none` when no deployment was requested),
 * or its own error.
 */
const blueGreenCleanupShape = z.union([
  z.object({
    outcome: z.enum(['deleted', 'gone', 'kept', 'none']),
    identifier: z.string().optional(),
    status: z.string().optional(),
    members: z.array(z.object({ blue: z.string(), green: z.string() })).optional(),
  }),
  stateErrorSchema,
]);

type BlueGreenCleanup = z.output<typeof blueGreenCleanupShape>;

/** What became of the execution's Blue/Green deployment, as a sentence of the Failed message ('' for none). */
function blueGreenSentence(cleanup: BlueGreenCleanup): string {
  if ('Error' in cleanup) return `; its Blue/Green deployment was not deleted: ${failureSummary(cleanup)}`;
  const { outcome, identifier, status, members = [] } = cleanup;
  if (outcome === 'deleted') return `; Blue/Green deployment ${identifier} deleted with its green instances`;
  if (outcome === 'gone' || outcome === 'none') return '';
  const green = members.map((m) => m.green).join(', ');
  const blue = members.map((m) => m.blue).join(', ');
  const kept = `; the old blue ${blue} and the deployment are kept`;
  if (status === 'SWITCHOVER_COMPLETED') {
    return `; Blue/Green deployment ${identifier} had switched over, so production now runs on the former green ${green}${kept}`;
  }
  if (status === 'SWITCHOVER_IN_PROGRESS') {
    return `; Blue/Green deployment ${identifier} was switching over, so production may be switching to the former green ${green}${kept}`;
  }
  return `; Blue/Green deployment ${identifier} kept: it is ${status}`;
}

/** What became of a Blue/Green deployment, for the event's detail (none when no deployment was requested). */
function cleanupDetail(blueGreen: BlueGreenCleanup | undefined) {
  if (blueGreen && 'Error' in blueGreen) return errorDetail(blueGreen);
  return blueGreen?.outcome === 'none' ? undefined : blueGreen;
}

/** What a stopped execution's rollback read of the migrations it applied (DbListApplied), or its error. */
const migrationsAppliedShape = z.union([z.object({ migrations: z.array(z.string()) }), stateErrorSchema]);

type MigrationsApplied = z.output<typeof migrationsAppliedShape>;

/**
 * The Failed event's detail: the error, what became of a Blue/Green deployment, a copy not undone, the
 * migrations a stopped execution applied.
 */
function failureDetail(error: {
  Error: string;
  Cause?: string;
  blueGreen?: BlueGreenCleanup;
  copyNotUndone?: { Error: string; Cause?: string };
  migrationsApplied?: MigrationsApplied;
}) {
  const cleanup = cleanupDetail(error.blueGreen);
  const applied = error.migrationsApplied;
  return {
    ...errorDetail(error),
    ...(cleanup ? { blueGreen: cleanup } : {}),
    ...(error.copyNotUndone ? { copyNotUndone: errorDetail(error.copyNotUndone) } : {}),
    ...(applied ? { migrationsApplied: 'Error' in applied ? errorDetail(applied) : applied.migrations } : {}),
  };
}

/**
 * DbNotify: publishes `Succeeded` or `Failed` (with the error's name and readable cause, what became of a
 * Blue/Green deployment, a copy UndoCopy could not undo, and after a stop, the migrations that stay
 * applied) for the database migration.
 */
export const handler = dbTaskHandler(
  'db-notify',
  {
    type: z.enum(['Succeeded', 'Failed']),
    error: stateErrorSchema
      .extend({
        blueGreen: blueGreenCleanupShape.optional(),
        /** UndoCopy's own error, when the target stayed out of reach: the copied rows are still there. */
        copyNotUndone: stateErrorSchema.optional(),
        /** In the rollback of a stop: the migrations the execution applied (DbListApplied), or its error. */
        migrationsApplied: migrationsAppliedShape.optional(),
      })
      .optional(),
  },
  async ({ request, executionArn, type, error }) => {
    const message = `database migration of ${request.service.namespace}/${request.service.name} ${type.toLowerCase()}`;
    const blueGreen = error?.blueGreen ? blueGreenSentence(error.blueGreen) : '';
    const copy = error?.copyNotUndone
      ? `; the copy was not undone (${failureSummary(error.copyNotUndone)}): the target keeps the rows copied so far, and a new run refuses it (TargetNotEmpty) saying how to empty it`
      : '';
    const applied = error?.migrationsApplied ? `; ${migrationsAppliedClause(error.migrationsApplied)}` : '';
    await createNotifierFromEnvironment().publish({
      type,
      service: request.service,
      executionArn,
      strategy: 'database-migration',
      message: error ? `${message}: ${failureSummary(error)}${blueGreen}${copy}${applied}` : message,
      ...(error ? { detail: failureDetail(error) } : {}),
      at: new Date().toISOString(),
    });
    return { type, published: true };
  },
);

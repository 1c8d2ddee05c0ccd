import * as z from 'zod';
import { createNotifierFromEnvironment } from '#adapters/notifier/index.ts';
import { failureSummary, readableCause } from '#core/errors.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/** DbNotify: publishes `Succeeded` or `Failed` (with the error's name and readable cause) for the database migration. */
export const handler = dbTaskHandler(
  'db-notify',
  {
    type: z.enum(['Succeeded', 'Failed']),
    error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
  },
  async ({ request, executionArn, type, error }) => {
    const message = `database migration of ${request.service.namespace}/${request.service.name} ${type.toLowerCase()}`;
    await createNotifierFromEnvironment().publish({
      type,
      service: request.service,
      executionArn,
      strategy: 'database-migration',
      message: error ? `${message}: ${failureSummary(error)}` : message,
      ...(error ? { detail: { error: error.Error, cause: readableCause(error.Cause, error.Error) } } : {}),
      at: new Date().toISOString(),
    });
    return { type, published: true };
  },
);

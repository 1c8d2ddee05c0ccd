import * as z from 'zod';
import { createNotifierFromEnvironment } from '#adapters/notifier/index.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/** DbNotify: publishes `Succeeded` or `Failed` (with the error's name) for the database migration. */
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
      message: error ? `${message}: ${error.Error}` : message,
      ...(error ? { detail: { error: error.Error, cause: error.Cause } } : {}),
      at: new Date().toISOString(),
    });
    return { type, published: true };
  },
);

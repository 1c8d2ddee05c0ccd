import * as z from 'zod';
import { runHooks } from '#adapters/hooks/webhooks.ts';
import { logger, taskHandler } from '#lambdas/shared/task-handler.ts';

/**
 * RunHooks: POSTs the release to each `hooks.beforeTraffic` webhook of the request in order, once the new
 * `track` is ready and before it takes traffic. Returns `{ hooks: [{ name, status, ms }] }`; throws
 * `HookFailed` at the first hook that answers other than 2xx or not in time (the release rolls back), and
 * `TransientAdapterError` when one cannot be reached (retried).
 */
export const handler = taskHandler(
  'run-hooks',
  { track: z.string().min(1) },
  async ({ strategy, request, executionArn, track }) => {
    const hooks = await runHooks(request.hooks?.beforeTraffic ?? [], {
      phase: 'beforeTraffic',
      strategy,
      service: request.service,
      release: {
        version: request.release.version,
        ...(request.release.image ? { image: request.release.image } : {}),
      },
      track,
      executionArn,
    });
    logger.info('hooks passed', { track, hooks });
    return { hooks };
  },
);

import * as z from 'zod';
import { clusterFamily, dependencies, lockFamily } from '#lambdas/shared/dependencies.ts';
import { refuseIfFencedOff } from '#lambdas/shared/execution-fence.ts';
import { taskHandler } from '#lambdas/shared/task-handler.ts';

/** Cleanup: removes the track the release no longer needs (the canary, or the drained old track). */
export const handler = taskHandler(
  'cleanup',
  { track: z.string().min(1) },
  async ({ request, executionArn, track }) => {
    const deps = dependencies(request, { cluster: clusterFamily, lock: lockFamily });
    const cluster = await deps.cluster();
    await refuseIfFencedOff(await deps.lock(), { service: request.service, executionArn }, 'cleanup');
    await cluster.remove(request.service, track);
    return { removed: track };
  },
);

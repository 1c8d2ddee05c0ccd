import * as z from 'zod';
import { clusterFamily, dependencies, lockFamily } from '#lambdas/shared/dependencies.ts';
import { refuseIfFencedOff } from '#lambdas/shared/execution-fence.ts';
import { taskHandler } from '#lambdas/shared/task-handler.ts';

/** ScaleTrack: sets a track's replicas (a no-op when it already has them, e.g. scaling an absent track to 0). */
export const handler = taskHandler(
  'scale-track',
  { track: z.string().min(1), replicas: z.number().int().min(0) },
  async ({ request, executionArn, track, replicas }) => {
    const deps = dependencies(request, { cluster: clusterFamily, lock: lockFamily });
    const cluster = await deps.cluster();
    const { desired } = await cluster.status(request.service, track);
    if (desired === replicas) return { track, replicas };
    await refuseIfFencedOff(await deps.lock(), { service: request.service, executionArn }, 'scale-track');
    await cluster.scale(request.service, track, replicas);
    return { track, replicas };
  },
);

import * as z from 'zod';
import { clusterFamily, dependencies } from '#lambdas/shared/dependencies.ts';
import { taskHandler } from '#lambdas/shared/task-handler.ts';

/** ScaleTrack: sets a track's replicas (a no-op when it already has them, e.g. scaling an absent track to 0). */
export const handler = taskHandler(
  'scale-track',
  { track: z.string().min(1), replicas: z.number().int().min(0) },
  async ({ request, track, replicas }) => {
    const cluster = await dependencies(request, { cluster: clusterFamily }).cluster();
    const { desired } = await cluster.status(request.service, track);
    if (desired !== replicas) await cluster.scale(request.service, track, replicas);
    return { track, replicas };
  },
);

import * as z from 'zod';
import { clusterFamily, dependencies } from '#lambdas/shared/dependencies.ts';
import { taskHandler } from '#lambdas/shared/task-handler.ts';

/**
 * DeployTrack: applies the request's release to `track` (with `replicas`, default the release's).
 * Returns the start of the rollout loop: `{ track, ready: false, attempt: 0 }`.
 */
export const handler = taskHandler(
  'deploy-track',
  { track: z.string().min(1), replicas: z.number().int().min(0).optional() },
  async ({ request, track, replicas }) => {
    const release = { ...request.release, replicas: replicas ?? request.release.replicas };
    await (await dependencies(request, { cluster: clusterFamily }).cluster()).apply(
      request.service,
      track,
      release,
    );
    return { track, ready: false, reason: 'applied', attempt: 0 };
  },
);

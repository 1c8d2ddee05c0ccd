import * as z from 'zod';
import { ValidationError } from '#core/errors.ts';
import { clusterFamily, dependencies } from '#lambdas/shared/dependencies.ts';
import { taskHandler } from '#lambdas/shared/task-handler.ts';

/**
 * DeployTrack: applies the request's release to `track` (with `replicas`, default the release's, which
 * ValidateRequest filled in when the request left them out). Returns the start of the rollout loop:
 * `{ track, ready: false, attempt: 0 }`.
 */
export const handler = taskHandler(
  'deploy-track',
  { track: z.string().min(1), replicas: z.number().int().min(0).optional() },
  async ({ request, track, replicas }) => {
    const count = replicas ?? request.release.replicas;
    if (count === undefined) {
      throw new ValidationError(
        'release.replicas: not given, nor filled in by ValidateRequest from the live track',
      );
    }
    const release = { ...request.release, replicas: count };
    await (await dependencies(request, { cluster: clusterFamily }).cluster()).apply(
      request.service,
      track,
      release,
    );
    return { track, ready: false, reason: 'applied', attempt: 0 };
  },
);

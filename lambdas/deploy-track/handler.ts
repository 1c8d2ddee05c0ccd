import * as z from 'zod';
import { ValidationError } from '#core/errors.ts';
import { clusterFamily, dependencies, lockFamily } from '#lambdas/shared/dependencies.ts';
import { refuseIfFencedOff } from '#lambdas/shared/execution-fence.ts';
import { taskHandler } from '#lambdas/shared/task-handler.ts';

/**
 * DeployTrack: applies the request's release to `track` (with `replicas`, default the release's, which
 * ValidateRequest filled in when the request left them out). Returns the start of the rollout loop:
 * `{ track, ready: false, attempt: 0 }`.
 */
export const handler = taskHandler(
  'deploy-track',
  { track: z.string().min(1), replicas: z.number().int().min(0).optional() },
  async ({ request, executionArn, track, replicas }) => {
    const count = replicas ?? request.release.replicas;
    if (count === undefined) {
      throw new ValidationError(
        'release.replicas: not given, nor filled in by ValidateRequest from the live track',
      );
    }
    const deps = dependencies(request, { cluster: clusterFamily, lock: lockFamily });
    const cluster = await deps.cluster();
    await refuseIfFencedOff(await deps.lock(), { service: request.service, executionArn }, 'deploy-track');
    await cluster.apply(request.service, track, { ...request.release, replicas: count });
    return { track, ready: false, reason: 'applied', attempt: 0 };
  },
);

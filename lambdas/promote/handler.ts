import * as z from 'zod';
import { RolloutFailedError, TrackNotReadyError } from '#core/errors.ts';
import type { Cluster } from '#core/ports/index.ts';
import type { ServiceRef } from '#core/types.ts';
import { applyWeights } from '#lambdas/shared/apply-weights.ts';
import {
  clusterFamily,
  dependencies,
  lockFamily,
  notifierFamily,
  trafficFamily,
} from '#lambdas/shared/dependencies.ts';
import { describeRelease, publishEventBestEffort } from '#lambdas/shared/events.ts';
import { refuseIfFencedOff } from '#lambdas/shared/execution-fence.ts';
import { taskHandler } from '#lambdas/shared/task-handler.ts';

/**
 * Refuses to send all traffic to a track that cannot take it: `RolloutFailed` when its rollout failed since it
 * was checked (a crash loop while the release waited for an approval, replicas changed by someone else) and
 * `TrackNotReady` while it is not fully ready (the state machine checks again, then rolls back).
 */
async function assertReadyForTraffic(
  cluster: Cluster,
  service: ServiceRef,
  track: string,
  tracks: readonly string[],
): Promise<void> {
  const status = await cluster.status(service, track, { tracks });
  if (status.failed) {
    throw new RolloutFailedError(`${track}: ${status.failed.reason}: ${status.failed.message}`);
  }
  if (!status.complete || status.ready === 0) {
    const waiting = status.waiting ? `; ${status.waiting}` : '';
    throw new TrackNotReadyError(
      `${track} is not ready to take all traffic: ${status.ready}/${status.desired} ready${waiting}`,
    );
  }
}

/**
 * Promote: all traffic to `track` (which runs the new release) once it is ready for it (see
 * {@link assertReadyForTraffic}), none to the other track of the pair, then a `Promoted` event. Returns
 * `{ weights, shiftedAt, type: 'Promoted', published, notifyError? }` (a post-switch analysis counts from
 * `shiftedAt`); an event that did not go out does not fail the promotion.
 */
export const handler = taskHandler(
  'promote',
  { track: z.string().min(1), tracks: z.object({ live: z.string().min(1), next: z.string().min(1) }) },
  async (input) => {
    const { request, executionArn, track, tracks } = input;
    const weights = Object.fromEntries(
      [tracks.live, tracks.next].map((name) => [name, name === track ? 100 : 0]),
    );
    const deps = dependencies(request, {
      cluster: clusterFamily,
      router: trafficFamily,
      notifier: notifierFamily,
      lock: lockFamily,
    });
    const router = await deps.router();
    await assertReadyForTraffic(await deps.cluster(), request.service, track, [tracks.live, tracks.next]);
    await refuseIfFencedOff(await deps.lock(), { service: request.service, executionArn }, 'promote');
    await applyWeights(router, request.service, weights);
    const shiftedAt = new Date().toISOString();
    const outcome = await publishEventBestEffort(
      deps.notifier,
      input,
      'Promoted',
      `${describeRelease(input)} promoted: ${track} serves all traffic`,
    );
    return { weights, shiftedAt, type: 'Promoted', ...outcome };
  },
);

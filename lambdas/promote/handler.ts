import * as z from 'zod';
import { applyWeights } from '#lambdas/shared/apply-weights.ts';
import { dependencies, lockFamily, notifierFamily, trafficFamily } from '#lambdas/shared/dependencies.ts';
import { describeRelease, publishEventBestEffort } from '#lambdas/shared/events.ts';
import { refuseIfRolledBack } from '#lambdas/shared/execution-fence.ts';
import { taskHandler } from '#lambdas/shared/task-handler.ts';

/**
 * Promote: all traffic to `track` (which runs the new release), none to the other track of the pair,
 * then a `Promoted` event. Returns `{ weights, shiftedAt, type: 'Promoted', published, notifyError? }` (a
 * post-switch analysis counts from `shiftedAt`); an event that did not go out does not fail the promotion.
 */
export const handler = taskHandler(
  'promote',
  { track: z.string().min(1), tracks: z.object({ live: z.string().min(1), next: z.string().min(1) }) },
  async (input) => {
    const { request, executionArn, track, tracks } = input;
    const weights = Object.fromEntries(
      [tracks.live, tracks.next].map((name) => [name, name === track ? 100 : 0]),
    );
    const deps = dependencies(request, { router: trafficFamily, notifier: notifierFamily, lock: lockFamily });
    const router = await deps.router();
    await refuseIfRolledBack(await deps.lock(), executionArn, 'promote');
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

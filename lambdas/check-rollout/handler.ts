import * as z from 'zod';
import { RolloutDeadlineExceededError, RolloutFailedError } from '#core/errors.ts';
import { TRACK_NAMES } from '#core/strategies.ts';
import { clusterFamily, dependencies } from '#lambdas/shared/dependencies.ts';
import { taskHandler } from '#lambdas/shared/task-handler.ts';

/**
 * CheckRollout, one turn of the Wait/CheckRollout/Choice loop: `{ track, ready, reason, attempt }` with
 * the attempt counted, plus `readyAt` once ready (a preview analysis counts traffic from then on). Throws
 * `RolloutFailed` when the cluster reports a failed rollout, or something other than Cutover now sizing
 * the strategy's tracks (a HorizontalPodAutoscaler, replicas changed since Cutover set them), and
 * `RolloutDeadlineExceeded` when the track is still not ready at `maxAttempts` (or the cluster's own
 * progress deadline passed).
 */
export const handler = taskHandler(
  'check-rollout',
  { track: z.string().min(1), attempt: z.number().int().min(0), maxAttempts: z.number().int().min(1) },
  async ({ strategy, request, track, attempt, maxAttempts }) => {
    const cluster = await dependencies(request, { cluster: clusterFamily }).cluster();
    const status = await cluster.status(request.service, track, { tracks: TRACK_NAMES[strategy] });
    const checks = attempt + 1;
    const waiting = status.waiting ? `; ${status.waiting}` : '';
    const progress = `${status.ready}/${status.desired} ready, ${status.updated} updated${waiting}`;
    if (status.failed?.reason === 'ProgressDeadlineExceeded') {
      throw new RolloutDeadlineExceededError(`${track}: ${status.failed.message}`);
    }
    if (status.failed)
      throw new RolloutFailedError(`${track}: ${status.failed.reason}: ${status.failed.message}`);
    if (status.complete) {
      return { track, ready: true, reason: progress, attempt: checks, readyAt: new Date().toISOString() };
    }
    if (checks >= maxAttempts) {
      const deadline = request.progressDeadlineSeconds;
      throw new RolloutDeadlineExceededError(
        `${track} not ready within ${deadline}s (${checks} checks): ${progress}`,
      );
    }
    return { track, ready: false, reason: progress, attempt: checks };
  },
);

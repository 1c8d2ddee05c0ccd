import * as z from 'zod';
import { TransientAdapterError } from '#core/errors.ts';
import { isValidWeights } from '#core/plan/index.ts';
import type { ClusterSnapshot } from '#core/types.ts';
import { applyWeights } from '#lambdas/shared/apply-weights.ts';
import {
  backupFamily,
  clusterFamily,
  dependencies,
  lockFamily,
  trafficFamily,
} from '#lambdas/shared/dependencies.ts';
import { refuseIfFencedOff } from '#lambdas/shared/execution-fence.ts';
import { readReleaseBackup, releaseBackupKey } from '#lambdas/shared/release-backup.ts';
import { restoreTraffic } from '#lambdas/shared/restore-traffic.ts';
import { trackOf } from '#lambdas/shared/snapshot-tracks.ts';
import { logger, stateErrorSchema, taskHandler } from '#lambdas/shared/task-handler.ts';

/**
 * The longest a rollback keeps the new track after the traffic left it: enough for routers and clients to
 * stop using it, not the hours a `scaleDownDelaySeconds` may keep an old version after a promotion. A
 * rolling release, which has no `scaleDownDelaySeconds` of its own, drains this long.
 */
const MAX_DRAIN_SECONDS = 30;

/** How long the new track keeps serving the requests it still has once the traffic left it. */
function drainSecondsOf(strategy: string, request: { scaleDownDelaySeconds?: number }): number {
  if (strategy === 'rolling') return MAX_DRAIN_SECONDS;
  return Math.min(request.scaleDownDelaySeconds ?? 0, MAX_DRAIN_SECONDS);
}

/**
 * Rollback: puts the service back as BackupState found it — the weights first (traffic leaves the new
 * track at once; RestoreCapacity brought a track the release scaled down back first), then the tracks
 * (snapshot re-applied, tracks created since removed). The state machines run it twice: with `only:
 * 'traffic'` (the weights alone; `{ restored, drainSeconds, weights }`: how long the new track should keep
 * serving the requests it still has, the release's `scaleDownDelaySeconds` up to 30 s (a rolling release's
 * 30 s) when traffic moved, else 0, and the weights it set, 0 for the tracks it took the traffic from), then, after
 * waiting `drainSeconds`, with `trafficRestored` (the tracks; the weights again when they were not restored).
 * Routing objects that exist are left as they are (an edit made meanwhile by someone else stays) and one
 * deleted meanwhile is re-created, then weighted when the router could not before; only when the router
 * still cannot (or the backup has no weights to set: a first release) are all the snapshot's routing
 * objects put back as they were. Idempotent. Reports the `weights` it set, if it set any, the backup's `tracks` and the cluster `objects` it re-applied (a Kubernetes
 * snapshot also holds the service's Services and routes). Without `backupKey`, reads the backup BackupState
 * keyed by `executionArn` (the rollback machine of a stopped release); throws `BackupNotFound` when there is
 * none. Changes nothing (`ExecutionStopped`) when the release may no longer change its service (see
 * `refuseIfFencedOff`; the rollback machine passes its own `rollbackArn`).
 */
export const handler = taskHandler(
  'rollback',
  {
    backupKey: z.string().min(1).optional(),
    error: stateErrorSchema.optional(),
    only: z.literal('traffic').optional(),
    trafficRestored: z.boolean().optional(),
    rollbackArn: z.string().min(1).optional(),
  },
  async ({ strategy, request, executionArn, error, only, trafficRestored, rollbackArn, ...input }) => {
    const backupKey = input.backupKey ?? releaseBackupKey(request.service, executionArn);
    const deps = dependencies(request, {
      backups: backupFamily,
      router: trafficFamily,
      cluster: clusterFamily,
      lock: lockFamily,
    });
    await refuseIfFencedOff(
      await deps.lock(),
      { service: request.service, executionArn, rollbackArn },
      'rollback',
    );
    const backup = await readReleaseBackup(await deps.backups(), backupKey);
    if (only === 'traffic') {
      logger.warn('rolling back the traffic', { backupKey, cause: error?.Error });
      const moved = await restoreTraffic(await deps.router(), request.service, backup);
      if (moved.outcome !== 'moved') return { restored: moved.outcome === 'unchanged', drainSeconds: 0 };
      return { restored: true, drainSeconds: drainSecondsOf(strategy, request), weights: moved.weights };
    }
    logger.warn('rolling back', { backupKey, cause: error?.Error });
    const moved =
      trafficRestored === undefined
        ? await restoreTraffic(await deps.router(), request.service, backup)
        : undefined;
    const restored = trafficRestored ?? moved?.outcome !== 'not restored';
    let weightsSet = moved?.outcome === 'moved' ? moved.weights : undefined;
    const cluster = await deps.cluster();
    const weighted = isValidWeights(backup.weights);
    // Routing objects that exist stay as they are (an edit made meanwhile by someone else stays); one gone
    // is re-created from the snapshot. Without weights to set (a first release), the snapshot's routing
    // objects are what sends no traffic anywhere: they are put back as they were.
    let applied = await cluster.restore(backup.snapshot, { keepRouting: weighted });
    if (!restored && weighted) {
      const router = await deps.router();
      // Weighted again now that a routing object deleted meanwhile is back; when the router still cannot,
      // the snapshot puts every routing object back as it was, and they are weighted once more.
      await applyWeights(router, request.service, backup.weights).catch(async (failure: unknown) => {
        if (failure instanceof TransientAdapterError) throw failure;
        logger.warn('weights not restored on the routing objects as they are', {
          cause: (failure as Error).message,
        });
        applied += await cluster.restore(backup.snapshot);
        await applyWeights(router, request.service, backup.weights);
      });
      weightsSet = backup.weights;
    }
    return {
      backupKey,
      ...(weightsSet && { weights: weightsSet }),
      tracks: tracksIn(backup.snapshot),
      objects: applied,
    };
  },
);

/** How many tracks a snapshot holds, among its objects (Services and routes are no tracks). */
function tracksIn(snapshot: ClusterSnapshot): number {
  return new Set(snapshot.objects.map(trackOf).filter((track) => track !== undefined)).size;
}

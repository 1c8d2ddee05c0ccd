import * as z from 'zod';
import { isValidWeights } from '#core/plan/index.ts';
import type { ClusterSnapshot } from '#core/types.ts';
import { applyWeights } from '#lambdas/shared/apply-weights.ts';
import { backupFamily, clusterFamily, dependencies, trafficFamily } from '#lambdas/shared/dependencies.ts';
import { readReleaseBackup, releaseBackupKey } from '#lambdas/shared/release-backup.ts';
import { trackOf } from '#lambdas/shared/snapshot-tracks.ts';
import { logger, stateErrorSchema, taskHandler } from '#lambdas/shared/task-handler.ts';

/**
 * Rollback: puts the service back as BackupState found it — the weights first (traffic leaves the new
 * track at once; RestoreCapacity brought a track the release scaled down back first), then the tracks
 * (snapshot re-applied, tracks created since removed). Routing objects the router re-weighted are left as
 * they are (an edit made meanwhile by someone else stays); when the router could not (its object was
 * deleted), the snapshot puts them back and the weights are set again. Idempotent. Reports the backup's `tracks` and the
 * cluster `objects` re-applied (a Kubernetes snapshot also holds the service's Services and routes).
 * Without `backupKey`, reads the backup BackupState keyed by `executionArn` (the rollback machine of a
 * stopped release); throws `BackupNotFound` when there is none.
 */
export const handler = taskHandler(
  'rollback',
  { backupKey: z.string().min(1).optional(), error: stateErrorSchema.optional() },
  async ({ request, executionArn, error, ...input }) => {
    const backupKey = input.backupKey ?? releaseBackupKey(request.service, executionArn);
    const deps = dependencies(request, {
      backups: backupFamily,
      router: trafficFamily,
      cluster: clusterFamily,
    });
    const backup = await readReleaseBackup(await deps.backups(), backupKey);
    logger.warn('rolling back', { backupKey, cause: error?.Error });
    const cluster = await deps.cluster();
    const restoreWeights = isValidWeights(backup.weights);
    const routerError = restoreWeights
      ? await applyWeights(await deps.router(), request.service, backup.weights).then(
          () => undefined,
          (failure: Error) => failure,
        )
      : undefined;
    await cluster.restore(backup.snapshot, { keepRouting: restoreWeights && !routerError });
    if (routerError) {
      // The snapshot's routing objects are back (one deleted meanwhile re-created): weight them again.
      logger.warn('weights not restored before the snapshot, trying again', { cause: routerError.message });
      await applyWeights(await deps.router(), request.service, backup.weights);
    }
    return {
      backupKey,
      weights: restoreWeights ? backup.weights : null,
      tracks: tracksIn(backup.snapshot),
      objects: backup.snapshot.objects.length,
    };
  },
);

/** How many tracks a snapshot holds, among its objects (Services and routes are no tracks). */
function tracksIn(snapshot: ClusterSnapshot): number {
  return new Set(snapshot.objects.map(trackOf).filter((track) => track !== undefined)).size;
}

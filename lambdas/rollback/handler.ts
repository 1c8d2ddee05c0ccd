import { setTimeout as delay } from 'node:timers/promises';
import * as z from 'zod';
import { isValidWeights } from '#core/plan/index.ts';
import type { Cluster } from '#core/ports/index.ts';
import type { ServiceRef } from '#core/types.ts';
import { applyWeights } from '#lambdas/shared/apply-weights.ts';
import { backupFamily, clusterFamily, dependencies, trafficFamily } from '#lambdas/shared/dependencies.ts';
import { type ReleaseBackup, readReleaseBackup, releaseBackupKey } from '#lambdas/shared/release-backup.ts';
import { logger, taskHandler } from '#lambdas/shared/task-handler.ts';

const stateError = z.object({ Error: z.string(), Cause: z.string().optional() });

/** Longest wait for a scaled-down track to be ready again before its traffic returns anyway. */
const MAX_READY_WAIT_MS = 120_000;
const READY_POLL_MS = 500;

/**
 * Scales each track the backup sends traffic to back to its backed-up replicas when the release scaled
 * it down (a rolling batch drains the old track), and waits until they are ready (or failed, or
 * `min(progressDeadlineSeconds, 120 s)` passed), so the restored weights never point at a track that
 * cannot answer. Tracks still at their size are left alone.
 */
async function bringBackTrafficTracks(
  cluster: Cluster,
  service: ServiceRef,
  backup: ReleaseBackup,
  deadlineSeconds: number,
): Promise<void> {
  const scaled: [string, number][] = [];
  for (const [track, weight] of Object.entries(backup.weights)) {
    const replicas = backup.replicas?.[track] ?? 0;
    if (weight <= 0 || replicas === 0) continue;
    if ((await cluster.status(service, track)).desired >= replicas) continue;
    await cluster.scale(service, track, replicas);
    scaled.push([track, replicas]);
  }
  const deadline = Date.now() + Math.min(deadlineSeconds * 1000, MAX_READY_WAIT_MS);
  for (const [track, replicas] of scaled) {
    for (;;) {
      const status = await cluster.status(service, track);
      if (status.ready >= replicas || status.failed) break;
      if (Date.now() >= deadline) {
        logger.warn('track not ready before its traffic returns', { track, ready: status.ready, replicas });
        break;
      }
      await delay(READY_POLL_MS);
    }
  }
}

/**
 * Rollback: puts the service back as BackupState found it — the weights first (traffic leaves the new
 * track at once; a track the release scaled down is first scaled back up and awaited), then the tracks
 * (snapshot re-applied, tracks created since removed). Idempotent.
 * Without `backupKey`, reads the backup BackupState keyed by `executionArn` (the rollback machine of a
 * stopped release); throws `BackupNotFound` when there is none.
 */
export const handler = taskHandler(
  'rollback',
  { backupKey: z.string().min(1).optional(), error: stateError.optional() },
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
    if (restoreWeights) {
      await bringBackTrafficTracks(cluster, request.service, backup, request.progressDeadlineSeconds);
      await applyWeights(await deps.router(), request.service, backup.weights);
    }
    await cluster.restore(backup.snapshot);
    return {
      backupKey,
      weights: restoreWeights ? backup.weights : null,
      tracks: backup.snapshot.objects.length,
    };
  },
);

import * as z from 'zod';
import { BackupNotFoundError } from '#core/errors.ts';
import { maxPollChecks } from '#core/polling.ts';
import { backupFamily, clusterFamily, dependencies, lockFamily } from '#lambdas/shared/dependencies.ts';
import { refuseIfFencedOff } from '#lambdas/shared/execution-fence.ts';
import { readReleaseBackup, releaseBackupKey } from '#lambdas/shared/release-backup.ts';
import { logger, taskHandler } from '#lambdas/shared/task-handler.ts';
import { stopBeforeEmptyTracks } from './stop.ts';
import { checkTracks, readiness, stillServing } from './tracks.ts';

/** Seconds between checks: the `WaitForCapacity` state of the strategy and rollback machines. */
export const CAPACITY_POLL_SECONDS = 2;
/** Longest wait for the tracks before their traffic returns anyway (to those with a ready replica). */
const MAX_WAIT_SECONDS = 120;

const poll = z.object({ attempt: z.number().int().min(0), maxAttempts: z.number().int().min(1) });

/**
 * RestoreCapacity, one turn of a Wait/Check/Choice loop, run before Rollback gives traffic back and again
 * after it (CheckRolledBack, `afterRollback`): gives each track the backup sends traffic to and the release
 * scaled down or removed since (a rolling release's drained old track) its backed-up replicas again (see
 * `checkTracks`), and answers `{ ready, waiting, shortfall?, attempt, maxAttempts }`: ready once every
 * such track has its replicas ready (or failed); after Rollback, once its rollout is also complete, so a
 * track Rollback put back on its previous release (a canary's stable track after DeployStable) runs it.
 * Also ready when the checks for `min(progressDeadlineSeconds, 120 s)` ran out (with a warning). A track
 * that failed, or was still not back when the checks ran out, is not waited for, and `shortfall` names it:
 * `blue 2/4 ready: ImagePullBackOff`. After Rollback only the replicas of the release it put back count,
 * and those of the spec it replaced (a rolling update keeps them until the restored ones are ready) are
 * said to serve instead: `stable 0/2 ready of v1: CrashLoopBackOff; v2's 2 replicas still serve` (see
 * `checkTracks`). Before Rollback, such a track with no ready replica at all stops the
 * rollback instead: `RollbackStopped` (see `stopBeforeEmptyTracks`), the traffic left where it is. Without
 * a backup nothing was changed: ready. Changes nothing (`ExecutionStopped`) when the release may no longer
 * change its service (see `refuseIfFencedOff`; the rollback machine passes its own `rollbackArn`): the
 * strategy machines then fail with that error (through NotifyFailed), without a rollback.
 */
export const handler = taskHandler(
  'restore-capacity',
  {
    backupKey: z.string().min(1).optional(),
    poll: poll.optional(),
    afterRollback: z.boolean().default(false),
    rollbackArn: z.string().min(1).optional(),
  },
  async ({ request, executionArn, backupKey, afterRollback, rollbackArn, ...input }) => {
    const deps = dependencies(request, { backups: backupFamily, cluster: clusterFamily, lock: lockFamily });
    await refuseIfFencedOff(
      await deps.lock(),
      { service: request.service, executionArn, rollbackArn },
      'restore-capacity',
    );
    const key = backupKey ?? releaseBackupKey(request.service, executionArn);
    const backup = await readReleaseBackup(await deps.backups(), key).catch((error: unknown) => {
      if (error instanceof BackupNotFoundError) return undefined;
      throw error;
    });
    const attempt = (input.poll?.attempt ?? 0) + 1;
    const maxAttempts =
      input.poll?.maxAttempts ??
      maxPollChecks(Math.min(request.progressDeadlineSeconds, MAX_WAIT_SECONDS), CAPACITY_POLL_SECONDS);
    if (!backup) return { ready: true, waiting: [], attempt, maxAttempts };
    const cluster = await deps.cluster();
    const { waiting, failed } = await checkTracks(cluster, backup, afterRollback);
    const outOfChecks = waiting.length > 0 && attempt >= maxAttempts;
    const seconds = maxAttempts * CAPACITY_POLL_SECONDS;
    const labels = waiting.map(readiness);
    if (outOfChecks) logger.warn('tracks not ready before their traffic returns', { waiting: labels });
    const short = [...failed, ...(outOfChecks ? waiting : [])];
    const ready = waiting.length === 0 || outOfChecks;
    if (ready && !afterRollback) await stopBeforeEmptyTracks(cluster, backup, short, seconds);
    const shortfall = short.map(
      (track) =>
        `${readiness(track)}: ${track.failed ?? `not back after ${seconds}s of checks`}` +
        stillServing(track, request.release.version),
    );
    return {
      ready,
      waiting: labels,
      ...(shortfall.length > 0 && { shortfall }),
      attempt,
      maxAttempts,
    };
  },
);

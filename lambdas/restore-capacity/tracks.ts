import type { Cluster } from '#core/ports/index.ts';
import type { ReleaseBackup } from '#lambdas/shared/release-backup.ts';
import { trackOf } from '#lambdas/shared/snapshot-tracks.ts';

/**
 * One check of the tracks the backup sends traffic to: each one short of its backed-up replicas is brought
 * back and `waiting`; one not ready yet is `waiting`, one that failed is in `shortfall` with the reason.
 *
 * @example
 * const { waiting, shortfall } = await checkTracks(cluster, backup, false); // ['blue 0/4 ready'], []
 */
export async function checkTracks(
  cluster: Cluster,
  backup: ReleaseBackup,
  afterRollback: boolean,
): Promise<{ waiting: string[]; shortfall: string[] }> {
  const waiting: string[] = [];
  const shortfall: string[] = [];
  for (const [track, weight] of Object.entries(backup.weights)) {
    const replicas = backup.replicas?.[track] ?? 0;
    if (weight <= 0 || replicas === 0) continue;
    const status = await cluster.status(backup.snapshot.service, track);
    const label = `${track} ${status.ready}/${replicas} ready`;
    if (status.desired < replicas) {
      await bringBack(cluster, backup, track, status.desired);
      waiting.push(label);
    } else if (status.ready < replicas || (afterRollback && !status.complete)) {
      // After Rollback a track must also have rolled its release back; before it, ready replicas will do.
      if (status.failed) shortfall.push(`${label}: ${status.failed.reason}`);
      else waiting.push(label);
    }
  }
  return { waiting, shortfall };
}

/**
 * Gives a track that had traffic at the backup its backed-up replicas again (`desired`: the replicas it
 * has now): scales it, or, when the cluster no longer has it (the Cleanup of a rolling release removed the
 * drained old track), re-creates it from the backup's snapshot. That is the restore Rollback runs, of the
 * track's own objects in the backup and of every track as it runs now, so no other track changes (a
 * restore removes the tracks it does not hold).
 */
async function bringBack(
  cluster: Cluster,
  backup: ReleaseBackup,
  track: string,
  desired: number,
): Promise<void> {
  const { service } = backup.snapshot;
  const live = desired === 0 ? await cluster.snapshot(service) : undefined;
  if (!live || live.objects.some((object) => trackOf(object) === track)) {
    return cluster.scale(service, track, backup.replicas?.[track] ?? 0);
  }
  const backedUp = backup.snapshot.objects.filter((object) => trackOf(object) === track);
  const running = live.objects.filter((object) => trackOf(object) !== undefined);
  await cluster.restore({ ...live, objects: [...backedUp, ...running] });
}

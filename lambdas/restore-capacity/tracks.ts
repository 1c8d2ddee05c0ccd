import type { Cluster } from '#core/ports/index.ts';
import type { ReleaseBackup } from '#lambdas/shared/release-backup.ts';
import { trackOf } from '#lambdas/shared/snapshot-tracks.ts';

/** A track the backup sends traffic to, short of its backed-up replicas (`ready` of `replicas`). */
export interface ShortTrack {
  readonly track: string;
  readonly ready: number;
  readonly replicas: number;
  /** Why its rollout cannot progress (`ImagePullBackOff`), when it failed. */
  readonly failed?: string;
}

/** `blue 2/4 ready`: a short track's ready replicas of those it had at the backup. */
export function readiness({ track, ready, replicas }: ShortTrack): string {
  return `${track} ${ready}/${replicas} ready`;
}

/**
 * One check of the tracks the backup sends traffic to: each one short of its backed-up replicas is brought
 * back and `waiting`; one not ready yet is `waiting`, one that failed is `failed`, with the reason.
 *
 * @example
 * const { waiting, failed } = await checkTracks(cluster, backup, false); // [{ track: 'blue', ready: 0, replicas: 4 }], []
 */
export async function checkTracks(
  cluster: Cluster,
  backup: ReleaseBackup,
  afterRollback: boolean,
): Promise<{ waiting: ShortTrack[]; failed: ShortTrack[] }> {
  const waiting: ShortTrack[] = [];
  const failed: ShortTrack[] = [];
  for (const [track, weight] of Object.entries(backup.weights)) {
    const replicas = backup.replicas?.[track] ?? 0;
    if (weight <= 0 || replicas === 0) continue;
    const status = await cluster.status(backup.snapshot.service, track);
    const short = { track, ready: status.ready, replicas };
    if (status.desired < replicas) {
      await bringBack(cluster, backup, track, status.desired);
      waiting.push(short);
    } else if (status.ready < replicas || (afterRollback && !status.complete)) {
      // After Rollback a track must also have rolled its release back; before it, ready replicas will do.
      if (status.failed) failed.push({ ...short, failed: status.failed.reason });
      else waiting.push(short);
    }
  }
  return { waiting, failed };
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

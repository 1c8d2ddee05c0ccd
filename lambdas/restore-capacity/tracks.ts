import { VERSION_LABEL } from '#adapters/kubernetes/manifests.ts';
import type { Cluster } from '#core/ports/index.ts';
import type { RolloutStatus } from '#core/types.ts';
import type { ReleaseBackup } from '#lambdas/shared/release-backup.ts';
import { trackOf } from '#lambdas/shared/snapshot-tracks.ts';

/**
 * A track the backup sends traffic to, short of its backed-up replicas (`ready` of `replicas`). After
 * Rollback, `ready` counts the replicas of the release Rollback put back alone (`restored`), and
 * `replaced` those of the spec it replaced that still serve instead.
 */
export interface ShortTrack {
  readonly track: string;
  readonly ready: number;
  readonly replicas: number;
  /** Why its rollout cannot progress (`ImagePullBackOff`), when it failed. */
  readonly failed?: string;
  /**
   * After Rollback, when replicas of the spec it replaced serve instead: the version the backup runs on the
   * track (`ready` counts its replicas alone), when the snapshot names it.
   */
  readonly restored?: string;
  /** After Rollback: ready replicas of the spec Rollback replaced, which serve the track's traffic instead. */
  readonly replaced?: number;
}

/**
 * `blue 2/4 ready`: a short track's ready replicas of those it had at the backup; `stable 0/2 ready of v1`
 * after Rollback, when replicas of the spec it replaced serve instead.
 */
export function readiness({ track, ready, replicas, restored }: ShortTrack): string {
  return `${track} ${ready}/${replicas} ready${restored ? ` of ${restored}` : ''}`;
}

/**
 * What serves a track Rollback could not put back in full instead of the release it restored: `; v2's 2
 * replicas still serve` (`version`, the release rolled back, whose spec a rolling update back keeps until
 * the restored one is ready); nothing when no such replica is ready.
 */
export function stillServing({ replaced = 0, restored }: ShortTrack, version: string): string {
  if (replaced === 0) return '';
  const whose = version === restored ? 'the replaced spec' : version;
  return `; ${whose}'s ${replaced} ${replaced === 1 ? 'replica still serves' : 'replicas still serve'}`;
}

/**
 * One check of the tracks the backup sends traffic to: each one short of its backed-up replicas is brought
 * back and `waiting`; one not ready yet is `waiting`, one that failed is `failed`, with the reason. Before
 * Rollback, any ready replica counts (it serves the traffic given back); after it, only those of the
 * release it put back (`updatedReady`): the replicas of the spec it replaced, which a rolling update keeps
 * until the restored ones are ready, do not make the track rolled back.
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
    const short = afterRollback
      ? restoredTrack(backup, track, status, replicas)
      : { track, ready: status.ready, replicas };
    if (status.desired < replicas) {
      await bringBack(cluster, backup, track, status.desired);
      waiting.push(short);
    } else if (short.ready < replicas || (afterRollback && !status.complete)) {
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

/** A track after Rollback: the ready replicas of the release it put back, and those of the spec it replaced. */
function restoredTrack(
  backup: ReleaseBackup,
  track: string,
  status: RolloutStatus,
  replicas: number,
): ShortTrack {
  const replaced = Math.max(0, status.ready - status.updatedReady);
  const short = { track, ready: status.updatedReady, replicas };
  if (replaced === 0) return short;
  const restored = versionOf(backup.snapshot.objects.find((object) => trackOf(object) === track));
  return { ...short, ...(restored && { restored }), replaced };
}

type VersionedObject =
  | { release?: { version?: unknown }; metadata?: { labels?: Record<string, unknown> } }
  | null
  | undefined;

/**
 * The version a snapshot's track runs: a local track's release, a Kubernetes Deployment's
 * `cutover.dev/version` label.
 */
function versionOf(object: unknown): string | undefined {
  const candidate = object as VersionedObject;
  const version = candidate?.release?.version ?? candidate?.metadata?.labels?.[VERSION_LABEL];
  return typeof version === 'string' ? version : undefined;
}

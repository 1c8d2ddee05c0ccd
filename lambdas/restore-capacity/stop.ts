import { RollbackStoppedError } from '#core/errors.ts';
import { chooseTracks } from '#core/plan/index.ts';
import type { Cluster } from '#core/ports/index.ts';
import type { ReleaseBackup } from '#lambdas/shared/release-backup.ts';
import type { ShortTrack } from './tracks.ts';

/**
 * Stops the rollback before it gives traffic back to a track with no ready replica, so that no request
 * goes where nothing answers it (as Argo Rollouts' `dynamicStableScale` moves weight back only as the
 * stable track becomes ready): throws `RollbackStopped` when one of `short`, the tracks still short when
 * the checks ended (failed, or not back after `seconds` of checks), has none. Its message names them, and
 * the release's new track, which keeps the traffic it has and is not removed. A track with some ready
 * replicas gets its traffic back.
 *
 * @example
 * await stopBeforeEmptyTracks(cluster, backup, [{ track: 'blue', ready: 0, replicas: 3 }], 120);
 * // RollbackStopped: blue has no ready replica (0/3 ready after 120s of checks): its traffic was not given
 * // back; the weights stay as the release left them and green (3/3 ready) is kept: make blue ready, then
 * // release again
 */
export async function stopBeforeEmptyTracks(
  cluster: Cluster,
  backup: ReleaseBackup,
  short: readonly ShortTrack[],
  seconds: number,
): Promise<void> {
  const empty = short.filter((track) => track.ready === 0);
  if (empty.length === 0) return;
  const tracks = empty.map(({ track, replicas, failed }) => {
    const why = failed ? `: ${failed}` : ` after ${seconds}s of checks`;
    return `${track} has no ready replica (0/${replicas} ready${why})`;
  });
  const kept = await keptTrack(cluster, backup);
  throw new RollbackStoppedError(
    `${tracks.join(', ')}: ${empty.length === 1 ? 'its' : 'their'} traffic was not given back; the weights ` +
      `stay as the release left them${kept ? ` and ${kept} is kept` : ''}: make ` +
      `${empty.map((track) => track.track).join(' and ')} ready, then release again`,
  );
}

/**
 * The release's new track, which the rollback would have removed, with its readiness: `green (3/3 ready)`;
 * none when it does not run (or its status cannot be read: the message goes without it).
 */
async function keptTrack(cluster: Cluster, backup: ReleaseBackup): Promise<string | undefined> {
  const { next } = chooseTracks(backup.strategy, backup.weights);
  if ((backup.weights[next] ?? 0) > 0) return undefined;
  const status = await cluster.status(backup.snapshot.service, next).catch(() => undefined);
  return status && status.desired > 0 ? `${next} (${status.ready}/${status.desired} ready)` : undefined;
}

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ValidationError } from '#core/errors.ts';
import type { Cluster } from '#core/ports/cluster.ts';
import type { ClusterSnapshot, Release, RolloutStatus, ServiceRef } from '#core/types.ts';
import type { LocalDatabase } from './database.ts';
import { TrackNotFoundError } from './errors.ts';
import { LocalClusterStore, type StoredTrack } from './local-cluster-store.ts';
import { LocalTrack, type TrackSettings } from './local-track.ts';
import { killLeftoverGroups } from './process-groups.ts';
import { assertLocalRelease, assertReplicas, assertServiceRef, assertTrackName } from './validation.ts';

/** Options of the local cluster; all but `db` and `dataDir` have defaults. */
export interface LocalClusterOptions {
  readonly db: LocalDatabase;
  /** Replica logs go to `<dataDir>/logs/<namespace>/<replica>.log`. */
  readonly dataDir: string;
  /** Working directory of the replicas. @default process.cwd() */
  readonly cwd?: string;
  /** @default 200 */
  readonly probeIntervalMs?: number;
  /** @default 30_000 */
  readonly readinessTimeoutMs?: number;
  /** Time between SIGTERM and SIGKILL. @default 5_000 */
  readonly stopGraceMs?: number;
  /** @default 3 */
  readonly crashLoopRestarts?: number;
  /**
   * Called when a track gets another release (pod template) or is removed, e.g. to forget its traffic
   * counters so they describe the current release only.
   */
  readonly onTrackChanged?: (service: ServiceRef, track: string) => void;
}

/** Where the proxy finds a track's ready replicas. */
export interface EndpointSource {
  readyUrls(service: ServiceRef, track: string): string[];
}

/**
 * The `local` cluster: each track's replicas are child processes of `release.command`, each on its own
 * 127.0.0.1 port (`PORT`, with `VERSION`, `TRACK` and `release.env`), ready once `GET /healthz` answers.
 * The desired state is kept in SQLite so {@link LocalCluster.resume} can start it again after a restart.
 *
 * @example
 * const cluster = new LocalCluster({ db: openLocalDatabase('.cutover'), dataDir: '.cutover' });
 * await cluster.apply({ name: 'checkout', namespace: 'shop' }, 'canary',
 *   { version: 'v2', command: ['node', 'examples/app/server.js'], replicas: 2, env: { ERROR_RATE: '0.1' } });
 * await cluster.status({ name: 'checkout', namespace: 'shop' }, 'canary'); // { desired: 2, ..., complete: true }
 * await cluster.closeAll();
 */
export class LocalCluster implements Cluster, EndpointSource {
  readonly type = 'local';
  readonly #store: LocalClusterStore;
  readonly #settings: TrackSettings;
  /** Where the commands of the tracks this cluster applies run. */
  readonly #cwd: string;
  readonly #tracks = new Map<string, LocalTrack>();
  readonly #onTrackChanged: (service: ServiceRef, track: string) => void;

  constructor(options: LocalClusterOptions) {
    this.#store = new LocalClusterStore(options.db);
    this.#onTrackChanged = options.onTrackChanged ?? (() => {});
    this.#cwd = options.cwd ?? process.cwd();
    this.#settings = {
      logDir: join(options.dataDir, 'logs'),
      groupRecordDir: join(options.dataDir, 'replica-groups'),
      probeIntervalMs: options.probeIntervalMs ?? 200,
      readinessTimeoutMs: options.readinessTimeoutMs ?? 30_000,
      stopGraceMs: options.stopGraceMs ?? 5_000,
      crashLoopRestarts: options.crashLoopRestarts ?? 3,
    };
  }

  /**
   * Runs `release` on the track: nothing when it already does, a rolling replacement when it changed. The
   * track's command runs in this cluster's `cwd`, kept with the track so that a runtime restarted elsewhere
   * runs it where it ran; the same release applied again keeps the directory it runs in.
   */
  async apply(service: ServiceRef, track: string, release: Release): Promise<void> {
    assertServiceRef(service);
    assertTrackName(track);
    assertLocalRelease(release);
    const desired = normalized(release);
    const before = this.#store.get(service, track);
    const changed = !before || revisionOf(before.release) !== revisionOf(desired);
    const cwd = changed ? this.#cwd : before.cwd;
    const stored = { service, track, release: desired, replicas: release.replicas, cwd };
    this.#store.save(stored);
    if (changed) this.#onTrackChanged(service, track);
    this.#run(stored);
  }

  async status(service: ServiceRef, track: string): Promise<RolloutStatus> {
    assertServiceRef(service);
    assertTrackName(track);
    const running = this.#tracks.get(keyOf(service, track));
    if (running) return running.status();
    return { desired: 0, updated: 0, ready: 0, updatedReady: 0, available: 0, complete: true };
  }

  /** Changes the replica count of an applied track; throws `TrackNotFoundError` for an unknown one. */
  async scale(service: ServiceRef, track: string, replicas: number): Promise<void> {
    assertServiceRef(service);
    assertTrackName(track);
    assertReplicas(replicas, 'replicas');
    const stored = this.#store.get(service, track);
    if (!stored) {
      throw new TrackNotFoundError(`track ${track} of ${service.namespace}/${service.name} is not applied`);
    }
    const scaled = { ...stored, replicas, release: { ...stored.release, replicas } };
    this.#store.save(scaled);
    this.#run(scaled);
  }

  /** Stops the track's replicas (SIGTERM, SIGKILL after the grace period) and forgets it. */
  async remove(service: ServiceRef, track: string): Promise<void> {
    assertServiceRef(service);
    assertTrackName(track);
    this.#store.delete(service, track);
    this.#onTrackChanged(service, track);
    const key = keyOf(service, track);
    const running = this.#tracks.get(key);
    this.#tracks.delete(key);
    await running?.stop();
  }

  /** The releases and replica counts of every track of the service. */
  async snapshot(service: ServiceRef): Promise<ClusterSnapshot> {
    assertServiceRef(service);
    const objects = this.#store
      .list(service)
      .map(({ track, release, replicas }) => ({ track, release, replicas }));
    return { service, takenAt: new Date().toISOString(), objects };
  }

  /** Puts the service's tracks back as in the snapshot; tracks created since are removed. */
  async restore(snapshot: ClusterSnapshot): Promise<number> {
    assertServiceRef(snapshot?.service);
    const wanted = snapshot.objects.map((object, index) => snapshotTrack(object, index));
    for (const { track, release } of wanted) {
      assertTrackName(track);
      assertLocalRelease(release);
    }
    const keep = new Set(wanted.map(({ track }) => track));
    for (const { track } of this.#store.list(snapshot.service)) {
      if (!keep.has(track)) await this.remove(snapshot.service, track);
    }
    for (const { track, release } of wanted) await this.apply(snapshot.service, track, release);
    return wanted.length;
  }

  /**
   * Starts every track persisted in SQLite (after a runtime restart), once the replicas that a killed
   * runtime left running are stopped; {@link untilReady} tells when tracks of a service are back.
   */
  resume(): void {
    // Replicas of a runtime that was killed (SIGKILL runs no exit hook) would otherwise run on, unused.
    killLeftoverGroups(this.#settings.groupRecordDir);
    for (const stored of this.#store.list()) this.#run(stored);
  }

  /**
   * Resolves when each named track of the service that is running has all its replicas ready, has failed,
   * or is still starting after `readinessTimeoutMs` (or was removed, or the cluster was closed).
   */
  async untilReady(service: ServiceRef, names: readonly string[]): Promise<void> {
    const tracks = names.flatMap((name) => this.#tracks.get(keyOf(service, name)) ?? []);
    const deadline = Date.now() + this.#settings.readinessTimeoutMs;
    const starting = (track: LocalTrack) => {
      const status = track.status();
      return (
        this.#tracks.get(keyOf(track.service, track.name)) === track && !status.complete && !status.failed
      );
    };
    while (tracks.some(starting) && Date.now() < deadline) await delay(this.#settings.probeIntervalMs);
  }

  readyUrls(service: ServiceRef, track: string): string[] {
    return this.#tracks.get(keyOf(service, track))?.readyUrls() ?? [];
  }

  /** Process ids of a track's running replicas. */
  pids(service: ServiceRef, track: string): number[] {
    return this.#tracks.get(keyOf(service, track))?.pids() ?? [];
  }

  /** Stops every replica of every track; the desired state stays in SQLite for {@link resume}. */
  async closeAll(): Promise<void> {
    const tracks = [...this.#tracks.values()];
    this.#tracks.clear();
    await Promise.all(tracks.map((track) => track.stop()));
  }

  #run(stored: StoredTrack): LocalTrack {
    const key = keyOf(stored.service, stored.track);
    let track = this.#tracks.get(key);
    if (!track) {
      track = new LocalTrack(stored.service, stored.track, this.#settings);
      this.#tracks.set(key, track);
    }
    track.setDesired(stored.release, revisionOf(stored.release), stored.replicas, stored.cwd ?? this.#cwd);
    return track;
  }
}

function keyOf(service: ServiceRef, track: string): string {
  return `${service.namespace}/${service.name}/${track}`;
}

/** Only the fields the local cluster runs, so unrelated fields never trigger a restart. */
function normalized(release: Release): Release {
  const env = Object.fromEntries(Object.entries(release.env ?? {}).sort(([a], [b]) => a.localeCompare(b)));
  return { version: release.version, command: [...(release.command ?? [])], replicas: release.replicas, env };
}

/** What makes two releases the same pod template: everything but the replica count. */
function revisionOf(release: Release): string {
  const { replicas: _replicas, ...template } = normalized(release);
  return createHash('sha256').update(JSON.stringify(template)).digest('hex');
}

/** One `{ track, release, replicas }` object of a local snapshot, with the replica count in the release. */
function snapshotTrack(object: unknown, index: number): { track: string; release: Release } {
  const candidate = object as Partial<StoredTrack> | null;
  if (!candidate || typeof candidate.track !== 'string' || typeof candidate.release !== 'object') {
    throw new ValidationError(
      `snapshot.objects[${index}] must be { track, release, replicas } as taken by the local cluster`,
    );
  }
  return {
    track: candidate.track,
    release: { ...candidate.release, replicas: candidate.replicas ?? candidate.release.replicas },
  };
}

import { join } from 'node:path';
import type { Release, RolloutStatus, ServiceRef } from '#core/types.ts';
import { Replica, type ReplicaSpec } from './replica.ts';

/** Settings shared by every track of a local cluster. */
export interface TrackSettings {
  readonly logDir: string;
  /** Where the replicas' process groups are recorded while they run. */
  readonly groupRecordDir: string;
  readonly probeIntervalMs: number;
  readonly readinessTimeoutMs: number;
  readonly stopGraceMs: number;
  /** Restarts after which a replica waiting to restart is reported as `CrashLoopBackOff`. */
  readonly crashLoopRestarts: number;
}

/** A replica and the revision (pod template) it runs. */
interface Pod {
  readonly revision: string;
  readonly replica: Replica;
}

/** Environment variables a replica inherits from the runtime; everything else comes from `release.env`. */
const INHERITED_ENV = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'SYSTEMROOT'];

/**
 * The replicas of one service's track and the rolling update between releases: one surge replica at a
 * time, an old replica stopped only once a new one is ready (max surge 1, max unavailable 0).
 *
 * @example
 * const track = new LocalTrack(service, 'canary', settings);
 * track.setDesired(release, revisionOf(release), release.replicas);
 * track.status(); // { desired: 3, updated: 1, ready: 3, updatedReady: 0, available: 3, complete: false }
 */
export class LocalTrack {
  release: Release | undefined;
  revision = '';
  replicas = 0;
  readonly #pods: Pod[] = [];
  readonly #stopping = new Set<Promise<void>>();
  #sequence = 0;
  #cwd = '';

  constructor(
    readonly service: ServiceRef,
    readonly name: string,
    private readonly settings: TrackSettings,
  ) {}

  /** Sets what the track should run, and in which directory, then starts/stops replicas towards it. */
  setDesired(release: Release, revision: string, replicas: number, cwd: string): void {
    this.release = release;
    this.#cwd = cwd;
    this.revision = revision;
    this.replicas = replicas;
    this.reconcile();
  }

  /**
   * Rollout progress, as a Deployment's status reports it: `ready` counts the replicas of an earlier
   * release still serving until the new ones are ready, `updatedReady` the ready ones of the current one.
   */
  status(): RolloutStatus {
    const current = this.#pods.filter((pod) => pod.revision === this.revision);
    const readyCurrent = current.filter((pod) => pod.replica.phase === 'ready').length;
    const ready = this.#pods.filter((pod) => pod.replica.phase === 'ready').length;
    const complete =
      current.length === this.replicas &&
      readyCurrent === this.replicas &&
      this.#pods.length === this.replicas;
    const failed = this.#failure();
    const waiting = this.#probeFailure();
    return {
      desired: this.replicas,
      updated: current.length,
      ready,
      updatedReady: readyCurrent,
      available: ready,
      complete,
      ...(failed && !complete ? { failed } : {}),
      ...(waiting && !complete ? { waiting } : {}),
    };
  }

  /** Base URLs of the ready replicas, for the proxy. */
  readyUrls(): string[] {
    return this.#pods.filter((pod) => pod.replica.phase === 'ready').map((pod) => pod.replica.url);
  }

  /** Process ids of the running replicas. */
  pids(): number[] {
    return this.#pods.flatMap((pod) => (pod.replica.pid === undefined ? [] : [pod.replica.pid]));
  }

  /** Stops every replica (SIGTERM, then SIGKILL after the grace period) and waits for them to exit. */
  async stop(): Promise<void> {
    this.replicas = 0;
    for (const pod of this.#pods.splice(0)) this.#terminate(pod.replica);
    await Promise.all(this.#stopping);
  }

  /** One step towards the desired state; called again whenever a replica changes phase. */
  reconcile(): void {
    if (!this.release) return;
    let changed = true;
    while (changed) changed = this.#step();
  }

  #step(): boolean {
    const current = this.#pods.filter((pod) => pod.revision === this.revision);
    const old = this.#pods.filter((pod) => pod.revision !== this.revision);
    const unready = (pods: Pod[]) => pods.find((pod) => pod.replica.phase !== 'ready');
    if (current.length > this.replicas) return this.#remove(unready(current) ?? current.at(-1)!);
    const oldUnready = unready(old);
    if (oldUnready) return this.#remove(oldUnready);
    const readyCount = this.#pods.filter((pod) => pod.replica.phase === 'ready').length;
    if (old.length > 0 && readyCount > this.replicas) return this.#remove(old[0]!);
    if (old.length > 0 && this.replicas === 0) return this.#remove(old[0]!);
    if (current.length < this.replicas && this.#pods.length < this.replicas + 1) return this.#add();
    return false;
  }

  #add(): boolean {
    const release = this.release!;
    this.#sequence += 1;
    const name = `${this.service.name}-${this.name}-${this.revision.slice(0, 8)}-${this.#sequence}`;
    const spec: ReplicaSpec = {
      name,
      command: release.command ?? [],
      env: this.#env(release),
      cwd: this.#cwd,
      logFile: join(this.settings.logDir, this.service.namespace, `${name}.log`),
      groupRecordDir: this.settings.groupRecordDir,
      probeIntervalMs: this.settings.probeIntervalMs,
      readinessTimeoutMs: this.settings.readinessTimeoutMs,
    };
    const replica = new Replica(spec, () => this.reconcile());
    this.#pods.push({ revision: this.revision, replica });
    replica.start();
    return true;
  }

  #remove(pod: Pod): boolean {
    this.#pods.splice(this.#pods.indexOf(pod), 1);
    this.#terminate(pod.replica);
    return true;
  }

  #terminate(replica: Replica): void {
    const stopping = replica.stop(this.settings.stopGraceMs).finally(() => this.#stopping.delete(stopping));
    this.#stopping.add(stopping);
  }

  #env(release: Release): Record<string, string> {
    const inherited = INHERITED_ENV.flatMap((key) => (process.env[key] ? [[key, process.env[key]]] : []));
    return { ...Object.fromEntries(inherited), ...release.env, VERSION: release.version, TRACK: this.name };
  }

  #failure(): RolloutStatus['failed'] {
    const crashing = this.#pods.find(
      (pod) => pod.replica.phase === 'backoff' && pod.replica.restartCount >= this.settings.crashLoopRestarts,
    )?.replica;
    if (crashing) {
      const log = failureLine(crashing.logTail(LOG_TAIL_BYTES));
      return {
        reason: 'CrashLoopBackOff',
        message: `replica ${crashing.spec.name} restarted ${crashing.restartCount} times, last ${crashing.lastExit}${log ? `: ${log}` : ''}`,
      };
    }
    return undefined;
  }

  /**
   * What holds the rollout up while a replica has not passed its readiness probe for the readiness timeout:
   * as with a Deployment, the rollout waits on until its progress deadline, which the release's checks keep.
   */
  #probeFailure(): string | undefined {
    const unready = this.#pods.find((pod) => pod.replica.probeFailing)?.replica;
    if (!unready) return undefined;
    const seconds = this.settings.readinessTimeoutMs / 1000;
    const probe = unready.lastProbe ?? 'did not answer 2xx';
    const log = unready.logTail(LOG_TAIL_BYTES).trim().split('\n').at(-1)?.trim();
    return `replica ${unready.spec.name} ${unready.phase === 'unready' ? 'failing its readiness probe for' : 'not ready after'} ${seconds}s: GET ${unready.url}/healthz: ${probe}; ${log ? `its log ends "${log}" (${unready.spec.logFile})` : `its log is empty (${unready.spec.logFile})`}`;
  }
}

/** How much of a crashing replica's log is searched for the line that says why it stopped. */
const LOG_TAIL_BYTES = 4_000;

/**
 * The line of a replica's log that says why it stopped: its last error line (`Error: ...`,
 * `TypeError: ...`, `java.lang.IllegalStateException: ...`) rather than the stack trace after it, else its
 * last line.
 */
function failureLine(log: string): string {
  const lines = log
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.findLast((line) => /^[\w.$]*(Error|Exception)\b/.test(line)) ?? lines.at(-1) ?? '';
}

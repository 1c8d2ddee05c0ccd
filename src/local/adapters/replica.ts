import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { get } from 'node:http';
import { dirname } from 'node:path';
import { freePort } from '../free-port.ts';
import { signalGroup, trackGroup, untrackGroup } from './process-groups.ts';

/** How one replica is started and probed. */
export interface ReplicaSpec {
  readonly name: string;
  readonly command: readonly string[];
  /** The full environment of the process, without PORT (added per start). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly logFile: string;
  /** Where its process group is recorded while it runs (see `killLeftoverGroups`). */
  readonly groupRecordDir?: string;
  readonly probeIntervalMs: number;
  /** A replica not ready after this long (since its start, or since it stopped being ready) is failing its probe. */
  readonly readinessTimeoutMs: number;
}

/** `unready`: it was ready, and has failed its readiness probe {@link FAILURE_THRESHOLD} times in a row since. */
export type ReplicaPhase = 'starting' | 'ready' | 'unready' | 'backoff' | 'stopping' | 'stopped';

const FIRST_BACKOFF_MS = 250;
/** How long one readiness probe waits for its answer. */
const PROBE_TIMEOUT_MS = 1_000;
const MAX_BACKOFF_MS = 10_000;
/** Failed probes in a row that take a ready replica out of service, as Kubernetes' `failureThreshold` default. */
const FAILURE_THRESHOLD = 3;
/** A ready replica is probed this many times less often than a starting one. */
const READY_PROBE_SLOWDOWN = 5;

/**
 * One replica: a child process on its own port, in its own process group, restarted with exponential
 * back-off when it exits (as a kubelet restarts a container), ready once `GET /healthz` answers 2xx. Once
 * ready it is probed on, as Kubernetes does: {@link FAILURE_THRESHOLD} failures in a row make it `unready`
 * (it takes no traffic), and one 2xx ready again.
 *
 * @example
 * const replica = new Replica(spec, () => reconcile());
 * replica.start();
 * // later: replica.phase === 'ready', replica.url === 'http://127.0.0.1:41234'
 * await replica.stop(5_000);
 */
export class Replica {
  phase: ReplicaPhase = 'starting';
  port = 0;
  restartCount = 0;
  lastExit: string | undefined;
  /** What the last readiness probe got, when it was not 2xx: `answered 503`, `connection refused ...`. */
  lastProbe: string | undefined;
  #child: ChildProcess | undefined;
  /** Since when it has not been ready: its start, or when it became unready. */
  #notReadySince = 0;
  /** Failed probes in a row while ready. */
  #failures = 0;
  /** The probes of the process started last: those of an earlier one, answered late, are ignored. */
  #probes = 0;
  #timer: NodeJS.Timeout | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(
    readonly spec: ReplicaSpec,
    private readonly onChange: () => void,
  ) {}

  /** The replica's base URL, for the proxy. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Started, or unready, and not ready for longer than the readiness timeout. */
  get probeFailing(): boolean {
    const notReady = this.phase === 'starting' || this.phase === 'unready';
    return notReady && Date.now() - this.#notReadySince > this.spec.readinessTimeoutMs;
  }

  /** Spawns the process (again after a crash). */
  start(): void {
    this.phase = 'starting';
    this.#notReadySince = Date.now();
    this.#failures = 0;
    freePort().then(
      (port) => this.#spawn(port),
      (error: Error) => this.#onExit(`no free port: ${error.message}`),
    );
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(graceMs: number): Promise<void> {
    this.phase = 'stopping';
    clearTimeout(this.#timer);
    const pid = this.#child?.pid;
    if (pid !== undefined && this.#child?.exitCode === null && this.#child.signalCode === null) {
      signalGroup(pid, 'SIGTERM');
      const kill = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
      await this.#exited;
      clearTimeout(kill);
    }
    this.phase = 'stopped';
  }

  /** The last bytes the replica wrote to its log, for failure messages. */
  logTail(bytes = 400): string {
    try {
      const size = statSync(this.spec.logFile).size;
      const length = Math.min(bytes, size);
      const buffer = Buffer.alloc(length);
      const fd = openSync(this.spec.logFile, 'r');
      readSync(fd, buffer, 0, length, size - length);
      closeSync(fd);
      return buffer.toString('utf8').trim();
    } catch {
      return '';
    }
  }

  #spawn(port: number): void {
    if (this.phase !== 'starting') return;
    this.port = port;
    mkdirSync(dirname(this.spec.logFile), { recursive: true });
    const log = openSync(this.spec.logFile, 'a');
    const [file, ...args] = this.spec.command as [string, ...string[]];
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        cwd: this.spec.cwd,
        env: { ...this.spec.env, PORT: String(port) },
        stdio: ['ignore', log, log],
        detached: true,
      });
    } catch (error) {
      // Some failures are thrown, not emitted: E2BIG, an environment value past the OS's 128 KiB.
      this.#onExit(`could not start ${file}: ${(error as Error).message}`);
      return;
    } finally {
      closeSync(log);
    }
    this.#child = child;
    let settle: () => void = () => {};
    this.#exited = new Promise((resolve) => {
      settle = resolve;
    });
    const pid = child.pid;
    if (pid !== undefined) trackGroup(pid, this.spec.groupRecordDir);
    child.unref();
    let done = false;
    const exited = (reason: string) => {
      if (done) return;
      done = true;
      if (pid !== undefined) {
        signalGroup(pid, 'SIGKILL');
        untrackGroup(pid);
      }
      settle();
      this.#onExit(reason);
    };
    child.once('error', (error) => exited(`could not start ${file}: ${error.message}`));
    child.once('exit', (code, signal) => exited(signal ? `killed by ${signal}` : `exited with code ${code}`));
    this.#probes += 1;
    this.#probe(this.#probes);
  }

  /** True while the probes of `probes` go on: those of the process started last, while not stopped. */
  #probing(probes: number): boolean {
    const probed = this.phase === 'starting' || this.phase === 'ready' || this.phase === 'unready';
    return probed && probes === this.#probes;
  }

  #probe(probes: number): void {
    if (!this.#probing(probes)) return;
    const request = get(`${this.url}/healthz`, { timeout: PROBE_TIMEOUT_MS, agent: false }, (res) => {
      res.resume();
      const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
      if (ok) this.#passed(probes);
      else this.#failed(probes, `answered ${res.statusCode}`);
    });
    let timedOut = false;
    request.once('timeout', () => {
      timedOut = true;
      request.destroy();
    });
    request.once('error', (error: NodeJS.ErrnoException) => {
      this.#failed(
        probes,
        timedOut
          ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s`
          : error.code === 'ECONNREFUSED'
            ? `connection refused: nothing listens on port ${this.port} (the app must listen on $PORT)`
            : error.message,
      );
    });
  }

  #passed(probes: number): void {
    if (!this.#probing(probes)) return;
    this.#failures = 0;
    if (this.phase !== 'ready') {
      this.phase = 'ready';
      this.onChange();
    }
    this.#scheduleProbe(probes);
  }

  #failed(probes: number, probe: string): void {
    if (!this.#probing(probes)) return;
    this.lastProbe = probe;
    if (this.phase === 'ready' && ++this.#failures >= FAILURE_THRESHOLD) {
      this.phase = 'unready';
      this.#notReadySince = Date.now();
      this.onChange();
    }
    this.#scheduleProbe(probes);
  }

  #scheduleProbe(probes: number): void {
    if (!this.#probing(probes)) return;
    const interval = this.spec.probeIntervalMs * (this.phase === 'ready' ? READY_PROBE_SLOWDOWN : 1);
    this.#timer = setTimeout(() => this.#probe(probes), interval);
    this.#timer.unref();
  }

  #onExit(reason: string): void {
    this.lastExit = reason;
    if (this.phase === 'stopping' || this.phase === 'stopped') return;
    clearTimeout(this.#timer);
    this.phase = 'backoff';
    this.restartCount += 1;
    const delay = Math.min(FIRST_BACKOFF_MS * 2 ** (this.restartCount - 1), MAX_BACKOFF_MS);
    this.#timer = setTimeout(() => this.start(), delay);
    this.#timer.unref();
    this.onChange();
  }
}

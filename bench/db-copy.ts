/**
 * Copy benchmark: Cutover's checkpointed keyset COPY copy (src/adapters/database/copy.ts) against
 * `pg_dump --data-only | psql`, on the same table of mixed types (~200 bytes a row) at 1M and 5M rows, on
 * the same PostgreSQL server in the same run. Prints rows/s, MB/s (table size on disk / time), the ratio to
 * pg_dump, the 5M/1M time ratio and the copy process's peak RSS, with PASS/MISS per target:
 *   - throughput >= 0.7x pg_dump | psql;
 *   - time linear in size: 5M/1M time ratio < 5.5;
 *   - peak RSS < 250 MB at every size.
 *
 * pg_dump must match the server's major version, so both sides run on a PostgreSQL server whose `bin`
 * directory also holds pg_dump and psql (default: Debian's `/usr/lib/postgresql/15/bin`, from
 * `apt-get install -y postgresql`); see docs/benchmarks.md.
 *
 *   node --import tsx bench/db-copy.ts [--rows 1000000,5000000] [--pg-bin /usr/lib/postgresql/15/bin]
 *     [--shared-buffers 512MB]
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { listTables } from '#adapters/database/catalog.ts';
import { withDatabase } from '#adapters/database/connection.ts';
import { copyTableSlice } from '#adapters/database/copy.ts';
import { freePort } from '#local/free-port.ts';

const TARGETS = { ratio: 0.7, linearity: 5.5, rssMb: 250 };

const TABLE_DDL = `CREATE TABLE items (
  id bigint PRIMARY KEY, uid uuid NOT NULL, name text NOT NULL, amount numeric(14, 2),
  created timestamptz NOT NULL, tags text[], attrs jsonb, active boolean, note text)`;

const FILL = `INSERT INTO items
  SELECT i, md5(i::text)::uuid, 'item ' || i, (i % 100000) / 7.0,
    timestamptz '2020-01-01' + i * interval '1 second',
    ARRAY['tag' || (n % 10), 'kind' || (n % 7)],
    jsonb_build_object('i', i, 'color', (ARRAY['red', 'green', 'blue'])[1 + n % 3], 'ok', n % 5 = 0),
    n % 2 = 0, repeat(chr(97 + n % 26), 50 + n % 40)
  FROM (SELECT i, i::int AS n FROM generate_series($1::bigint, $2::bigint) AS i) AS series`;

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000,5000000' },
    'pg-bin': { type: 'string', default: '/usr/lib/postgresql/15/bin' },
    'shared-buffers': { type: 'string', default: '512MB' },
    worker: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});

if (values.worker) await copyWorker(...(process.argv.slice(-2) as [string, string]));
else await main();

/** The copy as the state machine's task runs it: slices of 50,000-row batches until done. */
async function copyWorker(source: string, target: string): Promise<void> {
  const started = performance.now();
  await withDatabase({ url: source }, (src) =>
    withDatabase({ url: target }, async (dst) => {
      const [items] = await listTables(src, ['public']);
      let checkpoint: Awaited<ReturnType<typeof copyTableSlice>>;
      do checkpoint = await copyTableSlice(src, dst, items!, { copyId: 'bench', budgetMs: 600_000 });
      while (!checkpoint.done);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ seconds, maxRssKb: process.resourceUsage().maxRSS }));
}

interface Measure {
  readonly seconds: number;
  readonly maxRssKb?: number;
}

async function main(): Promise<void> {
  const bin = values['pg-bin']!;
  for (const tool of ['initdb', 'postgres', 'pg_dump', 'psql']) {
    if (!existsSync(join(bin, tool))) {
      throw new Error(
        `--pg-bin ${bin} has no ${tool}: install a PostgreSQL server with its client (apt-get install -y postgresql)`,
      );
    }
  }
  const sizes = values.rows!.split(',').map(Number);
  const server = await startServer(bin);
  try {
    const version = (await query(server.url('postgres'), 'SHOW server_version')).rows[0].server_version;
    const dumpVersion = execFileSync(join(bin, 'pg_dump'), ['--version']).toString().trim();
    console.log(
      `PostgreSQL ${version} at ${server.url('postgres')}; ${dumpVersion}; same server for both sides\n`,
    );
    const results: { rows: number; bytes: number; cutover: Measure; pgDump: Measure }[] = [];
    for (const rows of sizes) {
      const source = `source_${rows}`;
      await createDatabase(server, source);
      await fill(server.url(source), rows);
      const bytes = Number((await query(server.url(source), `SELECT pg_table_size('items') AS b`)).rows[0].b);
      const dumpTarget = `dump_${rows}`;
      await createDatabase(server, dumpTarget);
      await settle(server);
      const pgDump = await timePgDump(bin, server, source, dumpTarget);
      const copyTarget = `copy_${rows}`;
      await createDatabase(server, copyTarget);
      await settle(server);
      const cutover = await timeCutoverCopy(server.url(source), server.url(copyTarget));
      await assertSameRows(server, source, [dumpTarget, copyTarget], rows);
      results.push({ rows, bytes, cutover, pgDump });
      print(rows, bytes, cutover, pgDump);
      for (const name of [source, dumpTarget, copyTarget])
        await query(server.url('postgres'), `DROP DATABASE ${name}`);
    }
    verdicts(results);
  } finally {
    await server.stop();
  }
}

function print(rows: number, bytes: number, cutover: Measure, pgDump: Measure): void {
  const line = (name: string, m: Measure) =>
    `  ${name.padEnd(20)} ${m.seconds.toFixed(2).padStart(7)} s  ${Math.round(rows / m.seconds)
      .toLocaleString('en-US')
      .padStart(9)} rows/s  ${(bytes / 1e6 / m.seconds).toFixed(1).padStart(6)} MB/s` +
    (m.maxRssKb ? `  peak RSS ${(m.maxRssKb / 1024).toFixed(0)} MB` : '');
  console.log(
    `${rows.toLocaleString('en-US')} rows (${(bytes / 1e6).toFixed(0)} MB on disk, ${(bytes / rows).toFixed(0)} bytes a row)`,
  );
  console.log(line('cutover copy', cutover));
  console.log(line('pg_dump | psql', pgDump));
  console.log(`  ratio cutover / pg_dump: ${(pgDump.seconds / cutover.seconds).toFixed(2)}x\n`);
}

function verdicts(results: { rows: number; cutover: Measure; pgDump: Measure }[]): void {
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  for (const r of results) {
    const ratio = r.pgDump.seconds / r.cutover.seconds;
    console.log(
      `${verdict(ratio >= TARGETS.ratio)} throughput at ${r.rows}: ${ratio.toFixed(2)}x pg_dump (target >= ${TARGETS.ratio}x)`,
    );
  }
  const first = results[0]!;
  const last = results.at(-1)!;
  if (results.length > 1) {
    const growth = last.cutover.seconds / first.cutover.seconds;
    const dumpGrowth = last.pgDump.seconds / first.pgDump.seconds;
    console.log(
      `${verdict(growth < TARGETS.linearity)} time ${last.rows}/${first.rows}: ${growth.toFixed(2)} (target < ${TARGETS.linearity}; pg_dump ${dumpGrowth.toFixed(2)})`,
    );
  }
  for (const r of results) {
    const mb = (r.cutover.maxRssKb ?? 0) / 1024;
    console.log(
      `${verdict(mb < TARGETS.rssMb)} peak RSS at ${r.rows}: ${mb.toFixed(0)} MB (target < ${TARGETS.rssMb} MB)`,
    );
  }
}

async function timeCutoverCopy(source: string, target: string): Promise<Measure> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/db-copy.ts', '--worker', source, target], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  if (code !== 0) throw new Error(`copy worker exited ${code}`);
  return JSON.parse(out) as Measure;
}

async function timePgDump(bin: string, server: Server, source: string, target: string): Promise<Measure> {
  const started = performance.now();
  const args = ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres'];
  await new Promise<void>((done, fail) => {
    const dump = spawn(join(bin, 'pg_dump'), [...args, '--data-only', '-t', 'items', source], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const restore = spawn(join(bin, 'psql'), [...args, '-q', '-v', 'ON_ERROR_STOP=1', target], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    dump.stdout.pipe(restore.stdin);
    restore.on('exit', (code) => (code === 0 ? done() : fail(new Error(`psql exited ${code}`))));
    dump.on('exit', (code) => code !== 0 && fail(new Error(`pg_dump exited ${code}`)));
  });
  return { seconds: (performance.now() - started) / 1000 };
}

async function assertSameRows(server: Server, source: string, targets: string[], rows: number) {
  const sum = `SELECT count(*) AS n, sum(hashtext(items::text)::bigint) AS h FROM items`;
  const expected = (await query(server.url(source), sum)).rows[0];
  if (Number(expected.n) !== rows) throw new Error(`source has ${expected.n} rows, expected ${rows}`);
  for (const target of targets) {
    const got = (await query(server.url(target), sum)).rows[0];
    if (got.n !== expected.n || got.h !== expected.h) throw new Error(`${target} differs from ${source}`);
  }
}

/** Flushes what the previous step wrote (CHECKPOINT, then the OS's dirty pages), so no side pays for another. */
async function settle(server: Server): Promise<void> {
  await query(server.url('postgres'), 'CHECKPOINT');
  execFileSync('sync');
}

async function fill(url: string, rows: number): Promise<void> {
  await query(url, TABLE_DDL);
  const chunk = 1_000_000;
  for (let from = 1; from <= rows; from += chunk)
    await query(url, FILL, [from, Math.min(rows, from + chunk - 1)]);
  await query(url, 'VACUUM ANALYZE items');
}

async function createDatabase(server: Server, name: string): Promise<void> {
  await query(server.url('postgres'), `CREATE DATABASE ${name}`);
  if (!name.startsWith('source_')) await query(server.url(name), TABLE_DDL);
}

async function query(url: string, text: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

interface Server {
  readonly port: number;
  url(database: string): string;
  stop(): Promise<void>;
}

/**
 * A throw-away server of `bin` in a temp directory, trust auth on 127.0.0.1 only, durability off for both
 * sides alike (the bench measures the copy, not the disk). As root it runs as the OS user postgres.
 */
async function startServer(bin: string): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-bench-pg-'));
  await chmod(dir, 0o777);
  const data = join(dir, 'data');
  const asPostgres = (command: string, args: string[]) =>
    process.getuid?.() === 0
      ? (['runuser', ['-u', 'postgres', '--', command, ...args]] as const)
      : ([command, args] as const);
  const [initdb, initArgs] = asPostgres(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
  ]);
  execFileSync(initdb, initArgs, { stdio: 'ignore' });
  const port = await freePort();
  const settings = [
    ...['-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`],
    ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    ...['-c', 'max_wal_size=8GB', '-c', `shared_buffers=${values['shared-buffers']}`],
  ];
  const [postgres, postgresArgs] = asPostgres(join(bin, 'postgres'), ['-D', data, ...settings]);
  const child = spawn(postgres, postgresArgs, { stdio: 'ignore' });
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await query(url('postgres'), 'SELECT 1');
      break;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    url,
    async stop() {
      const exited = new Promise((done) => child.once('exit', done));
      const [pgCtl, stopArgs] = asPostgres(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast']);
      execFileSync(pgCtl, stopArgs, { stdio: 'ignore' });
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

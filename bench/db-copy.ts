/**
 * Copy benchmark: Cutover's checkpointed keyset COPY copy (src/adapters/database/copy.ts) against
 * `pg_dump --data-only | psql`, on the same table of mixed types (~200 bytes a row) at 1M and 5M rows, on
 * the same PostgreSQL server in the same run, each size `--repeat` times (sides alternating which goes first),
 * taking each side's median. Prints rows/s, MB/s (table size on disk / time), the ratio to pg_dump, the
 * 5M/1M time ratio and the copy process's peak RSS, with PASS/MISS per target:
 *   - throughput >= 0.7x pg_dump | psql;
 *   - time linear in size: 5M/1M time ratio < 5.5;
 *   - peak RSS < 250 MB at every size.
 *
 * pg_dump must match the server's major version, so both sides run on a PostgreSQL server whose `bin`
 * directory also holds pg_dump and psql (default: Debian's `/usr/lib/postgresql/15/bin`, from
 * `apt-get install -y postgresql`); see docs/benchmarks.md.
 *
 *   node --import tsx bench/db-copy.ts [--rows 1000000,5000000] [--pg-bin /usr/lib/postgresql/15/bin]
 *     [--shared-buffers 512MB] [--repeat 5] [--batches]
 *
 * `--batches` copies one batch per slice and prints the copy's batch times by tenth of the run, its slowest
 * batches, and the autovacuum workers and checkpoints seen beside them.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { listTables } from '#adapters/database/catalog.ts';
import { withDatabase } from '#adapters/database/connection.ts';
import { copyTableSlice } from '#adapters/database/copy.ts';
import { freePort } from '#local/free-port.ts';
import { benchOptions, positiveNumber } from './options.ts';

const TARGETS = { ratio: 0.7, linearity: 5.5, rssMb: 250 };
const SIDES = { cutover: 'cutover copy', pgDump: 'pg_dump | psql' };

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

const USAGE =
  'node --import tsx bench/db-copy.ts [--rows 1000000,5000000] [--pg-bin /usr/lib/postgresql/15/bin] ' +
  '[--shared-buffers 512MB] [--repeat 5] [--batches]';
const { values } = benchOptions(
  {
    options: {
      rows: { type: 'string', default: '1000000,5000000' },
      'pg-bin': { type: 'string', default: '/usr/lib/postgresql/15/bin' },
      'shared-buffers': { type: 'string', default: '512MB' },
      repeat: { type: 'string', default: '5' },
      batches: { type: 'boolean', default: false },
      worker: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  },
  USAGE,
);

if (values.worker) await copyWorker(...(process.argv.slice(-2) as [string, string]));
else await main();

/**
 * The copy as the state machine's task runs it: slices of 50,000-row batches until done. With `--batches`
 * each slice is one batch (budget 0), timed, with the server's background work seen after it.
 */
async function copyWorker(source: string, target: string): Promise<void> {
  const batches: Batch[] = [];
  const started = performance.now();
  await withDatabase({ url: source }, (src) =>
    withDatabase({ url: target }, async (dst) => {
      const [items] = await listTables(src, ['public']);
      let checkpoint: Awaited<ReturnType<typeof copyTableSlice>>;
      do {
        const batchStarted = performance.now();
        checkpoint = await copyTableSlice(src, dst, items!, {
          copyId: 'bench',
          budgetMs: values.batches ? 0 : 600_000,
        });
        if (values.batches)
          batches.push({ ms: performance.now() - batchStarted, ...(await background(src)) });
      } while (!checkpoint.done);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ seconds, maxRssKb: process.resourceUsage().maxRSS, batches }));
}

/** One batch of the copy: its time, and the autovacuum workers and checkpoints seen when it ended. */
interface Batch {
  readonly ms: number;
  readonly autovacuum: string[];
  readonly checkpoints: number;
}

async function background(client: pg.Client): Promise<Omit<Batch, 'ms'>> {
  const { rows } = await client.query<{ autovacuum: string[]; checkpoints: number }>(
    `SELECT ARRAY(SELECT datname || ': ' || query FROM pg_stat_activity
                  WHERE backend_type = 'autovacuum worker') AS autovacuum,
       (SELECT (checkpoints_timed + checkpoints_req)::int FROM pg_stat_bgwriter) AS checkpoints`,
  );
  return rows[0]!;
}

interface Measure {
  readonly seconds: number;
  readonly maxRssKb?: number;
  readonly batches?: Batch[];
}

/** Mean batch time per tenth of the run, the slowest batches, and the batches that ran beside autovacuum. */
function printBatches(batches: readonly Batch[]): void {
  if (batches.length < 10) return;
  const tenth = batches.length / 10;
  const deciles = Array.from({ length: 10 }, (_, d) => {
    const part = batches.slice(Math.round(d * tenth), Math.round((d + 1) * tenth));
    return (part.reduce((sum, b) => sum + b.ms, 0) / part.length).toFixed(0);
  });
  console.log(`  batches: ${batches.length}, mean ms by tenth of the run: ${deciles.join(' ')}`);
  const slowest = batches
    .map((b, i) => ({ ...b, i }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5);
  console.log(`  slowest: ${slowest.map((b) => `#${b.i} ${b.ms.toFixed(0)} ms`).join(', ')}`);
  const vacuumed = batches.filter((b) => b.autovacuum.length > 0);
  const seen = [...new Set(vacuumed.flatMap((b) => b.autovacuum))];
  console.log(
    `  autovacuum beside ${vacuumed.length} batches${seen.length ? `: ${seen.join('; ')}` : ''}; ` +
      `checkpoints during the copy: ${batches.at(-1)!.checkpoints - batches[0]!.checkpoints}`,
  );
}

async function main(): Promise<void> {
  const sizes = values.rows.split(',').map((size) => positiveNumber('rows', size, USAGE, true));
  const repeat = positiveNumber('repeat', values.repeat, USAGE, true);
  const bin = values['pg-bin'];
  for (const tool of ['initdb', 'postgres', 'pg_dump', 'psql']) {
    if (!existsSync(join(bin, tool))) {
      throw new Error(
        `--pg-bin ${bin} has no ${tool}: install a PostgreSQL server with its client (apt-get install -y postgresql)`,
      );
    }
  }
  const server = await startServer(bin);
  try {
    const version = (await query(server.url('postgres'), 'SHOW server_version')).rows[0].server_version;
    const dumpVersion = execFileSync(join(bin, 'pg_dump'), ['--version']).toString().trim();
    console.log(
      `PostgreSQL ${version} at ${server.url('postgres')}; ${dumpVersion}; same server for both sides\n`,
    );
    const results: Result[] = [];
    for (const rows of sizes) {
      const source = `source_${rows}`;
      await createDatabase(server, source);
      await fill(server.url(source), rows);
      const bytes = Number((await query(server.url(source), `SELECT pg_table_size('items') AS b`)).rows[0].b);
      const runs = { cutover: [] as Measure[], pgDump: [] as Measure[] };
      for (let round = 0; round < repeat; round++) {
        const targets = { pgDump: `dump_${rows}_${round}`, cutover: `copy_${rows}_${round}` };
        // Alternate which side goes first, so neither always runs on a warmer or busier server.
        const sides = round % 2 === 0 ? (['pgDump', 'cutover'] as const) : (['cutover', 'pgDump'] as const);
        for (const side of sides) {
          await createDatabase(server, targets[side]);
          await settle(server, source);
          runs[side].push(
            side === 'pgDump'
              ? await timePgDump(bin, server, source, targets.pgDump)
              : await timeCutoverCopy(server.url(source), server.url(targets.cutover)),
          );
        }
        await assertSameRows(server, source, Object.values(targets), rows);
        for (const name of Object.values(targets))
          await query(server.url('postgres'), `DROP DATABASE ${name}`);
      }
      const result = { rows, bytes, cutover: median(runs.cutover), pgDump: median(runs.pgDump) };
      results.push(result);
      print(result, runs);
      await query(server.url('postgres'), `DROP DATABASE ${source}`);
    }
    verdicts(results);
  } finally {
    await server.stop();
  }
}

interface Result {
  readonly rows: number;
  readonly bytes: number;
  readonly cutover: Measure;
  readonly pgDump: Measure;
}

/** The run of median time; its peak RSS is raised to the highest of all runs. */
function median(runs: readonly Measure[]): Measure {
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  const maxRssKb = Math.max(...runs.map((r) => r.maxRssKb ?? 0));
  return { ...sorted[Math.floor((sorted.length - 1) / 2)]!, ...(maxRssKb ? { maxRssKb } : {}) };
}

function print({ rows, bytes, cutover, pgDump }: Result, runs: Record<keyof typeof SIDES, Measure[]>): void {
  const line = (side: keyof typeof SIDES, m: Measure) =>
    `  ${SIDES[side].padEnd(20)} ${m.seconds.toFixed(2).padStart(7)} s  ${Math.round(rows / m.seconds)
      .toLocaleString('en-US')
      .padStart(9)} rows/s  ${(bytes / 1e6 / m.seconds).toFixed(1).padStart(6)} MB/s` +
    (m.maxRssKb ? `  peak RSS ${(m.maxRssKb / 1024).toFixed(0)} MB` : '') +
    (runs[side].length > 1 ? `  (runs ${runs[side].map((r) => r.seconds.toFixed(2)).join(', ')} s)` : '');
  console.log(
    `${rows.toLocaleString('en-US')} rows (${(bytes / 1e6).toFixed(0)} MB on disk, ${(bytes / rows).toFixed(0)} bytes a row)`,
  );
  console.log(line('cutover', cutover));
  console.log(line('pgDump', pgDump));
  console.log(`  ratio cutover / pg_dump (medians): ${(pgDump.seconds / cutover.seconds).toFixed(2)}x`);
  if (cutover.batches?.length) printBatches(cutover.batches);
  console.log('');
}

function verdicts(results: readonly Result[]): void {
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
  const flags = ['--worker', ...(values.batches ? ['--batches'] : [])];
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/db-copy.ts', ...flags, source, target], {
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

/**
 * Flushes what the previous step wrote (CHECKPOINT, then the OS's dirty pages), so no side pays for another,
 * then reads the source's heap once (`count(note)` takes a sequential scan), so each side starts with the
 * source in the OS cache: the VM's kernel pages out file pages left untouched for about a minute.
 */
async function settle(server: Server, source: string): Promise<void> {
  await query(server.url('postgres'), 'CHECKPOINT');
  execFileSync('sync');
  await query(server.url(source), 'SELECT count(note) FROM items');
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
    // No autovacuum: it would vacuum one side's fresh target while the other side is timed (the sources
    // are vacuumed once, after the fill).
    ...['-c', 'autovacuum=off'],
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

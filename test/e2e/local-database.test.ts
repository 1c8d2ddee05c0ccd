import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDatabaseChapter, SHOP_MIGRATIONS } from '#local/demo/database-chapter.ts';
import { runSql } from '#test/integration/database/dataset.ts';
import { startCli, stopStartedClis } from '#test/support/cli-process.ts';
import {
  executionHistory,
  sfnClient,
  startTestRuntime,
  waitForExecution,
} from '#test/support/local-runtime.ts';
import { createTestS3Client } from '#test/support/s3.ts';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'cutover-local-db-'));
  // As root the embedded server runs as the OS user postgres, which must be able to enter the data dir.
  await chmod(directory, 0o755);
});
afterEach(stopStartedClis);
afterAll(() => rm(directory, { recursive: true, force: true }));

/** Resolves true when something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

async function until(read: () => string, pattern: RegExp): Promise<RegExpExecArray> {
  for (;;) {
    const match = pattern.exec(read());
    if (match) return match;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cutover local with its PostgreSQL and S3', () => {
  it('serves a database migration against its own PostgreSQL, backs up to its S3, and stops both', async () => {
    // Prepare
    const dataDir = join(directory, 'cli');
    const cli = startCli(['local', '--port', '0', '--data-dir', dataDir]);
    const [, endpoint] = await until(cli.stdout, /listening on (http:\/\/\S+)/);
    const [, databaseUrl] = await until(cli.stdout, /PostgreSQL on (\S+)/);
    const [, s3Endpoint, bucket] = await until(cli.stdout, /S3 on (\S+), backups in bucket (\S+)/);
    const password = (await readFile(join(dataDir, 'postgres.password'), 'utf8')).trim();
    const admin = new URL(databaseUrl!);
    admin.password = password;
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query('CREATE DATABASE shop');
    await client.end();
    const sfn = sfnClient(endpoint!);
    const s3 = createTestS3Client(s3Endpoint!);
    // Act
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:database-migration',
        input: JSON.stringify({
          service: { name: 'orders', namespace: 'shop' },
          database: { target: { url: databaseUrl!.replace(/\/postgres$/, '/shop') } },
          migrations: { directory: SHOP_MIGRATIONS },
        }),
      }),
    );
    const execution = await waitForExecution(sfn, executionArn!);
    const history = JSON.stringify(await executionHistory(sfn, executionArn!));
    const objects = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'shop/orders/' }));
    sfn.destroy();
    s3.destroy();
    cli.child.kill('SIGINT');
    const exitCode = await cli.exited;
    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).migrations).toEqual({
      applied: [1, 2],
      appliedEarlier: [],
      pending: [],
      withoutFile: [],
    });
    expect(objects.Contents?.map((o) => o.Key)).toContainEqual(expect.stringMatching(/manifest\.json$/));
    expect(history).not.toContain(password);
    expect(exitCode).toBe(0);
    expect(await listening(Number(admin.port))).toBe(false);
    expect(await listening(Number(new URL(s3Endpoint!).port))).toBe(false);
  });

  it('applies the migrations `run` checked when it runs in another directory than cutover local', async () => {
    // Prepare: a project of its own elsewhere, its request naming its migrations by a relative path
    const dataDir = join(directory, 'elsewhere');
    const local = startCli(['local', '--port', '0', '--data-dir', dataDir]);
    const [, endpoint] = await until(local.stdout, /listening on (http:\/\/\S+)/);
    const [, databaseUrl] = await until(local.stdout, /PostgreSQL on (\S+)/);
    const admin = new URL(databaseUrl!);
    admin.password = (await readFile(join(dataDir, 'postgres.password'), 'utf8')).trim();
    await runSql(admin.toString(), 'CREATE DATABASE elsewhere');
    const project = await mkdtemp(join(directory, 'project-'));
    await mkdir(join(project, 'db'));
    await writeFile(
      join(project, 'db', 'V1__parcels.sql'),
      'CREATE TABLE parcels (id bigint PRIMARY KEY);\n',
    );
    const target = databaseUrl!.replace(/\/postgres$/, '/elsewhere');
    const request = {
      service: { name: 'parcels', namespace: 'shop' },
      database: { target: { url: target } },
      migrations: { directory: 'db' },
    };
    await writeFile(join(project, 'request.json'), JSON.stringify(request));
    // Act
    const run = startCli(
      ['run', 'database-migration', '-f', 'request.json', '--wait', '--endpoint', endpoint!],
      {},
      project,
    );
    const exitCode = await run.exited;
    admin.pathname = '/elsewhere';
    const { rows: tables } = await runSql(
      admin.toString(),
      "SELECT to_regclass('public.parcels')::text AS parcels",
    );
    // The plan reads the target with the password the data dir keeps, as the runtime's tasks do
    await writeFile(join(project, 'db', 'V2__parcels_weight.sql'), 'ALTER TABLE parcels ADD weight int;\n');
    const plan = startCli(
      ['plan', 'database-migration', '-f', 'request.json', '--endpoint', endpoint!, '--data-dir', dataDir],
      {},
      project,
    );
    const planCode = await plan.exited;
    local.child.kill('SIGINT');
    await local.exited;
    // Assess
    expect(exitCode, run.stdout() + run.stderr()).toBe(0);
    expect(run.stdout()).toContain('applied V1');
    expect(tables).toEqual([{ parcels: 'parcels' }]);
    expect(planCode, plan.stderr()).toBe(0);
    expect(plan.stdout()).toContain(
      "(V2__parcels_weight, by the target's history; it has applied 1 of the phase's 2 files)",
    );
  });

  it('serves PostgreSQL on the same URL after a restart, so request files keep working', async () => {
    // Prepare: a first start on a fresh data dir, stopped
    const dataDir = join(directory, 'restart');
    const first = startCli(['local', '--port', '0', '--data-dir', dataDir]);
    const [, firstUrl] = await until(first.stdout, /PostgreSQL on (\S+)/);
    first.child.kill('SIGINT');
    await first.exited;
    // Act
    const second = startCli(['local', '--port', '0', '--data-dir', dataDir]);
    const [, secondUrl] = await until(second.stdout, /PostgreSQL on (\S+)/);
    const reachable = await listening(Number(new URL(secondUrl!).port));
    second.child.kill('SIGINT');
    // Assess
    expect(secondUrl).toBe(firstUrl);
    expect(reachable).toBe(true);
    expect(await second.exited).toBe(0);
  });
});

describe('cutover local killed during a database copy', () => {
  it('resumes the copy after a restart and finishes it once, with no duplicate and no gap', {
    timeout: 180_000,
  }, async () => {
    // Prepare: a source of 200,000 rows and an empty target on the runtime's PostgreSQL
    const dataDir = join(directory, 'killed');
    const args = ['local', '--port', '0', '--data-dir', dataDir];
    const first = startCli(args);
    const endpoint = (await until(first.stdout, /listening on (http:\/\/\S+)/))[1]!;
    const serverUrl = (await until(first.stdout, /PostgreSQL on (\S+)/))[1]!;
    const admin = new URL(serverUrl);
    admin.password = (await readFile(join(dataDir, 'postgres.password'), 'utf8')).trim();
    const on = (database: string) => Object.assign(new URL(admin), { pathname: `/${database}` }).toString();
    const requestUrl = (database: string) => serverUrl.replace(/\/postgres$/, `/${database}`);
    const schema = 'CREATE TABLE ledger (id bigint PRIMARY KEY, amount numeric(18, 4), memo text);';
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query('CREATE DATABASE source');
    await client.query('CREATE DATABASE target');
    await client.end();
    await runSql(on('source'), schema);
    await runSql(
      on('source'),
      `INSERT INTO ledger SELECT i, i * 0.0137, 'memo ' || i FROM generate_series(1, 200000) AS i`,
    );
    const migrations = await mkdtemp(join(directory, 'migrations-'));
    await writeFile(join(migrations, 'V1__ledger.sql'), schema);
    const sfn = sfnClient(endpoint);
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:database-migration',
        input: JSON.stringify({
          service: { name: 'ledger', namespace: 'bank' },
          database: { source: { url: requestUrl('source') }, target: { url: requestUrl('target') } },
          migrations: { directory: migrations },
          copy: { batchRows: 100, budgetSeconds: 1 },
        }),
      }),
    );
    sfn.destroy();
    const copied = async () =>
      (await runSql(on('target'), 'SELECT count(*)::int AS n FROM ledger').catch(() => undefined))?.rows[0]
        ?.n ?? 0;
    while ((await copied()) < 20_000) await new Promise((r) => setTimeout(r, 50));
    // Act: SIGKILL mid-copy, then start again on the same data dir
    first.child.kill('SIGKILL');
    await first.exited;
    const rowsAtKill = await copied();
    const second = startCli(args);
    const resumed = sfnClient((await until(second.stdout, /listening on (http:\/\/\S+)/))[1]!);
    const restartedUrl = (await until(second.stdout, /PostgreSQL on (\S+)/))[1]!;
    const execution = await waitForExecution(resumed, executionArn!);
    const history = await executionHistory(resumed, executionArn!);
    resumed.destroy();
    const totals = `SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids,
      md5(string_agg(t::text, ',' ORDER BY id)) AS digest FROM ledger AS t`;
    const [source, target] = [await runSql(on('source'), totals), await runSql(on('target'), totals)];
    second.child.kill('SIGINT');
    // Assess
    expect(restartedUrl).toBe(serverUrl); // the killed runtime's server was stopped, its port kept
    expect(rowsAtKill).toBeGreaterThan(0);
    expect(rowsAtKill).toBeLessThan(200_000);
    expect(execution.status).toBe('SUCCEEDED');
    expect(history.filter((event) => event.type === 'ExecutionStarted')).toHaveLength(1);
    expect(target.rows[0]).toEqual(source.rows[0]);
    expect(target.rows[0].ids).toBe(200_000);
    expect(await second.exited).toBe(0);
  });
});

describe('runDatabaseChapter', () => {
  it('migrates a real shop database on the runtime, printing progress, and summarises it', async () => {
    // Prepare
    const dataDir = join(directory, 'chapter');
    process.env.CUTOVER_DATA_DIR = dataDir;
    const { runtime, client, close } = await startTestRuntime({ dataDir, projectDir: process.cwd() });
    const lines: string[] = [];
    // Act
    const result = await runDatabaseChapter({ sfn: client, runtime, print: (line) => lines.push(line) });
    const { postgres } = await runtime.dataServices();
    await close();
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary).toMatch(
      /^migrations V1, V2; 3 tables, 1725 rows copied and validated; backup shop\/orders\/database\/shop-db-\w+\/manifest\.json$/,
    );
    expect(lines).toEqual(
      expect.arrayContaining(['→ Backup', '→ Migrate', '→ CopySlice', '→ Validate', 'SUCCEEDED']),
    );
    expect(
      lines.some((line) => /^backup shop\/orders\/database\/.+\/manifest\.json \(\d+ bytes\)$/.test(line)),
    ).toBe(true);
    expect(await listening(postgres.port)).toBe(false);
  });
});

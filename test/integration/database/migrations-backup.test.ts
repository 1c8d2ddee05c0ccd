import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BackupStore } from '#adapters/backup/s3.ts';
import { listTables } from '#adapters/database/catalog.ts';
import { tableChecksums } from '#adapters/database/checksums.ts';
import { withDatabase } from '#adapters/database/connection.ts';
import { backupDatabase, readManifest, restoreDatabase } from '#adapters/database/logical-backup.ts';
import {
  loadMigrationsFromDirectory,
  loadMigrationsFromStore,
  parseMigrations,
} from '#adapters/database/migration-files.ts';
import { applyMigrations } from '#adapters/database/migrations.ts';
import { startTestPostgres, type TestPostgres } from '#test/support/postgres.ts';
import { startTestS3, type TestS3 } from '#test/support/s3.ts';
import { DATASET_SCHEMA, fillDataset, runSql } from './dataset.ts';

let postgres: TestPostgres;
let s3: TestS3;
let migrationsDir: string;
beforeAll(async () => {
  [postgres, s3] = await Promise.all([startTestPostgres(), startTestS3('backups')]);
  migrationsDir = await mkdtemp(join(tmpdir(), 'cutover-migrations-'));
});
afterAll(async () => {
  await Promise.all([postgres?.stop(), s3?.stop()]);
  await rm(migrationsDir, { recursive: true, force: true });
});

/** Writes migration files into a fresh directory. */
async function migrationFiles(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(migrationsDir, 'set-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

async function checksums(url: string) {
  return withDatabase({ url }, async (client) =>
    tableChecksums(client, await listTables(client, ['public'])),
  );
}

describe('applyMigrations', () => {
  it('applies expand then contract migrations in order and records them', async () => {
    // Prepare
    const url = await postgres.createDatabase('migrate');
    const dir = await migrationFiles({
      'V1__create_users.sql': 'CREATE TABLE users (id int PRIMARY KEY, name text);',
      'V2__add_email.sql': 'ALTER TABLE users ADD COLUMN email text;',
      'V3__drop_name.sql': '-- phase: contract\nALTER TABLE users DROP COLUMN name;',
    });
    const migrations = await loadMigrationsFromDirectory(dir);
    // Act
    const expand = await withDatabase({ url }, (c) => applyMigrations(c, migrations, 'expand'));
    const contract = await withDatabase({ url }, (c) => applyMigrations(c, migrations, 'contract'));
    const again = await withDatabase({ url }, (c) => applyMigrations(c, migrations, 'all'));
    // Assess
    expect(expand.applied.map((m) => m.version)).toEqual([1, 2]);
    expect(expand.pending).toEqual([3]);
    expect(contract.applied.map((m) => m.version)).toEqual([3]);
    expect(again.applied).toEqual([]);
    const columns = await runSql(
      url,
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1`,
    );
    expect(columns.rows.map((r) => r.column_name)).toEqual(['email', 'id']);
  });

  it('refuses a migration numbered below an applied one with ValidationError, before applying any', async () => {
    // Prepare
    const url = await postgres.createDatabase('late');
    const first = await migrationFiles({
      'V1__a.sql': 'CREATE TABLE a (id int);',
      'V5__e.sql': 'CREATE TABLE e (id int);',
    });
    await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(first), 'all'),
    );
    const later = await migrationFiles({
      'V1__a.sql': 'CREATE TABLE a (id int);',
      'V4__late.sql': 'CREATE TABLE late (id int);',
      'V5__e.sql': 'CREATE TABLE e (id int);',
      'V6__next.sql': 'CREATE TABLE next (id int);',
    });
    const migrations = await loadMigrationsFromDirectory(later);
    // Act
    const attempt = withDatabase({ url }, (c) => applyMigrations(c, migrations, 'all'));
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'ValidationError',
      message:
        'migration file V4__late.sql is numbered below migrations already applied (the highest applied ' +
        'version is 5): migrations are applied in version order only, so renumber it above 5',
    });
    const versions = await runSql(
      url,
      'SELECT array_agg(version ORDER BY version) AS v FROM cutover_schema_history',
    );
    expect(versions.rows[0].v).toEqual([1, 5]);
    expect((await runSql(url, `SELECT to_regclass('next') AS t`)).rows[0].t).toBeNull();
  });

  it('applies contract migrations an expand run left pending below it, but refuses a late one of a phase', async () => {
    // Prepare
    const url = await postgres.createDatabase('phases');
    const release = {
      'V1__users.sql': 'CREATE TABLE users (id int PRIMARY KEY, name text);',
      'V3__drop_name.sql': '-- phase: contract\nALTER TABLE users DROP COLUMN name;',
      'V4__add_email.sql': 'ALTER TABLE users ADD COLUMN email text;',
    };
    const migrations = await loadMigrationsFromDirectory(await migrationFiles(release));
    const withLate = await loadMigrationsFromDirectory(
      await migrationFiles({ ...release, 'V2__late.sql': '-- phase: contract\nSELECT 1;' }),
    );
    // Act
    const expand = await withDatabase({ url }, (c) => applyMigrations(c, migrations, 'expand'));
    const contract = await withDatabase({ url }, (c) => applyMigrations(c, migrations, 'contract'));
    const late = withDatabase({ url }, (c) => applyMigrations(c, withLate, 'expand'));
    // Assess
    expect(expand.applied.map((m) => m.version)).toEqual([1, 4]);
    expect(expand.pending).toEqual([3]);
    expect(contract.applied.map((m) => m.version)).toEqual([3]);
    await expect(late).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('V2__late.sql is numbered below migrations already applied'),
    });
  });

  it('refuses leading zeros and decimal versions, saying what a migration file name may hold', async () => {
    // Prepare
    const zero = await migrationFiles({ 'V03__b.sql': 'SELECT 1;' });
    const decimal = await migrationFiles({ 'V1.5__c.sql': 'SELECT 1;' });
    // Act
    const errors = await Promise.all(
      [zero, decimal].map((dir) =>
        loadMigrationsFromDirectory(dir).then(
          () => undefined,
          (error: Error) => error,
        ),
      ),
    );
    // Assess
    expect(errors.map((error) => error?.message)).toEqual(
      [
        [zero, 'V03__b.sql'],
        [decimal, 'V1.5__c.sql'],
      ].map(
        ([dir, file]) =>
          `migration file ${file} in migrations.directory ${dir} must be named V<version>__<name>.sql: a whole version from 1 without ` +
          'leading zeros (V3, not V03 or V1.5), then two underscores and a name of letters, digits and _ ' +
          '(V3__add_email.sql)',
      ),
    );
  });

  it('reports the applied migrations it has no file of, applying the rest', async () => {
    // Prepare: V1 and V2 ran; the next run's directory lost V1
    const url = await postgres.createDatabase('without_file');
    const first = await migrationFiles({
      'V1__a.sql': 'CREATE TABLE a (id int);',
      'V2__b.sql': 'CREATE TABLE b (id int);',
    });
    await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(first), 'all'),
    );
    const next = await migrationFiles({
      'V2__b.sql': 'CREATE TABLE b (id int);',
      'V3__c.sql': 'CREATE TABLE c (id int);',
    });
    // Act
    const report = await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(next), 'all'),
    );
    // Assess
    expect(report.applied.map((m) => m.version)).toEqual([3]);
    expect(report.withoutFile).toEqual(['V1__a']);
  });

  it('refuses an edited applied migration with MigrationChecksumMismatch and applies nothing', async () => {
    // Prepare
    const url = await postgres.createDatabase('edited');
    const first = await migrationFiles({ 'V1__t.sql': 'CREATE TABLE t (id int);' });
    await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(first), 'all'),
    );
    const edited = await migrationFiles({
      'V1__t.sql': 'CREATE TABLE t (id bigint);',
      'V2__u.sql': 'CREATE TABLE u (id int);',
    });
    // Act
    const attempt = withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(edited), 'all'),
    );
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'MigrationChecksumMismatch',
      message: expect.stringContaining('V1__t'),
    });
    expect((await runSql(url, `SELECT to_regclass('u') IS NULL AS absent`)).rows[0].absent).toBe(true);
  });

  it("names the other service's migration when a version is taken in a shared database", async () => {
    // Prepare: two services migrate one database, both starting at V1
    const url = await postgres.createDatabase('shared');
    const billing = await migrationFiles({ 'V1__invoices.sql': 'CREATE TABLE invoices (id int);' });
    const orders = await migrationFiles({ 'V1__orders.sql': 'CREATE TABLE orders (id int);' });
    await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(billing), 'all'),
    );
    // Act
    const error = await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(orders), 'all'),
    ).catch((failure: unknown) => failure);
    // Assess
    expect(error).toMatchObject({
      name: 'MigrationChecksumMismatch',
      message: expect.stringMatching(
        /^migration V1__orders: version 1 is already applied in this database as V1__invoices \(.*\), by another service sharing the database or before a rename: give this migration a version cutover_schema_history has not recorded, or give each service its own migrations.historyTable$/,
      ),
    });
  });

  it('keeps the migrations of services sharing a database apart when each has its own history table', async () => {
    // Prepare: two services migrate one database, both starting at V1
    const url = await postgres.createDatabase('histories');
    const billing = await loadMigrationsFromDirectory(
      await migrationFiles({ 'V1__invoices.sql': 'CREATE TABLE invoices (id int);' }),
    );
    const orders = await loadMigrationsFromDirectory(
      await migrationFiles({
        'V1__orders.sql': 'CREATE TABLE orders (id int);',
        'V2__order_lines.sql': 'CREATE TABLE order_lines (id int);',
      }),
    );
    const migrate = (migrations: typeof orders, historyTable: string) =>
      withDatabase({ url }, (c) => applyMigrations(c, migrations, 'all', { historyTable }));
    // Act
    const first = await migrate(billing, 'cutover_billing_history');
    const second = await migrate(orders, 'cutover_orders_history');
    const again = await migrate(billing, 'cutover_billing_history');
    // Assess
    expect(first.applied.map((m) => m.version)).toEqual([1]);
    expect(second.applied.map((m) => m.version)).toEqual([1, 2]);
    expect(again.applied).toEqual([]);
    const recorded = await runSql(
      url,
      `SELECT (SELECT array_agg(name ORDER BY version) FROM cutover_billing_history) AS billing,
              (SELECT array_agg(name ORDER BY version) FROM cutover_orders_history) AS orders,
              to_regclass('cutover_schema_history') IS NULL AS no_default`,
    );
    expect(recorded.rows[0]).toEqual({
      billing: ['invoices'],
      orders: ['orders', 'order_lines'],
      no_default: true,
    });
  });

  it('rolls back a failing migration whole, naming it, and keeps the database unchanged', async () => {
    // Prepare
    const url = await postgres.createDatabase('failing');
    await runSql(url, 'CREATE TABLE kept (id int); INSERT INTO kept VALUES (1);');
    const dir = await migrationFiles({
      'V1__half_broken.sql': 'INSERT INTO kept VALUES (2); CREATE TABLE extra (id int); SELECT 1 / 0;',
    });
    // Act
    const attempt = withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(dir), 'all'),
    );
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'MigrationFailed',
      message: expect.stringMatching(/V1__half_broken.*division by zero/),
    });
    expect((await runSql(url, 'SELECT array_agg(id) AS ids FROM kept')).rows[0].ids).toEqual([1]);
    expect((await runSql(url, `SELECT to_regclass('extra') IS NULL AS absent`)).rows[0].absent).toBe(true);
    expect((await runSql(url, 'SELECT count(*)::int AS n FROM cutover_schema_history')).rows[0].n).toBe(0);
  });

  it('names the migrations a failing one leaves applied with transaction "each"', async () => {
    // Prepare
    const url = await postgres.createDatabase('each');
    const dir = await migrationFiles({
      'V1__orders.sql': 'CREATE TABLE orders (id int PRIMARY KEY);',
      'V2__total.sql': 'ALTER TABLE orders ADD COLUMN total int;',
      'V3__breaks.sql': 'SELECT 1 / 0;',
    });
    // Act
    const attempt = withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(dir), 'all'),
    );
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'MigrationFailed',
      message:
        'migration V3__breaks failed and was rolled back (V1__orders, V2__total, applied before it in this run, stay applied): division by zero',
    });
    const recorded = await runSql(
      url,
      'SELECT array_agg(version ORDER BY version) AS v FROM cutover_schema_history',
    );
    expect(recorded.rows[0].v).toEqual([1, 2]);
  });

  it.each([
    ['each', false, 'migration V3__halfway failed at line 4, column 46 and was rolled back'],
    [
      'each',
      true,
      'migration V3__halfway failed at line 4, column 46 and was rolled back ' +
        '(V1__orders, applied before it in this run, stay applied)',
    ],
    ['all', false, 'migration V3__halfway failed at line 4, column 46 and was rolled back'],
    [
      'all',
      true,
      'migration V3__halfway failed at line 4, column 46 and was rolled back with V1__orders (transaction: all)',
    ],
  ] as const)(
    'names the line and column of the file where PostgreSQL placed the error (transaction %s, a migration before it: %s)',
    async (transaction, before, what) => {
      // Prepare: a comment line, then statements; the error is on line 4, after characters outside the BMP
      const url = await postgres.createDatabase('position');
      const dir = await migrationFiles({
        ...(before ? { 'V1__orders.sql': 'CREATE TABLE orders (id int);' } : {}),
        'V3__halfway.sql':
          '-- prices in € 😀\r\nCREATE TABLE prices (id int);\r\n\r\nALTER TABLE prices ADD COLUMN amount numeric numeric;\r\n',
      });
      // Act
      const attempt = withDatabase({ url }, async (c) =>
        applyMigrations(c, await loadMigrationsFromDirectory(dir), 'all', { transaction }),
      );
      // Assess
      await expect(attempt).rejects.toMatchObject({
        name: 'MigrationFailed',
        message: `${what}: syntax error at or near "numeric"`,
      });
    },
  );

  it('rolls back every migration of the run together with transaction "all"', async () => {
    // Prepare
    const url = await postgres.createDatabase('grouped');
    await runSql(url, 'CREATE TABLE kept (id int); INSERT INTO kept VALUES (1);');
    const dir = await migrationFiles({
      'V1__orders.sql': 'CREATE TABLE orders (id int PRIMARY KEY);',
      'V2__backfill.sql': 'INSERT INTO kept VALUES (2);',
      'V3__breaks.sql': 'ALTER TABLE orders ADD COLUMN total int; SELECT 1 / 0;',
    });
    const migrations = await loadMigrationsFromDirectory(dir);
    // Act
    const attempt = withDatabase({ url }, (c) =>
      applyMigrations(c, migrations, 'all', { transaction: 'all' }),
    );
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'MigrationFailed',
      message: expect.stringMatching(
        /V3__breaks failed and was rolled back with V1__orders, V2__backfill .*division by zero/,
      ),
    });
    expect((await runSql(url, 'SELECT array_agg(id) AS ids FROM kept')).rows[0].ids).toEqual([1]);
    expect((await runSql(url, `SELECT to_regclass('orders') IS NULL AS absent`)).rows[0].absent).toBe(true);
    expect((await runSql(url, 'SELECT count(*)::int AS n FROM cutover_schema_history')).rows[0].n).toBe(0);
  });

  it('applies and records every migration of the run in one transaction with transaction "all"', async () => {
    // Prepare
    const url = await postgres.createDatabase('grouped_ok');
    const dir = await migrationFiles({
      'V1__orders.sql': 'CREATE TABLE orders (id int PRIMARY KEY);',
      'V2__total.sql': 'ALTER TABLE orders ADD COLUMN total int;',
    });
    const migrations = await loadMigrationsFromDirectory(dir);
    // Act
    const report = await withDatabase({ url }, (c) =>
      applyMigrations(c, migrations, 'all', { transaction: 'all' }),
    );
    const again = await withDatabase({ url }, (c) =>
      applyMigrations(c, migrations, 'all', { transaction: 'all' }),
    );
    // Assess
    expect(report.applied.map((m) => m.version)).toEqual([1, 2]);
    expect(again.applied).toEqual([]);
    const recorded = await runSql(
      url,
      'SELECT array_agg(version ORDER BY version) AS v FROM cutover_schema_history',
    );
    expect(recorded.rows[0].v).toEqual([1, 2]);
  });

  it('fails a migration still running at its deadline, rolled back, naming it', async () => {
    // Prepare
    const url = await postgres.createDatabase('deadline');
    const dir = await migrationFiles({
      'V1__quick.sql': 'CREATE TABLE quick (id int);',
      'V2__slow.sql': 'CREATE TABLE slow (id int); SELECT pg_sleep(10);',
    });
    const migrations = await loadMigrationsFromDirectory(dir);
    const started = Date.now();
    // Act
    const attempt = withDatabase({ url }, (c) =>
      applyMigrations(c, migrations, 'all', { deadline: Date.now() + 1500 }),
    );
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'MigrationFailed',
      message: expect.stringMatching(
        /V2__slow failed and was rolled back \(V1__quick, applied before it in this run, stay applied\): canceling statement due to statement timeout/,
      ),
    });
    expect(Date.now() - started).toBeLessThan(8000);
    expect((await runSql(url, `SELECT to_regclass('slow') IS NULL AS absent`)).rows[0].absent).toBe(true);
    expect(
      (await runSql(url, 'SELECT array_agg(version) AS v FROM cutover_schema_history')).rows[0].v,
    ).toEqual([1]);
  });

  /** Starts a migration run that holds the migration lock for `seconds`, once it holds it. */
  async function slowRun(url: string, seconds: number) {
    const dir = await migrationFiles({ 'V1__slow.sql': `SELECT pg_sleep(${seconds});` });
    const run = withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(dir), 'all'),
    );
    // Holding the lock and running its migration: not between the two, which a loaded machine can stretch.
    const sleeping = `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(%' AND pid IN
        (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)`;
    while ((await runSql(url, sleeping)).rows[0].n === 0) await new Promise((r) => setTimeout(r, 20));
    return { dir, run };
  }

  it('fails MigrationLocked naming the session that holds the lock, and applies nothing', async () => {
    // Prepare
    const url = await postgres.createDatabase('locked');
    const holder = await slowRun(url, 3);
    const other = await migrationFiles({
      'V1__slow.sql': 'SELECT 1;',
      'V2__t.sql': 'CREATE TABLE t (id int);',
    });
    const heard: string[] = [];
    // Act
    const attempt = withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(other), 'all', {
        lockWait: { seconds: 1, onWait: (who) => heard.push(who) },
      }),
    );
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'MigrationLocked',
      message: expect.stringMatching(
        /^the migration lock of database locked\w* is held by pid \d+ \(cutover, active since .+: SELECT pg_sleep\(3\);\) \(waited 1 s\); no migration ran/,
      ),
    });
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatch(/^pid \d+ \(cutover, active/);
    expect((await runSql(url, `SELECT to_regclass('t') IS NULL AS absent`)).rows[0].absent).toBe(true);
    expect((await holder.run).applied.map((m) => m.version)).toEqual([1]);
  });

  it('waits while another run holds the lock and applies what that run left pending', async () => {
    // Prepare
    const url = await postgres.createDatabase('waits');
    const holder = await slowRun(url, 1);
    const next = await migrationFiles({
      'V1__slow.sql': 'SELECT pg_sleep(1);',
      'V2__t.sql': 'CREATE TABLE t (id int);',
    });
    // Act
    const report = await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(next), 'all', { lockWait: { seconds: 30 } }),
    );
    // Assess
    expect((await holder.run).applied.map((m) => m.version)).toEqual([1]);
    expect(report.applied.map((m) => m.version)).toEqual([2]);
    const versions = await runSql(
      url,
      'SELECT array_agg(version ORDER BY version) AS v FROM cutover_schema_history',
    );
    expect(versions.rows[0].v).toEqual([1, 2]);
  });

  it('frees the lock of a migration whose process was killed mid-statement within seconds', {
    timeout: 60_000,
  }, async () => {
    // Prepare: a migrating process whose statement would run two minutes
    const url = await postgres.createDatabase('killed');
    const dir = await migrationFiles({ 'V1__slow.sql': 'SELECT pg_sleep(120);' });
    const worker = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/integration/database/migrate-worker.ts', url, dir],
      { stdio: 'ignore' },
    );
    const held = `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted`;
    while ((await runSql(url, held)).rows[0].n === 0) await new Promise((r) => setTimeout(r, 50));
    const next = await migrationFiles({
      'V1__slow.sql': 'SELECT 1;',
      'V2__t.sql': 'CREATE TABLE t (id int);',
    });
    // Act: killed, the process cannot cancel its statement; the server notices the closed socket
    worker.kill('SIGKILL');
    await new Promise((resolve) => worker.once('exit', resolve));
    const started = Date.now();
    const report = await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(next), 'all', { lockWait: { seconds: 30 } }),
    ).catch((error: unknown) => error);
    // Assess: V1 never committed (its file fixed since), so both run now; the wait was the server's check, not two minutes
    expect(report).toMatchObject({ applied: [{ version: 1 }, { version: 2 }] });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('loads migrations from an S3 prefix and refuses badly named files', async () => {
    // Prepare
    const store = new S3BackupStore({ client: s3.client, bucket: s3.bucket });
    await store.put('migrations/app/V1__init.sql', 'CREATE TABLE a (id int);');
    await store.put('migrations/app/V10__later.sql', 'CREATE TABLE b (id int);');
    await store.put('migrations/bad/create.sql', 'SELECT 1;');
    // Act
    const migrations = await loadMigrationsFromStore(store, 'migrations/app/');
    // Assess
    expect(migrations.map((m) => `${m.version}:${m.name}`)).toEqual(['1:init', '10:later']);
    await expect(loadMigrationsFromStore(store, 'migrations/bad/')).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('create.sql'),
    });
  });

  it('reads an S3 prefix without its trailing slash as that folder only', async () => {
    // Prepare
    const store = new S3BackupStore({ client: s3.client, bucket: s3.bucket });
    await store.put('migrations/orders/V1__init.sql', 'CREATE TABLE a (id int);');
    await store.put('migrations/orders-old/V1__old.sql', 'CREATE TABLE b (id int);');
    // Act
    const migrations = await loadMigrationsFromStore(store, 'migrations/orders');
    // Assess
    expect(migrations.map((m) => `${m.version}:${m.name}`)).toEqual(['1:init']);
  });

  it('refuses a directory or S3 prefix without migration files with ValidationError naming the field', async () => {
    // Prepare
    const store = new S3BackupStore({ client: s3.client, bucket: s3.bucket });
    await store.put('migrations/shop/V1__init.sql', 'CREATE TABLE a (id int);');
    const empty = await migrationFiles({ 'README.md': 'migrations are elsewhere' });
    // Act
    const fromDirectory = await loadMigrationsFromDirectory(empty).catch((error: unknown) => error);
    const fromStore = await loadMigrationsFromStore(store, 'migrations/shops/').catch(
      (error: unknown) => error,
    );
    // Assess
    expect(fromDirectory).toMatchObject({
      name: 'ValidationError',
      message: `migrations.directory ${empty}: no migration files (V<version>__<name>.sql) found`,
    });
    expect(fromStore).toMatchObject({
      name: 'ValidationError',
      message: 'migrations.s3Prefix migrations/shops/: no migration files (V<version>__<name>.sql) found',
    });
  });

  it('refuses a version past PostgreSQL integer with ValidationError naming the file and the range', async () => {
    // Prepare
    const dir = await migrationFiles({ 'V3000000000__big.sql': 'CREATE TABLE big (id int);' });
    // Act
    const attempt = loadMigrationsFromDirectory(dir);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/V3000000000__big\.sql.*1 to 2147483647/),
    });
  });

  it('keeps a contract migration with a byte order mark or leading blank lines for the contract phase', async () => {
    // Prepare
    const url = await postgres.createDatabase('bom');
    const dir = await migrationFiles({
      'V1__create_users.sql': 'CREATE TABLE users (id int PRIMARY KEY, name text, email text);',
      'V2__drop_name.sql': '\uFEFF-- phase: contract\r\nALTER TABLE users DROP COLUMN name;\r\n',
      'V3__drop_email.sql': '\n\n  -- phase: contract\nALTER TABLE users DROP COLUMN email;',
    });
    const migrations = await loadMigrationsFromDirectory(dir);
    // Act
    const expand = await withDatabase({ url }, (c) => applyMigrations(c, migrations, 'expand'));
    const columns = await runSql(
      url,
      `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'users'`,
    );
    const contract = await withDatabase({ url }, (c) => applyMigrations(c, migrations, 'contract'));
    // Assess
    expect(expand).toEqual({
      applied: [expect.objectContaining({ version: 1 })],
      appliedEarlier: [],
      pending: [2, 3],
      withoutFile: [],
    });
    expect(columns.rows[0].n).toBe(3);
    expect(contract.applied.map((m) => m.version)).toEqual([2, 3]);
  });

  it('refuses a pending migration with its own transaction control before any migration runs', async () => {
    // Prepare
    const url = await postgres.createDatabase('txcontrol');
    const dir = await migrationFiles({
      'V1__orders.sql': 'CREATE TABLE orders (id int PRIMARY KEY);',
      'V2__commits.sql': 'BEGIN;\nALTER TABLE orders ADD COLUMN total int;\nCOMMIT;',
      'V3__breaks.sql': 'SELECT 1 / 0;',
    });
    const commitOnly = await migrationFiles({ 'V1__backfill.sql': 'CREATE TABLE t (id int); commit;' });
    // Act
    const attemptError = await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(dir), 'all', { transaction: 'all' }),
    ).catch((error: unknown) => error);
    const commitOnlyError = await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(commitOnly), 'all'),
    ).catch((error: unknown) => error);
    // Assess
    expect(attemptError).toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/V2__commits must not contain transaction control \(BEGIN\)/),
    });
    expect((await runSql(url, `SELECT to_regclass('orders') IS NULL AS absent`)).rows[0].absent).toBe(true);
    expect(commitOnlyError).toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/V1__backfill must not contain transaction control \(COMMIT\)/),
    });
  });

  it('leaves an applied migration with its own transaction control be: it ran, and only pending ones are checked', async () => {
    // Prepare: V1 was applied before such files were refused (recorded by hand, as it ran then)
    const url = await postgres.createDatabase('txapplied');
    const first = await migrationFiles({ 'V1__orders.sql': 'CREATE TABLE orders (id int PRIMARY KEY);' });
    await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(first), 'all'),
    );
    const legacy = 'BEGIN;\nCREATE TABLE orders (id int PRIMARY KEY);\nCOMMIT;';
    const [parsed] = parseMigrations(new Map([['V1__orders.sql', legacy]]));
    await runSql(url, 'UPDATE cutover_schema_history SET checksum = $1 WHERE version = 1', [
      parsed!.checksum,
    ]);
    const next = await migrationFiles({
      'V1__orders.sql': legacy,
      'V2__total.sql': 'ALTER TABLE orders ADD COLUMN total int;',
    });
    // Act
    const report = await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(next), 'all'),
    );
    // Assess
    expect(report.applied.map((m) => m.version)).toEqual([2]);
  });

  it('applies PL/pgSQL and BEGIN ATOMIC bodies, savepoints and quoted COMMITs, which are no transaction control', async () => {
    // Prepare
    const url = await postgres.createDatabase('bodies');
    const dir = await migrationFiles({
      'V1__bodies.sql': `
        CREATE TABLE log (line text);
        DO $$ BEGIN INSERT INTO log VALUES ('do'); END $$;
        CREATE FUNCTION add_line(text) RETURNS void LANGUAGE plpgsql AS $fn$
        BEGIN
          INSERT INTO log VALUES ($1);
        END;
        $fn$;
        CREATE FUNCTION kind(n int) RETURNS text LANGUAGE sql
        BEGIN ATOMIC
          SELECT CASE WHEN n > 0 THEN 'positive' ELSE 'other' END;
        END;
        SAVEPOINT before_try;
        INSERT INTO log VALUES ('dropped');
        ROLLBACK TO SAVEPOINT before_try;
        /* COMMIT; /* nested */ ROLLBACK; */
        -- COMMIT;
        SELECT add_line('COMMIT;'), add_line(E'it\\'s; END'), add_line(kind(1));`,
    });
    // Act
    const report = await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(dir), 'all'),
    );
    // Assess
    expect(report.applied.map((m) => m.version)).toEqual([1]);
    const lines = await runSql(url, 'SELECT array_agg(line ORDER BY line) AS lines FROM log');
    expect(lines.rows[0].lines).toEqual(['COMMIT;', 'do', "it's; END", 'positive']);
  });
});

describe('backupDatabase / restoreDatabase', () => {
  it('restores a backup on S3 over changed data, reproducing every checksum and sequence', async () => {
    // Prepare
    const url = await postgres.createDatabase('backup');
    await runSql(url, DATASET_SCHEMA);
    await fillDataset(url, 500);
    const before = await checksums(url);
    const store = new S3BackupStore({ client: s3.client, bucket: s3.bucket, prefix: 'db/' });
    const manifestKey = await withDatabase({ url }, (c) =>
      backupDatabase(c, store, 'shop/orders/b1', ['public']),
    );
    await runSql(url, `DELETE FROM orders WHERE line = 3; UPDATE customers SET name = 'x' WHERE id < 10;`);
    await runSql(url, `INSERT INTO customers (uid, name) VALUES (gen_random_uuid(), 'after backup')`);
    // Act
    await withDatabase({ url }, (c) => restoreDatabase(c, store, manifestKey));
    // Assess
    expect(await checksums(url)).toEqual(before);
    const manifest = await readManifest(store, manifestKey);
    expect(manifest.tables.map((t) => [t.table, t.rows])).toEqual([
      ['public.audit_log', 500],
      ['public.customers', 500],
      ['public.orders', 1500],
    ]);
    const next = await runSql(
      url,
      `INSERT INTO customers (uid, name) VALUES (gen_random_uuid(), 'n') RETURNING id`,
    );
    expect(Number(next.rows[0].id)).toBe(501);
  });

  it('refuses to restore over migrations applied after the backup, naming them, unless asked to', async () => {
    // Prepare
    const url = await postgres.createDatabase('later');
    await runSql(
      url,
      `CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'one');`,
    );
    const store = new S3BackupStore({ client: s3.client, bucket: s3.bucket, prefix: 'db/' });
    const manifestKey = await withDatabase({ url }, (c) =>
      backupDatabase(c, store, 'shop/later/b1', ['public']),
    );
    const dir = await migrationFiles({ 'V1__upper.sql': `UPDATE items SET name = upper(name);` });
    await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(dir), 'all'),
    );
    // Act
    const refused = await withDatabase({ url }, (c) => restoreDatabase(c, store, manifestKey)).catch(
      (error: unknown) => error,
    );
    const names = await runSql(url, 'SELECT array_agg(name) AS names FROM items');
    await withDatabase({ url }, (c) => restoreDatabase(c, store, manifestKey, { overLaterMigrations: true }));
    // Assess
    expect(refused).toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(
        /^migrations V1__upper were applied to this database after the backup was taken/,
      ),
    });
    expect(names.rows[0].names).toEqual(['ONE']);
    expect((await runSql(url, 'SELECT array_agg(name) AS names FROM items')).rows[0].names).toEqual(['one']);
  });

  it('refuses to restore while a migration holds the migration lock, naming it, and keeps what it applies', {
    timeout: 30_000,
  }, async () => {
    // Prepare: a migration that changes the data, then runs 2 s more before it commits
    const url = await postgres.createDatabase('restore_racing');
    await runSql(
      url,
      `CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'one');`,
    );
    const store = new S3BackupStore({ client: s3.client, bucket: s3.bucket, prefix: 'db/' });
    const manifestKey = await withDatabase({ url }, (c) =>
      backupDatabase(c, store, 'shop/racing/b1', ['public']),
    );
    const dir = await migrationFiles({
      'V1__upper.sql': 'UPDATE items SET name = upper(name); SELECT pg_sleep(2);',
    });
    const migration = withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(dir), 'all'),
    );
    // The migration runs its file once it holds the lock: wait until its statement is the session's.
    const running = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'UPDATE items%'`;
    while ((await runSql(url, running)).rows[0].n === 0) await new Promise((r) => setTimeout(r, 20));
    // Act
    const refused = await withDatabase({ url }, (c) => restoreDatabase(c, store, manifestKey)).catch(
      (error: unknown) => error,
    );
    await migration;
    // Assess
    expect(refused).toMatchObject({
      name: 'MigrationLocked',
      message: expect.stringMatching(
        /^the migration lock of database restore_racing\w* is held by pid \d+ \(cutover, active since .+: UPDATE items SET name = upper\(name\); SELECT pg_sleep\(2\);\); nothing was restored: run again once that session has finished or been ended$/,
      ),
    });
    expect((await runSql(url, 'SELECT array_agg(name) AS names FROM items')).rows[0].names).toEqual(['ONE']);
  });

  it("tells later migrations by the backup's own list of them, whatever the clock of the machine that took it", async () => {
    // Prepare: a backup whose manifest says it was taken an hour later than it was, then a migration
    const url = await postgres.createDatabase('skewed');
    await runSql(url, `CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items VALUES (1);`);
    const store = new S3BackupStore({ client: s3.client, bucket: s3.bucket, prefix: 'db/' });
    const manifestKey = await withDatabase({ url }, (c) =>
      backupDatabase(c, store, 'shop/skewed/b1', ['public']),
    );
    const { migrations, ...withoutList } = await readManifest(store, manifestKey);
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    await store.put(manifestKey, JSON.stringify({ ...withoutList, migrations, createdAt: inAnHour }));
    const olderKey = 'shop/skewed/older/manifest.json';
    await store.put(olderKey, JSON.stringify(withoutList));
    const dir = await migrationFiles({ 'V1__more.sql': 'INSERT INTO items VALUES (2);' });
    await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(dir), 'all'),
    );
    // Act
    const refused = await withDatabase({ url }, (c) => restoreDatabase(c, store, manifestKey)).catch(
      (error: unknown) => error,
    );
    const olderRefused = await withDatabase({ url }, (c) => restoreDatabase(c, store, olderKey)).catch(
      (error: unknown) => error,
    );
    // Assess: the list says V1 came later; a manifest without one is compared by time
    expect(migrations).toEqual([]);
    expect(refused).toMatchObject({ message: expect.stringMatching(/^migrations V1__more were applied/) });
    expect(olderRefused).toMatchObject({
      message: expect.stringMatching(/^migrations V1__more were applied/),
    });
    expect((await runSql(url, 'SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(2);
  });

  it("refuses to restore over later migrations recorded in a service's own history table, naming it", async () => {
    // Prepare: V1 in the default history before the backup, V2 in a service's own history after it
    const url = await postgres.createDatabase('later_own');
    await runSql(
      url,
      `CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'one');`,
    );
    const before = await migrationFiles({ 'V1__noop.sql': 'SELECT 1;' });
    await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(before), 'all'),
    );
    const store = new S3BackupStore({ client: s3.client, bucket: s3.bucket, prefix: 'db/' });
    const manifestKey = await withDatabase({ url }, (c) =>
      backupDatabase(c, store, 'shop/later-own/b1', ['public']),
    );
    const after = await migrationFiles({ 'V1__upper.sql': `UPDATE items SET name = upper(name);` });
    await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(after), 'all', {
        historyTable: 'cutover_items_history',
      }),
    );
    // Act
    const refused = await withDatabase({ url }, (c) => restoreDatabase(c, store, manifestKey)).catch(
      (error: unknown) => error,
    );
    // Assess
    expect(refused).toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(
        /^migrations V1__upper were applied to this database after the backup was taken: restoring would put the backup's data under their schema while cutover_items_history still lists them\./,
      ),
    });
    expect((await runSql(url, 'SELECT array_agg(name) AS names FROM items')).rows[0].names).toEqual(['ONE']);
  });

  it("backs up tables whose names start like Cutover's own, but not Cutover's tables", async () => {
    // Prepare
    const url = await postgres.createDatabase('lookalike');
    await runSql(url, `CREATE TABLE cutovers (id int PRIMARY KEY); CREATE TABLE "cutover-log" (line text);`);
    await runSql(url, `INSERT INTO cutovers VALUES (1), (2); INSERT INTO "cutover-log" VALUES ('started');`);
    const dir = await migrationFiles({ 'V1__noop.sql': 'SELECT 1;' });
    await withDatabase({ url }, async (c) =>
      applyMigrations(c, await loadMigrationsFromDirectory(dir), 'all'),
    );
    const store = new S3BackupStore({ client: s3.client, bucket: s3.bucket, prefix: 'db/' });
    // Act
    const manifestKey = await withDatabase({ url }, (c) =>
      backupDatabase(c, store, 'lookalike/b1', ['public']),
    );
    // Assess
    const manifest = await readManifest(store, manifestKey);
    expect(manifest.tables.map((t) => [t.table, t.rows])).toEqual([
      ['public.cutover-log', 1],
      ['public.cutovers', 2],
    ]);
  });

  it('restores into an empty database from the manifest DDL', async () => {
    // Prepare
    const source = await postgres.createDatabase('src');
    const empty = await postgres.createDatabase('empty');
    await runSql(source, DATASET_SCHEMA);
    await fillDataset(source, 200);
    const store = new S3BackupStore({ client: s3.client, bucket: s3.bucket, prefix: 'db/' });
    const manifestKey = await withDatabase({ url: source }, (c) =>
      backupDatabase(c, store, 'fresh/b1', ['public']),
    );
    // Act
    await withDatabase({ url: empty }, (c) => restoreDatabase(c, store, manifestKey));
    // Assess
    expect(await checksums(empty)).toEqual(await checksums(source));
  });
});

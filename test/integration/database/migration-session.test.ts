import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackupStore } from '#adapters/backup/index.ts';
import { withDatabase } from '#adapters/database/connection.ts';
import { loadMigrationsFromDirectory } from '#adapters/database/migration-files.ts';
import { applyMigrations, type MigrationOptions } from '#adapters/database/migrations.ts';
import { checkBeforeLock, migrateTarget } from '#adapters/database/workflow.ts';
import { databaseMigrationRequestSchema } from '#core/schemas/database-migration.ts';
import { databaseMigrationInput } from '#test/builders/database-migration-request.ts';
import { requestUrl, startTestPostgres, type TestPostgres } from '#test/support/postgres.ts';
import { progressRowSql, runSql } from './dataset.ts';

let postgres: TestPostgres;
let migrationsDir: string;
beforeAll(async () => {
  postgres = await startTestPostgres();
  migrationsDir = await mkdtemp(join(tmpdir(), 'cutover-session-'));
});
afterAll(async () => {
  await postgres?.stop();
  await rm(migrationsDir, { recursive: true, force: true });
});

/** Applies migration files (name -> text) to the database at `url`. */
async function migrate(url: string, files: Record<string, string>, options: MigrationOptions = {}) {
  const dir = await mkdtemp(join(migrationsDir, 'set-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const migrations = await loadMigrationsFromDirectory(dir);
  return withDatabase({ url }, (client) => applyMigrations(client, migrations, 'all', options));
}

async function historyVersions(url: string): Promise<number[]> {
  const { rows } = await runSql(
    url,
    'SELECT coalesce(array_agg(version ORDER BY version), ARRAY[]::int[]) AS v FROM public.cutover_schema_history',
  );
  return rows[0].v;
}

/** A pg_dump (17) plain-format baseline: its session settings, then the schema with qualified names. */
const PG_DUMP_BASELINE = `--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

CREATE TABLE public.accounts (
    id integer NOT NULL,
    email text NOT NULL
);

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);
`;

describe('applyMigrations: the session', () => {
  it('applies and records a pg_dump baseline that empties the search_path', async () => {
    // Prepare
    const url = await postgres.createDatabase('baseline');
    // Act
    const report = await migrate(url, { 'V1__baseline.sql': PG_DUMP_BASELINE });
    // Assess
    expect(report.applied.map((m) => m.version)).toEqual([1]);
    expect(await historyVersions(url)).toEqual([1]);
    expect(
      (await runSql(url, `SELECT to_regclass('public.accounts') IS NOT NULL AS made`)).rows[0].made,
    ).toBe(true);
  });

  it('runs the next migration in the session as it was opened, after one empties the search_path', async () => {
    // Prepare
    const url = await postgres.createDatabase('search_path');
    const files = {
      'V1__qualified.sql': `SET search_path = ''; CREATE TABLE public.t1 (id int);`,
      'V2__unqualified.sql': 'CREATE TABLE t2 (id int);',
    };
    // Act
    const report = await migrate(url, files, { transaction: 'each' });
    // Assess
    expect(report.applied.map((m) => m.version)).toEqual([1, 2]);
    expect(await historyVersions(url)).toEqual([1, 2]);
    expect((await runSql(url, `SELECT to_regclass('public.t2') IS NOT NULL AS made`)).rows[0].made).toBe(
      true,
    );
  });

  it('keeps its history table after a migration creates the schema named after the user, which the search_path finds first', async () => {
    // Prepare: the default search_path is "$user", public
    const url = await postgres.createDatabase('user_schema');
    const first = { 'V1__own_schema.sql': 'CREATE SCHEMA AUTHORIZATION CURRENT_USER;' };
    await migrate(url, first);
    // Act
    const report = await migrate(url, { ...first, 'V2__t.sql': 'CREATE TABLE public.t (id int);' });
    // Assess
    expect(report.applied.map((m) => m.version)).toEqual([2]);
    expect(await historyVersions(url)).toEqual([1, 2]);
  });

  it('records a migration and runs the next as the connecting role after a migration sets another', async () => {
    // Prepare: a role that may create tables but not write Cutover's history
    const url = await postgres.createDatabase('role');
    const role = `owner_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
    await runSql(url, `CREATE ROLE ${role}; GRANT CREATE ON SCHEMA public TO ${role}`);
    const connecting = (await runSql(url, 'SELECT current_user AS name')).rows[0].name;
    const files = {
      'V1__owned.sql': `SET ROLE ${role}; CREATE TABLE owned (id int);`,
      'V2__next.sql': 'CREATE TABLE next (id int);',
    };
    // Act
    const report = await migrate(url, files, { transaction: 'each' });
    // Assess
    expect(report.applied.map((m) => m.version)).toEqual([1, 2]);
    const owners = await runSql(
      url,
      `SELECT relname, pg_get_userbyid(relowner) AS owner FROM pg_class
        WHERE relname IN ('owned', 'next') ORDER BY relname`,
    );
    expect(owners.rows).toEqual([
      { relname: 'next', owner: connecting },
      { relname: 'owned', owner: role },
    ]);
  });

  it("cancels a migration that turned its statement_timeout off at the task's deadline, rolled back", {
    timeout: 30_000,
  }, async () => {
    // Prepare
    const url = await postgres.createDatabase('own_timeout');
    const files = {
      'V1__slow.sql': 'CREATE TABLE slow (id int); SET statement_timeout = 0; SELECT pg_sleep(20);',
    };
    const started = Date.now();
    // Act
    const error = await migrate(url, files, { deadline: Date.now() + 1500 }).catch(
      (thrown: unknown) => thrown,
    );
    // Assess
    expect(error).toMatchObject({
      name: 'MigrationFailed',
      message:
        "migration V1__slow failed and was rolled back: canceling statement at the task's deadline, which a " +
        "migration's own statement_timeout does not extend",
    });
    expect(Date.now() - started).toBeLessThan(8000);
    expect((await runSql(url, `SELECT to_regclass('slow') IS NULL AS absent`)).rows[0].absent).toBe(true);
  });
});

/** A session of an application holding a table lock in an open read transaction, until `release`. */
async function readingTransaction(url: string, table: string) {
  const client = new pg.Client({ connectionString: url, application_name: 'report' });
  await client.connect();
  await client.query(`BEGIN; SELECT count(*) FROM ${table}`);
  let released: Promise<void> | undefined;
  const release = () => {
    released ??= client.query('COMMIT').then(() => client.end());
    return released;
  };
  return { release };
}

/** Resolves once a session waits for a lock on `table`. */
async function lockWaited(url: string, table: string): Promise<void> {
  const waiting = `SELECT count(*)::int AS n FROM pg_locks WHERE relation = to_regclass($1) AND NOT granted`;
  while ((await runSql(url, waiting, [table])).rows[0].n === 0) await new Promise((r) => setTimeout(r, 20));
}

describe('applyMigrations: lock timeout', () => {
  it("gives up a lock wait after the lock timeout, so the application's queries go on, and applies once retried", {
    timeout: 30_000,
  }, async () => {
    // Prepare: a report reads t in a long transaction, a migration needs t's ACCESS EXCLUSIVE lock
    const url = await postgres.createDatabase('lock_retry');
    await runSql(url, 'CREATE TABLE t (id int); INSERT INTO t VALUES (1)');
    const report = await readingTransaction(url, 't');
    const files = {
      'V1__u.sql': 'CREATE TABLE u (id int);',
      'V2__add_z.sql': 'ALTER TABLE t ADD COLUMN z int;',
    };
    const safety = setTimeout(report.release, 10_000);
    // Act: an application query queues behind the waiting ALTER; the report ends once it returned
    const retries: string[] = [];
    const run = migrate(url, files, {
      transaction: 'all',
      lockTimeoutSeconds: 1,
      onLockTimeout: (what) => retries.push(what),
    });
    await lockWaited(url, 't');
    const queued = Date.now();
    await runSql(url, 'SELECT count(*) FROM t');
    const appWaitedMs = Date.now() - queued;
    await report.release();
    const result = await run;
    clearTimeout(safety);
    // Assess
    expect(appWaitedMs).toBeLessThan(2000);
    expect(retries[0]).toBe(
      'gave up waiting for AccessExclusiveLock on public.t after migrations.lockTimeoutSeconds (1 s), ' +
        'attempt 1 of 3: rolled back, trying again in 1 s',
    );
    expect(result.applied.map((m) => m.version)).toEqual([1, 2]);
    expect(await historyVersions(url)).toEqual([1, 2]);
    const z = await runSql(
      url,
      `SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'z'`,
    );
    expect(z.rows[0].n).toBe(1);
  });

  it('fails MigrationFailed naming the relation, its holder and migrations.lockTimeoutSeconds when the lock stays held', {
    timeout: 30_000,
  }, async () => {
    // Prepare
    const url = await postgres.createDatabase('lock_held');
    await runSql(url, 'CREATE TABLE t (id int)');
    const report = await readingTransaction(url, 't');
    const files = {
      'V1__u.sql': 'CREATE TABLE u (id int);',
      'V2__add_z.sql': 'ALTER TABLE t ADD COLUMN z int;',
    };
    const safety = setTimeout(report.release, 15_000);
    // Act
    // 2 s a wait: the session beside looks every second, so a loaded machine still sees the holder.
    const error = await migrate(url, files, { transaction: 'each', lockTimeoutSeconds: 2 }).catch(
      (thrown: unknown) => thrown,
    );
    clearTimeout(safety);
    await report.release();
    // Assess
    expect(error).toMatchObject({
      name: 'MigrationFailed',
      message: expect.stringMatching(
        /^migration V2__add_z failed and was rolled back \(V1__u, applied before it in this run, stay applied\): could not get its AccessExclusiveLock on public\.t within migrations\.lockTimeoutSeconds \(2 s\) in 3 attempts, held by pid \d+ \(report, idle in transaction\): run again once the sessions holding it are done, or raise migrations\.lockTimeoutSeconds \(0-600; 0 waits as long as it takes/,
      ),
    });
    expect(await historyVersions(url)).toEqual([1]);
  });
});

describe('migrateTarget: the request', () => {
  it("waits for a lock as long as the request's migrations.lockTimeoutSeconds says", {
    timeout: 30_000,
  }, async () => {
    // Prepare
    const url = await postgres.createDatabase('lock_request');
    await runSql(url, 'CREATE TABLE t (id int)');
    const report = await readingTransaction(url, 't');
    const dir = await mkdtemp(join(migrationsDir, 'request-'));
    await writeFile(join(dir, 'V1__add_z.sql'), 'ALTER TABLE t ADD COLUMN z int;');
    process.env.PGPASSWORD = postgres.password;
    const request = databaseMigrationRequestSchema.parse(
      databaseMigrationInput({ target: requestUrl(url) }, dir, {
        migrations: { directory: dir, lockTimeoutSeconds: 1 },
      }),
    );
    // Act
    const error = await migrateTarget(
      request,
      createBackupStore({ type: 'filesystem', directory: dir }),
    ).catch((thrown: unknown) => thrown);
    await report.release();
    // Assess
    expect(error).toMatchObject({
      name: 'MigrationFailed',
      message: expect.stringContaining('within migrations.lockTimeoutSeconds (1 s) in 3 attempts'),
    });
  });
});

describe('migrateTarget: migrations from the backup store before a copy', () => {
  it('refuses those that change rows of a table the copy fills, holding the lock, applying none', async () => {
    // Prepare: the migrations in the backup store, read only at Migrate; V2 backfills a copied table
    const source = await postgres.createDatabase('s3_backfill_source');
    const target = await postgres.createDatabase('s3_backfill_target');
    await runSql(
      source,
      "CREATE TABLE customers (id int PRIMARY KEY, tier text); INSERT INTO customers VALUES (1, 'basic');",
    );
    const store = await mkdtemp(join(migrationsDir, 'store-'));
    await mkdir(join(store, 'migrations', 'orders'), { recursive: true });
    await writeFile(
      join(store, 'migrations', 'orders', 'V1__customers.sql'),
      'CREATE TABLE customers (id int PRIMARY KEY, tier text);',
    );
    await writeFile(
      join(store, 'migrations', 'orders', 'V2__gold.sql'),
      "UPDATE customers SET tier = 'gold';",
    );
    process.env.PGPASSWORD = postgres.password;
    const request = databaseMigrationRequestSchema.parse(
      databaseMigrationInput({ target: requestUrl(target), source: requestUrl(source) }, store, {
        migrations: { s3Prefix: 'migrations/orders' },
      }),
    );
    // Act
    const error = await migrateTarget(
      request,
      createBackupStore({ type: 'filesystem', directory: store }),
    ).catch((thrown: unknown) => thrown);
    // Assess
    expect(error).toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(
        /^migrations\.s3Prefix: pending migrations change rows of tables the copy fills, but they run before the copy, on empty tables: V2__gold updates public\.customers\./,
      ),
    });
    const made = await runSql(target, `SELECT to_regclass('customers') IS NULL AS absent`);
    expect(made.rows[0].absent).toBe(true);
  });
});

describe('applyMigrations: statements outside a transaction', () => {
  it('refuses CREATE INDEX CONCURRENTLY in a pending migration before any migration runs', async () => {
    // Prepare
    const url = await postgres.createDatabase('concurrently');
    const files = {
      'V1__orders.sql': 'CREATE TABLE orders (id int);',
      'V2__index.sql': 'CREATE INDEX CONCURRENTLY orders_id ON orders (id);',
    };
    // Act
    const error = await migrate(url, files, { transaction: 'each' }).catch((thrown: unknown) => thrown);
    // Assess
    expect(error).toMatchObject({
      name: 'ValidationError',
      message:
        'migration V2__index must not contain CREATE INDEX CONCURRENTLY, which PostgreSQL runs only outside a ' +
        'transaction block: Cutover runs every migration in a transaction of its own (or of the run, with ' +
        'transaction "all"); run it by hand, outside the migrations',
    });
    expect(await historyVersions(url)).toEqual([]);
  });
});

describe('checkBeforeLock: the migrations directory', () => {
  /** The request of a run of the migration files (name -> text) on the database at `url`. */
  async function requestFor(url: string, files: Record<string, string>) {
    const dir = await mkdtemp(join(migrationsDir, 'prepare-'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    process.env.PGPASSWORD = postgres.password;
    return databaseMigrationRequestSchema.parse(databaseMigrationInput({ target: requestUrl(url) }, dir));
  }

  it('refuses a migration holding a statement PostgreSQL runs only outside a transaction, creating nothing', async () => {
    // Prepare
    const url = await postgres.createDatabase('prepare_concurrently');
    const request = await requestFor(url, {
      'V1__orders.sql': 'CREATE TABLE orders (id int);',
      'V2__index.sql': 'CREATE INDEX CONCURRENTLY orders_id ON orders (id);',
    });
    // Act
    const error = await checkBeforeLock(request).catch((thrown: unknown) => thrown);
    // Assess
    expect(error).toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/^migration V2__index must not contain CREATE INDEX CONCURRENTLY/),
    });
    const made = await runSql(url, `SELECT to_regclass('cutover_schema_history') IS NULL AS absent`);
    expect(made.rows[0].absent).toBe(true);
  });

  it('refuses a pending migration without a statement, and lets one applied before through', async () => {
    // Prepare: V1, empty, was applied by an earlier version of Cutover, which took it; V3 is comments only
    const url = await postgres.createDatabase('prepare_empty');
    await migrate(url, { 'V1__nothing.sql': 'SELECT 1;' });
    const emptyChecksum = createHash('sha256').update('').digest('hex');
    await runSql(url, `UPDATE cutover_schema_history SET checksum = '${emptyChecksum}' WHERE version = 1`);
    const files = {
      'V1__nothing.sql': '',
      'V2__orders.sql': 'CREATE TABLE orders (id int);',
      'V3__index.sql': '-- CREATE INDEX orders_id ON orders (id);\n/* to do */ ;\n',
    };
    const request = await requestFor(url, files);
    // Act
    const error = await checkBeforeLock(request).catch((thrown: unknown) => thrown);
    // Assess
    expect(error).toMatchObject({
      name: 'ValidationError',
      message:
        'migration V3__index holds no statement (its file is empty, or comments only): applied, it would be ' +
        'recorded as done, and its SQL, once written, refused as a change to an applied migration ' +
        '(MigrationChecksumMismatch); write its SQL, or remove the file',
    });
    expect(await historyVersions(url)).toEqual([1]);
    const { pending } = await checkBeforeLock(
      await requestFor(url, { ...files, 'V3__index.sql': 'SELECT 1;' }),
    );
    expect(pending).toEqual(['V2__orders', 'V3__index']);
  });

  it("refuses an applied migration whose file changed, by the target's history", async () => {
    // Prepare
    const url = await postgres.createDatabase('prepare_changed');
    await migrate(url, { 'V1__orders.sql': 'CREATE TABLE orders (id int);' });
    const request = await requestFor(url, {
      'V1__orders.sql': 'CREATE TABLE orders (id bigint);',
      'V2__more.sql': 'CREATE TABLE more (id int);',
    });
    // Act
    const error = await checkBeforeLock(request).catch((thrown: unknown) => thrown);
    // Assess
    expect(error).toMatchObject({
      name: 'MigrationChecksumMismatch',
      message: expect.stringMatching(/^migration V1__orders was changed after it was applied/),
    });
  });
});

describe('checkBeforeLock: a copy', () => {
  const ORDERS = 'CREATE TABLE customers (id int PRIMARY KEY, name text);';

  /** SQL creating the copy's progress table with execution orders-db-1's row for customers. */
  const progressRow = (rowsCopied: number, done: boolean) =>
    progressRowSql('orders-db-1', 'public.customers', rowsCopied, done);

  async function copyRequest(source: string, target: string, more: Record<string, string> = {}) {
    const dir = await mkdtemp(join(migrationsDir, 'copy-'));
    await writeFile(join(dir, 'V1__customers.sql'), ORDERS);
    for (const [name, text] of Object.entries(more)) await writeFile(join(dir, name), text);
    process.env.PGPASSWORD = postgres.password;
    return databaseMigrationRequestSchema.parse(
      databaseMigrationInput({ target: requestUrl(target), source: requestUrl(source) }, dir),
    );
  }

  it("reads the tables the copy fills, parents first, with the source's estimate of their rows and their size", async () => {
    // Prepare: a source with 300 orders of 3 customers, its statistics up to date
    const source = await postgres.createDatabase('prepare_sizes_source');
    const target = await postgres.createDatabase('prepare_sizes_target');
    await runSql(
      source,
      `${ORDERS} CREATE TABLE orders (id int PRIMARY KEY, customer int REFERENCES customers);
       INSERT INTO customers SELECT i, 'c' || i FROM generate_series(1, 3) i;
       INSERT INTO orders SELECT i, 1 + i % 3 FROM generate_series(1, 300) i; ANALYZE;`,
    );
    const request = await copyRequest(source, target);
    // Act
    const { pending, copied } = await checkBeforeLock(request);
    // Assess
    expect(pending).toEqual(['V1__customers']);
    expect(copied.map(({ name, estimatedRows }) => ({ name, estimatedRows }))).toEqual([
      { name: 'customers', estimatedRows: 3 },
      { name: 'orders', estimatedRows: 300 },
    ]);
    expect(copied.every((table) => table.bytes > 0)).toBe(true);
  });

  it('refuses a copy into tables an earlier execution filled, before the lock and the backup, naming it', async () => {
    // Prepare: the same request ran to its end before
    const source = await postgres.createDatabase('prepare_copy_source');
    const target = await postgres.createDatabase('prepare_copy_target');
    await runSql(source, `${ORDERS} INSERT INTO customers VALUES (1, 'ana');`);
    await migrate(target, { 'V1__customers.sql': ORDERS });
    await runSql(target, `INSERT INTO customers VALUES (1, 'ana'); ${progressRow(1, true)}`);
    const request = await copyRequest(source, target);
    // Act
    const error = await checkBeforeLock(request).catch((thrown: unknown) => thrown);
    // Assess
    expect(error).toMatchObject({
      name: 'TargetNotEmpty',
      message:
        'target table public.customers already has rows; copy into empty tables only: execution orders-db-1 ' +
        'copied into it (see cutover_copy_progress); unless its rows are to be kept, empty the tables it ' +
        'copied into (TRUNCATE ONLY "public"."customers") and delete its progress rows (DELETE FROM ' +
        "cutover_copy_progress WHERE copy_id = 'orders-db-1'), then run again",
    });
  });

  it('refuses pending migrations that change rows of a table the copy fills after them, naming each', async () => {
    // Prepare: a backfill and a seed of copied tables; a function's body and a table the copy does not fill are fine
    const source = await postgres.createDatabase('prepare_backfill_source');
    const target = await postgres.createDatabase('prepare_backfill_target');
    await runSql(source, `${ORDERS} INSERT INTO customers VALUES (1, 'ana');`);
    const request = await copyRequest(source, target, {
      'V2__tier.sql': `ALTER TABLE customers ADD COLUMN tier text NOT NULL DEFAULT 'basic';
        -- UPDATE customers SET tier = 'commented';
        UPDATE ONLY public.customers c SET tier = 'gold' WHERE c.id > 50;
        CREATE TABLE tiers (name text); INSERT INTO tiers VALUES ('gold');
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE customers SET tier = 'x'; RETURN NEW; END $$;`,
      'V3__seed.sql': `INSERT INTO "customers" (id, name) VALUES (0, 'house account'); DELETE FROM customers WHERE id < 0;`,
    });
    // Act
    const error = await checkBeforeLock(request).catch((thrown: unknown) => thrown);
    // Assess
    expect(error).toMatchObject({
      name: 'ValidationError',
      message:
        'migrations.directory: pending migrations change rows of tables the copy fills, but they run before ' +
        'the copy, on empty tables: V2__tier updates public.customers, V3__seed inserts into public.customers ' +
        'and deletes from public.customers. An update or delete there changes no copied row, and the copy ' +
        'refuses a table holding rows (TargetNotEmpty); make data changes to copied tables in the source ' +
        'before the copy, or in a later run without database.source',
    });
    const made = await runSql(target, `SELECT to_regclass('customers') IS NULL AS absent`);
    expect(made.rows[0].absent).toBe(true);
  });

  it('refuses an empty target table an execution that ended without finishing was copying into', async () => {
    // Prepare: an aborted execution had started customers and copied none of its rows
    const source = await postgres.createDatabase('prepare_unfinished_source');
    const target = await postgres.createDatabase('prepare_unfinished_target');
    await runSql(source, `${ORDERS} INSERT INTO customers VALUES (1, 'ana');`);
    await migrate(target, { 'V1__customers.sql': ORDERS });
    await runSql(target, progressRow(0, false));
    const request = await copyRequest(source, target);
    // Act
    const error = await checkBeforeLock(request).catch((thrown: unknown) => thrown);
    // Assess
    expect(error).toMatchObject({
      name: 'TargetNotEmpty',
      message: expect.stringMatching(
        /^target table public\.customers is being copied into by execution orders-db-1 .*\(DELETE FROM cutover_copy_progress WHERE copy_id = 'orders-db-1'\), then run again$/,
      ),
    });
  });

  it('says the execution that was copying into an empty target table ended, when Step Functions says so', async () => {
    // Prepare: execution orders-db-1 had started customers when it was aborted
    const source = await postgres.createDatabase('prepare_aborted_source');
    const target = await postgres.createDatabase('prepare_aborted_target');
    await runSql(source, `${ORDERS} INSERT INTO customers VALUES (1, 'ana');`);
    await migrate(target, { 'V1__customers.sql': ORDERS });
    await runSql(target, progressRow(0, false));
    const request = await copyRequest(source, target);
    const copyRuns = async (copyId: string) =>
      copyId === 'orders-db-1'
        ? { status: 'ABORTED', stopDate: new Date('2026-12-03T05:00:00Z') }
        : undefined;
    // Act
    const error = await checkBeforeLock(request, undefined, copyRuns).catch((thrown: unknown) => thrown);
    // Assess: no wait for an end that came already
    expect(error).toMatchObject({
      name: 'TargetNotEmpty',
      message: expect.stringMatching(
        /^target table public\.customers was being copied into by execution orders-db-1, which ended ABORTED at 2026-12-03T05:00:00\.000Z without finishing it \(its progress row in cutover_copy_progress, updated .+\): empty the tables it copied into \(TRUNCATE ONLY "public"\."customers"\) and delete its progress rows \(DELETE FROM cutover_copy_progress WHERE copy_id = 'orders-db-1'\), then run again$/,
      ),
    });
  });

  it('refuses a source without tables in database.schemas, naming its database', async () => {
    // Prepare: the source URL names a database that has no table
    const source = await postgres.createDatabase('prepare_empty_source');
    const target = await postgres.createDatabase('prepare_empty_target');
    const request = await copyRequest(source, target);
    // Act
    const error = await checkBeforeLock(request).catch((thrown: unknown) => thrown);
    // Assess
    expect(error).toMatchObject({
      name: 'ValidationError',
      message:
        `database.source: database ${new URL(source).pathname.slice(1)} has no table in database.schemas (public), ` +
        'so there is nothing to copy: check the database name in the source URL (or secret) and database.schemas',
    });
  });

  it('refuses a source table without a primary key over maxBytesWithoutKey before anything is locked', async () => {
    // Prepare
    const source = await postgres.createDatabase('prepare_keyless_source');
    const target = await postgres.createDatabase('prepare_keyless_target');
    await runSql(
      source,
      `CREATE TABLE notes (body text); INSERT INTO notes SELECT repeat('x', 100) FROM generate_series(1, 100);`,
    );
    const copied = await copyRequest(source, target);
    const request = { ...copied, copy: { ...copied.copy, maxBytesWithoutKey: 1000 } };
    // Act
    const error = await checkBeforeLock(request).catch((thrown: unknown) => thrown);
    // Assess
    expect(error).toMatchObject({
      name: 'TableTooLargeWithoutPrimaryKey',
      message: expect.stringMatching(
        /^public\.notes has no primary key and is (\d+) bytes, over the 1000-byte limit for copying a table whole: add a primary key or raise copy\.maxBytesWithoutKey to at least \1$/,
      ),
    });
  });

  it('refuses a source table the target lacks when no migration runs before the copy, before the lock', async () => {
    // Prepare: the target was made by hand with customers only; the request has no migrations
    const source = await postgres.createDatabase('prepare_no_table_source');
    const target = await postgres.createDatabase('prepare_no_table_target');
    await runSql(
      source,
      `${ORDERS} CREATE TABLE orders (id int PRIMARY KEY); CREATE TABLE notes (id int PRIMARY KEY);`,
    );
    await runSql(target, ORDERS);
    const request = databaseMigrationRequestSchema.parse({
      ...(await copyRequest(source, target)),
      migrations: undefined,
    });
    // Act
    const error = await checkBeforeLock(request).catch((thrown: unknown) => thrown);
    // Assess: named as ListTables would name them after the backup, and nothing made on the target
    expect(error).toMatchObject({
      name: 'ValidationError',
      message:
        "database.target: has no table public.notes, public.orders to copy the source's into, and the request has no migrations to create them; the target's migrations must create the tables the copy fills",
    });
    const made = await runSql(target, `SELECT to_regclass('cutover_copy_progress') IS NULL AS absent`);
    expect(made.rows[0].absent).toBe(true);
  });

  it('refuses a source table the target lacks when the target applied every migration of the directory', async () => {
    // Prepare: V1 (customers) applied by an earlier run; the source has orders too
    const source = await postgres.createDatabase('prepare_applied_source');
    const target = await postgres.createDatabase('prepare_applied_target');
    await runSql(source, `${ORDERS} CREATE TABLE orders (id int PRIMARY KEY);`);
    const request = await copyRequest(source, target);
    const { source: _copiedFrom, ...targetOnly } = request.database;
    await migrateTarget(
      { ...request, database: targetOnly },
      createBackupStore({ type: 'filesystem', directory: migrationsDir }),
    );
    // Act
    const error = await checkBeforeLock(request).catch((thrown: unknown) => thrown);
    // Assess
    expect(error).toMatchObject({
      name: 'ValidationError',
      message:
        "database.target: has no table public.orders to copy the source's into, and no migration of migrations.directory is left to apply; the target's migrations must create the tables the copy fills",
    });
  });

  it('lets a first copy through: the tables its migrations create do not exist yet', async () => {
    // Prepare
    const source = await postgres.createDatabase('prepare_first_copy_source');
    const target = await postgres.createDatabase('prepare_first_copy_target');
    await runSql(source, `${ORDERS} INSERT INTO customers VALUES (1, 'ana');`);
    const request = await copyRequest(source, target);
    // Act
    const { pending } = await checkBeforeLock(request);
    // Assess: its migration is what Migrate would apply
    expect(pending).toEqual(['V1__customers']);
  });
});

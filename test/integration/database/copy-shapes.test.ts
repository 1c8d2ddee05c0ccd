import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackupStore } from '#adapters/backup/index.ts';
import {
  copySlice,
  migrateTarget,
  runDatabaseMigration,
  sourceTables,
  undoTargetCopy,
  validateCopy,
} from '#adapters/database/workflow.ts';
import { siblingExecutionArn } from '#core/api-routes.ts';
import { databaseMigrationRequestSchema } from '#core/schemas/database-migration.ts';
import { handler as prepare } from '#lambdas/db-prepare/handler.ts';
import { registerLocalExecutions } from '#local/adapters/local-executions.ts';
import { type LocalAdaptersHandle, registerLocalAdapters } from '#local/adapters/register.ts';
import { RealClock } from '#local/clock.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import { LocalStepFunctions } from '#local/service.ts';
import { databaseMigrationInput } from '#test/builders/database-migration-request.ts';
import { requestUrl, startTestPostgres, type TestPostgres } from '#test/support/postgres.ts';
import { progressRowSql, runSql } from './dataset.ts';

let postgres: TestPostgres;
let directory: string;
let local: LocalAdaptersHandle;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'cutover-copy-shapes-'));
  postgres = await startTestPostgres();
  // The tasks read the database password and the lock's data directory from the environment.
  process.env.PGPASSWORD = postgres.password;
  process.env.CUTOVER_DATA_DIR = join(directory, 'data');
  local = registerLocalAdapters({ dataDir: join(directory, 'data'), resume: false });
});
afterAll(async () => {
  await local?.close();
  await postgres?.stop();
  await rm(directory, { recursive: true, force: true });
});

const service = { name: 'orders', namespace: 'shop' };

/** A fresh database holding the tables of `sql`. */
async function databaseWith(prefix: string, sql: string): Promise<string> {
  const url = await postgres.createDatabase(prefix);
  await runSql(url, sql);
  return url;
}

/** A fresh directory holding the given migration files. */
async function migrationFiles(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(directory, 'migrations-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** The input migrating `target` (copying `source` into it when given) with `migrations`, over `schemas`. */
function inputFor(database: { target: string; source?: string }, migrations?: string, schemas?: string[]) {
  const urls = {
    target: requestUrl(database.target),
    ...(database.source ? { source: requestUrl(database.source) } : {}),
  };
  const input = databaseMigrationInput(urls, migrations ?? '', migrations ? {} : { migrations: undefined });
  return schemas ? { ...input, database: { ...input.database, schemas } } : input;
}

/** {@link inputFor} normalized, as the tasks get it. */
function requestFor(...args: Parameters<typeof inputFor>) {
  return databaseMigrationRequestSchema.parse(inputFor(...args));
}

/** Runs every step in this process, backing up to a fresh directory; returns the summary and the backups. */
async function migrate(request: ReturnType<typeof requestFor>) {
  const store = createBackupStore({
    type: 'filesystem',
    directory: await mkdtemp(join(directory, 'backups-')),
  });
  const summary = await runDatabaseMigration(request, store, 'run-1').catch((error: Error) => error);
  return { summary, backups: await store.list('') };
}

/** Row counts of `tables` in the database, each of its own rows (`ONLY`). */
async function counts(url: string, tables: readonly string[]): Promise<Record<string, number>> {
  const entries = await Promise.all(
    tables.map(async (table) => {
      const { rows } = await runSql(url, `SELECT count(*)::int AS n FROM ONLY ${table}`);
      return [table, rows[0].n as number] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** 1,000 accounts, and a migration that destroys their balances. */
const ACCOUNTS = `CREATE TABLE accounts (id int PRIMARY KEY, balance numeric);
  INSERT INTO accounts SELECT g, g * 10 FROM generate_series(1, 1000) g;`;
const DROP_BALANCE = { 'V1__drop_balance.sql': 'ALTER TABLE accounts DROP COLUMN balance;' };

describe('database.schemas', () => {
  it('Prepare refuses a schema the target lacks, naming it and the schemas there, and locks nothing', async () => {
    // Prepare
    const target = await databaseWith('target', ACCOUNTS);
    const migrations = await migrationFiles(DROP_BALANCE);
    const request = inputFor({ target }, migrations, ['pubilc']);
    const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:database-migration:typo';
    // Act
    const error = await prepare({ request, executionArn }, {} as never).catch((e: Error) => e);
    // Assess
    expect(error).toMatchObject({
      name: 'ValidationError',
      message: 'database.schemas: pubilc not found in the target database; its schemas: public',
    });
    expect(await local.adapters.lock.holder(service)).toBeUndefined();
  });

  it('Prepare refuses a schema the source lacks, naming it and the schemas there', async () => {
    // Prepare
    const source = await databaseWith('source', ACCOUNTS);
    const target = await postgres.createDatabase('target');
    const request = inputFor({ source, target }, undefined, ['Public']);
    const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:database-migration:case';
    // Act
    const error = await prepare({ request, executionArn }, {} as never).catch((e: Error) => e);
    // Assess
    expect(error).toMatchObject({
      name: 'ValidationError',
      message: 'database.schemas: Public not found in the source database; its schemas: public',
    });
    expect(await local.adapters.lock.holder(service)).toBeUndefined();
  });

  it('refuses a misspelt schema before the backup and the migrations: no backup, no data lost', async () => {
    // Prepare
    const target = await databaseWith('target', ACCOUNTS);
    const migrations = await migrationFiles(DROP_BALANCE);
    // Act
    const { summary, backups } = await migrate(requestFor({ target }, migrations, ['pubilc']));
    // Assess
    expect(summary).toMatchObject({ name: 'ValidationError', message: expect.stringContaining('pubilc') });
    expect(backups).toEqual([]);
    const { rows } = await runSql(target, 'SELECT count(balance)::int AS n FROM accounts');
    expect(rows[0].n).toBe(1000);
  });

  it('copies a schema the target lacks until its migrations create it', async () => {
    // Prepare
    const source = await databaseWith(
      'source',
      `CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int PRIMARY KEY);
       INSERT INTO billing.invoices SELECT generate_series(1, 30);`,
    );
    const target = await postgres.createDatabase('target');
    const migrations = await migrationFiles({
      'V1__billing.sql': 'CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int PRIMARY KEY);',
    });
    // Act
    const { summary } = await migrate(requestFor({ source, target }, migrations, ['billing']));
    // Assess
    expect(summary).toMatchObject({ tables: [{ table: 'billing.invoices', rows: 30 }] });
  });

  it('migrates a target without a source whose migrations create the schema', async () => {
    // Prepare
    const target = await postgres.createDatabase('target');
    const migrations = await migrationFiles({
      'V1__billing.sql': 'CREATE SCHEMA IF NOT EXISTS "Billing"; CREATE TABLE "Billing".invoices (id int);',
    });
    const request = requestFor({ target }, migrations, ['Billing']);
    const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:database-migration:first';
    // Act
    const prepared = await prepare({ request, executionArn }, {} as never);
    await local.adapters.lock.release(service, executionArn);
    const { summary } = await migrate(request);
    // Assess
    expect(prepared).toMatchObject({ executionArn });
    expect(summary).toMatchObject({ applied: [1] });
  });

  it.each([
    [
      'only mentions it in a comment',
      { 'V1__x.sql': '-- we will CREATE SCHEMA billing later\nCREATE TABLE x (id int);' },
      'all',
    ],
    [
      'creates it in a contract migration an expand run does not apply',
      {
        'V1__x.sql': 'CREATE TABLE x (id int);',
        'V2__billing.sql': '-- phase: contract\nCREATE SCHEMA billing;',
      },
      'expand',
    ],
  ])('Prepare refuses a schema the target lacks when the migrations %s', async (_, files, phase) => {
    // Prepare
    const target = await postgres.createDatabase('target');
    const input = inputFor({ target }, await migrationFiles(files), ['billing']);
    const request = { ...input, migrations: { ...input.migrations, phase } };
    const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:database-migration:mention';
    // Act
    const error = await prepare({ request, executionArn }, {} as never).catch((e: Error) => e);
    // Assess
    expect(error).toMatchObject({
      name: 'ValidationError',
      message: 'database.schemas: billing not found in the target database; its schemas: public',
    });
  });

  it('refuses at Migrate a misspelt schema of a target whose migrations are in S3, applying none', async () => {
    // Prepare
    const target = await databaseWith('target', ACCOUNTS);
    const store = createBackupStore({
      type: 'filesystem',
      directory: await mkdtemp(join(directory, 'store-')),
    });
    await store.put(
      'migrations/orders/V1__drop_balance.sql',
      Buffer.from(DROP_BALANCE['V1__drop_balance.sql']),
    );
    const input = inputFor({ target }, undefined, ['pubilc']);
    const request = databaseMigrationRequestSchema.parse({
      ...input,
      migrations: { s3Prefix: 'migrations/orders/' },
    });
    // Act
    const error = await migrateTarget(request, store).catch((thrown: Error) => thrown);
    // Assess
    expect(error).toMatchObject({
      name: 'ValidationError',
      message: 'database.schemas: pubilc not found in the target database; its schemas: public',
    });
    const { rows } = await runSql(target, 'SELECT count(balance)::int AS n FROM accounts');
    expect(rows[0].n).toBe(1000);
  });
});

describe('source tables', () => {
  it("refuses at ListTables a source table the target's migrations did not create, naming it", async () => {
    // Prepare
    const source = await databaseWith(
      'source',
      'CREATE SCHEMA billing; CREATE TABLE billing.inv (id int PRIMARY KEY); CREATE TABLE a (id int PRIMARY KEY);',
    );
    const target = await databaseWith('target', 'CREATE TABLE a (id int PRIMARY KEY);');
    // Act
    const error = await sourceTables(requestFor({ source, target }, undefined, ['public', 'billing'])).catch(
      (thrown: Error) => thrown,
    );
    // Assess
    expect(error).toMatchObject({
      name: 'ValidationError',
      message:
        "database.target: has no table billing.inv to copy the source's into; the target's migrations must create the tables the copy fills",
    });
  });
});

describe('copy order', () => {
  it("loads parents first along the target's foreign keys when the source has none", async () => {
    // Prepare
    const source = await databaseWith(
      'fksrc',
      `CREATE TABLE a_child (id int PRIMARY KEY, parent_id int); CREATE TABLE z_parent (id int PRIMARY KEY);
       INSERT INTO z_parent SELECT generate_series(1, 10);
       INSERT INTO a_child SELECT g, g % 10 + 1 FROM generate_series(1, 20) g;`,
    );
    const target = await postgres.createDatabase('fktarget');
    const migrations = await migrationFiles({
      'V1__tables.sql': `CREATE TABLE z_parent (id int PRIMARY KEY);
        CREATE TABLE a_child (id int PRIMARY KEY, parent_id int REFERENCES z_parent);`,
    });
    const request = requestFor({ source, target }, migrations);
    // Act
    const { summary } = await migrate(request);
    // Assess
    expect(await sourceTables(request)).toEqual(['public.z_parent', 'public.a_child']);
    expect(summary).toMatchObject({
      tables: [
        { table: 'public.a_child', rows: 20 },
        { table: 'public.z_parent', rows: 10 },
      ],
    });
  });
});

describe('inheritance', () => {
  const EVENTS = (key: string) => `CREATE TABLE events (id int ${key}, body text);
    CREATE TABLE events_2024 () INHERITS (events);`;

  it.each([
    ['with', 'PRIMARY KEY'],
    ['without', ''],
  ])(
    'copies a parent %s a primary key and its child each with their own rows, and validates',
    async (_, key) => {
      // Prepare
      const source = await databaseWith(
        'source',
        `${EVENTS(key)} INSERT INTO events SELECT 2 * g, 'parent' FROM generate_series(1, 100) g;
         INSERT INTO events_2024 SELECT 2 * g - 1, 'child' FROM generate_series(1, 50) g;`,
      );
      const target = await databaseWith('target', EVENTS(key));
      // Act
      const { summary } = await migrate(requestFor({ source, target }));
      // Assess
      // Validation compares each table's own rows, as the copy reads them.
      expect(summary).toMatchObject({
        tables: [
          { table: 'public.events', rows: 100 },
          { table: 'public.events_2024', rows: 50 },
        ],
      });
      expect(await counts(target, ['events', 'events_2024'])).toEqual({ events: 100, events_2024: 50 });
    },
  );

  it('copies into a parent after its child, which sorts before it', async () => {
    // Prepare
    const schema = `CREATE TABLE events (id int PRIMARY KEY, body text);
      CREATE TABLE archived_events () INHERITS (events);`;
    const source = await databaseWith(
      'source',
      `${schema} INSERT INTO events VALUES (1, 'live'); INSERT INTO archived_events VALUES (2, 'archived');`,
    );
    const target = await databaseWith('target', schema);
    // Act
    const { summary } = await migrate(requestFor({ source, target }));
    // Assess
    expect(summary).toMatchObject({
      tables: [{ table: 'public.archived_events' }, { table: 'public.events' }],
    });
    expect(await counts(target, ['events', 'archived_events'])).toEqual({ events: 1, archived_events: 1 });
  });

  it('names the table, row and column of a value the target refuses to take', async () => {
    // Prepare: the target's column is narrower than the source's
    const source = await databaseWith(
      'source',
      'CREATE TABLE m (id int PRIMARY KEY, ratio float8); INSERT INTO m VALUES (1, 0.5), (2, 1e300);',
    );
    const target = await databaseWith('target', 'CREATE TABLE m (id int PRIMARY KEY, ratio real);');
    // Act
    const { summary } = await migrate(requestFor({ source, target }));
    // Assess
    expect(summary).toMatchObject({
      name: 'DatabaseError',
      message:
        'copying public.m: "1e+300" is out of range for type real (COPY m, line 2, column ratio: "1e+300")',
    });
  });

  it('refuses a partitioned target table whose partitions hold rows, copying a plain one into it', async () => {
    // Prepare
    const source = await databaseWith(
      'source',
      'CREATE TABLE events (id int PRIMARY KEY); INSERT INTO events SELECT generate_series(1, 10);',
    );
    const target = await databaseWith(
      'target',
      `CREATE TABLE events (id int PRIMARY KEY) PARTITION BY RANGE (id);
       CREATE TABLE events_low PARTITION OF events FOR VALUES FROM (0) TO (1000);
       INSERT INTO events VALUES (500);`,
    );
    // Act
    const { summary } = await migrate(requestFor({ source, target }));
    // Assess
    expect(summary).toMatchObject({
      name: 'TargetNotEmpty',
      message: expect.stringContaining('public.events'),
    });
    expect(await counts(target, ['events_low'])).toEqual({ events_low: 1 });
  });
});

describe('undoing a copy', () => {
  it("empties each copied table's own rows, not an inheritance child it did not copy", async () => {
    // Prepare: only the target has the child, holding rows of its own; the copy into the parent then
    // fails validation (the source is written to after the copy)
    const parent = 'CREATE TABLE events (id int PRIMARY KEY, body text);';
    const source = await databaseWith('source', `${parent} INSERT INTO events VALUES (1, 'copied');`);
    const target = await databaseWith(
      'target',
      `${parent} CREATE TABLE events_2024 () INHERITS (events); INSERT INTO events_2024 VALUES (7, 'kept');`,
    );
    const request = requestFor({ source, target });
    for (const table of await sourceTables(request)) {
      while (!(await copySlice(request, 'run-1', table)).done);
    }
    await runSql(source, `UPDATE events SET body = 'changed'`);
    // Act
    const failed = await validateCopy(request).catch((error: Error) => error);
    const emptied = await undoTargetCopy(request, 'run-1');
    // Assess
    expect(failed).toMatchObject({ name: 'ValidationFailed' });
    expect(emptied).toEqual(['public.events']);
    expect(await counts(target, ['events', 'events_2024'])).toEqual({ events: 0, events_2024: 1 });
  });
});

describe('Prepare: a table a stopped execution left unfinished', () => {
  it('says that execution ended, as Step Functions tells it, instead of asking to wait for it', async () => {
    // Prepare: execution orders-db-1 of a runtime had started accounts when it was stopped
    const runtime = new LocalStepFunctions({ clock: new RealClock(1), lambdas: new MapLambdaRegistry() });
    const unregister = registerLocalExecutions(runtime);
    const { stateMachineArn } = await runtime.createStateMachine({
      name: 'database-migration',
      definition: JSON.stringify({
        StartAt: 'Copy',
        States: { Copy: { Type: 'Wait', Seconds: 99_999, End: true } },
      }),
      roleArn: 'arn:aws:iam::000000000000:role/copy',
    });
    const { executionArn: stopped } = await runtime.startExecution({ stateMachineArn, name: 'orders-db-1' });
    await runtime.stopExecution({ executionArn: stopped });
    const source = await databaseWith('source', ACCOUNTS);
    const target = await databaseWith(
      'target',
      `CREATE TABLE accounts (id int PRIMARY KEY, balance numeric); ${progressRowSql('orders-db-1', 'public.accounts')}`,
    );
    const executionArn = siblingExecutionArn(stopped!, 'orders-db-2');
    try {
      // Act
      const error = await prepare({ request: inputFor({ source, target }), executionArn }, {} as never).catch(
        (e: Error) => e,
      );
      // Assess
      expect(error).toMatchObject({
        name: 'TargetNotEmpty',
        message: expect.stringMatching(
          /^target table public\.accounts was being copied into by execution orders-db-1, which ended ABORTED at \d{4}-\d\d-\d\dT.+Z without finishing it \(its progress row in cutover_copy_progress, updated .+\): empty the tables it copied into/,
        ),
      });
      expect(await local.adapters.lock.holder(service)).toBeUndefined();
    } finally {
      unregister();
      await runtime.close();
    }
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBlueGreenDeploymentCommand,
  CreateDBSnapshotCommand,
  DeleteBlueGreenDeploymentCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  SwitchoverBlueGreenDeploymentCommand,
} from '@aws-sdk/client-rds';
import {
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
  ListExecutionsCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBackupStoreFromEnvironment } from '#adapters/backup/index.ts';
import { listTables } from '#adapters/database/catalog.ts';
import { tableChecksums } from '#adapters/database/checksums.ts';
import { withDatabase } from '#adapters/database/connection.ts';
import { readableCause } from '#core/errors.ts';
import { databaseMigrationInput } from '#test/builders/database-migration-request.ts';
import { DATASET_SCHEMA, fillDataset, runSql } from '#test/integration/database/dataset.ts';
import {
  executionHistory,
  startTestRuntime,
  type TestRuntime,
  waitForExecution,
} from '#test/support/local-runtime.ts';
import { requestUrl, startTestPostgres, type TestPostgres } from '#test/support/postgres.ts';
import { lostRdsAnswer, rdsError } from '#test/support/rds-fixtures.ts';
import { startTestS3, type TestS3 } from '#test/support/s3.ts';

let postgres: TestPostgres;
let s3: TestS3;
let runtime: TestRuntime;
let directory: string;
let stateMachineArn: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'cutover-db-machine-'));
  [postgres, s3] = await Promise.all([startTestPostgres(), startTestS3('cutover-backups')]);
  // The tasks run in this process and read their stores and the database password from the environment.
  Object.assign(process.env, {
    CUTOVER_DATA_DIR: join(directory, 'data'),
    CUTOVER_BACKUP_BUCKET: s3.bucket,
    CUTOVER_S3_ENDPOINT: s3.server.endpoint,
    PGPASSWORD: postgres.password,
  });
  runtime = await startTestRuntime({ dataDir: join(directory, 'data'), projectDir: process.cwd() });
  stateMachineArn = runtime.runtime.stateMachines.find(
    (m) => m.name === 'database-migration',
  )!.stateMachineArn;
});
afterAll(async () => {
  await runtime?.close();
  await Promise.all([postgres?.stop(), s3?.stop()]);
  await rm(directory, { recursive: true, force: true });
});

/** A fresh directory holding the given migration files. */
async function migrationFiles(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(directory, 'migrations-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** A target database with a table `items` of three rows. */
async function targetWithItems(): Promise<string> {
  const url = await postgres.createDatabase('target');
  await runSql(
    url,
    `CREATE TABLE items (id int PRIMARY KEY, name text);
    INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three')`,
  );
  return url;
}

/** A target with items (targetWithItems) and migrations whose V1__price adds a column `price` to them. */
async function itemsAndPriceMigration(): Promise<{ target: string; migrations: string }> {
  const target = await targetWithItems();
  const migrations = await migrationFiles({ 'V1__price.sql': 'ALTER TABLE items ADD COLUMN price int;' });
  return { target, migrations };
}

/** A dataset source of `customers` customers, an empty target, V1__dataset + `more`, and the copy request. */
async function datasetCopy(customers: number, more: Record<string, string> = {}) {
  const source = await postgres.createDatabase('source');
  await runSql(source, DATASET_SCHEMA);
  await fillDataset(source, customers);
  const target = await postgres.createDatabase('target');
  const migrations = await migrationFiles({ 'V1__dataset.sql': DATASET_SCHEMA, ...more });
  const input = databaseMigrationInput(
    { source: requestUrl(source), target: requestUrl(target) },
    migrations,
    { copy: { batchRows: 100 } },
  );
  return { source, target, migrations, input };
}

/** How many migrations the target's history table records. */
async function recordedMigrations(target: string): Promise<number> {
  return (await runSql(target, 'SELECT count(*)::int AS n FROM cutover_schema_history')).rows[0].n;
}

/** Columns and checksums of every table: equal snapshots mean an unchanged database. */
async function snapshot(url: string) {
  return withDatabase({ url }, async (client) => ({
    tables: await tableChecksums(client, await listTables(client, ['public'])),
    columns: (
      await client.query(
        `SELECT table_name, column_name, data_type FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name NOT LIKE 'cutover\\_%' ORDER BY 1, 2`,
      )
    ).rows,
  }));
}

/** Starts the state machine with the request (database URLs as requests carry them) and waits for the end. */
async function runMigration(
  input: ReturnType<typeof databaseMigrationInput>,
): Promise<{ execution: DescribeExecutionCommandOutput; history: HistoryEvent[] }> {
  const { executionArn } = await runtime.client.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
  );
  const execution = await waitForExecution(runtime.client, executionArn!);
  return { execution, history: await executionHistory(runtime.client, executionArn!) };
}

/** Runs the migrations in `directory` on `target` alone (no source), with the request's `extra` settings. */
function migrateTarget(target: string, directory: string, extra?: Record<string, unknown>) {
  return runMigration(databaseMigrationInput({ target: requestUrl(target) }, directory, extra));
}

/** The states the execution entered, in order. */
function statesEntered(history: HistoryEvent[]): string[] {
  return history.flatMap((event) =>
    event.stateEnteredEventDetails ? [event.stateEnteredEventDetails.name!] : [],
  );
}

/** The states the execution entered from `state` on. */
function statesFrom(history: HistoryEvent[], state: string): string[] {
  const entered = statesEntered(history);
  return entered.slice(entered.indexOf(state));
}

/** A task's output, by state name. */
function taskOutput(history: HistoryEvent[], state: string): Record<string, unknown> {
  const exited = history.find((event) => event.stateExitedEventDetails?.name === state);
  return JSON.parse(exited!.stateExitedEventDetails!.output!);
}

describe('database-migration state machine', () => {
  it('migrates the schema, copies and validates the data, and lists the backup', async () => {
    // Prepare
    const { source, target, input } = await datasetCopy(120);
    // Act
    const { execution, history } = await runMigration(input);
    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(statesEntered(history)).toEqual(
      expect.arrayContaining(['Backup', 'Migrate', 'CopySlice', 'SyncSequences', 'Validate', 'Unlock']),
    );
    expect(await snapshot(target)).toEqual(await snapshot(source));
    const validated = taskOutput(history, 'Validate').validation as {
      tables: { table: string; rows: number }[];
    };
    expect(validated.tables).toEqual(
      expect.arrayContaining([
        { table: 'public.customers', rows: 120 },
        { table: 'public.orders', rows: 360 },
        { table: 'public.audit_log', rows: 120 },
      ]),
    );
    const manifestKey = (taskOutput(history, 'Backup').backup as { manifestKey: string }).manifestKey;
    const listed = await createBackupStoreFromEnvironment().list('shop/orders/');
    expect(listed.map((entry) => entry.key)).toContain(manifestKey);
  });

  it('ends FAILED with MigrationFailed and leaves the database unchanged when a migration fails', async () => {
    // Prepare
    const target = await targetWithItems();
    const before = await snapshot(target);
    const migrations = await migrationFiles({
      'V1__breaks.sql': `ALTER TABLE items ADD COLUMN price int;
        UPDATE items SET name = 'changed';
        SELECT 1 / 0;`,
    });
    // Act
    const { execution, history } = await migrateTarget(target, migrations);
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('MigrationFailed');
    expect(execution.cause).toContain('V1');
    expect(statesEntered(history)).toEqual(
      expect.arrayContaining(['Backup', 'Migrate', 'NotifyFailed', 'UnlockAfterFailure']),
    );
    expect(statesEntered(history)).not.toContain('UndoCopy');
    expect(await snapshot(target)).toEqual(before);
    expect(await recordedMigrations(target)).toBe(0);
  });

  it('refuses an edited applied migration with MigrationChecksumMismatch and applies nothing', async () => {
    // Prepare
    const { target, migrations } = await itemsAndPriceMigration();
    const first = await migrateTarget(target, migrations);
    await writeFile(join(migrations, 'V1__price.sql'), 'ALTER TABLE items ADD COLUMN price bigint;');
    await writeFile(join(migrations, 'V2__sku.sql'), 'ALTER TABLE items ADD COLUMN sku text;');
    const before = await snapshot(target);
    // Act
    const { execution, history } = await migrateTarget(target, migrations);
    // Assess
    expect(first.execution.status).toBe('SUCCEEDED');
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('MigrationChecksumMismatch');
    expect(await snapshot(target)).toEqual(before);
    // Nothing ran, so nothing is restored (a restore would drop writes made since the backup).
    expect(statesEntered(history)).not.toContain('UndoCopy');
  });

  it('migrates two services of one database, both from V1, each recorded in its own history table', async () => {
    // Prepare
    const target = await targetWithItems();
    const request = (name: string, historyTable: string, files: Record<string, string>) =>
      migrationFiles(files).then((directory) => ({
        ...databaseMigrationInput({ target: requestUrl(target) }, directory),
        service: { name, namespace: 'shop' },
        migrations: { directory, historyTable },
      }));
    const orders = await request('orders', 'cutover_orders_history', {
      'V1__price.sql': 'ALTER TABLE items ADD COLUMN price int;',
    });
    const billing = await request('billing', 'cutover_billing_history', {
      'V1__invoices.sql': 'CREATE TABLE invoices (id int PRIMARY KEY);',
    });
    // Act
    const first = await runMigration(orders);
    const second = await runMigration(billing);
    // Assess
    expect([first.execution.status, second.execution.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const recorded = await runSql(
      target,
      `SELECT (SELECT array_agg(name) FROM cutover_orders_history) AS orders,
              (SELECT array_agg(name) FROM cutover_billing_history) AS billing`,
    );
    expect(recorded.rows[0]).toEqual({ orders: ['price'], billing: ['invoices'] });
  });

  it('fails MigrationLocked and restores nothing while another session holds the migration lock', async () => {
    // Prepare: another service's migration of the same database, still running.
    const target = await targetWithItems();
    const slow = await migrationFiles({ 'V1__slow.sql': 'SELECT pg_sleep(4);' });
    const other = migrateTarget(target, slow, { service: { name: 'billing', namespace: 'shop' } });
    const held = `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted`;
    while ((await runSql(target, held)).rows[0].n === 0) await new Promise((r) => setTimeout(r, 20));
    const migrations = await migrationFiles({ 'V2__price.sql': 'ALTER TABLE items ADD COLUMN price int;' });
    // Act
    const { execution, history } = await migrateTarget(target, migrations, {
      migrations: { directory: migrations, lockWaitSeconds: 1 },
    });
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('MigrationLocked');
    expect(readableCause(execution.cause)).toMatch(/held by pid \d+ \(cutover, .*SELECT pg_sleep\(4\)/);
    expect(statesEntered(history)).toEqual(expect.arrayContaining(['Backup', 'Migrate', 'NotifyFailed']));
    expect(statesEntered(history)).not.toContain('UndoCopy');
    expect((await other).execution.status).toBe('SUCCEEDED');
    const columns = await runSql(
      target,
      `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'items'`,
    );
    expect(columns.rows[0].n).toBe(2);
  });

  it('changes nothing when a migration fails with transaction "all"', async () => {
    // Prepare
    const target = await targetWithItems();
    const before = await snapshot(target);
    const migrations = await migrationFiles({
      'V1__price.sql': 'ALTER TABLE items ADD COLUMN price int; UPDATE items SET price = 1;',
      'V2__breaks.sql': 'SELECT 1 / 0;',
    });
    // Act
    const { execution, history } = await migrateTarget(target, migrations, {
      migrations: { directory: migrations, transaction: 'all' },
    });
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('MigrationFailed');
    expect(execution.cause).toMatch(/V2__breaks failed and was rolled back with V1__price/);
    expect(statesEntered(history)).toEqual(expect.arrayContaining(['Backup', 'Migrate', 'NotifyFailed']));
    expect(statesEntered(history)).not.toContain('UndoCopy');
    expect(await snapshot(target)).toEqual(before);
    expect(await recordedMigrations(target)).toBe(0);
  });

  it('keeps the migrations that committed before a failing one, data and history alike, and restores nothing', async () => {
    // Prepare
    const target = await targetWithItems();
    const migrations = await migrationFiles({
      'V1__rename.sql': `UPDATE items SET name = upper(name); DELETE FROM items WHERE id = 3;`,
      'V2__breaks.sql': 'SELECT 1 / 0;',
    });
    // Act
    const { execution, history } = await migrateTarget(target, migrations);
    const names = await runSql(target, 'SELECT array_agg(name ORDER BY id) AS names FROM items');
    await writeFile(join(migrations, 'V2__breaks.sql'), 'SELECT 1;');
    const fixed = await migrateTarget(target, migrations);
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('MigrationFailed');
    expect(execution.cause).toContain('V1__rename, applied before it in this run, stay applied');
    expect(statesEntered(history)).not.toContain('UndoCopy');
    expect(names.rows[0].names).toEqual(['ONE', 'TWO']);
    expect(fixed.execution.status).toBe('SUCCEEDED');
    expect(taskOutput(fixed.history, 'Migrate').migrations).toMatchObject({ applied: [2] });
    const after = await runSql(target, 'SELECT array_agg(name ORDER BY id) AS names FROM items');
    expect(after.rows[0].names).toEqual(['ONE', 'TWO']);
  });

  it('empties the tables a failed copy filled, so the fixed migration copies again', async () => {
    // Prepare
    const { source, target, migrations, input } = await datasetCopy(40, {
      'V2__two_lines.sql': 'ALTER TABLE orders ADD CONSTRAINT two_lines CHECK (line < 3);',
    });
    // Act
    const failed = await runMigration(input);
    const left = await runSql(
      target,
      `SELECT (SELECT count(*) FROM customers)::int AS customers,
         (SELECT count(*) FROM cutover_copy_progress)::int AS progress`,
    );
    await writeFile(join(migrations, 'V3__any_line.sql'), 'ALTER TABLE orders DROP CONSTRAINT two_lines;');
    const fixed = await runMigration(input);
    // Assess
    expect(failed.execution.status).toBe('FAILED');
    expect(failed.execution.error).toBe('DatabaseError');
    expect(failed.execution.cause).toContain('two_lines');
    expect(statesEntered(failed.history)).toEqual(expect.arrayContaining(['HasCopy', 'UndoCopy']));
    expect(taskOutput(failed.history, 'UndoCopy').undoCopy).toMatchObject({
      emptied: expect.arrayContaining(['public.customers']),
    });
    expect(left.rows[0]).toEqual({ customers: 0, progress: 0 });
    expect(fixed.execution.status).toBe('SUCCEEDED');
    expect(await snapshot(target)).toEqual(await snapshot(source));
  });

  it('refuses a source whose tables hold large object references before copying anything', async () => {
    // Prepare
    const source = await postgres.createDatabase('source');
    await runSql(
      source,
      `CREATE TABLE docs (id int PRIMARY KEY, body oid); INSERT INTO docs VALUES (1, lo_from_bytea(0, 'hello'));`,
    );
    const target = await postgres.createDatabase('target');
    const migrations = await migrationFiles({
      'V1__docs.sql': 'CREATE TABLE docs (id int PRIMARY KEY, body oid);',
    });
    const input = databaseMigrationInput(
      { source: requestUrl(source), target: requestUrl(target) },
      migrations,
    );
    // Act
    const { execution, history } = await runMigration(input);
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ValidationError');
    expect(readableCause(execution.cause)).toContain(
      'database.source: large objects (oid) are not copied, only their numbers would be, and these columns refer to them: public.docs.body;',
    );
    expect(statesEntered(history)).not.toContain('CopyTables');
  });

  it('ends FAILED with CopyUndoFailed, naming the first error, when the copied tables cannot be emptied', async () => {
    // Prepare: a table the migrations made refers to a copied one and holds a row.
    const { input } = await datasetCopy(40, {
      'V2__notes.sql': `CREATE TABLE notes (id int PRIMARY KEY, customer_id bigint);
        INSERT INTO notes VALUES (1, 1);
        ALTER TABLE notes ADD FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;`,
      'V3__two_lines.sql': 'ALTER TABLE orders ADD CONSTRAINT two_lines CHECK (line < 3);',
    });
    // Act
    const { execution, history } = await runMigration(input);
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('CopyUndoFailed');
    expect(readableCause(execution.cause)).toMatch(
      /table public\.notes holds rows and references the tables to empty .*the target is as the failure left it \(DatabaseError: .*two_lines/,
    );
    expect(statesEntered(history)).toEqual(
      expect.arrayContaining(['UndoCopy', 'NotifyFailed', 'UnlockAfterFailure', 'Failed']),
    );
  });

  it('ends FAILED with ValidationError naming a target database that does not exist', async () => {
    // Prepare
    const target = new URL(requestUrl(await postgres.createDatabase('target')));
    target.pathname = '/no_such_database';
    const migrations = await migrationFiles({ 'V1__price.sql': 'SELECT 1;' });
    // Act
    const { execution } = await runMigration(
      databaseMigrationInput({ target: target.toString() }, migrations),
    );
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ValidationError');
    expect(readableCause(execution.cause)).toMatch(
      /cannot connect to database postgres:\/\/\S+\/no_such_database: database "no_such_database" does not exist/,
    );
  });

  it('refuses a migrations directory that does not exist before locking or backing up', async () => {
    // Prepare
    const target = await targetWithItems();
    const missing = join(directory, 'no-such-migrations');
    // Act
    const { execution, history } = await migrateTarget(target, missing);
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ValidationError');
    expect(execution.cause).toContain(missing);
    expect(statesEntered(history)).toEqual(['Prepare', 'NotifyRejected', 'RejectRequest']);
    const [failed] = runtime.runtime.adapters!.notifier.latestOf(execution.executionArn!, 1);
    expect(failed?.message).toMatch(
      /^database migration of shop\/orders failed: ValidationError \(.*no-such-migrations/,
    );
  });

  it('moves sequences only forward when there is no source', async () => {
    // Prepare
    const target = await postgres.createDatabase('target');
    await runSql(
      target,
      `CREATE TABLE tickets (id bigserial PRIMARY KEY);
      INSERT INTO tickets SELECT FROM generate_series(1, 10);
      DELETE FROM tickets WHERE id > 7;
      CREATE TABLE invoices (id int GENERATED BY DEFAULT AS IDENTITY (MINVALUE 1000) PRIMARY KEY);
      CREATE TABLE codes (id bigserial PRIMARY KEY);`,
    );
    const migrations = await migrationFiles({ 'V1__seed.sql': 'INSERT INTO codes VALUES (50);' });
    // Act
    const { execution } = await migrateTarget(target, migrations);
    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const next = await runSql(
      target,
      `SELECT (SELECT nextval('tickets_id_seq'))::int AS tickets,
        (SELECT nextval('invoices_id_seq'))::int AS invoices, (SELECT nextval('codes_id_seq'))::int AS codes`,
    );
    expect(next.rows[0]).toEqual({ tickets: 11, invoices: 1000, codes: 51 });
  });

  it('keeps the database password out of every execution history', async () => {
    // Prepare
    const { executions } = await runtime.client.send(new ListExecutionsCommand({ stateMachineArn }));
    // Act
    const histories = await Promise.all(
      executions!.map((e) => executionHistory(runtime.client, e.executionArn!)),
    );
    // Assess
    expect(executions!.length).toBeGreaterThanOrEqual(5);
    const text = JSON.stringify(histories);
    expect(text).toContain('127.0.0.1');
    expect(text).not.toMatch(/postgres(ql)?:\/\/[^/@\s"]*:[^/@\s"]*@/);
    if (postgres.password.length > 0) expect(text).not.toContain(postgres.password);
  });

  it('refuses a request whose database URL holds a password, before anything runs', async () => {
    // Prepare
    const { target, migrations } = await itemsAndPriceMigration();
    const before = await snapshot(target);
    // Act
    const { execution, history } = await runMigration(databaseMigrationInput({ target }, migrations));
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ValidationError');
    expect(execution.cause).toContain('database.target.url');
    // A request that does not read as one publishes nothing: its Failed event would carry the URL.
    expect(statesEntered(history)).toEqual(['Prepare', 'NotifyRejected', 'RejectRequest']);
    expect(runtime.runtime.adapters!.notifier.latestOf(execution.executionArn!, 1)).toEqual([]);
    expect(await snapshot(target)).toEqual(before);
  });
});

describe('database-migration state machine on RDS (RDS API mocked)', () => {
  const rds = mockClient(RDSClient);
  beforeEach(() => rds.reset());
  afterAll(() => rds.restore());
  const sourceArn = 'arn:aws:rds:eu-west-1:123456789012:db:orders';
  const rdsSettings = { instanceIdentifier: 'orders', region: 'eu-west-1', pollSeconds: 5 };

  /** A DescribeBlueGreenDeployments answer with one member in the same status. */
  const deployment = (Status: string, member = Status, BlueGreenDeploymentIdentifier = 'bgd-1') => ({
    BlueGreenDeployments: [
      {
        BlueGreenDeploymentIdentifier,
        Status,
        SwitchoverDetails: [{ SourceMember: sourceArn, TargetMember: `${sourceArn}-green`, Status: member }],
        Tasks: [{ Name: 'CREATING_READ_REPLICA_OF_SOURCE', Status: 'COMPLETED' }],
      },
    ],
  });
  /** A DescribeBlueGreenDeployments answer: deployment `identifier` in `Status`, for `StatusDetails`. */
  const failedDeployment = (identifier: string, Status: string, StatusDetails: string) => ({
    BlueGreenDeployments: [{ BlueGreenDeploymentIdentifier: identifier, Status, StatusDetails }],
  });
  /** Mocks CreateBlueGreenDeployment to answer with the deployment `identifier`. */
  const createsDeployment = (identifier: string) =>
    rds.on(CreateBlueGreenDeploymentCommand).resolves({
      BlueGreenDeployment: { BlueGreenDeploymentIdentifier: identifier },
    });
  /** The inputs of the DeleteBlueGreenDeployment calls made. */
  const deletions = () => rds.commandCalls(DeleteBlueGreenDeploymentCommand).map((c) => c.args[0].input);

  /** Runs the migrations on `target`, an RDS instance backed up by an RDS snapshot. */
  const migrateAfterRdsSnapshot = (target: string, migrations: string) =>
    migrateTarget(target, migrations, { backup: { method: 'rds-snapshot' }, rds: rdsSettings });
  /** Runs the migrations on `target`, an RDS instance first switched over to a Blue/Green deployment. */
  const migrateThroughBlueGreen = (
    target: string,
    migrations: string,
    blueGreen: Record<string, unknown> = {},
  ) => migrateTarget(target, migrations, { rds: rdsSettings, blueGreen: { sourceArn, ...blueGreen } });

  it('takes a cutover-* RDS snapshot and waits until it is available before migrating', async () => {
    // Prepare
    const { target, migrations } = await itemsAndPriceMigration();
    rds.on(CreateDBSnapshotCommand).resolves({});
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolvesOnce({ DBSnapshots: [{ Status: 'creating' }] })
      .resolvesOnce({ DBSnapshots: [{ Status: 'creating' }] })
      .resolves({ DBSnapshots: [{ Status: 'available' }] });
    // Act
    const { execution, history } = await migrateAfterRdsSnapshot(target, migrations);
    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const snapshotId = rds.commandCalls(CreateDBSnapshotCommand)[0]!.args[0].input.DBSnapshotIdentifier!;
    expect(snapshotId).toMatch(/^cutover-shop-orders-[a-z0-9-]+$/);
    expect(rds.commandCalls(DescribeDBSnapshotsCommand).map((c) => c.args[0].input)).toEqual(
      Array(3).fill({ DBSnapshotIdentifier: snapshotId }),
    );
    const entered = statesEntered(history);
    expect(entered.filter((state) => state === 'WaitForSnapshot')).toHaveLength(3);
    expect(entered.indexOf('Migrate')).toBeGreaterThan(entered.lastIndexOf('CheckSnapshot'));
    expect(entered).not.toContain('Backup');
  });

  it('waits for an instance busy with its backup window, then takes the snapshot', async () => {
    // Prepare
    const { target, migrations } = await itemsAndPriceMigration();
    const busy = rdsError('InvalidDBInstanceStateFault', 'DB instance orders is not in available state.');
    rds.on(CreateDBSnapshotCommand).rejectsOnce(busy).rejectsOnce(busy).resolves({});
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ Status: 'available' }] });
    // Act
    const { execution, history } = await migrateAfterRdsSnapshot(target, migrations);
    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(rds.commandCalls(CreateDBSnapshotCommand)).toHaveLength(3);
    const refusals = history.filter((event) => event.lambdaFunctionFailedEventDetails);
    expect(refusals.map((event) => event.lambdaFunctionFailedEventDetails!.error)).toEqual([
      'DatabaseInstanceBusy',
      'DatabaseInstanceBusy',
    ]);
    expect(statesEntered(history)).toContain('Migrate');
  });

  it('fails DatabaseInstanceBusy when the source instance stays busy for the 30 minutes of retries', async () => {
    // Prepare
    const { target, migrations } = await itemsAndPriceMigration();
    const before = await snapshot(target);
    rds
      .on(CreateBlueGreenDeploymentCommand)
      .rejects(rdsError('InvalidDBInstanceStateFault', 'DB instance orders is not in available state.'));
    rds.on(DescribeBlueGreenDeploymentsCommand).resolves({ BlueGreenDeployments: [] });
    // Act
    const { execution, history } = await migrateThroughBlueGreen(target, migrations);
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('DatabaseInstanceBusy');
    expect(execution.cause).toContain('DB instance orders is not in available state.');
    expect(rds.commandCalls(CreateBlueGreenDeploymentCommand)).toHaveLength(31);
    expect(statesEntered(history)).not.toContain('Migrate');
    expect(rds.commandCalls(DeleteBlueGreenDeploymentCommand)).toHaveLength(0);
    expect(await snapshot(target)).toEqual(before);
  });

  it('switches over a Blue/Green deployment once AVAILABLE and validated, then migrates', async () => {
    // Prepare
    const { target, migrations } = await itemsAndPriceMigration();
    createsDeployment('bgd-1');
    rds
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolvesOnce(deployment('PROVISIONING'))
      .resolvesOnce(deployment('AVAILABLE'))
      .resolvesOnce(deployment('AVAILABLE'))
      .resolvesOnce(deployment('SWITCHOVER_IN_PROGRESS'))
      .resolves(deployment('SWITCHOVER_COMPLETED'));
    rds.on(SwitchoverBlueGreenDeploymentCommand).resolves({});
    // Act
    const { execution, history } = await migrateThroughBlueGreen(target, migrations, {
      switchoverTimeoutSeconds: 300,
    });
    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(rds.commandCalls(CreateBlueGreenDeploymentCommand)[0]!.args[0].input).toMatchObject({
      Source: sourceArn,
      BlueGreenDeploymentName: expect.stringMatching(/^cutover-orders-/),
    });
    expect(rds.commandCalls(SwitchoverBlueGreenDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { BlueGreenDeploymentIdentifier: 'bgd-1', SwitchoverTimeout: 300 },
    ]);
    const entered = statesEntered(history).filter((state) => !state.startsWith('Wait'));
    expect(entered.slice(entered.indexOf('CreateBlueGreen'), entered.indexOf('Migrate') + 1)).toEqual([
      'CreateBlueGreen',
      'CheckGreen',
      'IsGreenAvailable',
      'CheckGreen',
      'IsGreenAvailable',
      'ValidateBlueGreen',
      'Switchover',
      'CheckSwitchover',
      'IsSwitchedOver',
      'CheckSwitchover',
      'IsSwitchedOver',
      'Migrate',
    ]);
    const columns = await runSql(
      target,
      `SELECT 1 FROM information_schema.columns WHERE column_name = 'price'`,
    );
    expect(columns.rowCount).toBe(1);
  });

  it('carries on when retried Blue/Green calls find what their first, failed-looking calls did', async () => {
    // Prepare
    const { target, migrations } = await itemsAndPriceMigration();
    rds
      .on(CreateBlueGreenDeploymentCommand)
      .rejectsOnce(lostRdsAnswer())
      .rejects(rdsError('BlueGreenDeploymentAlreadyExistsFault'));
    // The deployment the first call created, with the tags it asked for (naming its execution).
    rds.on(DescribeBlueGreenDeploymentsCommand).callsFake(() => ({
      BlueGreenDeployments: [
        {
          BlueGreenDeploymentIdentifier: 'bgd-3',
          Source: sourceArn,
          TagList: rds.commandCalls(CreateBlueGreenDeploymentCommand)[0]!.args[0].input.Tags,
        },
      ],
    }));
    rds
      .on(DescribeBlueGreenDeploymentsCommand, { BlueGreenDeploymentIdentifier: 'bgd-3' })
      .resolvesOnce(deployment('AVAILABLE'))
      .resolvesOnce(deployment('AVAILABLE'))
      .resolvesOnce(deployment('SWITCHOVER_IN_PROGRESS'))
      .resolves(deployment('SWITCHOVER_COMPLETED'));
    rds
      .on(SwitchoverBlueGreenDeploymentCommand)
      .rejectsOnce(lostRdsAnswer())
      .rejects(rdsError('InvalidBlueGreenDeploymentStateFault'));
    // Act
    const { execution, history } = await migrateThroughBlueGreen(target, migrations);
    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const name = rds.commandCalls(CreateBlueGreenDeploymentCommand)[0]!.args[0].input.BlueGreenDeploymentName;
    expect(rds.commandCalls(CreateBlueGreenDeploymentCommand)).toHaveLength(2);
    expect(rds.commandCalls(DescribeBlueGreenDeploymentsCommand)[0]!.args[0].input).toEqual({
      Filters: [{ Name: 'blue-green-deployment-name', Values: [name] }],
    });
    expect(rds.commandCalls(SwitchoverBlueGreenDeploymentCommand)).toHaveLength(2);
    expect(taskOutput(history, 'Switchover').blueGreen).toMatchObject({ identifier: 'bgd-3' });
    expect(statesEntered(history)).toContain('Migrate');
  });

  it('ends FAILED with BlueGreenSwitchoverFailed when the switchover fails, before any migration', async () => {
    // Prepare
    const { target, migrations } = await itemsAndPriceMigration();
    const before = await snapshot(target);
    createsDeployment('bgd-2');
    rds
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolvesOnce(deployment('AVAILABLE'))
      .resolvesOnce(deployment('AVAILABLE'))
      .resolves(failedDeployment('bgd-2', 'SWITCHOVER_FAILED', 'timed out'));
    rds.on(SwitchoverBlueGreenDeploymentCommand).resolves({});
    // Act
    const { execution, history } = await migrateThroughBlueGreen(target, migrations);
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('BlueGreenSwitchoverFailed');
    expect(execution.cause).toContain('SWITCHOVER_FAILED: timed out');
    expect(statesEntered(history)).toEqual(expect.arrayContaining(['Switchover', 'NotifyFailed']));
    expect(statesEntered(history)).not.toContain('Migrate');
    expect(statesEntered(history)).not.toContain('UndoCopy');
    expect(await snapshot(target)).toEqual(before);
    expect(deletions()).toEqual([{ BlueGreenDeploymentIdentifier: 'bgd-2', DeleteTarget: true }]);
  });

  it('deletes the deployment with its green instances when it fails before the switchover', async () => {
    // Prepare
    const { target, migrations } = await itemsAndPriceMigration();
    createsDeployment('bgd-4');
    rds
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolvesOnce(deployment('PROVISIONING'))
      .resolves(failedDeployment('bgd-4', 'INVALID_CONFIGURATION', 'bad group'));
    rds.on(DeleteBlueGreenDeploymentCommand).resolves({});
    // Act
    const { execution, history } = await migrateThroughBlueGreen(target, migrations);
    // Assess
    expect(execution.error, execution.cause).toBe('BlueGreenSwitchoverFailed');
    expect(execution.cause).toContain('INVALID_CONFIGURATION: bad group');
    expect(deletions()).toEqual([{ BlueGreenDeploymentIdentifier: 'bgd-4', DeleteTarget: true }]);
    expect(statesFrom(history, 'BlueGreenCreated')).toEqual([
      'BlueGreenCreated',
      'DeleteBlueGreen',
      'NotifyFailed',
      'UnlockAfterFailure',
      'Failed',
    ]);
    expect(taskOutput(history, 'DeleteBlueGreen').error).toMatchObject({
      Error: 'BlueGreenSwitchoverFailed',
      blueGreen: { outcome: 'deleted', identifier: 'bgd-4' },
    });
  });

  it('ends with the first error when the deletion fails too, noting the deletion error', async () => {
    // Prepare
    const { target, migrations } = await itemsAndPriceMigration();
    createsDeployment('bgd-5');
    rds.on(DescribeBlueGreenDeploymentsCommand).resolves(deployment('AVAILABLE', 'MISSING_TARGET', 'bgd-5'));
    rds
      .on(DeleteBlueGreenDeploymentCommand)
      .rejects(rdsError('AccessDenied', 'not authorized to perform rds:DeleteDBInstance'));
    // Act
    const { execution, history } = await migrateThroughBlueGreen(target, migrations);
    // Assess
    expect(execution.error).toBe('BlueGreenSwitchoverFailed');
    expect(execution.cause).toContain(`cannot reach AVAILABLE: ${sourceArn} MISSING_TARGET`);
    const noted = (
      JSON.parse(
        history.find((event) => event.stateEnteredEventDetails?.name === 'NotifyFailed')!
          .stateEnteredEventDetails!.input!,
      ) as { error: { blueGreen: { Error: string; Cause: string } } }
    ).error.blueGreen;
    expect(noted.Error).toBe('BlueGreenSwitchoverFailed');
    expect(readableCause(noted.Cause)).toContain('not authorized to perform rds:DeleteDBInstance');
  });

  it('deletes a deployment RDS created before CreateBlueGreen failed, found by its name and execution tag', async () => {
    // Prepare
    const { target, migrations } = await itemsAndPriceMigration();
    // Every answer lost (500), though the first call created the deployment.
    rds.on(CreateBlueGreenDeploymentCommand).rejects(lostRdsAnswer());
    rds.on(DescribeBlueGreenDeploymentsCommand).callsFake(() => ({
      BlueGreenDeployments: [
        {
          BlueGreenDeploymentIdentifier: 'bgd-7',
          Status: 'PROVISIONING',
          TagList: rds.commandCalls(CreateBlueGreenDeploymentCommand)[0]!.args[0].input.Tags,
        },
      ],
    }));
    rds.on(DeleteBlueGreenDeploymentCommand).resolves({});
    // Act
    const { execution, history } = await migrateThroughBlueGreen(target, migrations);
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.cause).toContain('CreateBlueGreenDeployment');
    const name = rds.commandCalls(CreateBlueGreenDeploymentCommand)[0]!.args[0].input.BlueGreenDeploymentName;
    expect(rds.commandCalls(DescribeBlueGreenDeploymentsCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: [{ Name: 'blue-green-deployment-name', Values: [name] }] },
    ]);
    expect(deletions()).toEqual([{ BlueGreenDeploymentIdentifier: 'bgd-7', DeleteTarget: true }]);
    expect(statesFrom(history, 'CreateBlueGreen')).toEqual([
      'CreateBlueGreen',
      'DeleteUnreturnedBlueGreen',
      'NotifyFailed',
      'UnlockAfterFailure',
      'Failed',
    ]);
    expect(taskOutput(history, 'DeleteUnreturnedBlueGreen').error).toMatchObject({
      Error: execution.error,
      blueGreen: { outcome: 'deleted', identifier: 'bgd-7' },
    });
    expect(statesEntered(history)).not.toContain('Migrate');
  });

  it('keeps a deployment that switched over when a later step fails: production runs on the former green', async () => {
    // Prepare
    const target = await targetWithItems();
    const migrations = await migrationFiles({ 'V1__bad.sql': 'ALTER TABLE missing ADD COLUMN price int;' });
    createsDeployment('bgd-6');
    rds
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolvesOnce(deployment('AVAILABLE', 'AVAILABLE', 'bgd-6'))
      .resolvesOnce(deployment('AVAILABLE', 'AVAILABLE', 'bgd-6'))
      .resolves(deployment('SWITCHOVER_COMPLETED', 'SWITCHOVER_COMPLETED', 'bgd-6'));
    rds.on(SwitchoverBlueGreenDeploymentCommand).resolves({});
    // Act
    const { execution, history } = await migrateThroughBlueGreen(target, migrations);
    // Assess
    expect(execution.error).toBe('MigrationFailed');
    expect(rds.commandCalls(DeleteBlueGreenDeploymentCommand)).toHaveLength(0);
    expect(taskOutput(history, 'DeleteBlueGreen').error).toMatchObject({
      Error: 'MigrationFailed',
      blueGreen: {
        outcome: 'kept',
        identifier: 'bgd-6',
        status: 'SWITCHOVER_COMPLETED',
        members: [{ blue: sourceArn, green: `${sourceArn}-green` }],
      },
    });
  });
});

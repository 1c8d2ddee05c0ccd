import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '#adapters/database/connection.ts';
import { loadMigrationsFromDirectory } from '#adapters/database/migration-files.ts';
import { applyMigrations } from '#adapters/database/migrations.ts';
import { databaseMigrationInput } from '#test/builders/database-migration-request.ts';
import { useDatabaseTaskWorld } from '#test/support/database-task.ts';
import { requestUrl } from '#test/support/postgres.ts';
import { handler } from '../../../lambdas/db-migrate/handler.ts';
import { runSql } from './dataset.ts';

const world = useDatabaseTaskWorld();
let migrationsDir: string;
beforeAll(async () => {
  migrationsDir = await mkdtemp(join(tmpdir(), 'cutover-migrate-task-'));
});
afterAll(() => rm(migrationsDir, { recursive: true, force: true }));

const EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:database-migration:migrate-task';

/** Writes migration files into a fresh directory. */
async function migrationFiles(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(migrationsDir, 'set-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** Resolves once a session other than the lock's holder has asked for the migration lock. */
async function lockAskedFor(url: string): Promise<void> {
  const asking = `SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND query LIKE '%pg_try_advisory_lock%' AND pid NOT IN
      (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted) AND pid <> pg_backend_pid()`;
  while ((await runSql(url, asking)).rows[0].n === 0) await new Promise((r) => setTimeout(r, 20));
}

/** Resolves once a session runs a statement of a migration that sleeps. */
async function sleepRunning(url: string): Promise<void> {
  const sleeping = `SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(%' AND pid <> pg_backend_pid()`;
  while ((await runSql(url, sleeping)).rows[0].n === 0) await new Promise((r) => setTimeout(r, 20));
}

/** The versions the history table records, in order (none: `null`). */
async function recordedVersions(url: string): Promise<number[] | null> {
  return (await runSql(url, 'SELECT array_agg(version ORDER BY version) AS v FROM cutover_schema_history'))
    .rows[0].v;
}

describe('DbMigrate', () => {
  const context = { functionName: 'cutover-db-migrate', getRemainingTimeInMillis: () => 15 * 60_000 };

  it('reports what an earlier attempt of its execution applied before it was cut off, apart from what it applied', {
    timeout: 30_000,
  }, async () => {
    // Prepare: V1 came with an earlier release; this execution started, and its first attempt applied V2
    // before the process running it was killed
    const url = await world.postgres.createDatabase('earlier_attempt');
    const dir = await migrationFiles({
      'V1__a.sql': 'CREATE TABLE a (id int);',
      'V2__b.sql': 'CREATE TABLE b (id int);',
      'V3__c.sql': 'CREATE TABLE c (id int);',
    });
    const [v1, v2] = await loadMigrationsFromDirectory(dir);
    await withDatabase({ url }, (client) => applyMigrations(client, [v1!], 'all'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const startedAt = new Date().toISOString();
    await withDatabase({ url }, (client) => applyMigrations(client, [v1!, v2!], 'all'));
    const request = databaseMigrationInput({ target: requestUrl(url) }, dir);
    // Act: the task is tried again
    const retried = await handler({ request, executionArn: EXECUTION, startedAt }, context as never);
    // Assess
    expect(retried).toEqual({ applied: [3], appliedEarlier: [2], pending: [], withoutFile: [] });
    expect(await recordedVersions(url)).toEqual([1, 2, 3]);
  });

  it('rolls back the migration running at the stop and applies no more, saying which one stays applied', {
    timeout: 30_000,
  }, async () => {
    // Prepare
    const url = await world.postgres.createDatabase('stopped_between');
    const dir = await migrationFiles({
      'V1__a.sql': 'CREATE TABLE a (id int);',
      'V2__slow.sql': 'SELECT pg_sleep(2); CREATE TABLE slow_done (id int);',
      'V3__c.sql': 'CREATE TABLE c (id int);',
    });
    const executionArn = `${EXECUTION}-between`;
    const event = { request: databaseMigrationInput({ target: requestUrl(url) }, dir), executionArn };
    // Act: the execution is stopped, and its rollback claims it, while V2 runs
    const answer = handler(event, context as never).catch((error: Error) => error);
    await sleepRunning(url);
    await world.adapters.lock.claimRollback(executionArn, 'arn:rollback:abort-between', 600);
    // Assess: V2's statements ran to their end, and its transaction was rolled back rather than committed
    expect(await answer).toMatchObject({
      name: 'ExecutionStopped',
      message: `db-migrate stopped before V2__slow: ${executionArn} was stopped, and its rollback arn:rollback:abort-between owns the clean-up; V1__a, applied before the stop, stays applied; the migrations from V2__slow on were not`,
    });
    const absent = `SELECT to_regclass('slow_done') IS NULL AS slow, to_regclass('c') IS NULL AS c`;
    expect((await runSql(url, absent)).rows[0]).toEqual({ slow: true, c: true });
    expect(await recordedVersions(url)).toEqual([1]);
  });

  it('rolls back the last migration of a run stopped while it ran, and says so', {
    timeout: 30_000,
  }, async () => {
    // Prepare
    const url = await world.postgres.createDatabase('stopped_during_last');
    const dir = await migrationFiles({
      'V1__slow.sql': 'SELECT pg_sleep(2); CREATE TABLE slow_done (id int);',
    });
    const executionArn = `${EXECUTION}-during-last`;
    const event = { request: databaseMigrationInput({ target: requestUrl(url) }, dir), executionArn };
    // Act: the execution is stopped, and its rollback claims it, while V1, its only migration, runs
    const answer = handler(event, context as never).catch((error: Error) => error);
    await sleepRunning(url);
    await world.adapters.lock.claimRollback(executionArn, 'arn:rollback:abort-during-last', 600);
    // Assess: V1 ran to its end, then was rolled back, and the run says so rather than succeeding unseen
    expect(await answer).toMatchObject({
      name: 'ExecutionStopped',
      message: `db-migrate changed nothing: ${executionArn} was stopped, and its rollback arn:rollback:abort-during-last owns the clean-up; V1__slow was rolled back`,
    });
    expect((await runSql(url, `SELECT to_regclass('slow_done') IS NULL AS absent`)).rows[0].absent).toBe(
      true,
    );
    expect(await recordedVersions(url)).toBeNull();
  });

  it('rolls the run back once its execution is stopped with transaction all', {
    timeout: 30_000,
  }, async () => {
    // Prepare
    const url = await world.postgres.createDatabase('stopped_all');
    const dir = await migrationFiles({
      'V1__a.sql': 'CREATE TABLE a (id int);',
      'V2__slow.sql': 'SELECT pg_sleep(2);',
    });
    const executionArn = `${EXECUTION}-all`;
    const request = databaseMigrationInput({ target: requestUrl(url) }, dir);
    const event = {
      request: { ...request, migrations: { directory: dir, transaction: 'all' } },
      executionArn,
    };
    // Act
    const answer = handler(event, context as never).catch((error: Error) => error);
    await sleepRunning(url);
    await world.adapters.lock.claimRollback(executionArn, 'arn:rollback:abort-all', 600);
    // Assess
    expect(await answer).toMatchObject({
      name: 'ExecutionStopped',
      message: `db-migrate changed nothing: ${executionArn} was stopped, and its rollback arn:rollback:abort-all owns the clean-up; V1__a, V2__slow were rolled back (transaction: all)`,
    });
    expect((await runSql(url, `SELECT to_regclass('a') IS NULL AS absent`)).rows[0].absent).toBe(true);
    expect(await recordedVersions(url)).toBeNull();
  });

  it('applies nothing once it gets the migration lock when its execution was stopped while it waited', {
    timeout: 30_000,
  }, async () => {
    // Prepare: another service's migration holds the lock for 5 s
    const url = await world.postgres.createDatabase('stopped_waiting');
    const other = await loadMigrationsFromDirectory(
      await migrationFiles({ 'V1__slow.sql': 'SELECT pg_sleep(5);' }),
    );
    const holder = withDatabase({ url }, (client) => applyMigrations(client, other, 'all'));
    const held = `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted`;
    while ((await runSql(url, held)).rows[0].n === 0) await new Promise((r) => setTimeout(r, 20));
    const dir = await migrationFiles({
      'V1__slow.sql': 'SELECT pg_sleep(5);',
      'V2__b.sql': 'CREATE TABLE b (id int);',
    });
    const event = {
      request: databaseMigrationInput({ target: requestUrl(url) }, dir),
      executionArn: EXECUTION,
    };
    // Act: the execution is stopped, and its rollback claims it, while the task waits for the lock
    const answer = handler(event, context as never).catch((error: Error) => error);
    await lockAskedFor(url);
    await world.adapters.lock.claimRollback(EXECUTION, 'arn:rollback:abort-migrate-task', 600);
    await holder;
    // Assess
    expect(await answer).toMatchObject({
      name: 'ExecutionStopped',
      message: `db-migrate changed nothing: ${EXECUTION} was stopped, and its rollback arn:rollback:abort-migrate-task owns the clean-up`,
    });
    expect((await runSql(url, `SELECT to_regclass('b') IS NULL AS absent`)).rows[0].absent).toBe(true);
    expect(await recordedVersions(url)).toEqual([1]);
    // It left nothing of its own: the abort's event says enough
    expect(world.adapters.notifier.latestOf(EXECUTION, 5)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { COPY_MARGIN_MS } from '#adapters/database/workflow.ts';
import { databaseMigrationInput, MIGRATED_SERVICE } from '#test/builders/database-migration-request.ts';
import { useDatabaseTaskWorld } from '#test/support/database-task.ts';
import { requestUrl } from '#test/support/postgres.ts';
import { handler } from '../../../lambdas/db-copy-table/handler.ts';
import { handler as undoCopy } from '../../../lambdas/db-undo-copy/handler.ts';
import { DATASET_SCHEMA, fillDataset, runSql } from './dataset.ts';

const world = useDatabaseTaskWorld();

const EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:database-migration:copy-task';

/**
 * The DbCopyTable task of `executionArn` on `customers` (1,000 rows, the source's statistics up to date)
 * with the default budget (600 s), in batches of 100: its answer, the rows the target holds after it, the
 * task's event and the target.
 */
async function copyCustomers(timeLeftMs: number, executionArn = EXECUTION) {
  const source = await world.postgres.createDatabase('source');
  const target = await world.postgres.createDatabase('target');
  await runSql(source, DATASET_SCHEMA);
  await runSql(target, DATASET_SCHEMA);
  await fillDataset(source, 1000);
  await runSql(source, 'ANALYZE');
  const event = {
    request: databaseMigrationInput(
      { source: requestUrl(source), target: requestUrl(target) },
      'migrations',
      {
        migrations: undefined,
        copy: { batchRows: 100 },
      },
    ),
    executionArn,
    copyId: 'copy-task',
    table: 'public.customers',
  };
  const context = { functionName: 'cutover-db-copy-table', getRemainingTimeInMillis: () => timeLeftMs };
  const answer = await handler(event, context as never).catch((error: Error) => error);
  return { answer, copied: await customersIn(target), event, target };
}

async function customersIn(target: string): Promise<number> {
  const { rows } = await runSql(target, 'SELECT count(*)::int AS copied FROM customers');
  return rows[0].copied;
}

describe('DbCopyTable', () => {
  it('copies for its budget when the function has time for it', async () => {
    // Act
    const { answer, copied } = await copyCustomers(15 * 60_000);
    // Assess
    expect(answer).toMatchObject({ rowsCopied: 1000, done: true });
    expect(copied).toBe(1000);
  });

  it("stops starting batches a margin before the function's time runs out, shorter than its budget", async () => {
    // Act: only the margin is left, so the task copies one batch
    const { answer, copied } = await copyCustomers(COPY_MARGIN_MS);
    // Assess: with the source's estimate of the table's rows, which its progress line reads
    expect(answer).toMatchObject({ rowsCopied: 100, done: false, estimatedRows: 1000 });
    expect(copied).toBe(100);
  });

  it('copies nothing for a stopped migration whose rollback has begun', async () => {
    // Prepare
    const stopped = `${EXECUTION}-stopped`;
    await world.adapters.lock.claimRollback(stopped, 'arn:rollback:abort-copy-task', 600);
    // Act
    const { answer, copied } = await copyCustomers(15 * 60_000, stopped);
    // Assess
    expect(answer).toMatchObject({
      name: 'ExecutionStopped',
      message: expect.stringMatching(
        /^db-copy-table started no further batch of public\.customers: .* was stopped/,
      ),
    });
    expect(copied).toBe(0);
  });

  it('copies nothing for a migration that lost the service lock to another execution', async () => {
    // Prepare
    const holder = `${EXECUTION}-next`;
    await world.adapters.lock.acquire(MIGRATED_SERVICE, holder, 600);
    // Act
    const { answer, copied } = await copyCustomers(15 * 60_000);
    await world.adapters.lock.release(MIGRATED_SERVICE, holder);
    // Assess
    expect(answer).toMatchObject({
      name: 'ExecutionStopped',
      message: expect.stringContaining(
        `db-copy-table started no further batch of public.customers: shop/orders is locked by ${holder}, not by ${EXECUTION}`,
      ),
    });
    expect(copied).toBe(0);
  });
});

describe('DbUndoCopy', () => {
  const context = { functionName: 'cutover-db-undo-copy', getRemainingTimeInMillis: () => 15 * 60_000 };

  it('empties nothing for a migration that lost the service lock, and the tables it copied into otherwise', async () => {
    // Prepare: 1,000 customers copied by this execution; then its lock expired and another execution took it
    const { event, copied, target } = await copyCustomers(15 * 60_000);
    const { copyId, executionArn, request } = event;
    const holder = `${EXECUTION}-next`;
    await world.adapters.lock.release(MIGRATED_SERVICE, executionArn);
    await world.adapters.lock.acquire(MIGRATED_SERVICE, holder, 600);
    // Act
    const refused = await undoCopy({ request, executionArn, copyId }, context as never).catch(
      (e: Error) => e,
    );
    const keptRows = await customersIn(target);
    await world.adapters.lock.release(request.service, holder);
    const undone = await undoCopy({ request, executionArn, copyId }, context as never);
    // Assess
    expect(copied).toBe(1000);
    expect(refused).toMatchObject({
      name: 'ExecutionStopped',
      message: expect.stringContaining(`db-undo-copy changed nothing: shop/orders is locked by ${holder}`),
    });
    expect(keptRows).toBe(1000);
    expect(undone).toEqual({ emptied: ['public.customers'] });
    expect(await customersIn(target)).toBe(0);
  });
});

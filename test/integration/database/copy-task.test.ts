import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COPY_MARGIN_MS } from '#adapters/database/workflow.ts';
import { databaseMigrationInput } from '#test/builders/database-migration-request.ts';
import { requestUrl, startTestPostgres, type TestPostgres } from '#test/support/postgres.ts';
import { handler } from '../../../lambdas/db-copy-table/handler.ts';
import { DATASET_SCHEMA, fillDataset, runSql } from './dataset.ts';

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startTestPostgres();
  process.env.PGPASSWORD = postgres.password;
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
});
afterAll(() => postgres?.stop());

/** The DbCopyTable task on `customers` with the default budget (600 s), in batches of 100. */
async function copyCustomers(timeLeftMs: number) {
  const source = await postgres.createDatabase('source');
  const target = await postgres.createDatabase('target');
  await runSql(source, DATASET_SCHEMA);
  await runSql(target, DATASET_SCHEMA);
  await fillDataset(source, 1000);
  const event = {
    request: databaseMigrationInput(
      { source: requestUrl(source), target: requestUrl(target) },
      'migrations',
      {
        migrations: undefined,
        copy: { batchRows: 100 },
      },
    ),
    executionArn: 'arn:aws:states:us-east-1:000000000000:execution:database-migration:copy-task',
    copyId: 'copy-task',
    table: 'public.customers',
  };
  const context = { functionName: 'cutover-db-copy-table', getRemainingTimeInMillis: () => timeLeftMs };
  return (await handler(event, context as never)) as { rowsCopied: number; done: boolean };
}

describe('DbCopyTable', () => {
  it('copies for its budget when the function has time for it', async () => {
    // Act
    const checkpoint = await copyCustomers(15 * 60_000);
    // Assess
    expect(checkpoint).toMatchObject({ rowsCopied: 1000, done: true });
  });

  it("stops starting batches a margin before the function's time runs out, shorter than its budget", async () => {
    // Act: only the margin is left, so the task copies one batch
    const checkpoint = await copyCustomers(COPY_MARGIN_MS);
    // Assess
    expect(checkpoint).toMatchObject({ rowsCopied: 100, done: false });
  });
});

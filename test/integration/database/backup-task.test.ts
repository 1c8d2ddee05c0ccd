import { describe, expect, it } from 'vitest';
import { FilesystemBackupStore } from '#adapters/backup/filesystem.ts';
import { databaseMigrationInput } from '#test/builders/database-migration-request.ts';
import { useDatabaseTaskWorld } from '#test/support/database-task.ts';
import { requestUrl } from '#test/support/postgres.ts';
import { handler } from '../../../lambdas/db-backup/handler.ts';
import { DATASET_SCHEMA, fillDataset, runSql } from './dataset.ts';

const world = useDatabaseTaskWorld();

const EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:database-migration:backup-task';

/** The DbBackup task of `executionArn` on a target holding the dataset (100 rows): its answer, and the backup's keys. */
async function backUp(executionArn: string) {
  const target = await world.postgres.createDatabase(`target_${executionArn.length}`);
  await runSql(target, DATASET_SCHEMA);
  await fillDataset(target, 100);
  const event = {
    request: databaseMigrationInput({ target: requestUrl(target) }, 'migrations', { migrations: undefined }),
    executionArn,
  };
  const context = { functionName: 'cutover-db-backup', getRemainingTimeInMillis: () => 15 * 60_000 };
  const answer = await handler(event, context as never).catch((error: Error) => error);
  const store = new FilesystemBackupStore(`${process.env.CUTOVER_DATA_DIR}/backups`);
  const name = executionArn.slice(executionArn.lastIndexOf(':') + 1);
  const keys = (await store.list('')).map((object) => object.key).filter((key) => key.includes(name));
  return { answer, keys };
}

describe('DbBackup', () => {
  it('backs up the target and answers its manifest key', async () => {
    // Act
    const { answer, keys } = await backUp(EXECUTION);
    // Assess
    expect(answer).toMatchObject({ manifestKey: expect.stringMatching(/backup-task\/manifest\.json$/) });
    expect(keys).toContainEqual(expect.stringMatching(/backup-task\/manifest\.json$/));
  });

  it('writes no backup for a stopped migration whose rollback has begun', async () => {
    // Prepare
    const stopped = `${EXECUTION}-stopped`;
    await world.adapters.lock.claimRollback(stopped, 'arn:rollback:abort-backup-task', 600);
    // Act
    const { answer, keys } = await backUp(stopped);
    // Assess
    expect(answer).toMatchObject({
      name: 'ExecutionStopped',
      message: expect.stringMatching(/^db-backup wrote no backup: .* was stopped, and its rollback/),
    });
    expect(keys).toEqual([]);
  });
});

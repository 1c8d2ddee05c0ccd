import { describe, expect, it } from 'vitest';
import { type LocalDatabase, openLocalDatabase } from '#local/adapters/database.ts';
import { SqliteLock } from '#local/adapters/sqlite-lock.ts';
import { aTempDataDir } from '#test/support/local-app.ts';
import { describeLockContract } from './lock.contract.ts';

const temp = aTempDataDir();
let db: LocalDatabase;

describeLockContract('local', {
  create: async (now) => {
    db = openLocalDatabase(temp.dataDir);
    return new SqliteLock(db, now);
  },
  dispose: async () => {
    db.close();
    temp.remove();
  },
});

describe('SqliteLock on a data directory written before claims could be given up', () => {
  it('keeps its claims, each held, and gives them up from then on', async () => {
    // Prepare: the former rollback_claims table, with one claim
    const earlier = aTempDataDir();
    const legacy = openLocalDatabase(earlier.dataDir);
    legacy.exec(`CREATE TABLE rollback_claims (
      execution_arn TEXT PRIMARY KEY, owner TEXT NOT NULL,
      acquired_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`);
    legacy
      .prepare('INSERT INTO rollback_claims VALUES (?, ?, ?, ?)')
      .run('execution-a', 'rollback-a', Date.now(), Date.now() + 600_000);
    legacy.close();
    const reopened = openLocalDatabase(earlier.dataDir);
    try {
      // Act
      const lock = new SqliteLock(reopened);
      const before = await lock.rollbackOf('execution-a');
      await lock.giveUpRollback('execution-a', 'rollback-a');
      // Assess
      expect(before).toEqual({ rollbackArn: 'rollback-a', givenUp: false });
      expect(await lock.rollbackOf('execution-a')).toEqual({ rollbackArn: 'rollback-a', givenUp: true });
    } finally {
      reopened.close();
      earlier.remove();
    }
  });
});

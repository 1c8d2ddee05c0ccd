import { describe, expect, it } from 'vitest';
import { type LocalDatabase, openLocalDatabase } from '#local/adapters/database.ts';
import { SqliteApprovalStore } from '#local/adapters/sqlite-approval-store.ts';
import { aTempDataDir } from '#test/support/local-app.ts';
import { describeApprovalStoreContract } from './approval-store.contract.ts';

const temp = aTempDataDir();
let db: LocalDatabase;

describeApprovalStoreContract('local', {
  create: async () => {
    db = openLocalDatabase(temp.dataDir);
    return new SqliteApprovalStore(db);
  },
  dispose: async () => {
    db.close();
    temp.remove();
  },
});

describe('SqliteApprovalStore on a data directory from before timeouts were kept', () => {
  it('reads the tokens stored then without a timeout, and stores new ones with theirs', async () => {
    // Prepare: the table as it was, with a token waiting in it
    const old = aTempDataDir();
    const before = openLocalDatabase(old.dataDir);
    before.exec(`CREATE TABLE pending_approvals (
      execution_arn TEXT PRIMARY KEY, task_token TEXT NOT NULL, stage TEXT NOT NULL, requested_at TEXT NOT NULL)`);
    before
      .prepare('INSERT INTO pending_approvals VALUES (?, ?, ?, ?)')
      .run('arn:old', 'token-old', 'promote', '2026-11-28T12:00:00.000Z');
    before.close();
    const reopened = openLocalDatabase(old.dataDir);
    try {
      // Act
      const store = new SqliteApprovalStore(reopened);
      const waiting = await store.get('arn:old');
      await store.put({
        executionArn: 'arn:new',
        taskToken: 'token-new',
        stage: 'promote',
        requestedAt: '2026-11-30T12:00:00.000Z',
        timeoutSeconds: 600,
        onTimeout: 'continue',
      });
      // Assess
      expect(waiting).toEqual({
        executionArn: 'arn:old',
        taskToken: 'token-old',
        stage: 'promote',
        requestedAt: '2026-11-28T12:00:00.000Z',
      });
      expect(await store.get('arn:new')).toMatchObject({ timeoutSeconds: 600, onTimeout: 'continue' });
    } finally {
      reopened.close();
      old.remove();
    }
  });
});

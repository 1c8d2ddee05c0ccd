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

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

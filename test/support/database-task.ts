import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  type LocalAdapters,
  type LocalAdaptersHandle,
  registerLocalAdapters,
} from '#local/adapters/register.ts';
import { MIGRATED_SERVICE } from '#test/builders/database-migration-request.ts';
import { aTempDataDir } from './local-app.ts';
import { startTestPostgres, type TestPostgres } from './postgres.ts';

/** What a database task's test runs against; read it inside tests (it is set in `beforeAll`). */
export interface DatabaseTaskWorld {
  readonly postgres: TestPostgres;
  /** The local adapters the task reads its lock and rollback claims from (`CUTOVER_DATA_DIR`). */
  readonly adapters: LocalAdapters;
}

/**
 * Registers the hooks that give a test file of a database task handler a PostgreSQL (its password in
 * `PGPASSWORD`, as the task reads it) and the local adapters in a temporary data dir, and removes both after.
 * Each test stands for an execution of its own: the service lock a task took is given back after it, as
 * that execution's Unlock would.
 *
 * @example
 * const world = useDatabaseTaskWorld();
 * it('...', async () => { const url = await world.postgres.createDatabase('shop'); });
 */
export function useDatabaseTaskWorld(): DatabaseTaskWorld {
  const data = aTempDataDir();
  let postgres: TestPostgres | undefined;
  let local: LocalAdaptersHandle | undefined;
  beforeAll(async () => {
    postgres = await startTestPostgres();
    process.env.PGPASSWORD = postgres.password;
    process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
    process.env.CUTOVER_DATA_DIR = data.dataDir;
    local = registerLocalAdapters({ dataDir: data.dataDir, resume: false });
  });
  afterEach(async () => {
    const holder = await local?.adapters.lock.holder(MIGRATED_SERVICE);
    if (holder) await local?.adapters.lock.release(MIGRATED_SERVICE, holder);
  });
  afterAll(async () => {
    await local?.close();
    await postgres?.stop();
    data.remove();
  });
  return {
    get postgres() {
      if (!postgres) throw new Error('useDatabaseTaskWorld: read postgres inside a test');
      return postgres;
    },
    get adapters() {
      if (!local) throw new Error('useDatabaseTaskWorld: read adapters inside a test');
      return local.adapters;
    },
  };
}

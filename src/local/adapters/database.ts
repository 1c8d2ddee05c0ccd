import { join } from 'node:path';
import Database from 'libsql';
import { makeDirectory } from '../make-directory.ts';

/** The better-sqlite3-compatible handle on the runtime's SQLite file. */
export type LocalDatabase = InstanceType<typeof Database>;

/** `$CUTOVER_DATA_DIR/cutover.db`: the file the runtime's store and the local adapters share. */
export function localDatabasePath(dataDir: string): string {
  return join(dataDir, 'cutover.db');
}

/**
 * Opens (creating the directory if needed) the runtime's SQLite file in WAL mode, with a busy timeout so
 * the store and the adapters can write to it side by side. Each adapter creates its own tables.
 *
 * @example
 * const db = openLocalDatabase('.cutover');
 * db.exec('CREATE TABLE IF NOT EXISTS service_locks (...)');
 */
export function openLocalDatabase(dataDir: string): LocalDatabase {
  makeDirectory(dataDir);
  const db = new Database(localDatabasePath(dataDir));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  return db;
}

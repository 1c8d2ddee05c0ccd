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

/**
 * Adds to `table` the `columns` (name and SQL type) it lacks: a table an adapter created in an earlier
 * layout gets the columns added since.
 *
 * @example
 * addMissingColumns(db, 'pending_approvals', [['on_timeout', 'TEXT']]);
 */
export function addMissingColumns(
  db: LocalDatabase,
  table: string,
  columns: readonly (readonly [name: string, type: string])[],
): void {
  const hasColumn = db.prepare('SELECT 1 FROM pragma_table_info(?) WHERE name = ?');
  for (const [column, type] of columns) {
    if (!hasColumn.get(table, column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
}

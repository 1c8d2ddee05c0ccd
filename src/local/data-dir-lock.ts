import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import { DataDirectoryInUseError } from './errors.ts';

/** The file whose SQLite lock is held (it holds no data). */
const LOCK_FILE = 'cutover.lock';
/** The holder's process id, for the message a second runtime gets. */
const PID_FILE = 'cutover.pid';

/**
 * Keeps one runtime per data directory: an exclusive SQLite lock on `<dataDir>/cutover.lock`, held until
 * {@link DataDirectoryLock.release}. The operating system drops the lock when its process ends, even by
 * SIGKILL, so a restart after a crash is never refused; while the holder runs, a second runtime on the
 * same directory (in any process) gets a {@link DataDirectoryInUseError} naming it.
 *
 * @example
 * const lock = DataDirectoryLock.acquire('.cutover');   // throws DataDirectoryInUseError if held
 * lock.release();
 */
export class DataDirectoryLock {
  readonly #db: Database.Database;
  readonly #pidFile: string;

  private constructor(db: Database.Database, pidFile: string) {
    this.#db = db;
    this.#pidFile = pidFile;
  }

  /** Takes the lock of `dataDir` (an existing directory), or throws DataDirectoryInUseError. */
  static acquire(dataDir: string): DataDirectoryLock {
    const db = new Database(join(dataDir, LOCK_FILE));
    try {
      // In exclusive locking mode SQLite keeps the lock of its first write until the connection closes.
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER); COMMIT;');
    } catch (error) {
      db.close();
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
      throw new DataDirectoryInUseError(dataDir, holderPid(join(dataDir, PID_FILE)), { cause: error });
    }
    const pidFile = join(dataDir, PID_FILE);
    writeFileSync(pidFile, `${process.pid}\n`);
    return new DataDirectoryLock(db, pidFile);
  }

  /** Lets another runtime take the directory (nothing happens the second time). */
  release(): void {
    if (!this.#db.open) return;
    rmSync(this.#pidFile, { force: true });
    // Back in normal locking mode, SQLite drops the lock at the next read; closing alone may drop it later.
    this.#db.pragma('locking_mode = NORMAL');
    this.#db.prepare('SELECT COUNT(*) FROM holder').all();
    this.#db.close();
  }
}

function holderPid(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Runs in the worker: its own connection checkpoints the WAL every `intervalMs` until told to stop. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.libsql);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: the next round catches up */ }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Copies a SQLite file's write-ahead log into the database from a worker thread (PASSIVE checkpoints,
 * which never block writers), so a commit on the main thread never waits for that copy and its fsync.
 * The store's own automatic checkpoint stays as a backstop for a log that grows faster.
 *
 * @example
 * const checkpointer = new WalCheckpointer('.cutover/cutover.db');
 * checkpointer.stop();
 */
export class WalCheckpointer {
  readonly #worker: Worker;

  constructor(file: string, intervalMs = 200) {
    const libsql = createRequire(import.meta.url).resolve('libsql');
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, libsql, intervalMs } });
    this.#worker.unref();
  }

  /** Stops checkpointing and closes the worker's connection. */
  stop(): void {
    this.#worker.postMessage('stop');
  }
}

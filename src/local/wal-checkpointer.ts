import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Runs in the worker: every `intervalMs`, its own connection (opened on the first round, once the file
 * exists) checkpoints the WAL, until the store tells it to stop. A failed round (busy, or the file gone
 * after the store closed) is left to the next round or to the writer's own checkpoint.
 */
const WORKER_SOURCE = `
const { existsSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.libsql);
let db;
const timer = setInterval(() => {
  try {
    if (!db) {
      if (!existsSync(workerData.file)) return;
      db = new Database(workerData.file);
      db.pragma('busy_timeout = 5000');
    }
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {}
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db?.close();
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
    // Checkpointing is an optimisation: if the worker fails, the writer's own checkpoint still bounds the log.
    this.#worker.on('error', () => undefined);
  }

  /** Stops checkpointing and closes the worker's connection. */
  stop(): void {
    this.#worker.postMessage('stop');
  }
}

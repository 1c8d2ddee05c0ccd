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
  try {
    db?.close();
  } finally {
    Atomics.store(workerData.stopped, 0, 1);
    Atomics.notify(workerData.stopped, 0);
    parentPort.close();
  }
});
`;

/** The longest `stop()` waits for the worker (which may still be starting). */
const STOP_WAIT_MS = 2_000;

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
  /** Set to 1 by the worker once its connection is closed. */
  readonly #stopped = new Int32Array(new SharedArrayBuffer(4));

  constructor(file: string, intervalMs = 200) {
    const libsql = createRequire(import.meta.url).resolve('libsql');
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, libsql, intervalMs, stopped: this.#stopped },
    });
    this.#worker.unref();
    // Checkpointing is an optimisation: if the worker fails, the writer's own checkpoint still bounds the log.
    this.#worker.on('error', () => undefined);
  }

  /**
   * Stops checkpointing and waits (at most {@link STOP_WAIT_MS}) until the worker has closed its
   * connection; the process then waits for the worker to end. A worker ended in the middle, with its
   * native connection open, aborts the whole process (libsql's finalizer panics).
   */
  stop(): void {
    this.#worker.postMessage('stop');
    Atomics.wait(this.#stopped, 0, 0, STOP_WAIT_MS);
    this.#worker.ref();
  }
}

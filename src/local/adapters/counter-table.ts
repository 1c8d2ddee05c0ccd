import type { LocalDatabase } from './database.ts';
import { MAX_WINDOW_SECONDS, type TrafficCounters } from './traffic-counters.ts';

/** How often the counters' changes are written: a killed runtime loses at most this much traffic. */
export const COUNTER_SAVE_INTERVAL_MS = 1000;

interface BucketRow {
  track: string;
  second: number;
  requests: number;
  errors: number;
  samples: string;
}

/**
 * Keeps the proxies' counters in the runtime's SQLite (table `local_traffic_buckets`, one row per track
 * and second): {@link load} takes back the last hour at start, {@link save} writes what changed (every
 * {@link COUNTER_SAVE_INTERVAL_MS} once {@link saveEvery} runs, and at stop), so an analysis resumed
 * after a restart, even after a SIGKILL, still counts the requests its window saw before.
 *
 * @example
 * const table = new CounterTable(db, counters);
 * table.load();
 * const stopSaving = table.saveEvery(COUNTER_SAVE_INTERVAL_MS);
 */
export class CounterTable {
  constructor(
    private readonly db: LocalDatabase,
    private readonly counters: TrafficCounters,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS local_traffic_buckets (
      track TEXT NOT NULL, second INTEGER NOT NULL, requests INTEGER NOT NULL, errors INTEGER NOT NULL,
      samples TEXT NOT NULL, PRIMARY KEY (track, second))`);
  }

  /** Gives the counters the buckets of the last hour. */
  load(): void {
    const rows = this.db
      .prepare('SELECT track, second, requests, errors, samples FROM local_traffic_buckets WHERE second > ?')
      .all(this.#oldestKeptSecond()) as BucketRow[];
    for (const { track, second, requests, errors, samples } of rows) {
      this.counters.restore(track, { second, requests, errors, samples: JSON.parse(samples) as number[] });
    }
  }

  /** Writes what changed since the last save in one transaction, and drops buckets older than an hour. */
  save(): void {
    const { forgotten, written } = this.counters.changes();
    if (forgotten.length === 0 && written.length === 0) return;
    const forget = this.db.prepare('DELETE FROM local_traffic_buckets WHERE track = ?');
    const write = this.db.prepare(
      `INSERT INTO local_traffic_buckets (track, second, requests, errors, samples) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (track, second) DO UPDATE SET
         requests = excluded.requests, errors = excluded.errors, samples = excluded.samples`,
    );
    const expire = this.db.prepare('DELETE FROM local_traffic_buckets WHERE second <= ?');
    this.db.transaction(() => {
      for (const track of forgotten) forget.run(track);
      for (const [track, bucket] of written) {
        write.run(track, bucket.second, bucket.requests, bucket.errors, JSON.stringify(bucket.samples));
      }
      expire.run(this.#oldestKeptSecond());
    })();
    this.counters.markSaved();
  }

  /**
   * Saves every `intervalMs` until the returned function is called. A failed save (the file busy beyond
   * its timeout) keeps its changes for the next one.
   */
  saveEvery(intervalMs: number): () => void {
    const timer = setInterval(() => {
      try {
        this.save();
      } catch {
        // Kept: the changes stay marked unsaved and go with the next save.
      }
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  #oldestKeptSecond(): number {
    return Math.floor(this.now() / 1000) - MAX_WINDOW_SECONDS;
  }
}

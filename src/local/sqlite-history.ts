import type Database from 'libsql';
import { placeholders, runInSlices } from './sqlite-batches.ts';
import type { EventRow } from './store.ts';

/**
 * History is stored in chunks: one row per execution per {@link SqliteHistory.insert} call, holding that
 * call's consecutive events of the execution as a JSON array of `[type, previousEventId, timestamp,
 * details]` (the id of the n-th entry is `first_id + n`). Chunks of one execution never overlap.
 * A rowid table with an index, not a WITHOUT ROWID table: on 4 KB pages such a table keeps at most about
 * 1 KB of a row in its B-tree page, and the chunk of a short execution (about 1.2 KB) took a 4 KB overflow
 * page of its own for the rest; a rowid table keeps rows of up to about 4 KB whole in shared pages.
 */
const EVENT_CHUNKS_SCHEMA = `
CREATE TABLE IF NOT EXISTS event_chunks (
  execution_id INTEGER NOT NULL, first_id INTEGER NOT NULL, last_id INTEGER NOT NULL, events TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS event_chunks_by_execution ON event_chunks (execution_id, first_id);
`;

/**
 * Creates `event_chunks` ({@link EVENT_CHUNKS_SCHEMA}), first rewriting a table of the former layout
 * (WITHOUT ROWID) into it, in one transaction.
 */
export function createEventChunks(db: Database.Database): void {
  const [table] = db
    .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'event_chunks'")
    .all() as { sql: string }[];
  if (!table || !/WITHOUT ROWID/i.test(table.sql)) {
    db.exec(EVENT_CHUNKS_SCHEMA);
    return;
  }
  db.transaction(() => {
    db.exec(`
      ALTER TABLE event_chunks RENAME TO event_chunks_without_rowid;
      ${EVENT_CHUNKS_SCHEMA}
      INSERT INTO event_chunks (execution_id, first_id, last_id, events)
      SELECT execution_id, first_id, last_id, events FROM event_chunks_without_rowid;
      DROP TABLE event_chunks_without_rowid;`);
  })();
}

/** Events per chunk when a one-row-per-event `events` table is copied into chunks. */
const MIGRATED_CHUNK_SIZE = 100;

/**
 * Copies the rows of the former `events` table (one row per event) into `event_chunks` and drops it, in
 * one transaction; does nothing if there is no such table. A chunk holds consecutive ids only.
 */
export function migrateEventRows(db: Database.Database): void {
  const legacy = db
    .prepare("SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'events'")
    .all();
  if (legacy.length === 0) return;
  db.transaction(() => {
    db.exec(`
      INSERT INTO event_chunks (execution_id, first_id, last_id, events)
      SELECT execution_id, MIN(id), MAX(id),
        json_group_array(json_array(type, previous_id, timestamp, json(details)) ORDER BY id)
      FROM (SELECT *, id - ROW_NUMBER() OVER (PARTITION BY execution_id ORDER BY id) AS run FROM events)
      GROUP BY execution_id, run, (id - 1) / ${MIGRATED_CHUNK_SIZE};
      DROP TABLE events;`);
  })();
}

type Statement = Database.Statement<unknown[]>;

/** A chunk as stored. */
interface ChunkRow {
  firstId: number;
  lastId: number;
  events: string;
}

/** One stored entry of a chunk's `events` array. */
type ChunkEntry = [type: string, previousEventId: number, timestamp: number, details: EventRow['details']];

/** Chunks read per query while a page is filled. */
const CHUNKS_PER_READ = 64;

const CHUNK_COLUMNS = 'first_id AS firstId, last_id AS lastId, events';
/** Chunks from the one holding `?2` (or the first one after it) on, oldest first. */
const CHUNKS_FROM = `SELECT ${CHUNK_COLUMNS} FROM event_chunks WHERE execution_id = ?1 AND first_id >= IFNULL(
  (SELECT first_id FROM event_chunks WHERE execution_id = ?1 AND first_id <= ?2 ORDER BY first_id DESC LIMIT 1), ?2)
  ORDER BY first_id LIMIT ?3`;
/** Chunks starting at or before `?2`, newest first. */
const CHUNKS_UNTIL = `SELECT ${CHUNK_COLUMNS} FROM event_chunks WHERE execution_id = ?1 AND first_id <= ?2
  ORDER BY first_id DESC LIMIT ?3`;

/**
 * The history part of the SQLite store (`event_chunks`): appends a group commit's events as one row per
 * execution, and reads a page by decoding only the chunks that overlap it.
 *
 * @example
 * const history = new SqliteHistory((source) => db.prepare(source));
 * history.insert([[1, event1], [2, event1OfOther], [1, event2]]);   // two rows: execution 1 (1..2), 2 (1)
 */
export class SqliteHistory {
  readonly #sql: (source: string) => Statement;

  /** `sql` returns the prepared statement of a query (the store's statement cache). */
  constructor(sql: (source: string) => Statement) {
    this.#sql = sql;
  }

  /** Appends events (of any executions); each run of consecutive ids of an execution becomes one chunk. */
  insert(rows: readonly (readonly [executionId: number, event: EventRow])[]): void {
    const chunks = new Map<number, { firstId: number; lastId: number; entries: ChunkEntry[] }>();
    const values: unknown[][] = [];
    for (const [executionId, event] of rows) {
      const entry: ChunkEntry = [event.type, event.previousEventId, event.timestamp, event.details];
      const chunk = chunks.get(executionId);
      if (chunk && event.id === chunk.lastId + 1) {
        chunk.lastId = event.id;
        chunk.entries.push(entry);
        continue;
      }
      if (chunk) values.push([executionId, chunk.firstId, chunk.lastId, JSON.stringify(chunk.entries)]);
      chunks.set(executionId, { firstId: event.id, lastId: event.id, entries: [entry] });
    }
    for (const [executionId, chunk] of chunks) {
      values.push([executionId, chunk.firstId, chunk.lastId, JSON.stringify(chunk.entries)]);
    }
    runInSlices(values, (count, flat) =>
      this.#sql(
        `INSERT INTO event_chunks (execution_id, first_id, last_id, events) VALUES ${placeholders(count, 4)}`,
      ).run(flat),
    );
  }

  lastEventId(executionId: number): number {
    const [last] = this.#sql(
      'SELECT last_id AS id FROM event_chunks WHERE execution_id = ? ORDER BY first_id DESC LIMIT 1',
    ).all(executionId) as { id: number }[];
    return last?.id ?? 0;
  }

  /** Events from `fromId` (inclusive) in the given direction, at most `limit`. */
  list(executionId: number, fromId: number, limit: number, reverse: boolean): EventRow[] {
    const events: EventRow[] = [];
    let from = fromId;
    while (events.length < limit) {
      const chunks = this.#sql(reverse ? CHUNKS_UNTIL : CHUNKS_FROM).all(
        executionId,
        from,
        CHUNKS_PER_READ,
      ) as unknown as ChunkRow[];
      for (const chunk of chunks) {
        if (reverse) collectBackward(chunk, from, limit, events);
        else collectForward(chunk, from, limit, events);
      }
      if (chunks.length < CHUNKS_PER_READ) break;
      const last = chunks[chunks.length - 1]!;
      from = reverse ? last.firstId - 1 : last.lastId + 1;
    }
    return events;
  }
}

function toEvent(id: number, [type, previousEventId, timestamp, details]: ChunkEntry): EventRow {
  return { id, type, previousEventId, timestamp, details };
}

/** Appends the chunk's events with ids from `fromId` on, oldest first, until `events` holds `limit`. */
function collectForward(chunk: ChunkRow, fromId: number, limit: number, events: EventRow[]): void {
  if (events.length >= limit || chunk.lastId < fromId) return;
  const entries = JSON.parse(chunk.events) as ChunkEntry[];
  for (let index = Math.max(0, fromId - chunk.firstId); index < entries.length; index++) {
    if (events.length >= limit) return;
    events.push(toEvent(chunk.firstId + index, entries[index]!));
  }
}

/** Appends the chunk's events with ids up to `fromId`, newest first, until `events` holds `limit`. */
function collectBackward(chunk: ChunkRow, fromId: number, limit: number, events: EventRow[]): void {
  if (events.length >= limit || chunk.firstId > fromId) return;
  const entries = JSON.parse(chunk.events) as ChunkEntry[];
  for (let index = Math.min(entries.length - 1, fromId - chunk.firstId); index >= 0; index--) {
    if (events.length >= limit) return;
    events.push(toEvent(chunk.firstId + index, entries[index]!));
  }
}

import { join } from 'node:path';
import Database from 'libsql';
import { DataDirectoryLock } from './data-dir-lock.ts';
import { makeDirectory } from './make-directory.ts';
import type { RedriveToken } from './redrive-tokens.ts';
import { placeholders, runInSlices } from './sqlite-batches.ts';
import { createEventChunks, migrateEventRows, SqliteHistory } from './sqlite-history.ts';
import { createMapRunTables, SqliteMapRuns } from './sqlite-map-runs.ts';
import { asBytes, decodeTextColumns, EXECUTION_TEXT_FIELDS } from './sqlite-text.ts';
import { NO_PUBLICATIONS } from './state-machine-versions.ts';
import {
  type ActivityRow,
  DEFAULT_ENCRYPTION_CONFIGURATION,
  DEFAULT_LOGGING_CONFIGURATION,
  DEFAULT_TRACING_CONFIGURATION,
  type EventRow,
  type ExecutionEnd,
  type ExecutionFilter,
  type ExecutionRedrive,
  type ExecutionRow,
  type FrameRow,
  type RevisionRow,
  type SinkMessage,
  type StateMachineRow,
  type Store,
  type TaskTokenRow,
  updatedMachine,
} from './store.ts';
import { NO_TAGS } from './tags.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';

/**
 * The tables as first released; {@link addedColumns} lists the columns added since. `revision_id` is ''
 * for a state machine (and its revision) not updated since its creation.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS state_machines (
  arn TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, role_arn TEXT NOT NULL,
  definition TEXT NOT NULL, revision_id TEXT NOT NULL, revision INTEGER NOT NULL,
  creation_date INTEGER NOT NULL, description TEXT);
CREATE TABLE IF NOT EXISTS revisions (
  id INTEGER PRIMARY KEY, state_machine_arn TEXT NOT NULL, name TEXT NOT NULL, definition TEXT NOT NULL,
  role_arn TEXT NOT NULL, revision_id TEXT NOT NULL, update_date INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS executions (
  id INTEGER PRIMARY KEY, arn TEXT NOT NULL UNIQUE, state_machine_arn TEXT NOT NULL, name TEXT NOT NULL,
  revision INTEGER NOT NULL, status TEXT NOT NULL, input TEXT NOT NULL, output TEXT, error TEXT, cause TEXT,
  start_date INTEGER NOT NULL, stop_date INTEGER, deadline INTEGER, parent_arn TEXT);
CREATE INDEX IF NOT EXISTS executions_by_machine ON executions (state_machine_arn, id);
CREATE INDEX IF NOT EXISTS executions_running ON executions (id) WHERE status = 'RUNNING';
CREATE TABLE IF NOT EXISTS frames (
  execution_id INTEGER NOT NULL, path TEXT NOT NULL, cursor TEXT NOT NULL, input TEXT NOT NULL,
  PRIMARY KEY (execution_id, path)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS task_tokens (
  token TEXT PRIMARY KEY, execution_id INTEGER NOT NULL, path TEXT NOT NULL, outcome TEXT);
CREATE TABLE IF NOT EXISTS activities (
  arn TEXT PRIMARY KEY, name TEXT NOT NULL, creation_date INTEGER NOT NULL, tags TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sink_messages (
  id INTEGER PRIMARY KEY, sink TEXT NOT NULL, target TEXT NOT NULL, message TEXT NOT NULL, timestamp INTEGER NOT NULL);
`;

/**
 * Columns added to the tables of {@link SCHEMA}: opening a file adds those it lacks. A function, as
 * store.ts, which defines the defaults, imports this module.
 */
function addedColumns(): (readonly [table: string, column: string, definition: string])[] {
  const logging = `TEXT NOT NULL DEFAULT '${DEFAULT_LOGGING_CONFIGURATION}'`;
  const tracing = `TEXT NOT NULL DEFAULT '${DEFAULT_TRACING_CONFIGURATION}'`;
  const encryption = `TEXT NOT NULL DEFAULT '${DEFAULT_ENCRYPTION_CONFIGURATION}'`;
  return [
    ['state_machines', 'logging_configuration', logging],
    ['state_machines', 'tracing_configuration', tracing],
    ['revisions', 'logging_configuration', logging],
    ['revisions', 'tracing_configuration', tracing],
    ['state_machines', 'status', "TEXT NOT NULL DEFAULT 'ACTIVE'"],
    ['executions', 'trace_header', 'TEXT'],
    ['task_tokens', 'heartbeat_deadline', 'INTEGER'],
    ['state_machines', 'tags', `TEXT NOT NULL DEFAULT '${NO_TAGS}'`],
    ['executions', 'redrive_count', 'INTEGER NOT NULL DEFAULT 0'],
    ['executions', 'redrive_date', 'INTEGER'],
    // NULL until a redrive with a clientToken: an execution never redriven so stores nothing for it.
    ['executions', 'redrive_tokens', 'TEXT'],
    ['state_machines', 'publications', `TEXT NOT NULL DEFAULT '${NO_PUBLICATIONS}'`],
    ['executions', 'version_arn', 'TEXT'],
    ['executions', 'alias_arn', 'TEXT'],
    ['state_machines', 'encryption_configuration', encryption],
    ['revisions', 'encryption_configuration', encryption],
    ['activities', 'encryption_configuration', encryption],
    // NULL but for a FAILED Map Run: its error.
    ['map_runs', 'error', 'TEXT'],
  ];
}

/**
 * For a file written before the configuration columns, which gave every state machine a revision id at
 * its creation: clears the id of each state machine's first revision (the first from its creation date
 * on), then sets each state machine's id to its current revision's.
 */
const CLEAR_FIRST_REVISION_IDS = `
UPDATE revisions SET revision_id = '' WHERE id IN (
  SELECT (SELECT MIN(id) FROM revisions WHERE state_machine_arn = machine.arn AND update_date >= machine.creation_date)
  FROM state_machines AS machine);
UPDATE state_machines SET revision_id = (SELECT revision_id FROM revisions WHERE revisions.id = state_machines.revision);
`;

/**
 * Adds the {@link addedColumns} a file lacks, in one transaction; a file without the state machines'
 * logging configuration column also gets {@link CLEAR_FIRST_REVISION_IDS}.
 */
function migrateColumns(db: Database.Database): void {
  const hasColumn = db.prepare('SELECT 1 AS found FROM pragma_table_info(?) WHERE name = ?');
  const missing = addedColumns().filter(([table, column]) => hasColumn.all(table, column).length === 0);
  if (missing.length === 0) return;
  db.transaction(() => {
    for (const [table, column, definition] of missing) {
      db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
    }
    const beforeConfiguration = missing.some(
      ([table, column]) => table === 'state_machines' && column === 'logging_configuration',
    );
    if (beforeConfiguration) db.exec(CLEAR_FIRST_REVISION_IDS);
  })();
}

const EXECUTION_COLUMNS = `id, arn, state_machine_arn AS stateMachineArn, name, revision, status, input, output,
  ${asBytes('error')}, ${asBytes('cause')}, start_date AS startDate, stop_date AS stopDate, deadline,
  parent_arn AS parentArn, ${asBytes('trace_header', 'traceHeader')}, redrive_count AS redriveCount,
  redrive_date AS redriveDate, version_arn AS versionArn, alias_arn AS aliasArn`;

/** An execution row as read with {@link EXECUTION_COLUMNS}. */
function executionRow(row: ExecutionRow): ExecutionRow {
  return decodeTextColumns(row, EXECUTION_TEXT_FIELDS);
}
/** The configuration columns of a state machine or revision, as the fields of its row. */
const CONFIGURATION_COLUMNS = `NULLIF(revision_id, '') AS revisionId, logging_configuration AS loggingConfiguration,
  tracing_configuration AS tracingConfiguration, encryption_configuration AS encryptionConfiguration`;
const MACHINE_COLUMNS = `arn, name, type, role_arn AS roleArn, definition, revision, creation_date AS creationDate,
  description, ${CONFIGURATION_COLUMNS}, status, tags, publications`;

const ACTIVITY_COLUMNS =
  'arn, name, creation_date AS creationDate, tags, encryption_configuration AS encryptionConfiguration';

type Statement = Database.Statement<unknown[]>;

/** WAL pages after which a commit checkpoints on the writer's thread (when the worker falls behind). */
const WRITER_CHECKPOINT_PAGES = 10_000;

/**
 * The durable {@link Store}: one SQLite file (`<dataDir>/cutover.db`), WAL with `synchronous=NORMAL`;
 * every statement is prepared once and a transaction is one SQLite transaction. History is kept in chunks
 * (see {@link SqliteHistory}) and Map Runs in tables of their own (see {@link SqliteMapRuns}); state machine
 * rows are also kept in memory, so StartExecution reads none.
 * Opening a file with the former one-row-per-event `events` table moves its rows into chunks; one written
 * before state machines kept their logging and tracing configuration, or their status, or executions their
 * trace header, gets those columns.
 *
 * @example
 * const store = SqliteStore.open('.cutover');   // .cutover/cutover.db
 * store.transaction(() => { store.insertEvents(rows); store.putFrames(frames); });
 */
export class SqliteStore implements Store {
  readonly durable = true;
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Statement>();
  readonly #history = new SqliteHistory((source) => this.#sql(source));
  readonly mapRuns = new SqliteMapRuns((source) => this.#sql(source), EXECUTION_COLUMNS);

  /** State machines read or written, by ARN (each StartExecution reads its machine); emptied on rollback. */
  readonly #machines = new Map<string, StateMachineRow>();

  /** Executions that may have open task tokens, so finishing any other skips a DELETE. */
  readonly #withTaskTokens: Set<number>;

  readonly #checkpointer: WalCheckpointer;
  /** This store's hold on its data directory (one runtime per directory). */
  readonly #lock: DataDirectoryLock;

  private constructor(db: Database.Database, file: string, lock: DataDirectoryLock) {
    this.#db = db;
    this.#lock = lock;
    this.#checkpointer = new WalCheckpointer(file);
    this.#withTaskTokens = new Set();
    this.#loadTaskTokenOwners();
  }

  #loadTaskTokenOwners(): void {
    const owners = this.#db.prepare('SELECT DISTINCT execution_id AS id FROM task_tokens').all() as {
      id: number;
    }[];
    this.#withTaskTokens.clear();
    for (const owner of owners) this.#withTaskTokens.add(owner.id);
  }

  /**
   * Opens (creating if needed) `<dataDir>/cutover.db`, holding the directory until {@link close}: a
   * second store on it, in this process or another, throws DataDirectoryInUseError.
   */
  static open(dataDir: string): SqliteStore {
    makeDirectory(dataDir);
    const lock = DataDirectoryLock.acquire(dataDir);
    try {
      const file = join(dataDir, 'cutover.db');
      const db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // A worker checkpoints the log (WalCheckpointer); the writer does so itself only past ~40 MB.
      db.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
      createEventChunks(db);
      createMapRunTables(db);
      migrateColumns(db);
      migrateEventRows(db);
      return new SqliteStore(db, file, lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  close(): void {
    if (!this.#db.open) return;
    this.#checkpointer.stop();
    // Everything into the file, and the log emptied: closing alone leaves it at its largest (tens of MB).
    try {
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // A failed store (a full disk): the log stays, and the next open replays it.
    }
    this.#db.close();
    this.#lock.release();
  }

  get isOpen(): boolean {
    return this.#db.open;
  }

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    if (this.#db.inTransaction) return fn();
    this.#sql('BEGIN').run();
    try {
      const result = fn();
      this.#sql('COMMIT').run();
      return result;
    } catch (error) {
      // SQLite rolls a transaction back by itself after some errors (a full disk, an I/O error): the error
      // thrown is the one that stopped it, not that of a ROLLBACK with no transaction left.
      if (this.#db.inTransaction) this.#sql('ROLLBACK').run();
      // rolled back: the set may name tokens that were not written, or miss some; cached machines may be undone
      this.#loadTaskTokenOwners();
      this.#machines.clear();
      throw error;
    }
  }

  #sql(source: string): Statement {
    let statement = this.#statements.get(source);
    if (!statement) {
      statement = this.#db.prepare<unknown[]>(source);
      this.#statements.set(source, statement);
    }
    return statement;
  }

  /** The first row of a query, as a plain object (libsql's `get()` adds a `_metadata` member). */
  #row<T>(source: string, ...params: unknown[]): T | undefined {
    return this.#sql(source).all(...params)[0] as T | undefined;
  }

  // --- state machines -------------------------------------------------------------------------------

  insertRevision(
    machine: Omit<StateMachineRow, 'revision' | 'creationDate' | 'type' | 'description' | 'status' | 'tags'>,
    date: number,
  ): number {
    const result = this.#sql(
      `INSERT INTO revisions (state_machine_arn, name, definition, role_arn, revision_id, update_date,
       logging_configuration, tracing_configuration, encryption_configuration) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      machine.arn,
      machine.name,
      machine.definition,
      machine.roleArn,
      machine.revisionId ?? '',
      date,
      machine.loggingConfiguration,
      machine.tracingConfiguration,
      machine.encryptionConfiguration,
    );
    return Number(result.lastInsertRowid);
  }

  getRevision(id: number): RevisionRow | undefined {
    return this.#row<RevisionRow>(
      `SELECT definition, role_arn AS roleArn, name, update_date AS updateDate, ${CONFIGURATION_COLUMNS}
       FROM revisions WHERE id = ?`,
      id,
    );
  }

  insertStateMachine(row: StateMachineRow): void {
    this.#sql(
      `INSERT INTO state_machines (arn, name, type, role_arn, definition, revision_id, revision, creation_date, description,
       logging_configuration, tracing_configuration, encryption_configuration, status, tags, publications)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      row.arn,
      row.name,
      row.type,
      row.roleArn,
      row.definition,
      row.revisionId ?? '',
      row.revision,
      row.creationDate,
      row.description,
      row.loggingConfiguration,
      row.tracingConfiguration,
      row.encryptionConfiguration,
      row.status,
      row.tags,
      row.publications,
    );
    this.#machines.set(row.arn, { ...row });
  }

  updateStateMachine(row: StateMachineRow): void {
    this.#sql(
      `UPDATE state_machines SET role_arn = ?, definition = ?, revision_id = ?, revision = ?, description = ?,
       logging_configuration = ?, tracing_configuration = ?, encryption_configuration = ?, status = ?, tags = ?,
       publications = ? WHERE arn = ?`,
    ).run(
      row.roleArn,
      row.definition,
      row.revisionId ?? '',
      row.revision,
      row.description,
      row.loggingConfiguration,
      row.tracingConfiguration,
      row.encryptionConfiguration,
      row.status,
      row.tags,
      row.publications,
      row.arn,
    );
    const cached = this.#machines.get(row.arn);
    if (cached) this.#machines.set(row.arn, updatedMachine(cached, row));
  }

  getStateMachine(arn: string): StateMachineRow | undefined {
    let row = this.#machines.get(arn);
    if (!row) {
      row = this.#row<StateMachineRow>(`SELECT ${MACHINE_COLUMNS} FROM state_machines WHERE arn = ?`, arn);
      if (!row) return undefined;
      this.#machines.set(arn, row);
    }
    return { ...row };
  }

  /** State machines by name, after `afterArn` (exclusive), at most `limit`. */
  listStateMachines(afterArn: string, limit: number): StateMachineRow[] {
    return this.#sql(`SELECT ${MACHINE_COLUMNS} FROM state_machines WHERE arn > ? ORDER BY arn LIMIT ?`).all(
      afterArn,
      limit,
    ) as StateMachineRow[];
  }

  deleteStateMachine(arn: string): void {
    this.#sql('DELETE FROM state_machines WHERE arn = ?').run(arn);
    this.#machines.delete(arn);
  }

  // --- activities -----------------------------------------------------------------------------------

  putActivity(row: ActivityRow): void {
    this.#sql(
      `INSERT OR REPLACE INTO activities (arn, name, creation_date, tags, encryption_configuration)
       VALUES (?, ?, ?, ?, ?)`,
    ).run(row.arn, row.name, row.creationDate, row.tags, row.encryptionConfiguration);
  }

  getActivity(arn: string): ActivityRow | undefined {
    return this.#row<ActivityRow>(`SELECT ${ACTIVITY_COLUMNS} FROM activities WHERE arn = ?`, arn);
  }

  listActivities(afterArn: string, limit: number): ActivityRow[] {
    return this.#sql(`SELECT ${ACTIVITY_COLUMNS} FROM activities WHERE arn > ? ORDER BY arn LIMIT ?`).all(
      afterArn,
      limit,
    ) as ActivityRow[];
  }

  deleteActivity(arn: string): void {
    this.#sql('DELETE FROM activities WHERE arn = ?').run(arn);
  }

  // --- executions -----------------------------------------------------------------------------------

  insertExecutions(rows: readonly Omit<ExecutionRow, 'id'>[]): (number | undefined)[] {
    const values = rows.map((row) => [
      row.arn,
      row.stateMachineArn,
      row.name,
      row.revision,
      row.status,
      row.input,
      row.output,
      row.error,
      row.cause,
      row.startDate,
      row.stopDate,
      row.deadline,
      row.parentArn,
      row.traceHeader,
      row.versionArn,
      row.aliasArn,
    ]);
    const inserted = new Map<string, number>();
    let offset = 0;
    runInSlices(values, (count, flat) => {
      const { changes, lastInsertRowid } = this.#sql(
        `INSERT INTO executions (arn, state_machine_arn, name, revision, status, input, output, error, cause,
         start_date, stop_date, deadline, parent_arn, trace_header, version_arn, alias_arn)
         VALUES ${placeholders(count, 16)}
         ON CONFLICT (arn) DO NOTHING`,
      ).run(flat);
      const last = Number(lastInsertRowid);
      // New rows take consecutive ids in VALUES order (one past the largest). With a conflict in the slice,
      // which ARNs they went to is read back (RETURNING would read a row at a time, for every slice).
      if (changes === count) {
        for (let index = 0; index < count; index++)
          inserted.set(rows[offset + index]!.arn, last - count + 1 + index);
      } else if (changes > 0) {
        const created = this.#sql('SELECT id, arn FROM executions WHERE id > ? AND id <= ?').all(
          last - changes,
          last,
        ) as { id: number; arn: string }[];
        for (const { id, arn } of created) inserted.set(arn, id);
      }
      offset += count;
    });
    // The first row of an ARN got the id; a later one with the same ARN inserted nothing.
    return rows.map((row) => {
      const id = inserted.get(row.arn);
      inserted.delete(row.arn);
      return id;
    });
  }

  getExecution(arn: string): ExecutionRow | undefined {
    const row = this.#row<ExecutionRow>(`SELECT ${EXECUTION_COLUMNS} FROM executions WHERE arn = ?`, arn);
    return row && executionRow(row);
  }

  listExecutions(
    stateMachineArn: string,
    { status, redriven, startedWith }: ExecutionFilter,
    beforeId: number,
    limit: number,
  ): ExecutionRow[] {
    return (
      this.#sql(
        `SELECT ${EXECUTION_COLUMNS} FROM executions WHERE state_machine_arn = ? AND id < ? AND (?3 IS NULL OR status = ?3)
       AND (?5 IS NULL OR (redrive_count > 0) = ?5) AND (?6 IS NULL OR version_arn = ?6 OR alias_arn = ?6)
       ORDER BY id DESC LIMIT ?4`,
      ).all(
        stateMachineArn,
        beforeId,
        status,
        limit,
        redriven === undefined ? null : Number(redriven),
        startedWith ?? null,
      ) as ExecutionRow[]
    ).map(executionRow);
  }

  listRunningExecutions(): ExecutionRow[] {
    return (
      this.#sql(
        `SELECT ${EXECUTION_COLUMNS} FROM executions WHERE status = 'RUNNING' ORDER BY id`,
      ).all() as ExecutionRow[]
    ).map(executionRow);
  }

  countRunningExecutions(stateMachineArn: string): number {
    return this.#row<{ n: number }>(
      "SELECT COUNT(*) AS n FROM executions WHERE state_machine_arn = ? AND status = 'RUNNING'",
      stateMachineArn,
    )!.n;
  }

  finishExecutions(ends: readonly (readonly [id: number, end: ExecutionEnd])[]): void {
    const values = ends.map(([id, end]) => [
      id,
      end.status,
      end.output ?? null,
      end.error ?? null,
      end.cause ?? null,
      end.stopDate,
    ]);
    runInSlices(values, (count, flat) =>
      this.#sql(
        `UPDATE executions SET status = v.column2, output = v.column3, error = v.column4, cause = v.column5,
         stop_date = v.column6 FROM (VALUES ${placeholders(count, 6)}) AS v WHERE executions.id = v.column1`,
      ).run(flat),
    );
    const ids = ends.map(([id]) => [id]);
    const succeeded = ends.filter(([, end]) => end.status === 'SUCCEEDED').map(([id]) => [id]);
    runInSlices(succeeded, (count, flat) =>
      this.#sql(`DELETE FROM frames WHERE execution_id IN (${placeholders(count, 1)})`).run(flat),
    );
    const withTokens = ids.filter(([id]) => this.#withTaskTokens.delete(id as number));
    runInSlices(withTokens, (count, flat) =>
      this.#sql(`DELETE FROM task_tokens WHERE execution_id IN (${placeholders(count, 1)})`).run(flat),
    );
  }

  redriveExecution(id: number, { redriveDate, deadline, frames, redriveTokens }: ExecutionRedrive): void {
    this.#sql(
      `UPDATE executions SET status = 'RUNNING', output = NULL, error = NULL, cause = NULL, stop_date = NULL,
       redrive_count = redrive_count + 1, redrive_date = ?, deadline = ?,
       redrive_tokens = COALESCE(?, redrive_tokens) WHERE id = ?`,
    ).run(redriveDate, deadline, redriveTokens === undefined ? null : JSON.stringify(redriveTokens), id);
    this.#sql('DELETE FROM frames WHERE execution_id = ?').run(id);
    this.putFrames(frames.map((frame) => [id, frame]));
  }

  redriveTokens(id: number): RedriveToken[] {
    const row = this.#row<{ tokens: string | null }>(
      'SELECT redrive_tokens AS tokens FROM executions WHERE id = ?',
      id,
    );
    return row?.tokens ? (JSON.parse(row.tokens) as RedriveToken[]) : [];
  }

  // --- history --------------------------------------------------------------------------------------

  /** Appends events (of any executions): one `event_chunks` row per execution, several rows per statement. */
  insertEvents(rows: readonly (readonly [executionId: number, event: EventRow])[]): void {
    this.#history.insert(rows);
  }

  lastEventId(executionId: number): number {
    return this.#history.lastEventId(executionId);
  }

  /** Events from `fromId` (inclusive) in the given direction, at most `limit`; reads only the chunks of the page. */
  listEvents(executionId: number, fromId: number, limit: number, reverse: boolean): EventRow[] {
    return this.#history.list(executionId, fromId, limit, reverse);
  }

  // --- frames and task tokens -----------------------------------------------------------------------

  putFrames(rows: readonly (readonly [executionId: number, frame: FrameRow])[]): void {
    const values = rows.map(([executionId, frame]) => [executionId, frame.path, frame.cursor, frame.input]);
    runInSlices(values, (count, flat) =>
      this.#sql(
        `INSERT OR REPLACE INTO frames (execution_id, path, cursor, input) VALUES ${placeholders(count, 4)}`,
      ).run(flat),
    );
  }

  /** Deletes the frames strictly below `path`. */
  deleteFramesBelow(executionId: number, path: string): void {
    this.#sql(
      "DELETE FROM frames WHERE execution_id = ? AND substr(path, 1, length(?2) + 1) = ?2 || '/'",
    ).run(executionId, path);
  }

  hasFrames(executionId: number): boolean {
    return (
      this.#row('SELECT 1 AS found FROM frames WHERE execution_id = ? LIMIT 1', executionId) !== undefined
    );
  }

  listFrames(executionId: number): FrameRow[] {
    return this.#sql('SELECT path, cursor, input FROM frames WHERE execution_id = ?').all(
      executionId,
    ) as FrameRow[];
  }

  putTaskToken(token: string, executionId: number, path: string, heartbeatDeadline?: number): void {
    this.#withTaskTokens.add(executionId);
    // A task resumed in flight puts its token again: an outcome sent before the restart stays.
    this.#sql(
      'INSERT OR IGNORE INTO task_tokens (token, execution_id, path, heartbeat_deadline) VALUES (?, ?, ?, ?)',
    ).run(token, executionId, path, heartbeatDeadline ?? null);
  }

  getTaskToken(token: string): TaskTokenRow | undefined {
    return this.#row(
      `SELECT execution_id AS executionId, path, outcome, heartbeat_deadline AS heartbeatDeadline
       FROM task_tokens WHERE token = ?`,
      token,
    );
  }

  setTaskTokenHeartbeat(token: string, heartbeatDeadline: number): void {
    this.#sql('UPDATE task_tokens SET heartbeat_deadline = ? WHERE token = ?').run(heartbeatDeadline, token);
  }

  /** Records the outcome sent for an open task (SendTaskSuccess/Failure), so it survives a restart. */
  setTaskTokenOutcome(token: string, outcome: string): void {
    this.#sql('UPDATE task_tokens SET outcome = ? WHERE token = ?').run(outcome, token);
  }

  deleteTaskToken(token: string): void {
    this.#sql('DELETE FROM task_tokens WHERE token = ?').run(token);
  }

  // --- sinks ----------------------------------------------------------------------------------------

  insertSinkMessage(sink: string, target: string, message: unknown, timestamp: number): number {
    const result = this.#sql(
      'INSERT INTO sink_messages (sink, target, message, timestamp) VALUES (?, ?, ?, ?)',
    ).run(sink, target, JSON.stringify(message), timestamp);
    return Number(result.lastInsertRowid);
  }

  listSinkMessages(sink: string): SinkMessage[] {
    const rows = this.#sql(
      'SELECT id, sink, target, message, timestamp FROM sink_messages WHERE sink = ? ORDER BY id',
    ).all(sink) as (Omit<SinkMessage, 'message'> & { message: string })[];
    return rows.map((row) => ({ ...row, message: JSON.parse(row.message) }));
  }
}

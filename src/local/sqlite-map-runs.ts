import type Database from 'libsql';
import { decodeTextColumns, EXECUTION_TEXT_FIELDS } from './sqlite-text.ts';
import type {
  ExecutionRow,
  MapRunChildRow,
  MapRunExecutionFilter,
  MapRunMembership,
  MapRunRow,
  MapRunTable,
  MapRunUpdate,
  NewMapRunChild,
} from './store.ts';

/**
 * The Map Run tables: `map_runs`, one row per Distributed Map run, and `map_run_children`, the executions
 * each runs. IF NOT EXISTS: a file written before Map Runs gets them empty.
 */
const MAP_RUNS_SCHEMA = `
CREATE TABLE IF NOT EXISTS map_runs (
  id INTEGER PRIMARY KEY, arn TEXT NOT NULL UNIQUE, execution_id INTEGER NOT NULL, execution_arn TEXT NOT NULL,
  state_machine_arn TEXT NOT NULL, revision INTEGER NOT NULL, status TEXT NOT NULL, start_date INTEGER NOT NULL,
  stop_date INTEGER, max_concurrency INTEGER NOT NULL, tolerated_failure_percentage REAL,
  tolerated_failure_count INTEGER, item_count INTEGER NOT NULL, child_count INTEGER NOT NULL,
  redrive_count INTEGER NOT NULL, redrive_date INTEGER, parent_redrive_count INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS map_runs_by_execution ON map_runs (execution_id, id);
CREATE TABLE IF NOT EXISTS map_run_children (
  map_run_id INTEGER NOT NULL, child_index INTEGER NOT NULL, execution_id INTEGER NOT NULL UNIQUE,
  item_count INTEGER NOT NULL, round INTEGER NOT NULL, PRIMARY KEY (map_run_id, child_index)) WITHOUT ROWID;
`;

/** Creates the Map Run tables ({@link MAP_RUNS_SCHEMA}) a file lacks. */
export function createMapRunTables(db: Database.Database): void {
  db.exec(MAP_RUNS_SCHEMA);
}

const MAP_RUN_COLUMNS = `id, arn, execution_id AS executionId, execution_arn AS executionArn,
  state_machine_arn AS stateMachineArn, revision, status, start_date AS startDate, stop_date AS stopDate,
  max_concurrency AS maxConcurrency, tolerated_failure_percentage AS toleratedFailurePercentage,
  tolerated_failure_count AS toleratedFailureCount, item_count AS itemCount, child_count AS childCount,
  redrive_count AS redriveCount, redrive_date AS redriveDate, parent_redrive_count AS parentRedriveCount, error`;

/** The column of each field {@link SqliteMapRuns.update} may change. */
const UPDATE_COLUMNS: Readonly<Record<keyof MapRunUpdate, string>> = {
  status: 'status',
  stopDate: 'stop_date',
  maxConcurrency: 'max_concurrency',
  toleratedFailurePercentage: 'tolerated_failure_percentage',
  toleratedFailureCount: 'tolerated_failure_count',
  redriveCount: 'redrive_count',
  redriveDate: 'redrive_date',
  parentRedriveCount: 'parent_redrive_count',
  itemCount: 'item_count',
  childCount: 'child_count',
  error: 'error',
};

type Statement = Database.Statement<unknown[]>;

/** A child as read: its execution's columns, and its own under names no execution column has. */
type ChildColumns = ExecutionRow & { childIndex: number; childItemCount: number; childRound: number };

/**
 * The Map Run part of the SQLite store (`map_runs`, `map_run_children`); a child is read with its
 * execution's row, joined from `executions`.
 *
 * @example
 * const mapRuns = new SqliteMapRuns((source) => db.prepare(source), EXECUTION_COLUMNS);
 * mapRuns.insertChild({ mapRunId: mapRuns.insert(row), index: 0, executionId, itemCount: 1, round: 0 });
 */
export class SqliteMapRuns implements MapRunTable {
  readonly #sql: (source: string) => Statement;
  readonly #childColumns: string;

  /**
   * `sql` returns the prepared statement of a query (the store's statement cache); `executionColumns`
   * selects an `executions` row as the fields of an {@link ExecutionRow}.
   */
  constructor(sql: (source: string) => Statement, executionColumns: string) {
    this.#sql = sql;
    this.#childColumns = `child_index AS childIndex, item_count AS childItemCount, round AS childRound, ${executionColumns}`;
  }

  /** Records a Map Run and returns its id. */
  insert(row: Omit<MapRunRow, 'id'>): number {
    const result = this.#sql(
      `INSERT INTO map_runs (arn, execution_id, execution_arn, state_machine_arn, revision, status, start_date,
       stop_date, max_concurrency, tolerated_failure_percentage, tolerated_failure_count, item_count, child_count,
       redrive_count, redrive_date, parent_redrive_count, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      row.arn,
      row.executionId,
      row.executionArn,
      row.stateMachineArn,
      row.revision,
      row.status,
      row.startDate,
      row.stopDate,
      row.maxConcurrency,
      row.toleratedFailurePercentage,
      row.toleratedFailureCount,
      row.itemCount,
      row.childCount,
      row.redriveCount,
      row.redriveDate,
      row.parentRedriveCount,
      row.error,
    );
    return Number(result.lastInsertRowid);
  }

  get(arn: string): MapRunRow | undefined {
    return this.#sql(`SELECT ${MAP_RUN_COLUMNS} FROM map_runs WHERE arn = ?`).all(arn)[0] as
      | MapRunRow
      | undefined;
  }

  /** An execution's Map Runs, oldest first, with ids above `afterId`, at most `limit`. */
  list(executionId: number, afterId: number, limit: number): MapRunRow[] {
    return this.#sql(
      `SELECT ${MAP_RUN_COLUMNS} FROM map_runs WHERE execution_id = ? AND id > ? ORDER BY id LIMIT ?`,
    ).all(executionId, afterId, limit) as MapRunRow[];
  }

  /** Sets the fields present in `update`; one statement per set of fields. */
  update(id: number, update: MapRunUpdate): void {
    const fields = (Object.keys(UPDATE_COLUMNS) as (keyof MapRunUpdate)[]).filter(
      (field) => update[field] !== undefined,
    );
    if (fields.length === 0) return;
    const assignments = fields.map((field) => `${UPDATE_COLUMNS[field]} = ?`).join(', ');
    this.#sql(`UPDATE map_runs SET ${assignments} WHERE id = ?`).run(
      ...fields.map((field) => update[field]),
      id,
    );
  }

  /** Records an execution as a child of a Map Run. */
  insertChild({ mapRunId, index, executionId, itemCount, round }: NewMapRunChild): void {
    this.#sql(
      'INSERT INTO map_run_children (map_run_id, child_index, execution_id, item_count, round) VALUES (?, ?, ?, ?, ?)',
    ).run(mapRunId, index, executionId, itemCount, round);
  }

  /** Records the round a child runs in now. */
  setRound(executionId: number, round: number): void {
    this.#sql('UPDATE map_run_children SET round = ? WHERE execution_id = ?').run(round, executionId);
  }

  /** A Map Run's children, by index. */
  listChildren(mapRunId: number): MapRunChildRow[] {
    const rows = this.#sql(
      `SELECT ${this.#childColumns} FROM map_run_children JOIN executions ON executions.id = execution_id
       WHERE map_run_id = ? ORDER BY child_index`,
    ).all(mapRunId) as ChildColumns[];
    return rows.map(toChild);
  }

  /** A Map Run's children newest first (execution ids below `beforeId`) that `filter` takes, at most `limit`. */
  listExecutions(
    mapRunId: number,
    { status, redriven, pendingRound }: MapRunExecutionFilter,
    beforeId: number,
    limit: number,
  ): MapRunChildRow[] {
    // The reported status as mapRunChildStatus gives it.
    const rows = this.#sql(
      `SELECT ${this.#childColumns} FROM map_run_children JOIN executions ON executions.id = execution_id
       WHERE map_run_id = ?1 AND execution_id < ?2
       AND (?3 IS NULL OR ?3 = CASE WHEN round < ?6 AND status IN ('FAILED', 'ABORTED', 'TIMED_OUT')
         THEN 'PENDING_REDRIVE' ELSE status END)
       AND (?5 IS NULL OR (redrive_count > 0) = ?5) ORDER BY execution_id DESC LIMIT ?4`,
    ).all(
      mapRunId,
      beforeId,
      status,
      limit,
      redriven === undefined ? null : Number(redriven),
      pendingRound,
    ) as ChildColumns[];
    return rows.map(toChild);
  }

  /** The Map Run an execution is a child of, and the round it last ran in; undefined for any other execution. */
  ofExecution(executionId: number): MapRunMembership | undefined {
    return this.#sql(
      `SELECT map_runs.arn AS mapRunArn, round FROM map_run_children JOIN map_runs ON map_runs.id = map_run_id
       WHERE map_run_children.execution_id = ?`,
    ).all(executionId)[0] as MapRunMembership | undefined;
  }
}

function toChild({ childIndex, childItemCount, childRound, ...execution }: ChildColumns): MapRunChildRow {
  const decoded = decodeTextColumns(execution, EXECUTION_TEXT_FIELDS);
  return { index: childIndex, itemCount: childItemCount, round: childRound, execution: decoded };
}

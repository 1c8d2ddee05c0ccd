import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { TableTooLargeWithoutPrimaryKeyError, TargetNotEmptyError } from '#core/errors.ts';
import type { ExecutionOutcome } from '#core/ports/executions.ts';
import { COPY_PROGRESS_TABLE } from '#core/schemas/database-migration.ts';
import {
  missingTables,
  referencingTables,
  relationExists,
  rowSource,
  rowSourceIn,
  type TableInfo,
  truncatedAs,
} from './catalog.ts';
import {
  identList,
  qualified,
  quotedLabel,
  quoteIdent,
  quoteLiteral,
  type TableName,
  tableLabel,
} from './sql.ts';
import { withoutUserTriggers } from './triggers.ts';

/** Where a table's copy stands; the target database holds the truth, this is its report. */
export interface CopyCheckpoint {
  readonly table: string;
  /** The primary key (as text) of the last row copied; null before the first batch. */
  readonly lastKey: readonly string[] | null;
  readonly rowsCopied: number;
  readonly done: boolean;
}

/** Settings of {@link copyTableSlice}. */
export interface CopySliceOptions {
  /** Names this copy run; progress is kept per run and table in the target's `cutover_copy_progress`. */
  readonly copyId: string;
  /** Start no new batch after this many ms (one batch always runs); keep it well under the function's timeout. */
  readonly budgetMs: number;
  /** Rows per batch (one target transaction each). @default 50_000 */
  readonly batchRows?: number;
  /** Largest table without a primary key copied whole in one go. @default 512 MiB */
  readonly maxBytesWithoutKey?: number;
  /** Awaited before each batch (and before a table without a primary key is copied); throw to stop there. */
  readonly beforeBatch?: () => Promise<void>;
}

/**
 * Copies the next slice of one table: batches in primary-key order (keyset, never OFFSET), each streamed
 * with COPY and committed on the target together with its progress row, until the table is done or the
 * time budget is spent. Only the table's own rows are read (see `rowSource`): inheritance children are
 * tables of their own, copied on their own. The target table's user triggers do not fire for copied rows
 * (foreign keys are checked). Run it again with the same `copyId` to go on: a crash loses at most the
 * uncommitted batch, and no row is copied twice.
 *
 * @example
 * let checkpoint;
 * do checkpoint = await copyTableSlice(source, target, table, { copyId: 'exec-1', budgetMs: 600_000 });
 * while (!checkpoint.done);
 */
export async function copyTableSlice(
  source: pg.Client,
  target: pg.Client,
  table: TableInfo,
  options: CopySliceOptions,
): Promise<CopyCheckpoint> {
  const deadline = Date.now() + options.budgetMs;
  let checkpoint = await startOrResume(target, table, options.copyId);
  if (checkpoint.done) return checkpoint;
  const beforeBatch = options.beforeBatch ?? (async () => {});
  await beforeBatch();
  if (table.primaryKey.length === 0) return copyWhole(source, target, table, options);
  const batchRows = options.batchRows ?? 50_000;
  // At least one batch per slice, so every invocation makes progress.
  checkpoint = await copyBatch(source, target, table, options.copyId, checkpoint, batchRows);
  while (!checkpoint.done && Date.now() < deadline) {
    await beforeBatch();
    checkpoint = await copyBatch(source, target, table, options.copyId, checkpoint, batchRows);
  }
  return checkpoint;
}

async function copyBatch(
  source: pg.Client,
  target: pg.Client,
  table: TableInfo,
  copyId: string,
  from: CopyCheckpoint,
  batchRows: number,
): Promise<CopyCheckpoint> {
  const key = identList(table.primaryKey);
  const after = from.lastKey ? `WHERE (${key}) > (${keyLiteral(table, from.lastKey)})` : '';
  const descending = table.primaryKey.map((c) => `${quoteIdent(c)} DESC`).join(', ');
  const { rows } = await source.query<{ key: string[] }>(
    `SELECT ARRAY[${table.primaryKey.map((c) => `${quoteIdent(c)}::text`).join(', ')}] AS key
     FROM (SELECT ${key} FROM ${rowSource(table)} ${after} ORDER BY ${key} LIMIT ${batchRows}) AS batch
     ORDER BY ${descending} LIMIT 1`,
  );
  const upTo = rows[0]?.key;
  if (!upTo) return saveProgress(target, copyId, { ...from, done: true });
  const select =
    `SELECT ${identList(table.columns)} FROM ${rowSource(table)} ` +
    `${after ? `${after} AND` : 'WHERE'} (${key}) <= (${keyLiteral(table, upTo)})`;
  return inTransaction(target, async () => {
    const rowsCopied = await streamRows(source, target, table, select);
    return saveProgress(target, copyId, { ...from, lastKey: upTo, rowsCopied: from.rowsCopied + rowsCopied });
  });
}

/**
 * Refuses (`TableTooLargeWithoutPrimaryKey`) a table without a primary key larger than `limit` bytes: it
 * would be copied whole, in one transaction. Checked before anything is locked, and again as it is copied.
 */
export function refuseWholeCopyOverLimit(table: TableInfo, limit = 512 * 1024 * 1024): void {
  if (table.primaryKey.length > 0 || table.bytes <= limit) return;
  throw new TableTooLargeWithoutPrimaryKeyError(
    `${tableLabel(table)} has no primary key and is ${table.bytes} bytes, over the ${limit}-byte limit ` +
      `for copying a table whole: add a primary key or raise copy.maxBytesWithoutKey to at least ${table.bytes}`,
  );
}

async function copyWhole(
  source: pg.Client,
  target: pg.Client,
  table: TableInfo,
  options: CopySliceOptions,
): Promise<CopyCheckpoint> {
  refuseWholeCopyOverLimit(table, options.maxBytesWithoutKey);
  return inTransaction(target, async () => {
    const rowsCopied = await streamRows(
      source,
      target,
      table,
      `SELECT ${identList(table.columns)} FROM ${rowSource(table)}`,
    );
    return saveProgress(target, options.copyId, {
      table: tableLabel(table),
      lastKey: null,
      rowsCopied,
      done: true,
    });
  });
}

/**
 * Streams the rows of `select` from the source into the target table with COPY, its user triggers
 * disabled (see `withoutUserTriggers`: run it in the batch's transaction); returns the row count.
 */
async function streamRows(source: pg.Client, target: pg.Client, table: TableInfo, select: string) {
  return withoutUserTriggers(target, [tableLabel(table)], async () => {
    const reader = source.query(copyTo(`COPY (${select}) TO STDOUT`));
    const writer = target.query(
      copyFrom(`COPY ${qualified(table)} (${identList(table.columns)}) FROM STDIN`),
    );
    try {
      await pipeline(reader, writer);
    } catch (error) {
      throw withCopyContext(error, table);
    }
    return writer.rowCount;
  });
}

/**
 * A PostgreSQL error of a table's copy, its message naming the table and where PostgreSQL places it
 * (`COPY m, line 2, column ratio: "1e+300"`: the row of the batch and the column).
 */
function withCopyContext(error: unknown, table: TableInfo): unknown {
  if (error instanceof pg.DatabaseError) {
    error.message = `copying ${tableLabel(table)}: ${error.message}${error.where ? ` (${error.where})` : ''}`;
  }
  return error;
}

function keyLiteral(table: TableInfo, key: readonly string[]): string {
  return key.map((value, i) => `${quoteLiteral(value)}::${table.primaryKeyTypes[i]}`).join(', ');
}

/**
 * Reads the run's progress for the table, or claims the table for the run: in one transaction holding an
 * advisory lock on the table (so runs starting it at once take turns), checks that no other run is copying
 * into it and that it holds no rows of its own (its inheritance children's are theirs), and saves the run's
 * first progress row, which the next run to start the table then sees.
 */
async function startOrResume(target: pg.Client, table: TableInfo, copyId: string): Promise<CopyCheckpoint> {
  await createProgressTable(target);
  const label = tableLabel(table);
  const { rows } = await target.query<{ last_key: string[] | null; rows_copied: string; done: boolean }>(
    `SELECT last_key, rows_copied, done FROM ${COPY_PROGRESS_TABLE} WHERE copy_id = $1 AND table_name = $2`,
    [copyId, label],
  );
  const row = rows[0];
  if (row)
    return { table: label, lastKey: row.last_key, rowsCopied: Number(row.rows_copied), done: row.done };
  return inTransaction(target, async () => {
    await lockKey(target, `cutover copy into ${label}`);
    await refuseUnfinishedCopy(target, label, copyId);
    const { rowCount } = await target.query(`SELECT 1 FROM ${await rowSourceIn(target, table)} LIMIT 1`);
    if (rowCount) throw await targetNotEmpty(target, label, copyId);
    return saveProgress(target, copyId, { table: label, lastKey: null, rowsCopied: 0, done: false });
  });
}

/** Creates the progress table when missing, under an advisory lock: two `CREATE TABLE IF NOT EXISTS` at once can clash. */
async function createProgressTable(target: pg.Client): Promise<void> {
  if (await relationExists(target, COPY_PROGRESS_TABLE)) return;
  await inTransaction(target, async () => {
    await lockKey(target, `cutover copy ${COPY_PROGRESS_TABLE}`);
    await target.query(
      `CREATE TABLE IF NOT EXISTS ${COPY_PROGRESS_TABLE} (copy_id text, table_name text, last_key text[],
         rows_copied bigint, done boolean, updated_at timestamptz DEFAULT now(), PRIMARY KEY (copy_id, table_name))`,
    );
  });
}

/** Takes the transaction-scoped advisory lock named by `key` (hashed), waiting for it. */
async function lockKey(client: pg.Client, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
}

/**
 * How the execution of the copy run `copyId` (the execution's name) stands, as Step Functions tells it;
 * undefined when that is not known.
 */
export type CopyRunReader = (copyId: string) => Promise<ExecutionOutcome | undefined>;

/**
 * Refuses (`TargetNotEmpty`) the table `label` when another copy run than `copyId` (any, without one) has an
 * unfinished progress row for it: that run may be going on (another service's execution started at the same
 * time) or have ended without finishing, which `copyRuns`, when given, may tell.
 */
async function refuseUnfinishedCopy(
  target: pg.Client,
  label: string,
  copyId?: string,
  copyRuns?: CopyRunReader,
): Promise<void> {
  const { rows } = await target.query<{ copy_id: string; updated_at: Date }>(
    `SELECT copy_id, updated_at FROM ${COPY_PROGRESS_TABLE}
      WHERE table_name = $1 AND copy_id IS DISTINCT FROM $2 AND NOT done ORDER BY updated_at DESC LIMIT 1`,
    [label, copyId ?? null],
  );
  const other = rows[0];
  if (!other) return;
  const progressRow = `its progress row in ${COPY_PROGRESS_TABLE}, updated ${other.updated_at.toISOString()}`;
  const undo = await howToUndo(target, other.copy_id);
  // How the run stands only words the refusal: one that cannot be read is refused as one that may go on.
  const run = await copyRuns?.(other.copy_id).catch(() => undefined);
  if (run && run.status !== 'RUNNING') {
    const ended = run.stopDate ? ` at ${run.stopDate.toISOString()}` : '';
    throw new TargetNotEmptyError(
      `target table ${label} was being copied into by execution ${other.copy_id}, which ended ${run.status}${ended} ` +
        `without finishing it (${progressRow}): ${undo}, then run again`,
    );
  }
  throw new TargetNotEmptyError(
    `target table ${label} is being copied into by execution ${other.copy_id} (${progressRow}): wait for it ` +
      `to end (cutover watch ${other.copy_id}); if it ended without finishing, ${undo}, then run again`,
  );
}

/**
 * What a person runs to undo what the copy run `copyId` copied: empty the tables it copied into, with the
 * tables referencing them (TRUNCATE refuses to empty a table others reference on its own), and delete its
 * progress rows.
 */
export async function howToUndo(target: pg.Client, copyId: string): Promise<string> {
  const copied = (await copiedTables(target, copyId)).map(quotedLabel);
  const referencing = await referencingTables(target, copied);
  const truncated = await truncatedAs(target, [...copied, ...referencing]);
  const tables =
    referencing.length > 0
      ? 'the tables it copied into and those referencing them'
      : 'the tables it copied into';
  return (
    `empty ${tables} (TRUNCATE ${truncated.join(', ')}) and delete its progress rows ` +
    `(DELETE FROM ${COPY_PROGRESS_TABLE} WHERE copy_id = ${quoteLiteral(copyId)})`
  );
}

/**
 * Refuses (`TargetNotEmpty`, as the copy would once it reached the table) a copy into target tables that
 * already hold rows or that another run has not finished copying into, before anything is locked or backed
 * up: a run of a request whose copy is done already (the same request again) is refused at once, not after
 * a backup; `copyRuns` says whether the run that left a table unfinished has ended. Tables the target lacks
 * yet are skipped (its pending migrations create them): returns their labels.
 */
export async function refuseFilledTargets(
  target: pg.Client,
  tables: readonly TableName[],
  copyRuns?: CopyRunReader,
): Promise<string[]> {
  const missing = new Set(await missingTables(target, tables));
  const progressKept = await relationExists(target, COPY_PROGRESS_TABLE);
  for (const table of tables) {
    const label = tableLabel(table);
    if (missing.has(label)) continue;
    if (progressKept) await refuseUnfinishedCopy(target, label, undefined, copyRuns);
    const { rowCount } = await target.query(`SELECT 1 FROM ${await rowSourceIn(target, table)} LIMIT 1`);
    if (rowCount) throw await targetNotEmpty(target, label);
  }
  return [...missing];
}

/**
 * `TargetNotEmpty` for the table `label`; when the progress rows show that another copy run (an earlier
 * execution's, which finished the table) copied into it, it names that run and the statement that empties
 * the tables it copied into. It empties nothing itself: only a person knows whether those rows are to be kept.
 */
async function targetNotEmpty(
  target: pg.Client,
  label: string,
  copyId?: string,
): Promise<TargetNotEmptyError> {
  const said = `target table ${label} already has rows; copy into empty tables only`;
  const unrecorded = new TargetNotEmptyError(
    `${said} (no copy run recorded copying into it: rows the target's migrations insert count too, so a ` +
      'table the copy fills gets its rows from the source only)',
  );
  if (!(await relationExists(target, COPY_PROGRESS_TABLE))) return unrecorded;
  const { rows } = await target.query<{ copy_id: string }>(
    `SELECT copy_id FROM ${COPY_PROGRESS_TABLE} WHERE table_name = $1 AND copy_id IS DISTINCT FROM $2
      ORDER BY updated_at DESC LIMIT 1`,
    [label, copyId ?? null],
  );
  const earlier = rows[0]?.copy_id;
  if (earlier === undefined) return unrecorded;
  return new TargetNotEmptyError(
    `${said}: execution ${earlier} copied into it (see ${COPY_PROGRESS_TABLE}); unless its rows are to be ` +
      `kept, ${await howToUndo(target, earlier)}, then run again`,
  );
}

async function saveProgress(
  target: pg.Client,
  copyId: string,
  checkpoint: CopyCheckpoint,
): Promise<CopyCheckpoint> {
  await target.query(
    `INSERT INTO ${COPY_PROGRESS_TABLE} (copy_id, table_name, last_key, rows_copied, done) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (copy_id, table_name) DO UPDATE SET last_key = EXCLUDED.last_key,
       rows_copied = EXCLUDED.rows_copied, done = EXCLUDED.done, updated_at = now()`,
    [copyId, checkpoint.table, checkpoint.lastKey, checkpoint.rowsCopied, checkpoint.done],
  );
  return checkpoint;
}

/** The tables (`schema.name`) a copy run has started on the target, from its progress rows. */
export async function copiedTables(target: pg.Client, copyId: string): Promise<string[]> {
  return (await copyProgress(target, copyId)).map((progress) => progress.table);
}

/** A copy run's progress rows on the target: each table (`schema.name`) it started and the rows it copied there. */
export async function copyProgress(
  target: pg.Client,
  copyId: string,
): Promise<{ table: string; rowsCopied: number }[]> {
  if (!(await relationExists(target, COPY_PROGRESS_TABLE))) return [];
  const { rows } = await target.query<{ table_name: string; rows_copied: string }>(
    `SELECT table_name, rows_copied FROM ${COPY_PROGRESS_TABLE} WHERE copy_id = $1 ORDER BY table_name`,
    [copyId],
  );
  return rows.map((row) => ({ table: row.table_name, rowsCopied: Number(row.rows_copied) }));
}

/** Removes a copy run's progress rows (once the rows it copied are gone; see {@link copiedTables}). */
export async function forgetCopy(target: pg.Client, copyId: string): Promise<void> {
  await target.query(`DELETE FROM ${COPY_PROGRESS_TABLE} WHERE copy_id = $1`, [copyId]);
}

/** Runs `work` in a transaction on `client`, rolling back on any error. */
export async function inTransaction<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

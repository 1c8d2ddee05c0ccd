import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import {
  BackupFailedError,
  RestoreFailedError,
  TransientAdapterError,
  ValidationError,
} from '#core/errors.ts';
import type { BackupStore } from '#core/ports/backup-store.ts';
import { listTables, relationExists, relationNamed, rowSource, type TableInfo } from './catalog.ts';
import { tableChecksum } from './checksums.ts';
import { databaseError } from './connection.ts';
import { inTransaction } from './copy.ts';
import { schemaDdl, tableDdl } from './ddl.ts';
import { objectsLeftOut, refuseLeavingOut, type SchemaObject } from './left-out.ts';
import { withMigrationLock } from './migration-lock.ts';
import { type HistoryEntries, migrationsSince, recordedMigrations } from './migrations.ts';
import { readSequences, type SequenceValue, writeSequences } from './sequences.ts';
import { identList, qualified, quotedLabel, tableLabel } from './sql.ts';
import { withoutUserTriggers } from './triggers.ts';
import { emptyTables } from './undo-copy.ts';

/** Describes one logical backup; stored as `<prefix>/manifest.json` beside one `.copy.gz` object per table. */
export interface BackupManifest {
  readonly format: typeof FORMAT;
  readonly createdAt: string;
  /** The name of the database backed up (absent in older backups). */
  readonly database?: string;
  readonly schemas: readonly string[];
  /** Tables in load order (parents first). */
  readonly tables: readonly {
    readonly table: string;
    readonly key: string;
    readonly columns: readonly string[];
    readonly rows: number;
    /** Order-independent content checksum computed inside PostgreSQL (see `tableChecksum`). */
    readonly checksum: string;
    /** sha256 of the stored gzip object. */
    readonly sha256: string;
    readonly bytes: number;
  }[];
  readonly sequences: readonly SequenceValue[];
  /** Statements that recreate the tables in an empty database. */
  readonly ddl: readonly string[];
  /** The objects of the schemas that `ddl` does not recreate: views, functions, ... (absent in older backups). */
  readonly leftOut?: readonly SchemaObject[];
  /** The migrations the database's history tables recorded in the backup's snapshot (absent in older backups). */
  readonly migrations?: readonly HistoryEntries[];
  /** Those history tables whole, recreated by a restore into an empty database (absent in older backups). */
  readonly histories?: readonly BackupHistory[];
}

/** One migration history table as a backup's snapshot held it. */
export interface BackupHistory {
  /** `schema.name` */
  readonly table: string;
  /** Statements that recreate the table in a database without it. */
  readonly ddl: readonly string[];
  /** Its rows in version order, by column (`version`, `name`, `phase`, `checksum`, `applied_at`, `execution_ms`). */
  readonly rows: readonly Record<string, unknown>[];
}

export const MANIFEST_NAME = 'manifest.json';
const FORMAT = 'cutover-logical-backup/1';

/** How a backup hears that its execution was stopped. */
export interface BackupStopCheck {
  /** Throws (`ExecutionStopped`) once the backup must stop; awaited before each table and while one is read. */
  readonly checkStop: () => Promise<void>;
  /** How often {@link checkStop} runs while a table is read (or waits for its lock). @default 5000 */
  readonly checkEveryMs?: number;
}

/**
 * Takes a logical backup of `schemas` from one consistent snapshot: each table (a partitioned one with the
 * rows of all its partitions) streamed with COPY, gzipped and uploaded (multipart on S3), then the manifest.
 * Returns the manifest's key. A lost database or store connection and the store's transient failures
 * are thrown as `TransientAdapterError` (an upload failing mid-table also ends `client`, whose COPY it cut
 * off); any other failure as `BackupFailed`. Either names the table it failed on. With a
 * {@link BackupStopCheck}, what its `checkStop` throws ends the backup there, before a table or in the middle
 * of a read (ending `client`, so a COPY or a wait for a table's lock stops too), and no manifest is written.
 *
 * @example
 * const manifestKey = await backupDatabase(client, store, 'shop/orders-db/2026-11-28T10-00-00Z', ['public']);
 */
export async function backupDatabase(
  client: pg.Client,
  store: BackupStore,
  prefix: string,
  schemas: readonly string[],
  stop?: BackupStopCheck,
): Promise<string> {
  let stoppedBy: unknown;
  const checkStop = async () => {
    try {
      await stop?.checkStop();
    } catch (error) {
      stoppedBy = error;
      throw error;
    }
  };
  if (stop) {
    // A stop ends `client`: the server then ends the session within seconds, even one waiting for a lock
    // (PostgreSQL 14 and later; before, it notices once its lock is granted).
    await client.query(
      `SELECT set_config('client_connection_check_interval', '1000', false)
       WHERE current_setting('server_version_num')::int >= 140000`,
    );
  }
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  let failing = ''; // ` at <table>` while a table is backed up
  const readManifestData = async (): Promise<BackupManifest> => {
    const tables = await listTables(client, schemas);
    const entries: BackupManifest['tables'][number][] = [];
    for (const [index, table] of tables.entries()) {
      const key = `${prefix}/${String(index).padStart(4, '0')}-${table.schema}.${table.name}.copy.gz`;
      failing = ` at ${tableLabel(table)}`;
      await checkStop();
      entries.push({
        ...(await backupTable(client, store, table, key)),
        ...(await tableChecksum(client, table)),
      });
    }
    failing = '';
    const migrations = await recordedMigrations(client);
    return {
      format: FORMAT,
      createdAt: new Date().toISOString(),
      database: await currentDatabase(client),
      schemas,
      tables: entries,
      sequences: await readSequences(client, schemas),
      ddl: await schemaDdl(client, schemas),
      leftOut: await objectsLeftOut(client, schemas),
      migrations,
      histories: await readHistories(client, migrations),
    };
  };
  try {
    // Every read may wait for a lock (the tables' sizes too): each is stopped by a stop.
    const manifest = stop
      ? await untilStopped(client, checkStop, stop.checkEveryMs ?? 5000, readManifestData)
      : await readManifestData();
    await checkStop();
    const manifestKey = `${prefix}/${MANIFEST_NAME}`;
    await store.put(manifestKey, JSON.stringify(manifest, null, 2), { kind: 'database-backup' });
    return manifestKey;
  } catch (error) {
    if (error instanceof TransientAdapterError || (stoppedBy !== undefined && error === stoppedBy))
      throw error;
    const lost = databaseError(error) instanceof TransientAdapterError; // a lost database or S3 connection
    const Failure = lost ? TransientAdapterError : BackupFailedError;
    throw new Failure(`logical backup to ${prefix} failed${failing}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await client.query('COMMIT').catch(() => undefined);
  }
}

/**
 * Runs `work` on `client`, running `checkStop` every `everyMs` meanwhile: what `checkStop` throws ends
 * `client` (so a COPY or a lock wait of `work` stops) and is thrown once `work` has ended, its own failure
 * then ignored.
 */
async function untilStopped<T>(
  client: pg.Client,
  checkStop: () => Promise<void>,
  everyMs: number,
  work: () => Promise<T>,
): Promise<T> {
  const working = work();
  let timer: NodeJS.Timeout | undefined;
  let settled = false;
  let stoppedWith: { reason: unknown } | undefined;
  const stopped = new Promise<never>((_, reject) => {
    const check = () =>
      checkStop().then(
        () => {
          if (!settled) timer = setTimeout(check, everyMs);
        },
        (reason: unknown) => {
          stoppedWith = { reason };
          reject(reason);
        },
      );
    timer = setTimeout(check, everyMs);
  });
  stopped.catch(() => undefined); // a check still running when `work` ends may yet throw
  try {
    return await Promise.race([working, stopped]);
  } catch (error) {
    if (stoppedWith && stoppedWith.reason === error) {
      await client.end().catch(() => undefined);
      // Its COPY or lock wait now fails at once: its upload is given up before the stop is reported.
      await working.catch(() => undefined);
    }
    throw error;
  } finally {
    settled = true;
    clearTimeout(timer);
  }
}

/** A pass-through stream that counts and hashes (sha256) the bytes flowing through it. */
function measuring(): { stream: Transform; sha256: () => string; bytes: () => number } {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, sha256: () => hash.digest('hex'), bytes: () => bytes };
}

async function backupTable(client: pg.Client, store: BackupStore, table: TableInfo, key: string) {
  const { stream: measure, sha256, bytes } = measuring();
  const rows = client.query(
    copyTo(`COPY (SELECT ${identList(table.columns)} FROM ${rowSource(table)}) TO STDOUT`),
  );
  // Both started in this tick, so every stream has its error handled; a failed upload stops the chain.
  const uploaded = store.put(key, measure, { table: tableLabel(table) }).catch((error: unknown) => {
    measure.destroy(error as Error);
    throw error;
  });
  const [copy, upload] = await Promise.allSettled([pipeline(rows, createGzip(), measure), uploaded]);
  if (copy.status === 'rejected' && !rows.readableEnded && !(copy.reason instanceof pg.DatabaseError)) {
    // The COPY was cut off mid-stream: its session goes on sending rows and would hold every later query.
    await client.end();
  }
  // The upload's failure is the store's or the COPY's own (it destroys the upload's stream); the copy's
  // may only say the upload stopped reading.
  for (const result of [upload, copy]) if (result.status === 'rejected') throw result.reason;
  return { table: tableLabel(table), key, columns: table.columns, sha256: sha256(), bytes: bytes() };
}

/**
 * The history tables that recorded `recorded` (as the `search_path` finds them), with their definition
 * and rows.
 */
async function readHistories(
  client: pg.Client,
  recorded: readonly HistoryEntries[],
): Promise<BackupHistory[]> {
  const histories: BackupHistory[] = [];
  for (const { historyTable } of recorded) {
    const table = (await relationNamed(client, historyTable))!;
    const { rows } = await client.query<{ rows: Record<string, unknown>[] }>(
      `SELECT jsonb_agg(to_jsonb(h) ORDER BY h.version) AS rows FROM ${qualified(table)} h`,
    );
    histories.push({ table: tableLabel(table), ddl: await tableDdl(client, table), rows: rows[0]!.rows });
  }
  return histories;
}

/** Reads a backup's manifest; a key holding anything else is a `ValidationError` naming the manifest's key. */
export async function readManifest(store: BackupStore, manifestKey: string): Promise<BackupManifest> {
  const text = (await store.get(manifestKey)).toString('utf8');
  let manifest: Partial<BackupManifest> | null;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw notAManifest(manifestKey, 'not JSON');
  }
  if (manifest?.format !== FORMAT) throw notAManifest(manifestKey, `no "format": "${FORMAT}"`);
  return manifest as BackupManifest;
}

/** Says that `key` holds no manifest, and which key would: the manifest of a backup in the key's folder. */
function notAManifest(key: string, why: string): ValidationError {
  const folder = key.slice(0, key.lastIndexOf('/'));
  const beside = folder ? ` (in this key's folder: ${folder}/${MANIFEST_NAME})` : '';
  return new ValidationError(
    `${key} is not a backup manifest (${why}): a backup is named by its manifest's key, ` +
      `<backup folder>/${MANIFEST_NAME}${beside}`,
  );
}

/** Settings of {@link restoreDatabase}. */
export interface RestoreOptions {
  /** Restore although migrations were applied to the database after the backup was taken. */
  readonly overLaterMigrations?: boolean;
  /** Restore over the rows of a database other than the one backed up (by its name). */
  readonly overAnotherDatabase?: boolean;
}

/** What {@link restoreDatabase} did with the migration history. */
export interface RestoreReport {
  /**
   * `restored`: the database was empty and its history tables now record the migrations of the backup's
   * snapshot; `kept`: the backup was loaded into existing tables, under the database's own history;
   * `missing`: the database was empty and the backup, taken by an earlier version of Cutover, does not
   * hold its history, so the database records none of the migrations that made its tables.
   */
  readonly history: 'restored' | 'kept' | 'missing';
}

/**
 * Loads a backup into the database in one transaction: into an empty database it first runs the DDL and
 * recreates the migration history tables as of the backup (a history table already there keeps its rows
 * and gets the backup's others), after refusing (`ValidationError`) when the database lacks objects the
 * DDL does not recreate (`leftOut`); otherwise it empties the backed-up tables (and the empty tables
 * referencing them). It loads them with their user triggers disabled. Sequences are set, and every table's count and checksum is checked
 * against the manifest before commit, so a restore is whole or not at all. A database that migrations
 * changed after the backup is refused (`ValidationError` naming them) unless `overLaterMigrations`: their
 * schema would stay, and the history would still list them, under the backup's data; so is a database of
 * another name than the one backed up whose tables of the backup hold rows, unless `overAnotherDatabase`
 * (see {@link refuseAnotherDatabase}). It holds the
 * database's migration lock throughout and does not wait for it: while a migration (or another restore)
 * holds it, it fails `MigrationLocked` naming that session, and restores nothing.
 *
 * @example
 * await restoreDatabase(client, store, 'shop/orders-db/2026-11-28T10-00-00Z/manifest.json');
 */
export async function restoreDatabase(
  client: pg.Client,
  store: BackupStore,
  manifestKey: string,
  { overLaterMigrations = false, overAnotherDatabase = false }: RestoreOptions = {},
): Promise<RestoreReport> {
  const manifest = await readManifest(store, manifestKey);
  // Held for the check and the restore, so the check sees every migration that committed and none starts
  // until the restore has: a migration running now would otherwise be restored over once it commits.
  return withMigrationLock(client, { until: Date.now(), refused: 'nothing was restored' }, async () => {
    if (!overAnotherDatabase) await refuseAnotherDatabase(client, manifest);
    const later = overLaterMigrations ? [] : await migrationsAfter(client, manifest);
    if (later.length > 0) {
      const migrations = later.map((entries) => entries.migrations.join(', ')).join(', ');
      const histories = later.map((entries) => entries.historyTable).join(' and ');
      const tables = manifest.tables.map((entry) => entry.table).join(', ');
      const replaced = tables
        ? `it replaces every table of the backup (${tables}), other services' tables in the same schemas included`
        : 'the backup holds no table, so no table is replaced';
      throw new ValidationError(
        `migrations ${migrations} were applied to this database after the backup was taken: restoring would ` +
          `put the backup's data under their schema while ${histories} still ${later.length === 1 ? 'lists' : 'list'} ` +
          'them. Restore into an empty database, undo those migrations first, or restore over them anyway ' +
          `(--force): ${replaced}`,
      );
    }
    try {
      return await inTransaction(client, async () => {
        const existing = new Set((await listTables(client, manifest.schemas)).map(tableLabel));
        if (existing.size === 0) {
          await refuseLeavingOut(client, manifest.schemas, manifest.leftOut ?? []);
          for (const statement of manifest.ddl) await client.query(statement);
          for (const history of manifest.histories ?? []) await restoreHistory(client, history);
        }
        const missing = manifest.tables.filter((t) => existing.size > 0 && !existing.has(t.table));
        if (missing.length > 0)
          throw new Error(`tables missing in the database: ${missing.map((t) => t.table).join(', ')}`);
        const tables = manifest.tables.map((t) => t.table);
        await withoutUserTriggers(client, tables, async () => {
          await emptyTables(client, tables);
          for (const entry of manifest.tables) {
            const source = await store.getStream(entry.key);
            const measure = measuring();
            // Started only now and piped in the same tick, so a failing COPY's error reaches the pipeline.
            const writer = client.query(
              copyFrom(`COPY ${quotedLabel(entry.table)} (${identList(entry.columns)}) FROM STDIN`),
            );
            await pipeline(source, measure.stream, createGunzip(), writer);
            const sha256 = measure.sha256();
            if (sha256 !== entry.sha256) {
              throw new Error(
                `${entry.table}: its backup object ${entry.key} changed after the backup (sha256 ${sha256}, ` +
                  `the manifest's ${entry.sha256})`,
              );
            }
          }
        });
        await writeSequences(client, manifest.sequences, manifest.schemas);
        await verifyRestored(client, manifest);
        return { history: existing.size > 0 ? 'kept' : holdsHistory(manifest) ? 'restored' : 'missing' };
      });
    } catch (error) {
      if (error instanceof ValidationError) throw error; // refused before anything was written
      // PostgreSQL's hint says what it would take (`Must be superuser to create this extension.`).
      const hint = error instanceof pg.DatabaseError && error.hint ? ` (${error.hint})` : '';
      throw new RestoreFailedError(
        `restore of ${manifestKey} failed and was rolled back: ${(error as Error).message}${hint}`,
        { cause: error },
      );
    }
  });
}

/** The name of the database `client` is connected to. */
async function currentDatabase(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ name: string }>('SELECT current_database() AS name');
  return rows[0]!.name;
}

/**
 * Refuses (`ValidationError`) to restore a backup into a database of another name than the one backed up
 * when the backup's tables there hold rows, which the restore would replace: a restore into the wrong
 * database of a server. One into an empty database (a copy, a rehearsal) goes on.
 */
async function refuseAnotherDatabase(client: pg.Client, manifest: BackupManifest): Promise<void> {
  const database = await currentDatabase(client);
  if (manifest.database === undefined || manifest.database === database) return;
  const existing = new Map((await listTables(client, manifest.schemas)).map((t) => [tableLabel(t), t]));
  const holdingRows: string[] = [];
  for (const { table } of manifest.tables) {
    const found = existing.get(table);
    if (!found) continue;
    const { rows } = await client.query(`SELECT 1 FROM ${qualified(found)} LIMIT 1`);
    if (rows.length > 0) holdingRows.push(table);
  }
  if (holdingRows.length === 0) return;
  throw new ValidationError(
    `this database is ${database}, not ${manifest.database}, the database backed up, and the restore would ` +
      `replace the rows of ${holdingRows.join(', ')}: restore into an empty database or into ` +
      `${manifest.database}, or replace them anyway (--force)`,
  );
}

/** Creates a history table of the backup unless the database has it, and adds the versions it does not record. */
async function restoreHistory(client: pg.Client, history: BackupHistory): Promise<void> {
  const table = quotedLabel(history.table);
  if (!(await relationExists(client, table)))
    for (const statement of history.ddl) await client.query(statement);
  await client.query(
    `INSERT INTO ${table} SELECT * FROM jsonb_populate_recordset(NULL::${table}, $1) ON CONFLICT DO NOTHING`,
    [JSON.stringify(history.rows)],
  );
}

/** Whether the backup holds its migration history: a manifest listing no migration had none to hold. */
function holdsHistory(manifest: BackupManifest): boolean {
  return manifest.histories !== undefined || manifest.migrations?.length === 0;
}

/**
 * The migrations the database's histories record that the backup's snapshot did not; for a backup from
 * before manifests listed them, those applied after its `createdAt` by the server's clock.
 */
async function migrationsAfter(client: pg.Client, manifest: BackupManifest): Promise<HistoryEntries[]> {
  if (!manifest.migrations) return recordedMigrations(client, new Date(manifest.createdAt));
  return migrationsSince(await recordedMigrations(client), manifest.migrations);
}

async function verifyRestored(client: pg.Client, manifest: BackupManifest): Promise<void> {
  const tables = new Map((await listTables(client, manifest.schemas)).map((t) => [tableLabel(t), t]));
  for (const entry of manifest.tables) {
    const table = tables.get(entry.table)!;
    const actual = await tableChecksum(client, { ...table, columns: entry.columns });
    if (actual.rows !== entry.rows || actual.checksum !== entry.checksum) {
      throw new Error(
        `${entry.table} restored ${actual.rows} rows (checksum ${actual.checksum}), backup has ${entry.rows} (${entry.checksum})`,
      );
    }
  }
}

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
import { listTables, type TableInfo } from './catalog.ts';
import { tableChecksum } from './checksums.ts';
import { databaseError } from './connection.ts';
import { inTransaction } from './copy.ts';
import { schemaDdl } from './ddl.ts';
import { type HistoryEntries, migrationsSince, recordedMigrations } from './migrations.ts';
import { readSequences, type SequenceValue, writeSequences } from './sequences.ts';
import { identList, qualified, quotedLabel, tableLabel } from './sql.ts';
import { emptyTables } from './undo-copy.ts';

/** Describes one logical backup; stored as `<prefix>/manifest.json` beside one `.copy.gz` object per table. */
export interface BackupManifest {
  readonly format: 'cutover-logical-backup/1';
  readonly createdAt: string;
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
  /** The migrations the database's history tables recorded in the backup's snapshot (absent in older backups). */
  readonly migrations?: readonly HistoryEntries[];
}

export const MANIFEST_NAME = 'manifest.json';

/**
 * Takes a logical backup of `schemas` from one consistent snapshot: each table (a partitioned one with the
 * rows of all its partitions) streamed with COPY, gzipped and uploaded (multipart on S3), then the manifest.
 * Returns the manifest's key. A lost database or store connection and the store's transient failures
 * are thrown as `TransientAdapterError` (an upload failing mid-table also ends `client`, whose COPY it cut
 * off); any other failure as `BackupFailed`. Either names the table it failed on.
 *
 * @example
 * const manifestKey = await backupDatabase(client, store, 'shop/orders-db/2026-11-28T10-00-00Z', ['public']);
 */
export async function backupDatabase(
  client: pg.Client,
  store: BackupStore,
  prefix: string,
  schemas: readonly string[],
): Promise<string> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  let failing = ''; // ` at <table>` while a table is backed up
  try {
    const tables = await listTables(client, schemas);
    const entries: BackupManifest['tables'][number][] = [];
    for (const [index, table] of tables.entries()) {
      const key = `${prefix}/${String(index).padStart(4, '0')}-${table.schema}.${table.name}.copy.gz`;
      failing = ` at ${tableLabel(table)}`;
      entries.push({
        ...(await backupTable(client, store, table, key)),
        ...(await tableChecksum(client, table)),
      });
    }
    failing = '';
    const manifest: BackupManifest = {
      format: 'cutover-logical-backup/1',
      createdAt: new Date().toISOString(),
      schemas,
      tables: entries,
      sequences: await readSequences(client, schemas),
      ddl: await schemaDdl(client, schemas),
      migrations: await recordedMigrations(client),
    };
    const manifestKey = `${prefix}/${MANIFEST_NAME}`;
    await store.put(manifestKey, JSON.stringify(manifest, null, 2), { kind: 'database-backup' });
    return manifestKey;
  } catch (error) {
    if (error instanceof TransientAdapterError) throw error;
    const lost = databaseError(error) instanceof TransientAdapterError; // a lost database or S3 connection
    const Failure = lost ? TransientAdapterError : BackupFailedError;
    throw new Failure(`logical backup to ${prefix} failed${failing}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await client.query('COMMIT').catch(() => undefined);
  }
}

async function backupTable(client: pg.Client, store: BackupStore, table: TableInfo, key: string) {
  const hash = createHash('sha256');
  let bytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
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
  return { table: tableLabel(table), key, columns: table.columns, sha256: hash.digest('hex'), bytes };
}

/**
 * What a table's backup reads: a partitioned table whole (PostgreSQL refuses to COPY it by name; its
 * partitions are not listed on their own), any other table `ONLY`, as its inheritance children are.
 */
function rowSource(table: TableInfo): string {
  return table.partitioned ? qualified(table) : `ONLY ${qualified(table)}`;
}

/** Reads a backup's manifest. */
export async function readManifest(store: BackupStore, manifestKey: string): Promise<BackupManifest> {
  return JSON.parse((await store.get(manifestKey)).toString('utf8')) as BackupManifest;
}

/** Settings of {@link restoreDatabase}. */
export interface RestoreOptions {
  /** Restore although migrations were applied to the database after the backup was taken. */
  readonly overLaterMigrations?: boolean;
}

/**
 * Loads a backup into the database in one transaction: into an empty database it first runs the DDL;
 * otherwise it empties the backed-up tables (and the empty tables referencing them) and loads them.
 * Sequences are set, and every table's count and checksum is checked against the manifest before
 * commit, so a restore is whole or not at all. A database that migrations changed after the backup is
 * refused (`ValidationError` naming them) unless `overLaterMigrations`: their schema would stay, and the
 * history would still list them, under the backup's data.
 *
 * @example
 * await restoreDatabase(client, store, 'shop/orders-db/2026-11-28T10-00-00Z/manifest.json');
 */
export async function restoreDatabase(
  client: pg.Client,
  store: BackupStore,
  manifestKey: string,
  { overLaterMigrations = false }: RestoreOptions = {},
): Promise<void> {
  const manifest = await readManifest(store, manifestKey);
  const later = overLaterMigrations ? [] : await migrationsAfter(client, manifest);
  if (later.length > 0) {
    const migrations = later.map((entries) => entries.migrations.join(', ')).join(', ');
    const histories = later.map((entries) => entries.historyTable).join(' and ');
    const tables = manifest.tables.map((entry) => entry.table).join(', ');
    throw new ValidationError(
      `migrations ${migrations} were applied to this database after the backup was taken: restoring would ` +
        `put the backup's data under their schema while ${histories} still ${later.length === 1 ? 'lists' : 'list'} ` +
        'them. Restore into an empty database, undo those migrations first, or restore over them anyway ' +
        `(--force): it replaces every table of the backup (${tables}), other services' tables in the same ` +
        'schemas included',
    );
  }
  try {
    await inTransaction(client, async () => {
      const existing = new Set((await listTables(client, manifest.schemas)).map(tableLabel));
      if (existing.size === 0) for (const statement of manifest.ddl) await client.query(statement);
      const missing = manifest.tables.filter((t) => existing.size > 0 && !existing.has(t.table));
      if (missing.length > 0)
        throw new Error(`tables missing in the database: ${missing.map((t) => t.table).join(', ')}`);
      await emptyTables(
        client,
        manifest.tables.map((t) => t.table),
      );
      for (const entry of manifest.tables) {
        const source = await store.getStream(entry.key);
        // Started only now and piped in the same tick, so a failing COPY's error reaches the pipeline.
        const writer = client.query(
          copyFrom(`COPY ${quotedLabel(entry.table)} (${identList(entry.columns)}) FROM STDIN`),
        );
        await pipeline(source, createGunzip(), writer);
      }
      await writeSequences(client, manifest.sequences, manifest.schemas);
      await verifyRestored(client, manifest);
    });
  } catch (error) {
    throw new RestoreFailedError(
      `restore of ${manifestKey} failed and was rolled back: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
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

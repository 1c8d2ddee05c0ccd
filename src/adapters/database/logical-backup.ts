import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { BackupFailedError, RestoreFailedError } from '#core/errors.ts';
import type { BackupStore } from '#core/ports/backup-store.ts';
import { listTables, type TableInfo } from './catalog.ts';
import { tableChecksum } from './checksums.ts';
import { copiedTables, forgetCopy, inTransaction } from './copy.ts';
import { schemaDdl } from './ddl.ts';
import { readSequences, type SequenceValue, writeSequences } from './sequences.ts';
import { identList, qualified, quoteIdent, tableLabel } from './sql.ts';

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
}

export const MANIFEST_NAME = 'manifest.json';

/**
 * Takes a logical backup of `schemas` from one consistent snapshot: each table streamed with COPY, gzipped
 * and uploaded (multipart on S3), then the manifest. Returns the manifest's key.
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
  try {
    const tables = await listTables(client, schemas);
    const entries: BackupManifest['tables'][number][] = [];
    for (const [index, table] of tables.entries()) {
      const key = `${prefix}/${String(index).padStart(4, '0')}-${table.schema}.${table.name}.copy.gz`;
      entries.push({
        ...(await backupTable(client, store, table, key)),
        ...(await tableChecksum(client, table)),
      });
    }
    const manifest: BackupManifest = {
      format: 'cutover-logical-backup/1',
      createdAt: new Date().toISOString(),
      schemas,
      tables: entries,
      sequences: await readSequences(client, schemas),
      ddl: await schemaDdl(client, schemas),
    };
    const manifestKey = `${prefix}/${MANIFEST_NAME}`;
    await store.put(manifestKey, JSON.stringify(manifest, null, 2), { kind: 'database-backup' });
    return manifestKey;
  } catch (error) {
    throw new BackupFailedError(`logical backup to ${prefix} failed: ${(error as Error).message}`, {
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
  const rows = client.query(copyTo(`COPY ${qualified(table)} (${identList(table.columns)}) TO STDOUT`));
  const gzipped = rows.pipe(createGzip()).pipe(measure);
  rows.on('error', (error) => gzipped.destroy(error));
  await store.put(key, gzipped, { table: tableLabel(table) });
  return { table: tableLabel(table), key, columns: table.columns, sha256: hash.digest('hex'), bytes };
}

/** Reads a backup's manifest. */
export async function readManifest(store: BackupStore, manifestKey: string): Promise<BackupManifest> {
  return JSON.parse((await store.get(manifestKey)).toString('utf8')) as BackupManifest;
}

/** Settings of {@link restoreDatabase}. */
export interface RestoreOptions {
  /**
   * A copy run into this database to undo as well: the tables it copied into are emptied (they were empty
   * when it started) and its progress rows removed, so a later run can copy again.
   */
  readonly copyId?: string;
}

/**
 * Loads a backup into the database in one transaction: into an empty database it first runs the DDL;
 * otherwise it empties the backed-up tables (and the empty tables referencing them) and loads them.
 * Sequences are set, and every table's count and checksum is checked against the manifest before
 * commit, so a restore is whole or not at all.
 *
 * @example
 * await restoreDatabase(client, store, 'shop/orders-db/2026-11-28T10-00-00Z/manifest.json');
 */
export async function restoreDatabase(
  client: pg.Client,
  store: BackupStore,
  manifestKey: string,
  options: RestoreOptions = {},
): Promise<void> {
  const manifest = await readManifest(store, manifestKey);
  try {
    await inTransaction(client, async () => {
      const existing = new Set((await listTables(client, manifest.schemas)).map(tableLabel));
      if (existing.size === 0) for (const statement of manifest.ddl) await client.query(statement);
      const missing = manifest.tables.filter((t) => existing.size > 0 && !existing.has(t.table));
      if (missing.length > 0)
        throw new Error(`tables missing in the database: ${missing.map((t) => t.table).join(', ')}`);
      const copied = options.copyId ? await copiedTables(client, options.copyId) : [];
      await emptyTables(client, [...new Set([...manifest.tables.map((t) => t.table), ...copied])]);
      if (copied.length > 0) await forgetCopy(client, options.copyId!);
      for (const entry of manifest.tables) {
        const writer = client.query(
          copyFrom(`COPY ${quotedLabel(entry.table)} (${identList(entry.columns)}) FROM STDIN`),
        );
        await pipeline(await store.getStream(entry.key), createGunzip(), writer);
      }
      await writeSequences(client, manifest.sequences);
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
 * Empties tables (`schema.name`) in one TRUNCATE, together with the tables referencing them by foreign
 * key when those are empty (such as tables created by migrations after the backup); a referencing table
 * holding rows stops the restore, named.
 */
async function emptyTables(client: pg.Client, labels: readonly string[]): Promise<void> {
  if (labels.length === 0) return;
  const names = labels.map(quotedLabel);
  const { rows: referencing } = await client.query<{ name: string }>(
    `WITH RECURSIVE emptied(oid) AS (
       SELECT unnest($1::regclass[])::oid
       UNION SELECT k.conrelid FROM pg_constraint k JOIN emptied e ON k.confrelid = e.oid WHERE k.contype = 'f')
     SELECT oid::regclass::text AS name FROM emptied WHERE oid <> ALL ($1::regclass[]::oid[])`,
    [names],
  );
  for (const { name } of referencing) {
    if ((await client.query(`SELECT 1 FROM ${name} LIMIT 1`)).rowCount) {
      throw new Error(`table ${name} references the restored tables and holds rows the backup does not have`);
    }
  }
  await client.query(`TRUNCATE ${[...names, ...referencing.map((r) => r.name)].join(', ')}`);
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

function quotedLabel(label: string): string {
  const dot = label.indexOf('.');
  return `${quoteIdent(label.slice(0, dot))}.${quoteIdent(label.slice(dot + 1))}`;
}

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { MigrationChecksumMismatchError, MigrationFailedError, ValidationError } from '#core/errors.ts';
import type { BackupStore } from '#core/ports/backup-store.ts';
import { inTransaction } from './copy.ts';

/** Expand migrations run before the app rollout (additive), contract ones after it (removals). */
export type MigrationPhase = 'expand' | 'contract';

/** One versioned migration file `V<n>__<name>.sql`; a first line `-- phase: contract` makes it contract. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly phase: MigrationPhase;
  readonly sql: string;
  /** sha256 of the text with line endings normalised. */
  readonly checksum: string;
}

/** What {@link applyMigrations} did. */
export interface MigrationReport {
  readonly applied: readonly { version: number; name: string; ms: number }[];
  /** Versions still pending after this run (the other phase's). */
  readonly pending: readonly number[];
}

const FILE_NAME = /^V([1-9][0-9]*)__([A-Za-z0-9_]+)\.sql$/;
const HISTORY = 'cutover_schema_history';
/** pg_advisory_lock key: the 64-bit number spelled by "cutover!" in ASCII. */
const LOCK_KEY = '7166762404106564129';

/** Parses migration files (name -> text) into migrations sorted by version; refuses bad names. */
export function parseMigrations(files: ReadonlyMap<string, string>): Migration[] {
  const migrations = [...files].map(([file, text]) => {
    const match = FILE_NAME.exec(file);
    if (!match) throw new ValidationError(`migration file ${file} must be named V<version>__<name>.sql`);
    const sql = text.replaceAll('\r\n', '\n');
    const phase: MigrationPhase = /^--\s*phase:\s*contract\b/i.test(sql) ? 'contract' : 'expand';
    const checksum = createHash('sha256').update(sql).digest('hex');
    return { version: Number(match[1]), name: match[2]!, phase, sql, checksum };
  });
  migrations.sort((a, b) => a.version - b.version);
  const duplicate = migrations.find((m, i) => i > 0 && migrations[i - 1]!.version === m.version);
  if (duplicate) throw new ValidationError(`migrations: version ${duplicate.version} is used twice`);
  return migrations;
}

/**
 * Reads the `.sql` files of a directory (relative to the working directory: where `cutover local` runs);
 * one that cannot be read is a `ValidationError`.
 */
export async function loadMigrationsFromDirectory(directory: string): Promise<Migration[]> {
  const entries = await readdir(directory).catch((error: NodeJS.ErrnoException) => {
    throw new ValidationError(
      `migrations.directory ${directory} cannot be read (${error.code ?? error.message}); ` +
        `a relative path is resolved from ${process.cwd()}`,
      { cause: error },
    );
  });
  const names = entries.filter((name) => name.endsWith('.sql'));
  const files = new Map(
    await Promise.all(names.map(async (n) => [n, await readFile(join(directory, n), 'utf8')] as const)),
  );
  return parseMigrations(files);
}

/** Reads the `.sql` objects directly under a prefix of a store (an S3 prefix through `S3BackupStore`). */
export async function loadMigrationsFromStore(store: BackupStore, prefix: string): Promise<Migration[]> {
  const objects = (await store.list(prefix)).filter(
    (o) => o.key.endsWith('.sql') && !o.key.slice(prefix.length).includes('/'),
  );
  const files = new Map(
    await Promise.all(
      objects.map(
        async (o) => [o.key.slice(prefix.length), (await store.get(o.key)).toString('utf8')] as const,
      ),
    ),
  );
  return parseMigrations(files);
}

/**
 * Applies the pending migrations of `phase` (or all) in version order, each in its own transaction,
 * under a PostgreSQL advisory lock, recording each in `cutover_schema_history`. Refuses to start when an
 * applied migration's file changed (`MigrationChecksumMismatch`); a failing one is rolled back and
 * reported as `MigrationFailed`, with the ones before it kept.
 *
 * @example
 * await applyMigrations(client, await loadMigrationsFromDirectory('migrations'), 'expand');
 */
export async function applyMigrations(
  client: pg.Client,
  migrations: readonly Migration[],
  phase: MigrationPhase | 'all',
): Promise<MigrationReport> {
  await client.query('SELECT pg_advisory_lock($1::bigint)', [LOCK_KEY]);
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${HISTORY} (version integer PRIMARY KEY, name text NOT NULL, phase text NOT NULL,
         checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), execution_ms integer NOT NULL)`,
    );
    const applied = await appliedChecksums(client);
    for (const migration of migrations) {
      const checksum = applied.get(migration.version);
      if (checksum !== undefined && checksum !== migration.checksum) {
        throw new MigrationChecksumMismatchError(
          `migration V${migration.version}__${migration.name} was changed after it was applied ` +
            `(applied checksum ${checksum}, file checksum ${migration.checksum}): add a new migration instead`,
        );
      }
    }
    const pending = migrations.filter((m) => !applied.has(m.version));
    const now = pending.filter((m) => phase === 'all' || m.phase === phase);
    const report: { version: number; name: string; ms: number }[] = [];
    for (const migration of now) report.push(await applyOne(client, migration));
    return { applied: report, pending: pending.filter((m) => !now.includes(m)).map((m) => m.version) };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [LOCK_KEY]);
  }
}

async function appliedChecksums(client: pg.Client): Promise<Map<number, string>> {
  const { rows } = await client.query<{ version: number; checksum: string }>(
    `SELECT version, checksum FROM ${HISTORY}`,
  );
  return new Map(rows.map((r) => [r.version, r.checksum]));
}

async function applyOne(client: pg.Client, migration: Migration) {
  const started = Date.now();
  const label = `V${migration.version}__${migration.name}`;
  try {
    await inTransaction(client, async () => {
      await client.query(migration.sql);
      await client.query(
        `INSERT INTO ${HISTORY} (version, name, phase, checksum, execution_ms) VALUES ($1, $2, $3, $4, $5)`,
        [migration.version, migration.name, migration.phase, migration.checksum, Date.now() - started],
      );
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new MigrationFailedError(`migration ${label} failed and was rolled back: ${message}`, {
      cause: error,
    });
  }
  return { version: migration.version, name: migration.name, ms: Date.now() - started };
}

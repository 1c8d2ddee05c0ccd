import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { folderPrefix } from '#core/backup-keys.ts';
import { ValidationError } from '#core/errors.ts';
import type { BackupStore } from '#core/ports/backup-store.ts';
import {
  holdsStatement,
  outsideTransaction,
  schemasCreated,
  transactionControl,
} from './transaction-control.ts';

/** Expand migrations run before the app rollout (additive), contract ones after it (removals). */
export type MigrationPhase = 'expand' | 'contract';

/**
 * One versioned migration file `V<n>__<name>.sql`; a first line `-- phase: contract` (blank lines and a
 * byte order mark before it aside) makes it contract.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly phase: MigrationPhase;
  readonly sql: string;
  /** sha256 of the text without a byte order mark, with line endings normalised. */
  readonly checksum: string;
}

/**
 * The schemas the migrations of `phase` create (`CREATE SCHEMA`, see {@link schemasCreated}), named as
 * PostgreSQL names them.
 */
export function schemasCreatedBy(migrations: readonly Migration[], phase: MigrationPhase | 'all'): string[] {
  return migrations
    .filter((migration) => phase === 'all' || migration.phase === phase)
    .flatMap((migration) => schemasCreated(migration.sql));
}

const FILE_NAME = /^V([1-9][0-9]*)__([A-Za-z0-9_]+)\.sql$/;
/** The largest version a history table can hold (a PostgreSQL `integer`). */
const MAX_VERSION = 2_147_483_647;

/**
 * Parses migration files (name -> text) into migrations sorted by version; refuses bad names and versions
 * past 2147483647, saying `where` the files are (a field and its value) when given.
 */
export function parseMigrations(files: ReadonlyMap<string, string>, where?: string): Migration[] {
  const at = where === undefined ? '' : ` in ${where}`;
  const migrations = [...files].map(([file, text]) => {
    const match = FILE_NAME.exec(file);
    if (!match) {
      throw new ValidationError(
        `migration file ${file}${at} must be named V<version>__<name>.sql: a whole version from 1 without ` +
          'leading zeros (V3, not V03 or V1.5), then two underscores and a name of letters, digits and _ ' +
          '(V3__add_email.sql)',
      );
    }
    const version = Number(match[1]);
    if (version > MAX_VERSION) {
      throw new ValidationError(
        `migration file ${file}${at}: the version must be from 1 to ${MAX_VERSION} (a PostgreSQL integer)`,
      );
    }
    // PostgreSQL refuses a byte order mark, so no file with one was ever applied (and checksummed).
    const sql = text.replace(/^\uFEFF/, '').replaceAll('\r\n', '\n');
    const phase: MigrationPhase = /^--\s*phase:\s*contract\b/i.test(sql.trimStart()) ? 'contract' : 'expand';
    const checksum = createHash('sha256').update(sql).digest('hex');
    return { version, name: match[2]!, phase, sql, checksum };
  });
  migrations.sort((a, b) => a.version - b.version);
  const index = migrations.findIndex((m, i) => i > 0 && migrations[i - 1]!.version === m.version);
  if (index > 0) {
    const files = [migrations[index - 1]!, migrations[index]!].map((m) => `${labelOf(m)}.sql`).sort();
    throw new ValidationError(
      `migrations${at}: version ${migrations[index]!.version} is used twice (${files.join(', ')})`,
    );
  }
  return migrations;
}

/**
 * Reads the `.sql` files of a directory (relative to the working directory: where `cutover local` runs);
 * one that cannot be read or holds none is a `ValidationError`.
 */
export async function loadMigrationsFromDirectory(directory: string): Promise<Migration[]> {
  const entries = await readdir(directory).catch((error: NodeJS.ErrnoException) => {
    const where = isAbsolute(directory) ? '' : `; a relative path is resolved from ${process.cwd()}`;
    throw new ValidationError(
      `migrations.directory ${directory} cannot be read (${error.code ?? error.message})${where}`,
      { cause: error },
    );
  });
  const names = migrationFileNames(entries, `migrations.directory ${directory}`);
  if (names.length === 0) throw noMigrations(`migrations.directory ${directory}`);
  const where = `migrations.directory ${directory}`;
  const read = async (name: string) =>
    readFile(join(directory, name), 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new ValidationError(
        `migration file ${name} in ${where} cannot be read (${error.code ?? error.message}): each V<version>__<name>.sql must be a file`,
        { cause: error },
      );
    });
  // One at a time, in name order: the first file that cannot be read is the one named.
  const files = new Map<string, string>();
  for (const name of names.toSorted()) files.set(name, await read(name));
  return parseMigrations(files, where);
}

/**
 * Reads the `.sql` objects directly under a prefix of a store (an S3 prefix through `S3BackupStore`),
 * which names a folder: `migrations/orders` reads `migrations/orders/`. None there is a `ValidationError`.
 */
export async function loadMigrationsFromStore(store: BackupStore, prefix: string): Promise<Migration[]> {
  const folder = folderPrefix(prefix);
  const inFolder = (await store.list(folder))
    .map((o) => o.key.slice(folder.length))
    .filter((name) => !name.includes('/'));
  const names = migrationFileNames(inFolder, `migrations.s3Prefix ${folder}`);
  if (names.length === 0) throw noMigrations(`migrations.s3Prefix ${folder}`);
  const files = new Map(
    await Promise.all(
      names.map(async (n) => [n, (await store.get(`${folder}${n}`)).toString('utf8')] as const),
    ),
  );
  return parseMigrations(files, `migrations.s3Prefix ${folder}`);
}

/**
 * The names of the `.sql` files among the names of the files at `where` (a field and its value). Refuses
 * (`ValidationError`) a file that looks like a migration but would not be read, so would be left out
 * without a word: one ending in `.sql` in another case (`V2__b.SQL`), or named like one but ending
 * otherwise (`V2__b.sql.bak`).
 */
export function migrationFileNames(names: readonly string[], where: string): string[] {
  const unread = names.find((name) => !name.endsWith('.sql') && /^V[0-9]+__|\.sql$/i.test(name));
  if (unread !== undefined) {
    throw new ValidationError(
      `migration file ${unread} in ${where} would not be read: migration files are named ` +
        'V<version>__<name>.sql, ending in .sql in lower case (V3__add_email.sql); rename it, or move it ' +
        'out if it is no migration',
    );
  }
  return names.filter((name) => name.endsWith('.sql'));
}

/** Names the field and place that held no migration file (a wrong or misspelt path, an empty upload). */
function noMigrations(where: string): ValidationError {
  return new ValidationError(`${where}: no migration files (V<version>__<name>.sql) found`);
}

/**
 * Refuses (`ValidationError`) a pending migration that cannot be applied as it is (see {@link
 * pendingConflict}). Applied ones are not checked: they ran, and changing them now would only fail their
 * checksum.
 */
export function refusePendingConflicts(pending: readonly Migration[]): void {
  for (const migration of pending) {
    const conflict = pendingConflict(migration);
    if (conflict) throw new ValidationError(conflict);
  }
}

/**
 * Why a pending `migration` cannot be applied as it is, or `undefined` when it can: it holds no statement
 * (applied, its history row would make the SQL written later a changed migration), or its own transaction
 * control (`BEGIN`, `COMMIT`, `ROLLBACK`, ...), which would end the transaction Cutover runs it in, or a
 * statement PostgreSQL runs only outside one (`CREATE INDEX CONCURRENTLY`, `VACUUM`, ...), which would
 * fail there.
 */
export function pendingConflict(migration: Migration): string | undefined {
  if (!holdsStatement(migration.sql)) {
    return (
      `migration ${labelOf(migration)} holds no statement (its file is empty, or comments only): applied, it ` +
      'would be recorded as done, and its SQL, once written, refused as a change to an applied migration ' +
      '(MigrationChecksumMismatch); write its SQL, or remove the file'
    );
  }
  return transactionConflict(migration);
}

function transactionConflict(migration: Migration): string | undefined {
  const why =
    'Cutover runs every migration in a transaction of its own (or of the run, with transaction "all")';
  const control = transactionControl(migration.sql);
  if (control)
    return `migration ${labelOf(migration)} must not contain transaction control (${control}): ${why}`;
  const outside = outsideTransaction(migration.sql);
  if (!outside) return undefined;
  return (
    `migration ${labelOf(migration)} must not contain ${outside}, which PostgreSQL runs only outside a ` +
    `transaction block: ${why}; run it by hand, outside the migrations`
  );
}

export function labelOf(migration: Pick<Migration, 'version' | 'name'>): string {
  return `V${migration.version}__${migration.name}`;
}

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { folderPrefix } from '#adapters/backup/keys.ts';
import { MigrationChecksumMismatchError, MigrationFailedError, ValidationError } from '#core/errors.ts';
import type { BackupStore } from '#core/ports/backup-store.ts';
import {
  DEFAULT_MIGRATION_HISTORY_TABLE,
  DEFAULT_MIGRATION_LOCK_WAIT_SECONDS,
} from '#core/schemas/database-migration.ts';
import { inTransaction } from './copy.ts';
import { withMigrationLock } from './migration-lock.ts';
import { quoteIdent } from './sql.ts';
import { transactionControl } from './transaction-control.ts';

/** Expand migrations run before the app rollout (additive), contract ones after it (removals). */
export type MigrationPhase = 'expand' | 'contract';

/**
 * `each`: one transaction per migration, a failure keeps the ones before it; `all`: the run's pending
 * migrations in one transaction, a failure changes nothing.
 */
export type MigrationTransaction = 'each' | 'all';

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

/** What {@link applyMigrations} did. */
export interface MigrationReport {
  readonly applied: readonly { version: number; name: string; ms: number }[];
  /** Versions still pending after this run (the other phase's). */
  readonly pending: readonly number[];
}

const FILE_NAME = /^V([1-9][0-9]*)__([A-Za-z0-9_]+)\.sql$/;
/** The largest version a history table can hold (a PostgreSQL `integer`). */
const MAX_VERSION = 2_147_483_647;

/** Parses migration files (name -> text) into migrations sorted by version; refuses bad names and versions past 2147483647. */
export function parseMigrations(files: ReadonlyMap<string, string>): Migration[] {
  const migrations = [...files].map(([file, text]) => {
    const match = FILE_NAME.exec(file);
    if (!match) {
      throw new ValidationError(
        `migration file ${file} must be named V<version>__<name>.sql: a whole version from 1 without ` +
          'leading zeros (V3, not V03 or V1.5), then two underscores and a name of letters, digits and _ ' +
          '(V3__add_email.sql)',
      );
    }
    const version = Number(match[1]);
    if (version > MAX_VERSION) {
      throw new ValidationError(
        `migration file ${file}: the version must be from 1 to ${MAX_VERSION} (a PostgreSQL integer)`,
      );
    }
    // PostgreSQL refuses a byte order mark, so no file with one was ever applied (and checksummed).
    const sql = text.replace(/^\uFEFF/, '').replaceAll('\r\n', '\n');
    const phase: MigrationPhase = /^--\s*phase:\s*contract\b/i.test(sql.trimStart()) ? 'contract' : 'expand';
    const checksum = createHash('sha256').update(sql).digest('hex');
    return { version, name: match[2]!, phase, sql, checksum };
  });
  migrations.sort((a, b) => a.version - b.version);
  const duplicate = migrations.find((m, i) => i > 0 && migrations[i - 1]!.version === m.version);
  if (duplicate) throw new ValidationError(`migrations: version ${duplicate.version} is used twice`);
  return migrations;
}

/**
 * Reads the `.sql` files of a directory (relative to the working directory: where `cutover local` runs);
 * one that cannot be read or holds none is a `ValidationError`.
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
  if (names.length === 0) throw noMigrations(`migrations.directory ${directory}`);
  const files = new Map(
    await Promise.all(names.map(async (n) => [n, await readFile(join(directory, n), 'utf8')] as const)),
  );
  return parseMigrations(files);
}

/**
 * Reads the `.sql` objects directly under a prefix of a store (an S3 prefix through `S3BackupStore`),
 * which names a folder: `migrations/orders` reads `migrations/orders/`. None there is a `ValidationError`.
 */
export async function loadMigrationsFromStore(store: BackupStore, prefix: string): Promise<Migration[]> {
  const folder = folderPrefix(prefix);
  const objects = (await store.list(folder)).filter(
    (o) => o.key.endsWith('.sql') && !o.key.slice(folder.length).includes('/'),
  );
  if (objects.length === 0) throw noMigrations(`migrations.s3Prefix ${folder}`);
  const files = new Map(
    await Promise.all(
      objects.map(
        async (o) => [o.key.slice(folder.length), (await store.get(o.key)).toString('utf8')] as const,
      ),
    ),
  );
  return parseMigrations(files);
}

/** Names the field and place that held no migration file (a wrong or misspelt path, an empty upload). */
function noMigrations(where: string): ValidationError {
  return new ValidationError(`${where}: no migration files (V<version>__<name>.sql) found`);
}

/** How {@link applyMigrations} runs the migrations. */
export interface MigrationOptions {
  /** One transaction per migration (`each`, the default) or for all of them. */
  readonly transaction?: MigrationTransaction;
  /**
   * Epoch milliseconds by which a migration's statements must be done: each runs with a
   * `statement_timeout` of the time left, so an overrun fails as `MigrationFailed`, rolled back.
   */
  readonly deadline?: number;
  /**
   * How long to wait while another session holds the migration lock (then `MigrationLocked`, nothing
   * applied), and whom to tell when the wait starts. @default {@link DEFAULT_MIGRATION_LOCK_WAIT_SECONDS}, never past `deadline`
   */
  readonly lockWait?: { readonly seconds: number; readonly onWait?: (holder: string) => void };
  /**
   * The table recording applied migrations (found through the `search_path`); services sharing a database
   * that keep one each number their migrations independently. @default `cutover_schema_history`
   */
  readonly historyTable?: string;
}

/**
 * Applies the pending migrations of `phase` (or all) in version order holding the database's migration
 * lock (`MigrationLocked` when another session keeps it past `lockWait`), recording each in the history
 * table (`cutover_schema_history` unless `historyTable` names another). Refuses to start when an applied migration's file changed
 * (`MigrationChecksumMismatch`) or a pending one is numbered below an applied one of its phase
 * (`ValidationError`). A failing one is reported as `MigrationFailed`: with `transaction: 'each'`
 * (the default) it alone is rolled back and the ones before it are kept; with `'all'` the run's
 * migrations are rolled back with it.
 *
 * @example
 * await applyMigrations(client, await loadMigrationsFromDirectory('migrations'), 'expand');
 */
export async function applyMigrations(
  client: pg.Client,
  migrations: readonly Migration[],
  phase: MigrationPhase | 'all',
  {
    transaction = 'each',
    deadline,
    lockWait,
    historyTable = DEFAULT_MIGRATION_HISTORY_TABLE,
  }: MigrationOptions = {},
): Promise<MigrationReport> {
  const history = quoteIdent(historyTable);
  const waitMs = (lockWait?.seconds ?? DEFAULT_MIGRATION_LOCK_WAIT_SECONDS) * 1000;
  const until = Math.min(Date.now() + waitMs, deadline ?? Number.POSITIVE_INFINITY);
  return withMigrationLock(client, { until, onWait: lockWait?.onWait }, async () => {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${history} (version integer PRIMARY KEY, name text NOT NULL, phase text NOT NULL,
         checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), execution_ms integer NOT NULL)`,
    );
    const applied = await appliedMigrations(client, history);
    for (const migration of migrations)
      refuseChanged(migration, applied.get(migration.version), historyTable);
    const pending = migrations.filter((m) => !applied.has(m.version));
    refuseOutOfOrder(pending, applied);
    refuseTransactionControl(pending);
    const now = pending.filter((m) => phase === 'all' || m.phase === phase);
    const run = (migration: Migration) => applyOne(client, migration, history, deadline);
    const report =
      transaction === 'each' ? await applyEach(client, now, run) : await applyAll(client, now, run);
    return { applied: report, pending: pending.filter((m) => !now.includes(m)).map((m) => m.version) };
  });
}

/**
 * Refuses (`ValidationError`) a pending migration with its own transaction control (`BEGIN`, `COMMIT`,
 * `ROLLBACK`, ...): it would end the transaction Cutover runs it in. Applied ones are not checked: they
 * ran, and changing them now would only fail their checksum.
 */
function refuseTransactionControl(pending: readonly Migration[]): void {
  for (const migration of pending) {
    const control = transactionControl(migration.sql);
    if (control) {
      throw new ValidationError(
        `migration ${labelOf(migration)} must not contain transaction control (${control}): ` +
          'Cutover runs every migration in a transaction of its own (or of the run, with transaction "all")',
      );
    }
  }
}

/** The migrations one history table records, as `V3__backfill`, in version order. */
export interface HistoryEntries {
  readonly historyTable: string;
  readonly migrations: readonly string[];
}

/**
 * The migrations recorded in each history table of the database (every table named `cutover_...` with
 * a history's columns that the `search_path` finds), or only those applied after `since`; tables
 * recording none are left out.
 */
export async function recordedMigrations(client: pg.Client, since?: Date): Promise<HistoryEntries[]> {
  const { rows: tables } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
      WHERE c.relkind IN ('r', 'p') AND starts_with(c.relname, 'cutover_') AND pg_table_is_visible(c.oid)
        AND (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND NOT a.attisdropped
               AND a.attname IN ('version', 'name', 'phase', 'checksum', 'applied_at')) = 5
      ORDER BY c.relname`,
  );
  const entries: HistoryEntries[] = [];
  for (const { name } of tables) {
    const after = since ? 'WHERE applied_at > $1' : '';
    const { rows } = await client.query<{ version: number; name: string }>(
      `SELECT version, name FROM ${quoteIdent(name)} ${after} ORDER BY version`,
      since ? [since] : [],
    );
    if (rows.length > 0) entries.push({ historyTable: name, migrations: rows.map(labelOf) });
  }
  return entries;
}

/** The entries of `now` that `before` does not hold, by history table. */
export function migrationsSince(
  now: readonly HistoryEntries[],
  before: readonly HistoryEntries[],
): HistoryEntries[] {
  return now.flatMap(({ historyTable, migrations }) => {
    const known = new Set(before.find((entries) => entries.historyTable === historyTable)?.migrations);
    const later = migrations.filter((migration) => !known.has(migration));
    return later.length > 0 ? [{ historyTable, migrations: later }] : [];
  });
}

/** What a history table holds of an applied migration. */
interface AppliedRow {
  readonly name: string;
  readonly checksum: string;
  readonly phase: MigrationPhase;
}

async function appliedMigrations(client: pg.Client, history: string): Promise<Map<number, AppliedRow>> {
  const { rows } = await client.query<AppliedRow & { version: number }>(
    `SELECT version, name, checksum, phase FROM ${history}`,
  );
  return new Map(rows.map(({ version, ...row }) => [version, row]));
}

/**
 * Refuses (`MigrationChecksumMismatch`) a file whose version was applied with other text: an applied
 * migration changed since, or, under another name, another migration of that version (services sharing
 * a history table, so their versions must differ).
 */
function refuseChanged(migration: Migration, applied: AppliedRow | undefined, historyTable: string): void {
  if (applied === undefined || applied.checksum === migration.checksum) return;
  const checksums = `applied checksum ${applied.checksum}, file checksum ${migration.checksum}`;
  if (applied.name !== migration.name) {
    throw new MigrationChecksumMismatchError(
      `migration ${labelOf(migration)}: version ${migration.version} is already applied in this database as ` +
        `${labelOf({ version: migration.version, name: applied.name })} (${checksums}), by another service ` +
        `sharing the database or before a rename: give this migration a version ${historyTable} has not ` +
        'recorded, or give each service its own migrations.historyTable',
    );
  }
  throw new MigrationChecksumMismatchError(
    `migration ${labelOf(migration)} was changed after it was applied (${checksums}): add a new migration instead`,
  );
}

/**
 * Refuses (`ValidationError`) pending migrations numbered below an applied migration of their phase: a
 * run applies every pending migration of its phase in version order, so such a file was added after a
 * later one ran. One below an applied migration of the other phase is not refused: a phased run
 * (`expand`) leaves the other phase's migrations (`contract`) pending on purpose.
 */
function refuseOutOfOrder(pending: readonly Migration[], applied: ReadonlyMap<number, AppliedRow>): void {
  const highest = (phase?: MigrationPhase) =>
    Math.max(
      0,
      ...[...applied].filter(([, row]) => !phase || row.phase === phase).map(([version]) => version),
    );
  const late = pending.filter((m) => m.version < highest(m.phase));
  if (late.length === 0) return;
  const files = late.map((m) => `${labelOf(m)}.sql`).join(', ');
  const [noun, verb, pronoun] = late.length === 1 ? ['file', 'is', 'it'] : ['files', 'are', 'them'];
  throw new ValidationError(
    `migration ${noun} ${files} ${verb} numbered below migrations already applied (the highest applied ` +
      `version is ${highest()}): migrations are applied in version order only, so renumber ${pronoun} above ${highest()}`,
  );
}

type ApplyOne = (migration: Migration) => Promise<AppliedMigration>;

/** Each migration in its own transaction: a failure rolls back that one only. */
async function applyEach(client: pg.Client, migrations: readonly Migration[], applyOne: ApplyOne) {
  const applied: AppliedMigration[] = [];
  for (const migration of migrations) {
    try {
      applied.push(await inTransaction(client, () => applyOne(migration)));
    } catch (error) {
      const kept = applied.map(labelOf).join(', ');
      const stay = kept ? ` (${kept}, applied before it in this run, stay applied)` : '';
      throw migrationFailed(`migration ${labelOf(migration)} failed and was rolled back${stay}`, error);
    }
  }
  return applied;
}

/** The migrations in one transaction: a failure, or one at COMMIT, rolls back all of them. */
async function applyAll(client: pg.Client, migrations: readonly Migration[], applyOne: ApplyOne) {
  const applied: AppliedMigration[] = [];
  try {
    return await inTransaction(client, async () => {
      for (const migration of migrations) applied.push(await applyOne(migration));
      return applied;
    });
  } catch (error) {
    const failing = migrations[applied.length];
    const before = migrations.slice(0, applied.length).map(labelOf).join(', ');
    const what = !failing
      ? `migrations ${before} failed at COMMIT and were rolled back`
      : before
        ? `migration ${labelOf(failing)} failed and was rolled back with ${before} (transaction: all)`
        : `migration ${labelOf(failing)} failed and was rolled back`;
    throw migrationFailed(what, error);
  }
}

type AppliedMigration = MigrationReport['applied'][number];

/**
 * Runs one migration and records it in `history` (quoted), inside the caller's transaction, its
 * statements bounded by `deadline`.
 */
async function applyOne(
  client: pg.Client,
  migration: Migration,
  history: string,
  deadline?: number,
): Promise<AppliedMigration> {
  const started = Date.now();
  if (deadline !== undefined) {
    const timeoutMs = String(Math.max(1, Math.floor(deadline - started)));
    await client.query(`SELECT set_config('statement_timeout', $1, true)`, [timeoutMs]);
  }
  await client.query(migration.sql);
  await client.query(
    `INSERT INTO ${history} (version, name, phase, checksum, execution_ms) VALUES ($1, $2, $3, $4, $5)`,
    [migration.version, migration.name, migration.phase, migration.checksum, Date.now() - started],
  );
  return { version: migration.version, name: migration.name, ms: Date.now() - started };
}

function labelOf(migration: Pick<Migration, 'version' | 'name'>): string {
  return `V${migration.version}__${migration.name}`;
}

function migrationFailed(what: string, error: unknown): MigrationFailedError {
  const message = error instanceof Error ? error.message : String(error);
  return new MigrationFailedError(`${what}: ${message}`, { cause: error });
}

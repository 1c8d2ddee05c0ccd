import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { folderPrefix } from '#adapters/backup/keys.ts';
import { MigrationChecksumMismatchError, MigrationFailedError, ValidationError } from '#core/errors.ts';
import type { BackupStore } from '#core/ports/backup-store.ts';
import {
  DEFAULT_MIGRATION_HISTORY_TABLE,
  DEFAULT_MIGRATION_LOCK_TIMEOUT_SECONDS,
  DEFAULT_MIGRATION_LOCK_WAIT_SECONDS,
} from '#core/schemas/database-migration.ts';
import { relationNamed } from './catalog.ts';
import { connectBeside, resetSession } from './connection.ts';
import { inTransaction } from './copy.ts';
import { withMigrationLock } from './migration-lock.ts';
import { qualified, quoteIdent } from './sql.ts';
import { outsideTransaction, transactionControl } from './transaction-control.ts';

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

/** `CREATE SCHEMA [IF NOT EXISTS] <name>`, the name quoted or not. */
const CREATE_SCHEMA = /\bCREATE\s+SCHEMA\s+(?:IF\s+NOT\s+EXISTS\s+)?("(?:[^"]|"")+"|[A-Za-z_][\w$]*)/giu;

/** The schemas `migrations` create, named as PostgreSQL names them (unquoted names in lower case). */
export function schemasCreatedBy(migrations: readonly Migration[]): string[] {
  return migrations.flatMap((migration) =>
    [...migration.sql.matchAll(CREATE_SCHEMA)].map(([, name]) =>
      name!.startsWith('"') ? name!.slice(1, -1).replaceAll('""', '"') : name!.toLowerCase(),
    ),
  );
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
  const names = migrationFileNames(entries, `migrations.directory ${directory}`);
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
  return parseMigrations(files);
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

/** How {@link applyMigrations} runs the migrations. */
export interface MigrationOptions {
  /** One transaction per migration (`each`, the default) or for all of them. */
  readonly transaction?: MigrationTransaction;
  /**
   * Epoch milliseconds by which a migration's statements must be done: each runs with a
   * `statement_timeout` of the time left, so an overrun fails as `MigrationFailed`, rolled back. A
   * statement still running a second later (its migration turned its `statement_timeout` off) is
   * cancelled from a second session.
   */
  readonly deadline?: number;
  /**
   * How long a migration's statement waits for a lock (`lock_timeout`; 0: as long as it takes) while
   * other sessions hold it, since the application's queries on that table queue behind the wait. Then
   * the transaction is rolled back and tried again after a pause, 3 times in all, then fails
   * `MigrationFailed` naming the lock. @default {@link DEFAULT_MIGRATION_LOCK_TIMEOUT_SECONDS}
   */
  readonly lockTimeoutSeconds?: number;
  /**
   * How long to wait while another session holds the migration lock (then `MigrationLocked`, nothing
   * applied), and whom to tell when the wait starts. @default {@link DEFAULT_MIGRATION_LOCK_WAIT_SECONDS}, never past `deadline`
   */
  readonly lockWait?: { readonly seconds: number; readonly onWait?: (holder: string) => void };
  /**
   * The table recording applied migrations: the one the connection's `search_path` finds, else created in
   * its first schema; services sharing a database that keep one each number their migrations independently.
   * @default `cutover_schema_history`
   */
  readonly historyTable?: string;
}

/**
 * Applies the pending migrations of `phase` (or all) in version order holding the database's migration
 * lock (`MigrationLocked` when another session keeps it past `lockWait`), recording each in the history
 * table (`cutover_schema_history` unless `historyTable` names another). Refuses to start when an applied migration's file changed
 * (`MigrationChecksumMismatch`) or a pending one is numbered below an applied one of its phase
 * (`ValidationError`), or holds a statement that cannot run in a transaction (`ValidationError`). Each
 * migration runs in the session as it was opened (what one sets, its `search_path` or role, ends with
 * it), its statements within `deadline` and waiting for a lock at most `lockTimeoutSeconds` (its
 * transaction is then rolled back and tried again, 3 times in all). A failing one is reported as `MigrationFailed`: with
 * `transaction: 'each'` (the default) it alone is rolled back and the ones before it are kept; with
 * `'all'` the run's migrations are rolled back with it.
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
    lockTimeoutSeconds = DEFAULT_MIGRATION_LOCK_TIMEOUT_SECONDS,
  }: MigrationOptions = {},
): Promise<MigrationReport> {
  const waitMs = (lockWait?.seconds ?? DEFAULT_MIGRATION_LOCK_WAIT_SECONDS) * 1000;
  const until = Math.min(Date.now() + waitMs, deadline ?? Number.POSITIVE_INFINITY);
  const limits: StatementLimits = { deadline, lockTimeoutMs: lockTimeoutSeconds * 1000 };
  return withMigrationLock(client, { until, onWait: lockWait?.onWait }, async () => {
    const history = await historyTableOf(client, historyTable);
    const applied = await appliedMigrations(client, history);
    for (const migration of migrations)
      refuseChanged(migration, applied.get(migration.version), historyTable);
    const pending = migrations.filter((m) => !applied.has(m.version));
    refuseOutOfOrder(pending, applied);
    refuseTransactionConflicts(pending);
    const now = pending.filter((m) => phase === 'all' || m.phase === phase);
    const report =
      now.length === 0
        ? []
        : await withSessionWatch(client, limits, (watch) => {
            const run = (migration: Migration) => applyOne(client, migration, history, limits);
            const attempt: Attempt = (work) => retryLockTimeouts(client, work, limits, watch);
            return transaction === 'each' ? applyEach(now, run, attempt) : applyAll(now, run, attempt);
          });
    return { applied: report, pending: pending.filter((m) => !now.includes(m)).map((m) => m.version) };
  });
}

/**
 * The history table `name`, quoted and qualified with its schema: the one the session's `search_path`
 * finds, else one created where the session creates tables (the first schema of its `search_path`).
 * Cutover's statements name it so, and a migration that changes the `search_path` (pg_dump's
 * `set_config('search_path', '', false)`) or creates a schema before it there (one named after the user,
 * as `"$user"` comes first) does not hide it.
 */
async function historyTableOf(client: pg.Client, name: string): Promise<string> {
  const found = await relationNamed(client, name);
  if (found) return qualified(found);
  await client.query(
    `CREATE TABLE ${quoteIdent(name)} (version integer PRIMARY KEY, name text NOT NULL, phase text NOT NULL,
       checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), execution_ms integer NOT NULL)`,
  );
  return qualified((await relationNamed(client, name))!);
}

/**
 * Refuses (`ValidationError`) a pending migration with its own transaction control (`BEGIN`, `COMMIT`,
 * `ROLLBACK`, ...), which would end the transaction Cutover runs it in, or with a statement PostgreSQL
 * runs only outside one (`CREATE INDEX CONCURRENTLY`, `VACUUM`, ...), which would fail there. Applied ones
 * are not checked: they ran, and changing them now would only fail their checksum.
 */
function refuseTransactionConflicts(pending: readonly Migration[]): void {
  const why =
    'Cutover runs every migration in a transaction of its own (or of the run, with transaction "all")';
  for (const migration of pending) {
    const control = transactionControl(migration.sql);
    if (control) {
      throw new ValidationError(
        `migration ${labelOf(migration)} must not contain transaction control (${control}): ${why}`,
      );
    }
    const outside = outsideTransaction(migration.sql);
    if (outside) {
      throw new ValidationError(
        `migration ${labelOf(migration)} must not contain ${outside}, which PostgreSQL runs only outside a ` +
          `transaction block: ${why}; run it by hand, outside the migrations`,
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
  const { rows: tables } = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND starts_with(c.relname, 'cutover_') AND pg_table_is_visible(c.oid)
        AND (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND NOT a.attisdropped
               AND a.attname IN ('version', 'name', 'phase', 'checksum', 'applied_at')) = 5
      ORDER BY c.relname`,
  );
  const entries: HistoryEntries[] = [];
  for (const { schema, name } of tables) {
    const after = since ? 'WHERE applied_at > $1' : '';
    const { rows } = await client.query<{ version: number; name: string }>(
      `SELECT version, name FROM ${qualified({ schema, name })} ${after} ORDER BY version`,
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
/** Runs `work` in a migration transaction (see {@link retryLockTimeouts}). */
type Attempt = <T>(work: () => Promise<T>) => Promise<T>;

/** Each migration in its own transaction: a failure rolls back that one only. */
async function applyEach(migrations: readonly Migration[], applyOne: ApplyOne, attempt: Attempt) {
  const applied: AppliedMigration[] = [];
  for (const migration of migrations) {
    try {
      applied.push(await attempt(() => applyOne(migration)));
    } catch (error) {
      const kept = applied.map(labelOf).join(', ');
      const stay = kept ? ` (${kept}, applied before it in this run, stay applied)` : '';
      throw migrationFailed(`migration ${labelOf(migration)} failed and was rolled back${stay}`, error);
    }
  }
  return applied;
}

/** The migrations in one transaction: a failure, or one at COMMIT, rolls back all of them. */
async function applyAll(migrations: readonly Migration[], applyOne: ApplyOne, attempt: Attempt) {
  let applied: AppliedMigration[] = [];
  try {
    return await attempt(async () => {
      applied = [];
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

/** Limits on the statements of a migration's transaction. */
interface StatementLimits {
  /** Epoch milliseconds by which they must be done. */
  readonly deadline?: number;
  /** How long one may wait for a lock; 0: as long as it takes. */
  readonly lockTimeoutMs: number;
}

/**
 * Runs one migration and records it in `history` (quoted and qualified), inside the caller's
 * transaction, its statements within `limits`. Whatever the migration changed of the session (its
 * `search_path`, `statement_timeout`, role), Cutover's statements after it, and the next migration, run
 * in the session as it was opened, within the same limits.
 */
async function applyOne(
  client: pg.Client,
  migration: Migration,
  history: string,
  limits: StatementLimits,
): Promise<AppliedMigration> {
  const started = Date.now();
  await limitStatements(client, limits);
  await client.query(migration.sql);
  await resetSession(client);
  await limitStatements(client, limits);
  await client.query(
    `INSERT INTO ${history} (version, name, phase, checksum, execution_ms) VALUES ($1, $2, $3, $4, $5)`,
    [migration.version, migration.name, migration.phase, migration.checksum, Date.now() - started],
  );
  return { version: migration.version, name: migration.name, ms: Date.now() - started };
}

/**
 * Sets, for the rest of the transaction, its `lock_timeout` and a `statement_timeout` of the time left
 * before the deadline (without one, the session's own).
 */
async function limitStatements(client: pg.Client, { deadline, lockTimeoutMs }: StatementLimits) {
  const timeLeft = deadline === undefined ? null : String(Math.max(1, Math.floor(deadline - Date.now())));
  await client.query(
    `SELECT set_config('lock_timeout', $1, true),
            set_config('statement_timeout', coalesce($2, current_setting('statement_timeout')), true)`,
    [String(lockTimeoutMs), timeLeft],
  );
}

/** How many times a migration transaction runs while its statements' lock waits time out. */
const LOCK_ATTEMPTS = 3;
/** The pause before running it again, doubled after each attempt. */
const LOCK_RETRY_PAUSE_MS = 1_000;

/**
 * Runs `work` in a transaction. One whose statement waited for a lock past the lock timeout (SQLSTATE
 * 55P03) is rolled back and run again after a pause, up to {@link LOCK_ATTEMPTS} times and never past the
 * deadline; the application's queries queued behind the wait go on meanwhile. Then it fails naming the
 * lock (as the session beside saw it).
 */
async function retryLockTimeouts<T>(
  client: pg.Client,
  work: () => Promise<T>,
  limits: StatementLimits,
  watch: SessionWatch,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    // The lock this attempt waits for, if any, is its own: an earlier wait, since granted, is not.
    watch.lockWait = undefined;
    try {
      return await inTransaction(client, work);
    } catch (error) {
      const state = (error as { code?: unknown } | undefined)?.code;
      if (state === QUERY_CANCELED && watch.cancelled) throw pastDeadline(error);
      if (state !== LOCK_NOT_AVAILABLE) throw error;
      const pause = LOCK_RETRY_PAUSE_MS * 2 ** (attempt - 1);
      if (attempt === LOCK_ATTEMPTS || Date.now() + pause >= (limits.deadline ?? Number.POSITIVE_INFINITY)) {
        throw lockTimedOut(error, attempt, limits, watch.lockWait);
      }
      await sleep(pause);
    }
  }
}

/** SQLSTATEs of a statement cancelled (by a timeout or a request) and of a lock wait that gave up. */
const QUERY_CANCELED = '57014';
const LOCK_NOT_AVAILABLE = '55P03';

/** A statement cancelled by the session beside, at the deadline. */
function pastDeadline(error: unknown): Error {
  return new Error(
    "canceling statement at the task's deadline, which a migration's own statement_timeout does not extend",
    { cause: error },
  );
}

/** A lock wait that timed out on every attempt, naming the lock and its holders when the session beside saw them. */
function lockTimedOut(error: unknown, attempts: number, limits: StatementLimits, wait?: LockWait): Error {
  const where = (error as { where?: string } | undefined)?.where;
  const lock = wait ? `its ${wait.lock}` : `a lock${where ? ` (${where})` : ''}`;
  const holders = wait?.holders ? `, held by ${wait.holders}` : '';
  return new Error(
    `could not get ${lock} within migrations.lockTimeoutSeconds (${limits.lockTimeoutMs / 1000} s) in ` +
      `${attempts} attempt${attempts === 1 ? '' : 's'}${holders}: run again once the sessions holding it are ` +
      'done, or raise migrations.lockTimeoutSeconds (0-600; 0 waits as long as it takes, while queries on the ' +
      'table queue behind the wait)',
    { cause: error },
  );
}

/** A lock a migration's statement waited for, as a person reads it, and the sessions holding it. */
interface LockWait {
  /** `AccessExclusiveLock on public.orders` */
  readonly lock: string;
  /** `pid 4242 (psql, idle in transaction)`, or null when they had let go. */
  readonly holders: string | null;
}

/** What the session beside the migrations' saw and did. */
interface SessionWatch {
  /** The relation lock a migration's statement last waited for. */
  lockWait?: LockWait;
  /** True once it cancelled the migrations' statement at the deadline. */
  cancelled: boolean;
}

/** The relation lock the session `$1` waits for, and who holds it. */
const LOCK_WAIT = `
  SELECT format('%s on %s.%s', l.mode, n.nspname, c.relname) AS lock,
         (SELECT string_agg(format('pid %s (%s, %s)', a.pid, coalesce(nullif(a.application_name, ''), 'no application name'),
                                   coalesce(a.state, 'state unknown')), ', ' ORDER BY a.pid)
            FROM pg_stat_activity a WHERE a.pid = ANY (pg_blocking_pids(l.pid))) AS holders
    FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE l.pid = $1 AND l.locktype = 'relation' AND NOT l.granted`;

/** How long after the deadline the session beside cancels a statement still running. */
const CANCEL_GRACE_MS = 1_000;
/** The longest delay a timer takes (about 24.8 days); a later deadline needs none. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Runs `work` with a second session beside the migrations' (when `limits` has any): it looks for the
 * lock a migration's statement waits for twice per lock timeout, so no wait that times out goes unseen,
 * and cancels the statement still running {@link CANCEL_GRACE_MS} after the deadline (one whose migration
 * turned its `statement_timeout` off, as pg_dump's `SET statement_timeout = 0` does).
 */
async function withSessionWatch<T>(
  client: pg.Client,
  limits: StatementLimits,
  work: (watch: SessionWatch) => Promise<T>,
): Promise<T> {
  const watch: SessionWatch = { cancelled: false };
  if (limits.lockTimeoutMs === 0 && limits.deadline === undefined) return work(watch);
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const pid = rows[0]!.pid;
  const beside = await connectBeside(client);
  const look = () => {
    beside.query<LockWait>(LOCK_WAIT, [pid]).then(
      ({ rows: [wait] }) => {
        if (wait) watch.lockWait = wait;
      },
      () => undefined,
    );
  };
  const cancel = () => {
    watch.cancelled = true;
    beside.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
  };
  const cancelIn = (limits.deadline ?? Number.POSITIVE_INFINITY) + CANCEL_GRACE_MS - Date.now();
  const looking = limits.lockTimeoutMs > 0 ? setInterval(look, limits.lockTimeoutMs / 2) : undefined;
  const cancelling = cancelIn < MAX_TIMER_MS ? setTimeout(cancel, cancelIn) : undefined;
  try {
    return await work(watch);
  } finally {
    clearInterval(looking);
    clearTimeout(cancelling);
    await beside.end().catch(() => undefined);
  }
}

function labelOf(migration: Pick<Migration, 'version' | 'name'>): string {
  return `V${migration.version}__${migration.name}`;
}

function migrationFailed(what: string, error: unknown): MigrationFailedError {
  const message = error instanceof Error ? error.message : String(error);
  return new MigrationFailedError(`${what}: ${message}`, { cause: error });
}

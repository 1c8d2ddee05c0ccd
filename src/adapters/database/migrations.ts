import pg from 'pg';
import { MigrationChecksumMismatchError, MigrationFailedError, ValidationError } from '#core/errors.ts';
import {
  DEFAULT_MIGRATION_HISTORY_TABLE,
  DEFAULT_MIGRATION_LOCK_TIMEOUT_SECONDS,
  DEFAULT_MIGRATION_LOCK_WAIT_SECONDS,
} from '#core/schemas/database-migration.ts';
import { relationNamed } from './catalog.ts';
import { resetSession } from './connection.ts';
import { labelOf, type Migration, type MigrationPhase, refusePendingConflicts } from './migration-files.ts';
import { withMigrationLock } from './migration-lock.ts';
import {
  limitStatements,
  retryLockTimeouts,
  type StatementLimits,
  withSessionWatch,
} from './migration-session.ts';
import { qualified, quoteIdent } from './sql.ts';

/**
 * `each`: one transaction per migration, a failure keeps the ones before it; `all`: the run's pending
 * migrations in one transaction, a failure changes nothing.
 */
export type MigrationTransaction = 'each' | 'all';

/** What {@link applyMigrations} did. */
export interface MigrationReport {
  readonly applied: readonly { version: number; name: string; ms: number }[];
  /**
   * Versions of the given migrations the history records as applied at or after the options' `since`,
   * before this run began: what an earlier attempt of the same execution applied before it was cut off.
   */
  readonly appliedEarlier: readonly number[];
  /** Versions still pending after this run (the other phase's). */
  readonly pending: readonly number[];
  /**
   * Migrations the history records as applied that have no file among those given (`V1__items`): another
   * service's, in a history table they share, or files removed or a wrong directory. Not refused, as a shared
   * history table holds other services' migrations; reported, as Flyway's validate would.
   */
  readonly withoutFile: readonly string[];
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
  /** Told each time a migration gave up a lock wait and is tried again (what happened, as a sentence). */
  readonly onLockTimeout?: (what: string) => void;
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
  /**
   * Awaited holding the migration lock once the files are checked, before the first migration is applied
   * (also when none is pending), before each next one and each one's COMMIT (`transaction: 'each'`) and
   * before the run's COMMIT (`'all'`); throw to apply no more (the migrations not committed yet are rolled
   * back): a run stopped while it waited for the lock must not start once it gets it, nor go on once
   * stopped. Its error ends the run as it is, not as `MigrationFailed`.
   */
  readonly beforeApplying?: (point: MigrationRunPoint) => Promise<void>;
  /** When the run's execution started: see {@link MigrationReport.appliedEarlier}. */
  readonly since?: Date;
  /**
   * Called holding the migration lock once the files are checked, with the migrations the run would apply,
   * before any is applied: throw to apply none.
   */
  readonly refuseToApply?: (migrations: readonly Migration[]) => void;
}

/** Where a run stands when {@link MigrationOptions.beforeApplying} is asked; migrations as `V3__backfill`. */
export interface MigrationRunPoint {
  /** Applied and committed by this run so far: they stay applied whatever follows. */
  readonly committed: readonly string[];
  /**
   * Applied in the run's open transaction (`transaction: 'all'`), or the one whose transaction is open
   * (`'each'`, before its COMMIT): rolled back if the run stops here.
   */
  readonly uncommitted: readonly string[];
  /** The migration to apply next (`'each'`: the uncommitted one, applied again by no one); none after the run's last. */
  readonly next?: string;
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
    onLockTimeout,
    beforeApplying,
    since,
    refuseToApply,
  }: MigrationOptions = {},
): Promise<MigrationReport> {
  const waitMs = (lockWait?.seconds ?? DEFAULT_MIGRATION_LOCK_WAIT_SECONDS) * 1000;
  const until = Math.min(Date.now() + waitMs, deadline ?? Number.POSITIVE_INFINITY);
  const limits: StatementLimits = { deadline, lockTimeoutMs: lockTimeoutSeconds * 1000 };
  return withMigrationLock(client, { until, onWait: lockWait?.onWait }, async () => {
    const history = await historyTableOf(client, historyTable);
    const applied = await appliedMigrations(client, history);
    const pending = refuseUnappliable(migrations, applied, historyTable);
    const now = pending.filter((m) => phase === 'all' || m.phase === phase);
    refuseToApply?.(now);
    const next = now[0] && labelOf(now[0]);
    await beforeApplying?.({ committed: [], uncommitted: [], ...(next && { next }) });
    const report =
      now.length === 0
        ? []
        : await withSessionWatch(client, limits, (watch) => {
            const run = (migration: Migration) => applyOne(client, migration, history, limits);
            const attempt: Attempt = (work) => retryLockTimeouts(client, work, limits, watch, onLockTimeout);
            const check = beforeApplying ?? (async () => undefined);
            return transaction === 'each'
              ? applyEach(now, run, attempt, check)
              : applyAll(now, run, attempt, check);
          });
    return {
      applied: report,
      appliedEarlier: since ? appliedSince(applied, migrations, since) : [],
      pending: pending.filter((m) => !now.includes(m)).map((m) => m.version),
      withoutFile: appliedWithoutFile(applied, migrations),
    };
  });
}

/**
 * Checks `migrations` against the database as {@link applyMigrations} would before applying any, without
 * the migration lock and changing nothing (a history table it does not find holds nothing yet): an applied
 * migration's file changed or its version taken by another (`MigrationChecksumMismatch`), a pending one
 * numbered below an applied one of its phase or holding a statement that cannot run in a transaction
 * (`ValidationError`). A run checks them again, holding the lock. Returns the ones the history does not
 * record: those a run would apply, of every phase.
 *
 * @example
 * const pending = await checkMigrations(client, await loadMigrationsFromDirectory('migrations'));
 */
export async function checkMigrations(
  client: pg.Client,
  migrations: readonly Migration[],
  historyTable = DEFAULT_MIGRATION_HISTORY_TABLE,
): Promise<Migration[]> {
  const found = await relationNamed(client, historyTable);
  const applied = found ? await appliedMigrations(client, qualified(found)) : new Map<number, AppliedRow>();
  return refuseUnappliable(migrations, applied, historyTable);
}

/**
 * The migrations the history table records as applied at or after `since` (`V3__backfill`, in version
 * order), read holding the migration lock, so that a run still applying one (a task goes on after its
 * execution was stopped, up to its next check) has ended first: `MigrationLocked` when the lock is still
 * held at `until`. None when the table does not exist.
 *
 * @example
 * await migrationsAppliedSince(client, execution.startDate, { until: Date.now() + 120_000 }); // ['V3__backfill']
 */
export async function migrationsAppliedSince(
  client: pg.Client,
  since: Date,
  { historyTable = DEFAULT_MIGRATION_HISTORY_TABLE, until }: { historyTable?: string; until: number },
): Promise<string[]> {
  const refused = `the migrations applied since ${since.toISOString()} were not read`;
  return withMigrationLock(client, { until, refused }, async () => {
    const found = await relationNamed(client, historyTable);
    const applied = found ? await appliedMigrations(client, qualified(found)) : new Map<number, AppliedRow>();
    return [...applied]
      .filter(([, row]) => row.appliedAt.getTime() >= since.getTime())
      .sort(([a], [b]) => a - b)
      .map(([version, { name }]) => labelOf({ version, name }));
  });
}

/**
 * Refuses migrations a run must not apply (see {@link checkMigrations}) given the history's `applied`
 * ones; returns the pending ones.
 */
function refuseUnappliable(
  migrations: readonly Migration[],
  applied: ReadonlyMap<number, AppliedRow>,
  historyTable: string,
): Migration[] {
  for (const migration of migrations) refuseChanged(migration, applied.get(migration.version), historyTable);
  const pending = migrations.filter((m) => !applied.has(m.version));
  refuseOutOfOrder(pending, applied);
  refusePendingConflicts(pending);
  return pending;
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
  readonly appliedAt: Date;
}

async function appliedMigrations(client: pg.Client, history: string): Promise<Map<number, AppliedRow>> {
  const { rows } = await client.query<AppliedRow & { version: number }>(
    `SELECT version, name, checksum, phase, applied_at AS "appliedAt" FROM ${history}`,
  );
  return new Map(rows.map(({ version, ...row }) => [version, row]));
}

/** The versions of `migrations` that `applied` records at or after `since`, in order. */
function appliedSince(
  applied: ReadonlyMap<number, AppliedRow>,
  migrations: readonly Migration[],
  since: Date,
): number[] {
  return migrations
    .filter((m) => (applied.get(m.version)?.appliedAt.getTime() ?? 0) >= since.getTime())
    .map((m) => m.version)
    .sort((a, b) => a - b);
}

/** The applied migrations (`V1__items`, in version order) that none of `migrations` has the version of. */
function appliedWithoutFile(
  applied: ReadonlyMap<number, AppliedRow>,
  migrations: readonly Migration[],
): string[] {
  const versions = new Set(migrations.map((m) => m.version));
  return [...applied]
    .filter(([version]) => !versions.has(version))
    .sort(([a], [b]) => a - b)
    .map(([version, row]) => labelOf({ version, name: row.name }));
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
type BeforeApplying = NonNullable<MigrationOptions['beforeApplying']>;
/** Runs `work` in a migration transaction (see {@link retryLockTimeouts}). */
type Attempt = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * Each migration in its own transaction: a failure rolls back that one only. `check` is asked before each
 * migration after the first (which the caller checked), before each one's COMMIT (an error of it, thrown as
 * it is, rolls that one back: a stop that came while it ran commits nothing of it), and once after the last.
 */
async function applyEach(
  migrations: readonly Migration[],
  applyOne: ApplyOne,
  attempt: Attempt,
  check: BeforeApplying,
) {
  const applied: AppliedMigration[] = [];
  let stop: { readonly error: unknown } | undefined;
  for (const migration of migrations) {
    const committed = applied.map(labelOf);
    const label = labelOf(migration);
    if (applied.length > 0) await check({ committed, uncommitted: [], next: label });
    try {
      applied.push(
        await attempt(async () => {
          const done = await applyOne(migration);
          await check({ committed, uncommitted: [label], next: label }).catch((error: unknown) => {
            stop = { error };
            throw error;
          });
          return done;
        }),
      );
    } catch (error) {
      if (stop) throw stop.error;
      const kept = applied.map(labelOf).join(', ');
      const stay = kept ? ` (${kept}, applied before it in this run, stay applied)` : '';
      const at = errorPlace(migration, error);
      throw migrationFailed(`migration ${labelOf(migration)} failed${at} and was rolled back${stay}`, error);
    }
  }
  await check({ committed: applied.map(labelOf), uncommitted: [] });
  return applied;
}

/**
 * The migrations in one transaction: a failure, or one at COMMIT, rolls back all of them, as an error of
 * `check` (asked before the COMMIT) does, which is thrown as it is.
 */
async function applyAll(
  migrations: readonly Migration[],
  applyOne: ApplyOne,
  attempt: Attempt,
  check: BeforeApplying,
) {
  let applied: AppliedMigration[] = [];
  let stop: { readonly error: unknown } | undefined;
  try {
    return await attempt(async () => {
      applied = [];
      for (const migration of migrations) applied.push(await applyOne(migration));
      await check({ committed: [], uncommitted: applied.map(labelOf) }).catch((error: unknown) => {
        stop = { error };
        throw error;
      });
      return applied;
    });
  } catch (error) {
    if (stop) throw stop.error;
    const failing = migrations[applied.length];
    const before = migrations.slice(0, applied.length).map(labelOf).join(', ');
    const what = !failing
      ? `migrations ${before} failed at COMMIT and were rolled back`
      : before
        ? `migration ${labelOf(failing)} failed${errorPlace(failing, error)} and was rolled back with ${before} (transaction: all)`
        : `migration ${labelOf(failing)} failed${errorPlace(failing, error)} and was rolled back`;
    throw migrationFailed(what, error);
  }
}

type AppliedMigration = MigrationReport['applied'][number];

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
 * Where in `migration`'s file PostgreSQL placed its error, as ` at line 4, column 12`, or '' when it
 * placed none (a runtime error, or one in a function body). The file is sent whole, so the error's
 * `position` (1-based, in characters) counts from the start of its text (line endings normalised, which
 * keeps lines and columns as they are).
 */
function errorPlace(migration: Migration, error: unknown): string {
  const position = error instanceof pg.DatabaseError ? Number(error.position) : Number.NaN;
  if (!Number.isInteger(position) || position < 1) return '';
  const lines = [...migration.sql]
    .slice(0, position - 1)
    .join('')
    .split('\n');
  return ` at line ${lines.length}, column ${[...lines.at(-1)!].length + 1}`;
}

function migrationFailed(what: string, error: unknown): MigrationFailedError {
  const message = error instanceof Error ? error.message : String(error);
  return new MigrationFailedError(`${what}: ${message}`, { cause: error });
}

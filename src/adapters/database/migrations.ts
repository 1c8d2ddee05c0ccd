import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { MigrationChecksumMismatchError, MigrationFailedError, ValidationError } from '#core/errors.ts';
import type { BackupStore } from '#core/ports/backup-store.ts';
import { inTransaction } from './copy.ts';
import { withMigrationLock } from './migration-lock.ts';

/** Expand migrations run before the app rollout (additive), contract ones after it (removals). */
export type MigrationPhase = 'expand' | 'contract';

/**
 * `each`: one transaction per migration, a failure keeps the ones before it; `all`: the run's pending
 * migrations in one transaction, a failure changes nothing.
 */
export type MigrationTransaction = 'each' | 'all';

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
/** How long a migration waits for another session's migration lock unless told otherwise. */
export const DEFAULT_LOCK_WAIT_SECONDS = 300;

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
   * applied), and whom to tell when the wait starts. @default {@link DEFAULT_LOCK_WAIT_SECONDS}, never past `deadline`
   */
  readonly lockWait?: { readonly seconds: number; readonly onWait?: (holder: string) => void };
}

/**
 * Applies the pending migrations of `phase` (or all) in version order holding the database's migration
 * lock (`MigrationLocked` when another session keeps it past `lockWait`), recording each in
 * `cutover_schema_history`. Refuses to start when an applied migration's file changed
 * (`MigrationChecksumMismatch`). A failing one is reported as `MigrationFailed`: with `transaction: 'each'`
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
  { transaction = 'each', deadline, lockWait }: MigrationOptions = {},
): Promise<MigrationReport> {
  const waitMs = (lockWait?.seconds ?? DEFAULT_LOCK_WAIT_SECONDS) * 1000;
  const until = Math.min(Date.now() + waitMs, deadline ?? Number.POSITIVE_INFINITY);
  return withMigrationLock(client, { until, onWait: lockWait?.onWait }, async () => {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${HISTORY} (version integer PRIMARY KEY, name text NOT NULL, phase text NOT NULL,
         checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), execution_ms integer NOT NULL)`,
    );
    const applied = await appliedChecksums(client);
    for (const migration of migrations) {
      const checksum = applied.get(migration.version);
      if (checksum !== undefined && checksum !== migration.checksum) {
        throw new MigrationChecksumMismatchError(
          `migration ${labelOf(migration)} was changed after it was applied ` +
            `(applied checksum ${checksum}, file checksum ${migration.checksum}): add a new migration instead`,
        );
      }
    }
    const pending = migrations.filter((m) => !applied.has(m.version));
    const now = pending.filter((m) => phase === 'all' || m.phase === phase);
    const run = (migration: Migration) => applyOne(client, migration, deadline);
    const report =
      transaction === 'each' ? await applyEach(client, now, run) : await applyAll(client, now, run);
    return { applied: report, pending: pending.filter((m) => !now.includes(m)).map((m) => m.version) };
  });
}

async function appliedChecksums(client: pg.Client): Promise<Map<number, string>> {
  const { rows } = await client.query<{ version: number; checksum: string }>(
    `SELECT version, checksum FROM ${HISTORY}`,
  );
  return new Map(rows.map((r) => [r.version, r.checksum]));
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

/** Runs one migration and records it, inside the caller's transaction, its statements bounded by `deadline`. */
async function applyOne(
  client: pg.Client,
  migration: Migration,
  deadline?: number,
): Promise<AppliedMigration> {
  const started = Date.now();
  if (deadline !== undefined) {
    const timeoutMs = String(Math.max(1, Math.floor(deadline - started)));
    await client.query(`SELECT set_config('statement_timeout', $1, true)`, [timeoutMs]);
  }
  await client.query(migration.sql);
  await client.query(
    `INSERT INTO ${HISTORY} (version, name, phase, checksum, execution_ms) VALUES ($1, $2, $3, $4, $5)`,
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

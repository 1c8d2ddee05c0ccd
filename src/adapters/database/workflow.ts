import type pg from 'pg';
import { ValidationError } from '#core/errors.ts';
import type { BackupStore } from '#core/ports/backup-store.ts';
import type { DatabaseMigrationRequest } from '#core/schemas/database-migration.ts';
import {
  foreignKeys,
  largeObjectColumns,
  listTables,
  missingTables,
  requireSchemas,
  selectTables,
  type TableInfo,
} from './catalog.ts';
import { compareTables } from './checksums.ts';
import { type SecretsClient, withDatabase } from './connection.ts';
import {
  type CopyCheckpoint,
  type CopyRunReader,
  copyTableSlice,
  refuseFilledTargets,
  refuseWholeCopyOverLimit,
} from './copy.ts';
import { type BackupStopCheck, backupDatabase } from './logical-backup.ts';
import {
  labelOf,
  loadMigrationsFromDirectory,
  loadMigrationsFromStore,
  type Migration,
  schemasCreatedBy,
} from './migration-files.ts';
import {
  applyMigrations,
  checkMigrations,
  type MigrationOptions,
  migrationsAppliedSince,
} from './migrations.ts';
import { readSequences, resetSequencesToMax, type SequencesWritten, writeSequences } from './sequences.ts';
import { tableLabel } from './sql.ts';
import { rowChanges } from './transaction-control.ts';
import { undoCopy } from './undo-copy.ts';

/**
 * The steps of the database-migration state machine, one function per task, each taking the normalized
 * request. The task functions in `lambdas/db-*` call these; so can a script or the demo.
 */

type Request = DatabaseMigrationRequest;

/**
 * Where the backups of a service's database go: `<namespace>/<name>/database/<run id>`. A run id of
 * letters, digits, `_` and `-` is kept as is; any other character becomes its UTF-8 bytes, each `.` and
 * two hex digits (`orders.1` -> `orders.2E1`), so no two run ids share a prefix.
 */
export function backupPrefix(request: Request, runId: string): string {
  const id = runId.replace(/[^A-Za-z0-9_-]/gu, (char) =>
    [...Buffer.from(char)].map((byte) => `.${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
  return `${request.service.namespace}/${request.service.name}/database/${id}`;
}

/**
 * What Prepare checks before it locks anything: a migrations directory's files, as Migrate would check
 * them against the target's history (`ValidationError`, `MigrationChecksumMismatch`: see
 * `checkMigrations`), and that the database the data comes from has `database.schemas` (`ValidationError`
 * naming the missing ones): the source when given (the target may lack them until its migrations create
 * them), else the target, where a schema the migrations create counts as there; with a source, that the
 * copy can do its job (see {@link copyableTables}) and that the target tables it fills hold no rows yet and
 * no other run is copying into them (`TargetNotEmpty`, see `refuseFilledTargets`: `copyRuns` tells whether
 * the run that left one unfinished has ended), and, when no migration will run before the copy, that the
 * target has them (see {@link refuseLackingTables}). Migrations in S3 are read at Migrate, which checks
 * them and the target's schemas then ({@link migrateTarget}). A misspelt schema would otherwise be backed
 * up, copied and validated as one without tables, while the migrations change the one meant. Returns what the checks read (see {@link PrepareReading}).
 */
export async function checkBeforeLock(
  request: Request,
  secrets?: SecretsClient,
  copyRuns?: CopyRunReader,
): Promise<PrepareReading> {
  const { source, target, schemas } = request.database;
  const spec = request.migrations;
  const migrations = spec?.directory ? await loadMigrationsFromDirectory(spec.directory) : [];
  let copied: TableInfo[] = [];
  let lacking: string[] = [];
  if (source) {
    await withSourceAndTarget(request, secrets, async (sourceClient, targetClient) => {
      await requireSchemas(sourceClient, schemas, 'source');
      copied = await copyableTables(sourceClient, request);
      lacking = await refuseFilledTargets(targetClient, copied, copyRuns);
    });
  }
  const schemasOfTarget = !source && !spec?.s3Prefix;
  if (!schemasOfTarget && migrations.length === 0) {
    // Migrations in S3 are read at Migrate; without any, nothing creates the tables the target lacks.
    if (!spec?.s3Prefix) refuseLackingTables(lacking, 'the request has no migrations to create them');
    return { pending: [], copied };
  }
  const phase = spec?.phase ?? 'all';
  const pending = await withDatabase(
    target,
    async (client) => {
      if (schemasOfTarget)
        await requireSchemas(client, schemas, 'target', schemasCreatedBy(migrations, phase));
      if (migrations.length === 0) return [];
      const unapplied = await checkMigrations(client, migrations, spec?.historyTable);
      const toApply = unapplied.filter((migration) => phase === 'all' || migration.phase === phase);
      if (toApply.length === 0) {
        const ofPhase = phase === 'all' ? 'migration' : `${phase} migration`;
        refuseLackingTables(lacking, `no ${ofPhase} of migrations.directory is left to apply`);
      }
      refuseRowChangesBeforeCopy(toApply, copied, 'migrations.directory');
      return toApply.map(labelOf);
    },
    secrets,
  );
  return { pending, copied };
}

/**
 * Refuses (`ValidationError`) the copy of source tables the target lacks (`lacking`, labels) when no
 * migration will run before the copy to create them, saying `why`: the copy would otherwise fail at
 * ListTables, after the lock, the backup and the migrations.
 */
function refuseLackingTables(lacking: readonly string[], why: string): void {
  if (lacking.length > 0) throw noTargetTable(lacking, `, and ${why}`);
}

/** The refusal of a copy into tables the target lacks (labels), with what `more` says of why. */
function noTargetTable(lacking: readonly string[], more = ''): ValidationError {
  return new ValidationError(
    `database.target: has no table ${lacking.join(', ')} to copy the source's into${more}; ` +
      "the target's migrations must create the tables the copy fills",
  );
}

/** What {@link checkBeforeLock} read. */
export interface PrepareReading {
  /**
   * The directory's migrations of the request's phase the target has not applied (`V3__backfill`), those
   * Migrate would apply; none without a directory.
   */
  readonly pending: readonly string[];
  /** The source's tables the copy fills, parents first along the source's foreign keys; none without one. */
  readonly copied: readonly TableInfo[];
}

/**
 * Refuses (`ValidationError`, naming the request's `field` that gave them) migrations that change rows of
 * tables the copy fills: they run before the copy, on tables that must then be empty, so an update or delete
 * changes nothing and an insert makes the copy refuse the table. An unqualified name counts for a copied
 * table of that name in any schema.
 */
function refuseRowChangesBeforeCopy(
  migrations: readonly Migration[],
  copied: readonly TableInfo[],
  field: string,
): void {
  const found = migrations.flatMap((migration) => {
    const changes = rowChanges(migration.sql).flatMap(({ kind, schema, table }) =>
      copied
        .filter((info) => info.name === table && (schema === undefined || info.schema === schema))
        .map((info) => `${kind} ${tableLabel(info)}`),
    );
    return changes.length > 0 ? [`${labelOf(migration)} ${[...new Set(changes)].join(' and ')}`] : [];
  });
  if (found.length === 0) return;
  throw new ValidationError(
    `${field}: pending migrations change rows of tables the copy fills, but they run before the ` +
      `copy, on empty tables: ${found.join(', ')}. An update or delete there changes no copied row, and the ` +
      'copy refuses a table holding rows (TargetNotEmpty); make data changes to copied tables in the source ' +
      'before the copy, or in a later run without database.source',
  );
}

/**
 * The source's tables, refused when the copy could not do its job (`ValidationError`, or
 * `TableTooLargeWithoutPrimaryKey`, see `refuseWholeCopyOverLimit`): no table in `database.schemas` (a
 * wrong database or schema would copy nothing), or columns holding large object references (only their
 * numbers would be copied).
 */
async function copyableTables(source: pg.Client, request: Request): Promise<TableInfo[]> {
  const { schemas } = request.database;
  const tables = await listTables(source, schemas);
  if (tables.length === 0) {
    throw new ValidationError(
      `database.source: database ${source.database} has no table in database.schemas (${schemas.join(', ')}), ` +
        'so there is nothing to copy: check the database name in the source URL (or secret) and database.schemas',
    );
  }
  const references = await largeObjectColumns(source, schemas);
  if (references.length > 0) {
    throw new ValidationError(
      'database.source: large objects (oid) are not copied, only their numbers would be, and these ' +
        `columns refer to them: ${references.join(', ')}; store their contents in bytea columns first`,
    );
  }
  for (const table of tables) refuseWholeCopyOverLimit(table, request.copy.maxBytesWithoutKey);
  return tables;
}

/** Logical backup of the target, stopped as `stop` says (see {@link backupDatabase}); returns the manifest key. */
export function backupTarget(
  request: Request,
  store: BackupStore,
  runId: string,
  { secrets, stop }: { secrets?: SecretsClient; stop?: BackupStopCheck } = {},
) {
  return withDatabase(
    request.database.target,
    (client) => backupDatabase(client, store, backupPrefix(request, runId), request.database.schemas, stop),
    secrets,
  );
}

/** How long the clean-up of a stopped migration waits for its Migrate task to let go of the migration lock. */
export const STOPPED_MIGRATE_WAIT_SECONDS = 120;

/**
 * The migrations a stopped execution applied to the target, which stay applied: those the request's history
 * table records since the execution started (`since`), read once its Migrate task, which goes on after the
 * stop up to its next check, has let go of the migration lock (`MigrationLocked` after `waitSeconds`). None
 * without migrations in the request.
 */
export async function migrationsAppliedByStopped(
  request: Request,
  since: Date,
  {
    secrets,
    waitSeconds = STOPPED_MIGRATE_WAIT_SECONDS,
  }: { secrets?: SecretsClient; waitSeconds?: number } = {},
): Promise<string[]> {
  const spec = request.migrations;
  if (!spec) return [];
  const until = Date.now() + waitSeconds * 1000;
  return withDatabase(
    request.database.target,
    (client) => migrationsAppliedSince(client, since, { historyTable: spec.historyTable, until }),
    secrets,
  );
}

/** Time a migrate task keeps after its migrations' deadline, to roll back and answer. */
export const MIGRATE_MARGIN_MS = 30_000;

/**
 * Applies the request's migrations (its phase) to the target; with `timeLeftMs` (a Lambda function's
 * remaining time) their statements must end {@link MIGRATE_MARGIN_MS} before it runs out. `onLockWait`
 * hears when another session holds the migration lock and the migrations wait for it; `onLockTimeout`,
 * when a migration gave up a lock wait and is tried again. `beforeApplying` is awaited holding the lock,
 * before each migration is applied (before the COMMIT with `transaction: all`): throw to apply no more.
 * `since`, when the execution started, reports what an earlier attempt of it applied (`appliedEarlier`).
 * With a source, migrations that change rows of the tables the copy fills are refused (`ValidationError`)
 * before any is applied, as Prepare refuses a directory's.
 */
export async function migrateTarget(
  request: Request,
  store: BackupStore,
  {
    secrets,
    timeLeftMs,
    onLockWait,
    onLockTimeout,
    beforeApplying,
    since,
  }: {
    secrets?: SecretsClient;
    timeLeftMs?: number;
    onLockWait?: (holder: string) => void;
    onLockTimeout?: (what: string) => void;
    beforeApplying?: MigrationOptions['beforeApplying'];
    since?: Date;
  } = {},
) {
  const spec = request.migrations;
  if (!spec) return { applied: [], appliedEarlier: [], pending: [], withoutFile: [] };
  const migrations = spec.directory
    ? await loadMigrationsFromDirectory(spec.directory)
    : await loadMigrationsFromStore(store, spec.s3Prefix!);
  const { source, schemas } = request.database;
  // Read again here: files in the backup store are read only now, and a directory may have changed since Prepare.
  const copied = source ? await withDatabase(source, (client) => listTables(client, schemas), secrets) : [];
  const field = spec.directory ? 'migrations.directory' : 'migrations.s3Prefix';
  return withDatabase(
    request.database.target,
    async (client) => {
      // Without a source, the schemas are the target's: they must be there, or be made by the migrations
      // (and be there once they ran).
      if (!source) await requireSchemas(client, schemas, 'target', schemasCreatedBy(migrations, spec.phase));
      const report = await applyMigrations(client, migrations, spec.phase, {
        transaction: spec.transaction,
        historyTable: spec.historyTable,
        lockTimeoutSeconds: spec.lockTimeoutSeconds,
        onLockTimeout,
        beforeApplying,
        since,
        refuseToApply: (migrations) => refuseRowChangesBeforeCopy(migrations, copied, field),
        lockWait: { seconds: spec.lockWaitSeconds, onWait: onLockWait },
        ...(timeLeftMs === undefined ? {} : { deadline: Date.now() + timeLeftMs - MIGRATE_MARGIN_MS }),
      });
      if (!source) await requireSchemas(client, schemas, 'target');
      return report;
    },
    secrets,
  );
}

/**
 * The source's tables in load order (labels only, to keep the execution's payload small): parents first
 * along the source's foreign keys and the target's, which are the ones enforced (a legacy source may have
 * none). A target lacking one of them is refused (`ValidationError`), before anything is copied; the
 * source's own checks are Prepare's ({@link checkBeforeLock}).
 */
export async function sourceTables(request: Request, secrets?: SecretsClient): Promise<string[]> {
  if (!request.database.source) return [];
  const { schemas } = request.database;
  const tables = await withSourceAndTarget(request, secrets, async (source, target) => {
    const listed = await listTables(source, schemas, await foreignKeys(target));
    const missing = await missingTables(target, listed);
    if (missing.length > 0) throw noTargetTable(missing);
    return listed;
  });
  return tables.map(tableLabel);
}

/** Time a copy task keeps after its budget for the batch in flight and the commit: the copy's margin. */
export const COPY_MARGIN_MS = 60_000;

/**
 * Copies the next slice of one table (see `copyTableSlice`) for `copy.budgetSeconds`, or less when the
 * task has less time left (`timeLeftMs`, a Lambda function's remaining time): it stops starting batches
 * {@link COPY_MARGIN_MS} before its time runs out. `beforeBatch` is awaited before each batch. Returns the
 * checkpoint with the source's estimate of the table's rows (`estimatedRows`), for a progress report.
 */
export function copySlice(
  request: Request,
  copyId: string,
  table: string,
  {
    secrets,
    timeLeftMs = Number.POSITIVE_INFINITY,
    beforeBatch,
  }: { secrets?: SecretsClient; timeLeftMs?: number; beforeBatch?: () => Promise<void> } = {},
) {
  return withSourceAndTarget(request, secrets, async (source, target) => {
    const [info] = selectTables(await listTables(source, request.database.schemas), [table]);
    const { batchRows, budgetSeconds, maxBytesWithoutKey } = request.copy;
    const checkpoint = await copyTableSlice(source, target, info!, {
      copyId,
      budgetMs: Math.max(0, Math.min(budgetSeconds * 1000, timeLeftMs - COPY_MARGIN_MS)),
      batchRows,
      maxBytesWithoutKey,
      ...(beforeBatch ? { beforeBatch } : {}),
    });
    return { ...checkpoint, estimatedRows: info!.estimatedRows };
  });
}

/**
 * Sets target sequences to the source's positions (then past max(column) where still behind), or past
 * max(column) when asked or without a source. `unmatched` names source sequences the target lacks.
 */
export function syncSequences(request: Request, secrets?: SecretsClient): Promise<SequencesWritten> {
  const schemas = request.database.schemas;
  if (!request.database.source || request.sequences === 'max') {
    return withDatabase(
      request.database.target,
      async (target) => ({ set: await resetSequencesToMax(target, schemas), unmatched: [] }),
      secrets,
    );
  }
  return withSourceAndTarget(request, secrets, async (source, target) =>
    writeSequences(target, await readSequences(source, schemas), schemas),
  );
}

/** Row counts and checksums on both sides; throws `ValidationFailed` naming the tables that differ. */
export function validateCopy(request: Request, secrets?: SecretsClient) {
  if (!request.database.source) return Promise.resolve([]);
  return withSourceAndTarget(request, secrets, async (source, target) =>
    compareTables(source, target, await listTables(source, request.database.schemas)),
  );
}

/**
 * Undoes the copy run `copyId` on the target (after a failure once the copy started): empties the tables
 * it copied into and forgets its progress, in one transaction. Returns the tables emptied.
 */
export function undoTargetCopy(request: Request, copyId: string, secrets?: SecretsClient) {
  return withDatabase(request.database.target, (client) => undoCopy(client, copyId), secrets);
}

/** What {@link runDatabaseMigration} did. */
export interface DatabaseMigrationSummary {
  readonly manifestKey?: string;
  readonly applied: readonly number[];
  readonly tables: readonly { table: string; rows: number; checksum: string }[];
}

/**
 * Runs every step in one process, in the state machine's order (for scripts, tests and the demo; the
 * state machine adds the time-budgeted loop, retries and the undoing of a failed copy).
 *
 * @example
 * const summary = await runDatabaseMigration(request, createBackupStoreFromEnvironment(), 'demo-1');
 */
export async function runDatabaseMigration(
  request: Request,
  store: BackupStore,
  runId: string,
): Promise<DatabaseMigrationSummary> {
  await checkBeforeLock(request);
  const manifestKey = request.backup.enabled ? await backupTarget(request, store, runId) : undefined;
  const { applied } = await migrateTarget(request, store);
  for (const table of await sourceTables(request)) {
    let checkpoint: CopyCheckpoint;
    do checkpoint = await copySlice(request, runId, table);
    while (!checkpoint.done);
  }
  await syncSequences(request);
  const tables = await validateCopy(request);
  return { manifestKey, applied: applied.map((m) => m.version), tables };
}

function withSourceAndTarget<T>(
  request: Request,
  secrets: SecretsClient | undefined,
  work: (source: pg.Client, target: pg.Client) => Promise<T>,
): Promise<T> {
  return withDatabase(
    request.database.source!,
    (source) => withDatabase(request.database.target, (target) => work(source, target), secrets),
    secrets,
  );
}

import { folderPrefix } from '../backup-keys.ts';
import { maxPollChecks, switchoverWaitSeconds } from '../polling.ts';
import type { DatabaseMigrationRequest } from '../schemas/database-migration.ts';
import { transitionCostUsd } from './plan.ts';

/** An RDS Wait/Check/Choice loop: one check at least, `maxChecks` at most before the check fails. */
export interface PollLoop {
  readonly name: 'snapshot' | 'green' | 'switchover';
  /** The status the loop waits for. */
  readonly until: string;
  /** The states entered at each check. */
  readonly states: readonly string[];
  readonly pollSeconds: number;
  readonly timeoutSeconds: number;
  readonly maxChecks: number;
}

/** One step of a database migration: what it does for this request and the states it enters. */
export interface DatabaseMigrationStep {
  readonly name: string;
  readonly detail: string;
  /** The states entered on the way through the step, each loop at its first check. */
  readonly states: readonly string[];
  readonly loops?: readonly PollLoop[];
}

/** State transitions the request alone does not tell: `transitions` more for each `per`. */
export interface TransitionTerm {
  readonly per: string;
  readonly states: readonly string[];
  readonly transitions: number;
  /** At most this many (RDS checks); none for a copy's tables and slices, which the data decides. */
  readonly max?: number;
}

/** The walk `statemachines/database-migration.asl.json` takes for a request. */
export interface DatabaseMigrationPlan {
  readonly strategy: 'database-migration';
  readonly service: { readonly namespace: string; readonly name: string };
  /** The databases, by URL or secret ARN. */
  readonly target: string;
  readonly source?: string;
  readonly steps: readonly DatabaseMigrationStep[];
  /** The migrations Migrate would apply (`V3__backfill`), when the plan read the target's history. */
  readonly pendingMigrations?: readonly string[];
  /** The source's tables the copy would fill, parents first, when the plan read the source. */
  readonly sourceTables?: readonly SourceTable[];
  /** Every state entered from Prepare to Done: each RDS loop at one check, no table copied. */
  readonly path: readonly string[];
  /**
   * After a step that fails once the backup is taken: the copy undone or not, what stays as it is, the
   * notification, the unlock.
   */
  readonly onFailure: {
    /** A failure once the copy started empties the tables it copied into (UndoCopy). */
    readonly undoCopy: boolean;
    readonly detail: string;
    /** What a failure leaves for a person: migrations that committed, the backup. */
    readonly kept: string;
    /** The states of a failure once the copy started; an earlier one skips the copy's undo. */
    readonly states: readonly string[];
  };
  /** The transitions of `path`: the whole run when nothing is copied and every RDS check is the first. */
  readonly stateTransitions: number;
  /** With `sourceTables`: the transitions of a run copying each in one slice, the fewest it can take. */
  readonly leastCopyTransitions?: number;
  readonly variableTransitions: readonly TransitionTerm[];
  /** Time in the RDS Wait states: each loop at one check, and at its last. */
  readonly rdsWaitSeconds?: { readonly min: number; readonly max: number };
  /** The cost of `stateTransitions`. */
  readonly estimatedCostUsd: number;
}

const SNAPSHOT_CHECK = ['WaitForSnapshot', 'CheckSnapshot', 'IsSnapshotAvailable'];
const GREEN_CHECK = ['WaitForGreen', 'CheckGreen', 'IsGreenAvailable'];
const SWITCHOVER_CHECK = ['WaitForSwitchover', 'CheckSwitchover', 'IsSwitchedOver'];

/** One transition per state entered for each `per`. */
function term(per: string, states: readonly string[], max?: number): TransitionTerm {
  return { per, states, transitions: states.length, ...(max === undefined ? {} : { max }) };
}

// CopyTables, one Map iteration per table: CopySlice and TableDone per slice, then TableCopied.
const PER_TABLE = term('copied table', ['TableCopied']);
const PER_SLICE = term('copy slice', ['CopySlice', 'TableDone']);

type Request = DatabaseMigrationRequest;
/** A step, or a Choice state entered between steps. */
type Entry = DatabaseMigrationStep | string;

function pollLoop(
  name: PollLoop['name'],
  until: string,
  states: string[],
  pollSeconds: number,
  timeoutSeconds: number,
): PollLoop {
  const maxChecks = maxPollChecks(timeoutSeconds, pollSeconds);
  return { name, until, states, pollSeconds, timeoutSeconds, maxChecks };
}

const checks = (loop: PollLoop) =>
  `polled every ${loop.pollSeconds}s until ${loop.until} (at most ${loop.maxChecks} checks)`;
const schemasOf = (request: Request) => request.database.schemas.join(', ');
const serviceOf = (request: Request) => `${request.service.namespace}/${request.service.name}`;

function backupStep(request: Request): DatabaseMigrationStep {
  const { enabled, method } = request.backup;
  if (!enabled) return { name: 'Backup', detail: 'none (backup.enabled is false)', states: [] };
  if (method === 'logical') {
    return {
      name: 'Backup',
      detail: `logical backup of ${schemasOf(request)} (COPY, gzip) to the backup store`,
      states: ['Backup'],
    };
  }
  const rds = request.rds!;
  const loop = pollLoop('snapshot', 'available', SNAPSHOT_CHECK, rds.pollSeconds, rds.snapshotTimeoutSeconds);
  return {
    name: 'Backup',
    detail: `RDS snapshot of instance ${rds.instanceIdentifier}, ${checks(loop)}`,
    states: ['CreateSnapshot', ...SNAPSHOT_CHECK],
    loops: [loop],
  };
}

function blueGreenStep(request: Request): DatabaseMigrationStep[] {
  if (!request.blueGreen) return [];
  const { sourceArn, targetEngineVersion, availableTimeoutSeconds, switchoverTimeoutSeconds } =
    request.blueGreen;
  const poll = request.rds!.pollSeconds;
  const green = pollLoop('green', 'AVAILABLE', GREEN_CHECK, poll, availableTimeoutSeconds);
  const switchover = pollLoop(
    'switchover',
    'SWITCHOVER_COMPLETED',
    SWITCHOVER_CHECK,
    poll,
    switchoverWaitSeconds(switchoverTimeoutSeconds, poll),
  );
  const engine = targetEngineVersion ? ` (engine ${targetEngineVersion})` : '';
  return [
    {
      name: 'Blue/Green',
      detail:
        `green environment of ${sourceArn}${engine}, ${checks(green)}; validated; switchover ` +
        `(SwitchoverTimeout ${switchoverTimeoutSeconds}s), ${checks(switchover)}`,
      states: ['CreateBlueGreen', ...GREEN_CHECK, 'ValidateBlueGreen', 'Switchover', ...SWITCHOVER_CHECK],
      loops: [green, switchover],
    },
  ];
}

function migrateDetail(request: Request, planned: PlannedMigrations | undefined): string {
  const migrations = request.migrations;
  if (!migrations) return 'no migrations given: nothing to apply';
  const from = migrations.directory ?? `the backup store, folder ${folderPrefix(migrations.s3Prefix!)}`;
  const phases = { expand: 'expand only', contract: 'contract only', all: 'expand and contract' };
  const transaction =
    migrations.transaction === 'all' ? 'all in one transaction' : 'each in its own transaction';
  // The backup store's files are read only at Migrate; a directory's, when the plan was given them.
  const known =
    migrations.directory === undefined ? `read at Migrate; ${SKIPPED}` : planned && migrationsLine(planned);
  const listed = known ? ` (${known})` : '';
  return `pending migrations of phase ${migrations.phase} (${phases[migrations.phase]}) from ${from}${listed}, ${transaction}`;
}

const SKIPPED = 'those the target has applied are skipped';

/** The directory's migrations of the phase, or those the target has not applied when its history was read. */
function migrationsLine({ files, pending }: PlannedMigrations): string {
  if (pending === undefined) return `${fileList(files)}; ${SKIPPED}`;
  if (pending.length === 0) return `none: the target has applied every file of the phase (${files.length})`;
  const applied = files.length - pending.length;
  return `${fileList(pending)}, by the target's history; it has applied ${applied} of the phase's ${files.length} files`;
}

/**
 * The migrations of a directory, as `V1__orders`: its files of the request's phase, and when the target's
 * history was read, those the target has not applied (what Migrate would apply).
 */
export interface PlannedMigrations {
  readonly files: readonly string[];
  readonly pending?: readonly string[];
}

/** A source table the copy would fill, as a plan reads it: rows as the source's statistics estimate them. */
export interface SourceTable {
  /** `schema.name` */
  readonly table: string;
  readonly estimatedRows: number;
  /** Table, indexes and TOAST on disk. */
  readonly bytes: number;
}

/**
 * The source's tables for a plan line: how many, their estimated rows and size in all, and each table's
 * rows (of more than 8, the 3 largest).
 */
function sourceTablesLine(tables: readonly SourceTable[]): string {
  const rows = (count: number) => Math.round(count).toLocaleString('en-US');
  const total = tables.reduce((sum, table) => sum + table.estimatedRows, 0);
  const bytes = tables.reduce((sum, table) => sum + table.bytes, 0);
  const shown =
    tables.length <= 8 ? tables : [...tables].sort((a, b) => b.estimatedRows - a.estimatedRows).slice(0, 3);
  const each = shown.map((table) => `${table.table} ${rows(table.estimatedRows)}`).join(', ');
  return (
    `${tables.length} ${tables.length === 1 ? 'table' : 'tables'}, about ${rows(total)} rows and ` +
    `${sizeText(bytes)} by its statistics (${tables.length <= 8 ? each : `the largest: ${each}`})`
  );
}

/** A size on disk in the largest binary unit below it: `512 bytes`, `48.0 KiB`, `11.9 MiB`, `2.4 GiB`. */
function sizeText(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${bytes} bytes`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Migration names for a plan line: all of up to 8, else the first 3 and the last 3 with the count. */
function fileList(files: readonly string[]): string {
  if (files.length === 0) return 'none of the phase in the directory';
  if (files.length <= 8) return files.join(', ');
  return `${files.length} files, ${files.slice(0, 3).join(', ')}, ..., ${files.slice(-3).join(', ')}`;
}

/** The steps from Migrate on (with the migrations to apply, when known): what each does depends on whether a source is copied. */
function copySteps(
  request: Request,
  planned: PlannedMigrations | undefined,
  sourceTables: readonly SourceTable[] | undefined,
): DatabaseMigrationStep[] {
  const { source } = request.database;
  const listed = sourceTables ? `: ${sourceTablesLine(sourceTables)}` : '';
  const { budgetSeconds, batchRows } = request.copy;
  const fromSource = source !== undefined && request.sequences === 'source';
  return [
    { name: 'Migrate', detail: migrateDetail(request, planned), states: ['Migrate'] },
    {
      name: 'ListTables',
      detail: source
        ? `the source's tables of ${schemasOf(request)}, parents first${listed}`
        : 'no source: no tables',
      states: ['ListTables'],
    },
    {
      name: 'CopyTables',
      detail: source
        ? `one table at a time into empty target tables, in slices of up to ${budgetSeconds}s ` +
          `(batches of ${batchRows.toLocaleString('en-US')} rows) until done`
        : 'no source: nothing to copy',
      states: ['CopyTables'],
    },
    {
      name: 'SyncSequences',
      detail: fromSource ? "target sequences to the source's positions" : 'target sequences past max(column)',
      states: ['SyncSequences'],
    },
    {
      name: 'Validate',
      detail: source
        ? `row counts and checksums of every table of ${schemasOf(request)}, source against target`
        : 'no source: nothing to compare',
      states: ['Validate'],
    },
    { name: 'Notify', detail: 'publish Succeeded', states: ['NotifySucceeded'] },
    { name: 'Unlock', detail: `release the lock on ${serviceOf(request)}`, states: ['Unlock'] },
  ];
}

function failurePlan(request: Request): DatabaseMigrationPlan['onFailure'] {
  const undoCopy = request.database.source !== undefined;
  const { enabled, method } = request.backup;
  const migrations =
    request.migrations?.transaction === 'all'
      ? 'a failing migration run changes nothing (transaction: all)'
      : 'migrations that committed before a failing one stay applied, named in the error';
  const backup = !enabled
    ? 'no backup was taken (backup.enabled is false)'
    : method === 'rds-snapshot'
      ? 'the snapshot stays, for RestoreDBInstanceFromDBSnapshot'
      : 'the backup stays, for cutover backups restore';
  const blueGreen = request.blueGreen
    ? '; a Blue/Green deployment that did not switch over is deleted with its green instances, one that did is kept'
    : '';
  return {
    undoCopy,
    detail: undoCopy
      ? 'once the copy started, empty the tables it copied into (one transaction), so a fixed run copies again'
      : 'nothing to undo: no copy',
    kept: `nothing is restored: ${migrations}; ${backup}${blueGreen}`,
    states: [
      ...(undoCopy ? ['HasCopy', 'UndoCopy'] : []),
      'BlueGreenCreated',
      ...(request.blueGreen ? ['DeleteBlueGreen'] : []),
      'NotifyFailed',
      'UnlockAfterFailure',
      'Failed',
    ],
  };
}

/**
 * Builds the plan of a normalized database migration request: its steps, the states they enter, what a
 * failure does, and the state transitions and their cost. The request tells the transitions of a run
 * that copies nothing and whose RDS checks succeed at the first; `variableTransitions` are the ones the
 * data decides (a table and a slice of the copy) and each further RDS check. `migrations` are the
 * directory's, when it was read (see {@link PlannedMigrations}); `sourceTables` the source's, when it was.
 *
 * @example
 * const plan = buildDatabaseMigrationPlan(parseWith(databaseMigrationRequestSchema, input, 'request'));
 * plan.stateTransitions; // 12 with a logical backup and no source
 * plan.variableTransitions; // with a source: 1 per copied table, 2 per copy slice
 */
export function buildDatabaseMigrationPlan(
  request: Request,
  migrations?: PlannedMigrations,
  sourceTables?: readonly SourceTable[],
): DatabaseMigrationPlan {
  const directory = request.migrations?.directory ? ' and the migrations directory' : '';
  const entries: Entry[] = [
    {
      name: 'Prepare',
      detail: `check the request${directory}, lock ${serviceOf(request)}`,
      states: ['Prepare'],
    },
    'BackupEnabled',
    backupStep(request),
    'BlueGreenRequested',
    ...blueGreenStep(request),
    ...copySteps(request, migrations, sourceTables),
    'Done',
  ];
  const steps = entries.filter((entry) => typeof entry !== 'string');
  const path = entries.flatMap((entry) => (typeof entry === 'string' ? [entry] : entry.states));
  const loops = steps.flatMap((step) => step.loops ?? []);
  const variableTransitions = [
    ...(request.database.source ? [PER_TABLE, PER_SLICE] : []),
    ...loops.map((loop) => term(`${loop.name} check after the first`, loop.states, loop.maxChecks - 1)),
  ];
  const { target, source } = request.database;
  const sum = (seconds: (loop: PollLoop) => number) =>
    loops.reduce((total, loop) => total + seconds(loop), 0);
  return {
    strategy: 'database-migration',
    service: request.service,
    target: target.url ?? target.secretArn!,
    ...(source ? { source: source.url ?? source.secretArn! } : {}),
    steps,
    ...(migrations?.pending ? { pendingMigrations: migrations.pending } : {}),
    ...(sourceTables ? { sourceTables } : {}),
    path,
    onFailure: failurePlan(request),
    stateTransitions: path.length,
    ...(sourceTables
      ? {
          leastCopyTransitions:
            path.length + sourceTables.length * (PER_TABLE.transitions + PER_SLICE.transitions),
        }
      : {}),
    variableTransitions,
    ...(loops.length > 0
      ? {
          rdsWaitSeconds: {
            min: sum((loop) => loop.pollSeconds),
            max: sum((loop) => loop.maxChecks * loop.pollSeconds),
          },
        }
      : {}),
    estimatedCostUsd: transitionCostUsd(path.length),
  };
}

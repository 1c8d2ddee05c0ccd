import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildDatabaseMigrationPlan,
  type DatabaseMigrationPlan,
  USD_PER_STATE_TRANSITION,
} from '#core/plan/index.ts';
import { databaseMigrationRequestSchema } from '#core/schemas/database-migration.ts';
import { parseWith } from '#core/schemas/index.ts';
import { databaseMigrationInput } from '#test/builders/database-migration-request.ts';

const TARGET = 'postgres://postgres@127.0.0.1:5432/shop';
const SOURCE = 'postgres://postgres@127.0.0.1:5432/legacy';
const SNAPSHOT_CHECK = ['WaitForSnapshot', 'CheckSnapshot', 'IsSnapshotAvailable'];
const RDS_SNAPSHOT = { backup: { method: 'rds-snapshot' }, rds: { instanceIdentifier: 'orders' } };
const BLUE_GREEN = {
  rds: { pollSeconds: 60 },
  blueGreen: { sourceArn: 'arn:aws:rds:eu-west-1:123456789012:db:orders', targetEngineVersion: '17.4' },
};

type State = {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { Next: string }[];
  ItemProcessor?: { StartAt: string; States: Record<string, State> };
};
const machine = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../../../statemachines/database-migration.asl.json'), 'utf8'),
) as { StartAt: string; States: Record<string, State> };
const copyTables = machine.States.CopyTables!.ItemProcessor!;

/** The states a state can go to next: its Next, its choices, its default, its catches. */
function successors(state: State): string[] {
  return [
    ...(state.Next ? [state.Next] : []),
    ...(state.Choices ?? []).map((choice) => choice.Next),
    ...(state.Default ? [state.Default] : []),
    ...(state.Catch ?? []).map((c) => c.Next),
  ];
}

/** True when each state of `path` is followed by one the state machine can go to from it. */
function isWalk(states: Record<string, State>, path: readonly string[]): boolean {
  return path.every((name, i) => i === 0 || successors(states[path[i - 1]!]!).includes(name));
}

function planOf(extra: Record<string, unknown> = {}, source?: string): DatabaseMigrationPlan {
  const input = databaseMigrationInput({ target: TARGET, source }, 'examples/migrations/shop', extra);
  return buildDatabaseMigrationPlan(
    parseWith(databaseMigrationRequestSchema, input, 'database-migration request'),
  );
}

describe('buildDatabaseMigrationPlan', () => {
  it('walks the state machine from Prepare to Done: a logical backup, migrations, no source', () => {
    // Act
    const plan = planOf();
    // Assess
    expect(plan.steps.map((step) => step.name)).toEqual([
      'Prepare',
      'Backup',
      'Migrate',
      'ListTables',
      'CopyTables',
      'SyncSequences',
      'Validate',
      'Notify',
      'Unlock',
    ]);
    expect(plan.path[0]).toBe(machine.StartAt);
    expect(machine.States[plan.path.at(-1)!]!.Type).toBe('Succeed');
    expect(isWalk(machine.States, plan.path)).toBe(true);
    expect(plan.steps.find((step) => step.name === 'Backup')!.states).toEqual(['Backup']);
    expect(plan.steps.find((step) => step.name === 'Migrate')!.detail).toContain('phase all');
  });

  it('says migrations from the backup store are known only at Migrate, naming their folder', () => {
    // Prepare
    const input = databaseMigrationInput({ target: TARGET }, '', {
      migrations: { s3Prefix: 'migrations/orders' },
    });
    // Act
    const plan = buildDatabaseMigrationPlan(
      parseWith(databaseMigrationRequestSchema, input, 'database-migration request'),
    );
    // Assess
    expect(plan.steps.find((step) => step.name === 'Migrate')!.detail).toBe(
      'pending migrations of phase all (expand and contract) from the backup store, folder migrations/orders/ ' +
        '(read at Migrate; those the target has applied are skipped), each in its own transaction',
    );
  });

  it.each([
    {
      what: 'those the target has not applied, when its history was read',
      pending: ['V2__orders_add_status'],
      says: "(V2__orders_add_status, by the target's history; it has applied 1 of the phase's 2 files)",
    },
    {
      what: 'none, when the target has applied every file',
      pending: [],
      says: '(none: the target has applied every file of the phase (2))',
    },
    {
      what: 'every file, when the target was not read',
      pending: undefined,
      says: '(V1__create_shop, V2__orders_add_status; those the target has applied are skipped)',
    },
  ])('lists as pending migrations $what', ({ pending, says }) => {
    // Prepare
    const input = databaseMigrationInput({ target: TARGET }, 'examples/migrations/shop');
    const files = ['V1__create_shop', 'V2__orders_add_status'];
    // Act
    const plan = buildDatabaseMigrationPlan(
      parseWith(databaseMigrationRequestSchema, input, 'database-migration request'),
      { files, ...(pending && { pending }) },
    );
    // Assess
    expect(plan.steps.find((step) => step.name === 'Migrate')!.detail).toContain(says);
    expect(plan.pendingMigrations).toEqual(pending);
  });

  it('knows the transitions and cost from the request alone when nothing is copied', () => {
    // Act
    const plan = planOf();
    // Assess
    expect(plan.stateTransitions).toBe(plan.path.length);
    expect(plan.stateTransitions).toBe(12);
    expect(plan.variableTransitions).toEqual([]);
    expect(plan.estimatedCostUsd).toBeCloseTo(12 * USD_PER_STATE_TRANSITION, 9);
  });

  it('with a source, adds the per-table and per-slice transitions of the CopyTables map', () => {
    // Act
    const plan = planOf({ copy: { budgetSeconds: 300, batchRows: 10_000 } }, SOURCE);
    // Assess
    expect(plan.stateTransitions).toBe(12);
    expect(plan.variableTransitions).toEqual([
      { per: 'copied table', states: ['TableCopied'], transitions: 1 },
      { per: 'copy slice', states: ['CopySlice', 'TableDone'], transitions: 2 },
    ]);
    const [table, slice] = plan.variableTransitions;
    expect(copyTables.States[table!.states[0]!]!.Type).toBe('Succeed');
    expect(slice!.states[0]).toBe(copyTables.StartAt);
    expect(isWalk(copyTables.States, [...slice!.states, copyTables.StartAt])).toBe(true); // a loop per slice
    expect(isWalk(copyTables.States, [...slice!.states, ...table!.states])).toBe(true); // then the table is done
    expect(plan.steps.find((step) => step.name === 'CopyTables')!.detail).toContain('300s');
    expect(plan.steps.find((step) => step.name === 'SyncSequences')!.detail).toContain("source's positions");
  });

  it("lists the source's tables it read with their estimated rows and size in all; of more than 8, the largest", () => {
    // Prepare
    const request = parseWith(
      databaseMigrationRequestSchema,
      databaseMigrationInput({ target: TARGET, source: SOURCE }, 'examples/migrations/shop'),
      'database-migration request',
    );
    const table = (name: string, estimatedRows: number, bytes: number) => ({
      table: `public.${name}`,
      estimatedRows,
      bytes,
    });
    const three = [
      table('customers', 5_000, 671_744),
      table('products', 20, 49_152),
      table('orders', 150_000, 12_451_840),
    ];
    const ten = Array.from({ length: 10 }, (_, i) => table(`t${i}`, (i + 1) * 1_000, 3 * 1024 ** 3));
    const listTables = (tables: typeof three) =>
      buildDatabaseMigrationPlan(request, undefined, tables).steps.find((step) => step.name === 'ListTables')!
        .detail;
    // Act & Assess
    expect(listTables(three)).toBe(
      "the source's tables of public, parents first: 3 tables, about 155,020 rows and 12.6 MiB by its " +
        'statistics (public.customers 5,000, public.products 20, public.orders 150,000)',
    );
    expect(listTables(ten)).toBe(
      "the source's tables of public, parents first: 10 tables, about 55,000 rows and 30.0 GiB by its " +
        'statistics (the largest: public.t9 10,000, public.t8 9,000, public.t7 8,000)',
    );
    expect(listTables([table('empty', 0, 8_192)])).toContain(': 1 table, about 0 rows and 8.0 KiB by');
    expect(buildDatabaseMigrationPlan(request, undefined, three).sourceTables).toEqual(three);
  });

  it('polls an RDS snapshot: one check at least, timeout / pollSeconds at most', () => {
    // Act
    const plan = planOf(RDS_SNAPSHOT);
    // Assess
    const backup = plan.steps.find((step) => step.name === 'Backup')!;
    expect(backup.states).toEqual([
      'CreateSnapshot',
      'WaitForSnapshot',
      'CheckSnapshot',
      'IsSnapshotAvailable',
    ]);
    expect(backup.loops).toEqual([
      {
        name: 'snapshot',
        until: 'available',
        states: SNAPSHOT_CHECK,
        pollSeconds: 30,
        timeoutSeconds: 7200,
        maxChecks: 240,
      },
    ]);
    expect(isWalk(machine.States, plan.path)).toBe(true);
    expect(isWalk(machine.States, [...SNAPSHOT_CHECK, SNAPSHOT_CHECK[0]!])).toBe(true); // a loop per check
    expect(plan.stateTransitions).toBe(15);
    expect(plan.variableTransitions).toEqual([
      {
        per: 'snapshot check after the first',
        states: SNAPSHOT_CHECK,
        transitions: 3,
        max: 239,
      },
    ]);
    expect(plan.rdsWaitSeconds).toEqual({ min: 30, max: 7200 });
  });

  it('refuses a pollSeconds whose RDS checks would pass the execution history limit, naming the least that fits', () => {
    // Act
    const act = () =>
      planOf({
        ...RDS_SNAPSHOT,
        rds: { instanceIdentifier: 'orders', pollSeconds: 1, snapshotTimeoutSeconds: 86_400 },
      });
    // Assess
    expect(act).toThrow(
      /rds\.pollSeconds: 1 allows up to 86,400 RDS status checks of 9 events each, over 2,000, .*25,000 history events.*: at least 44$/,
    );
    expect(() =>
      planOf({
        ...RDS_SNAPSHOT,
        rds: { instanceIdentifier: 'orders', pollSeconds: 44, snapshotTimeoutSeconds: 86_400 },
      }),
    ).not.toThrow();
  });

  it('switches to a green RDS environment before the migrations when blueGreen is given', () => {
    // Act
    const plan = planOf(BLUE_GREEN);
    // Assess
    expect(plan.steps.map((step) => step.name).slice(0, 4)).toEqual([
      'Prepare',
      'Backup',
      'Blue/Green',
      'Migrate',
    ]);
    expect(isWalk(machine.States, plan.path)).toBe(true);
    const blueGreen = plan.steps.find((step) => step.name === 'Blue/Green')!;
    // Switchover checks: (switchoverTimeoutSeconds + 2 polls) / pollSeconds = (300 + 120) / 60
    expect(blueGreen.loops!.map(({ name, maxChecks }) => ({ name, maxChecks }))).toEqual([
      { name: 'green', maxChecks: 120 },
      { name: 'switchover', maxChecks: 7 },
    ]);
    for (const loop of blueGreen.loops!)
      expect(isWalk(machine.States, [...loop.states, loop.states[0]!])).toBe(true);
    expect(plan.stateTransitions).toBe(12 + 1 + 3 + 1 + 1 + 3);
    expect(plan.rdsWaitSeconds).toEqual({ min: 120, max: 120 * 60 + 7 * 60 });
  });

  it('counts the two extra polls of the switchover when there is no snapshot', () => {
    // Act
    const act = () =>
      planOf({
        rds: { pollSeconds: 1 },
        blueGreen: {
          sourceArn: 'arn:aws:rds:eu-west-1:123456789012:db:orders',
          availableTimeoutSeconds: 1800,
          switchoverTimeoutSeconds: 300,
        },
      });
    // Assess: 1,800 checks for the green environment, 300 + 2 for the switchover
    expect(act).toThrow(/rds\.pollSeconds: 1 allows up to 2,102 RDS status checks/);
  });

  it('refuses an Aurora cluster as the Blue/Green source, naming the field', () => {
    // Act
    const act = () =>
      planOf({
        ...BLUE_GREEN,
        blueGreen: { sourceArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:orders' },
      });
    // Assess
    expect(act).toThrow(
      'blueGreen.sourceArn: must be an RDS DB instance ARN (arn:aws:rds:<region>:<account>:db:<id>); Aurora clusters (:cluster:) are not supported',
    );
  });

  it('undoes a copy on failure when there is a source, deletes a Blue/Green deployment that did not switch over, and restores nothing', () => {
    // Act
    const plain = planOf();
    const copying = planOf({}, 'postgres://postgres@127.0.0.1:5432/legacy');
    const snapshot = planOf(RDS_SNAPSHOT);
    const none = planOf({ backup: { enabled: false } });
    // A request of an earlier version, which asked for a restore: it still parses, and nothing is restored.
    const earlier = planOf({ backup: { enabled: true, restoreOnFailure: true } });
    // Assess
    expect(plain.onFailure).toMatchObject({
      undoCopy: false,
      states: ['BlueGreenCreated', 'NotifyFailed', 'UnlockAfterFailure', 'Failed'],
      kept: 'nothing is restored: migrations that committed before a failing one stay applied, named in the error; the backup stays, for cutover backups restore',
    });
    expect(isWalk(machine.States, ['Migrate', ...plain.onFailure.states])).toBe(true);
    expect(copying.onFailure.undoCopy).toBe(true);
    expect(copying.onFailure.states).toEqual([
      'HasCopy',
      'UndoCopy',
      'BlueGreenCreated',
      'NotifyFailed',
      'UnlockAfterFailure',
      'Failed',
    ]);
    expect(isWalk(machine.States, ['Validate', ...copying.onFailure.states])).toBe(true);
    expect(snapshot.onFailure.kept).toContain('the snapshot stays, for RestoreDBInstanceFromDBSnapshot');
    const blueGreen = planOf(BLUE_GREEN);
    expect(blueGreen.onFailure.states).toEqual([
      'BlueGreenCreated',
      'DeleteBlueGreen',
      'NotifyFailed',
      'UnlockAfterFailure',
      'Failed',
    ]);
    expect(isWalk(machine.States, ['Migrate', ...blueGreen.onFailure.states])).toBe(true);
    expect(blueGreen.onFailure.kept).toContain(
      'a Blue/Green deployment that did not switch over is deleted with its green instances',
    );
    expect(none.onFailure.kept).toContain('no backup was taken (backup.enabled is false)');
    expect(earlier.onFailure).toEqual(plain.onFailure);
    expect(none.steps.find((step) => step.name === 'Backup')!.states).toEqual([]);
    expect(none.stateTransitions).toBe(11);
    expect(isWalk(machine.States, none.path)).toBe(true);
  });
});

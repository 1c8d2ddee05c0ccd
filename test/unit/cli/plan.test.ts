import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildDatabaseMigrationPlan, buildPlan, type SourceTable } from '#core/plan/index.ts';
import { databaseMigrationRequestSchema } from '#core/schemas/database-migration.ts';
import { parseWith, validateRequest } from '#core/schemas/index.ts';
import { rollingInput } from '#test/builders/release-request.ts';
import {
  anExecution,
  anEndpointWhereBlueGreenV13Ran as endpointWhereV13Ran,
  useMockedEndpoint,
} from '#test/support/sfn-releases.ts';
import { formatDatabaseMigrationPlan, formatPlan, planCommand } from '../../../src/cli/commands/plan.ts';

const EXAMPLE = join(import.meta.dirname, '../../../examples/requests/database-migration.json');
const example = () => JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>;

function formatted(input: Record<string, unknown>, sourceTables?: readonly SourceTable[]): string {
  const request = parseWith(databaseMigrationRequestSchema, input, 'database-migration request');
  return formatDatabaseMigrationPlan(buildDatabaseMigrationPlan(request, undefined, sourceTables));
}

describe('formatDatabaseMigrationPlan', () => {
  it('prints the example request: its steps, the restore on failure, 12 transitions and their cost', () => {
    // Act
    const text = formatted(example());
    // Assess
    expect(text.split('\n')).toEqual([
      'database-migration: shop/orders, target postgres://postgres@127.0.0.1:5432/shop',
      '  Prepare        check the request and the migrations directory, lock shop/orders',
      '  Backup         logical backup of public (COPY, gzip) to the backup store',
      '  Migrate        pending migrations of phase all (expand and contract) from examples/migrations/shop, each in its own transaction',
      '  ListTables     no source: no tables',
      '  CopyTables     no source: nothing to copy',
      '  SyncSequences  target sequences past max(column)',
      '  Validate       no source: nothing to compare',
      '  Notify         publish Succeeded',
      '  Unlock         release the lock on shop/orders',
      'on failure         nothing to undo: no copy; then publish Failed, unlock',
      '                   nothing is restored: migrations that committed before a failing one stay applied, named in the error; the backup stays, for cutover backups restore',
      "                   ends FAILED with the error's name; a request Prepare refuses ends there, nothing locked",
      'expected duration  depends on the data (backup, migrations, copy, validation)',
      'state transitions  12',
      'AWS cost of a run  $0.000300 (at $0.025 per 1,000 transitions)',
    ]);
  });

  it('with migrations.transaction all, applies the run in one transaction, which a failure leaves unchanged', () => {
    // Prepare
    const input = example();
    input.migrations = { ...(input.migrations as object), transaction: 'all' };
    // Act
    const text = formatted(input);
    // Assess
    expect(text).toContain(
      '  Migrate        pending migrations of phase all (expand and contract) from examples/migrations/shop, all in one transaction',
    );
    expect(text).toContain('nothing is restored: a failing migration run changes nothing (transaction: all)');
  });

  it('with a source, gives the per-table and per-slice transitions instead of a total', () => {
    // Prepare
    const input = example();
    (input.database as Record<string, unknown>).source = { url: 'postgres://postgres@127.0.0.1:5432/legacy' };
    // Act
    const text = formatted(input);
    // Assess
    expect(text).toContain(
      'postgres://postgres@127.0.0.1:5432/legacy -> postgres://postgres@127.0.0.1:5432/shop',
    );
    expect(text).toContain(
      '  CopyTables     one table at a time into empty target tables, in slices of up to 60s',
    );
    expect(text).toContain("  SyncSequences  target sequences to the source's positions");
    expect(text).toMatch(
      /state transitions {2}12\n {19}\+ 1 per copied table\n {19}\+ 2 per copy slice\n {19}tables and slices depend on the data/,
    );
    expect(text).toContain('AWS cost of a run  $0.000300 + $0.000025 per further transition');
    expect(text).toContain(
      'on failure         once the copy started, empty the tables it copied into (one transaction), so a fixed run copies again; then publish Failed, unlock',
    );
  });

  it('with the source read, gives the fewest transitions its tables take: one slice each', () => {
    // Prepare
    const input = example();
    (input.database as Record<string, unknown>).source = { url: 'postgres://postgres@127.0.0.1:5432/legacy' };
    const tables = ['customers', 'orders'].map((name) => ({
      table: `public.${name}`,
      estimatedRows: 10,
      bytes: 8192,
    }));
    // Act
    const text = formatted(input, tables);
    // Assess: 12, and per table TableCopied, CopySlice and TableDone
    expect(text).toMatch(
      /state transitions {2}12\n {19}\+ 1 per copied table\n {19}\+ 2 per copy slice\n {19}2 tables read in the source: 18 at least: one slice per table/,
    );
  });

  it('polls an RDS snapshot, keeps it on failure, and bounds the RDS waits', () => {
    // Act
    const text = formatted({
      ...example(),
      backup: { method: 'rds-snapshot' },
      rds: { instanceIdentifier: 'orders', pollSeconds: 60, snapshotTimeoutSeconds: 3600 },
    });
    // Assess
    expect(text).toContain(
      '  Backup         RDS snapshot of instance orders, polled every 60s until available (at most 60 checks)',
    );
    expect(text).toContain('the snapshot stays, for RestoreDBInstanceFromDBSnapshot');
    expect(text).toContain(
      'expected duration  depends on the data (backup, migrations, copy, validation); RDS waits 1m 0s to 1h 0m 0s',
    );
    expect(text).toContain(
      'state transitions  15\n                   + 3 per snapshot check after the first (at most 59)\n',
    );
  });
});

describe('formatPlan', () => {
  const canaryExample = () =>
    JSON.parse(readFileSync(join(import.meta.dirname, '../../../examples/requests/canary.json'), 'utf8'));
  const live = { weights: { stable: 100 }, liveReplicas: 2 };

  it('names the webhooks that run before the canary takes traffic, in their order', () => {
    // Prepare
    const hooks = {
      beforeTraffic: [
        { name: 'smoke', url: 'http://127.0.0.1:9000/smoke' },
        { name: 'db-ready', url: 'https://ci.example.com/check' },
      ],
    };
    const request = validateRequest('canary', { ...canaryExample(), hooks });
    // Act
    const lines = formatPlan(buildPlan('canary', request, live), request).split('\n');
    // Assess
    expect(lines.slice(0, 2)).toEqual([
      'canary: stable -> canary assumed (the live track is read when the release starts; --endpoint <url> or --aws reads it now)',
      '  webhooks smoke, db-ready once canary is ready, before it takes traffic',
    ]);
  });

  it('names the afterTraffic webhooks after the promotion, before the scale-down', () => {
    // Prepare
    const url = 'https://ci.example.com/e2e';
    const hooks = {
      afterTraffic: [
        { name: 'e2e', url },
        { name: 'load', url },
      ],
    };
    const request = validateRequest('canary', { ...canaryExample(), hooks });
    // Act
    const lines = formatPlan(buildPlan('canary', request, live), request).split('\n');
    // Assess
    expect(lines.slice(1, 8)).toEqual([
      expect.stringMatching(/^ {2}step 1 of 2 /),
      expect.stringMatching(/^ {2}step 2 of 2 /),
      expect.stringMatching(/^ {2}thresholds /),
      expect.stringMatching(/^ {2}limits /),
      expect.stringMatching(/^ {2}promote /),
      '  webhooks e2e, load once the release has all traffic, before scale-down and clean-up',
      expect.stringMatching(/^ {2}scale down /),
    ]);
  });

  it('prints no webhook line on a first release, which takes traffic at once without them', () => {
    // Prepare
    const hooks = { beforeTraffic: [{ name: 'smoke', url: 'http://127.0.0.1:9000/smoke' }] };
    const request = validateRequest('canary', { ...canaryExample(), hooks });
    // Act
    const text = formatPlan(buildPlan('canary', request, { weights: {}, liveReplicas: 0 }), request);
    // Assess
    expect(text).not.toContain('webhook');
  });

  it('prints the analysis thresholds, its limits and the promotion of a canary', () => {
    // Prepare
    const request = validateRequest('canary', canaryExample());
    // Act
    const lines = formatPlan(buildPlan('canary', request, live), request).split('\n');
    // Assess
    expect(lines.slice(0, 7)).toEqual([
      'canary: stable -> canary assumed (the live track is read when the release starts; --endpoint <url> or --aws reads it now)',
      '  step 1 of 2  stable ████████████████████████████████████░░░░ canary 90/10  bake 30s, analyze 30s',
      '  step 2 of 2  stable ████████████████████░░░░░░░░░░░░░░░░░░░░ canary 50/50  bake 30s, analyze 30s',
      '  thresholds   maxErrorRate 0.05, maxLatencyP99Ms 500, minRequests 20',
      '  limits       failureLimit 1, inconclusiveLimit 2, onInconclusive fail (roll back); re-analysis after 30s',
      '  promote      stable to v2 at 100%',
      '  scale down   canary after 10s (scaleDownDelaySeconds)',
    ]);
  });

  it('says a step without a bake waits one analysis interval before its analysis', () => {
    // Prepare
    const example = canaryExample();
    const request = validateRequest('canary', {
      ...example,
      canary: { ...example.canary, steps: [{ weight: 10, bakeSeconds: 0 }] },
    });
    // Act
    const lines = formatPlan(buildPlan('canary', request, live), request).split('\n');
    // Assess
    expect(lines[1]).toBe(
      '  step 1 of 1  stable ████████████████████████████████████░░░░ canary 90/10  bake 30s (bakeSeconds 0: one analysis interval), analyze 30s',
    );
  });

  it('says a canary of preset AllAtOnce sends 100% at once, with no analysis', () => {
    // Prepare
    const { steps: _steps, analysis: _analysis, ...canary } = canaryExample().canary;
    const request = validateRequest('canary', {
      ...canaryExample(),
      canary: { ...canary, preset: 'AllAtOnce' },
    });
    // Act
    const lines = formatPlan(buildPlan('canary', request, live), request).split('\n');
    // Assess
    expect(lines.slice(0, 4)).toEqual([
      'canary: stable -> canary assumed (the live track is read when the release starts; --endpoint <url> or --aws reads it now)',
      '  all at once  no steps and no analysis (steps [] or preset AllAtOnce): the promotion sends 100% to v2 at once',
      '  promote      stable to v2 at 100%',
      '  scale down   canary after 10s (scaleDownDelaySeconds)',
    ]);
  });

  describe('with an analysis that pauses when inconclusive', () => {
    const analysis = { failureLimit: 3, inconclusiveLimit: 0, onInconclusive: 'pause', intervalSeconds: 60 };
    const planned = (metrics?: Record<string, unknown>) => {
      const request = validateRequest('canary', {
        ...canaryExample(),
        ...(metrics ? { metrics } : {}),
        canary: { ...canaryExample().canary, analysis, approval: { timeoutSeconds: 900 } },
      });
      return formatPlan(buildPlan('canary', request, live), request);
    };

    it('says a pause on an inconclusive analysis waits for an answer', () => {
      // Act
      const text = planned();
      // Assess
      expect(text).toContain(
        '  limits       failureLimit 3, inconclusiveLimit 0, onInconclusive pause (waits for approve or reject, up to 900s, then rolls back); re-analysis after 60s\n' +
          '  approval before promotion: the wait after step 2 of 2\n',
      );
    });

    it('says a gate of CloudWatch alarms fails on any alarm in ALARM, and gives it no inconclusive limit', () => {
      // Act
      const text = planned({ type: 'cloudwatch-alarms', alarmNames: ['checkout-5xx', 'checkout-p99'] });
      // Assess
      expect(text).toContain(
        '  thresholds   fails when any of the CloudWatch alarms checkout-5xx, checkout-p99 is in ALARM, never inconclusive\n' +
          '  limits       failureLimit 3; re-analysis after 60s\n' +
          '  approval before promotion: the wait after step 2 of 2\n',
      );
    });
  });

  it('says what a paused step and the approval before promotion do unanswered: go on with onTimeout continue', () => {
    // Prepare
    const steps = [
      { weight: 10, bakeSeconds: 60, pause: true },
      { weight: 50, bakeSeconds: 60 },
    ];
    const request = validateRequest('canary', {
      ...canaryExample(),
      canary: { ...canaryExample().canary, steps, approval: { timeoutSeconds: 600, onTimeout: 'continue' } },
    });
    // Act
    const lines = formatPlan(buildPlan('canary', request, live), request).split('\n');
    // Assess
    expect(
      lines.filter((line) => line.includes('approve or reject') || line.startsWith('  approval')),
    ).toEqual([
      expect.stringMatching(
        /^ {2}step 1 of 2 .*, then wait for approve or reject \(up to 600s, checked every 30s, then go on\)( |$)/,
      ),
      expect.stringMatching(
        /^ {2}step 2 of 2 .*, then wait for approve or reject \(up to 600s, checked every 30s, then go on\)( |$)/,
      ),
      '  approval before promotion: the wait after step 2 of 2',
      expect.stringMatching(
        /^expected duration +.+, plus up to 2 waits for approve or reject of up to 600s each$/,
      ),
    ]);
  });

  it('says which waits for a person only an inconclusive analysis brings', () => {
    // Prepare: no approval; each of the two steps' analyses pauses when inconclusive
    const steps = [
      { weight: 10, bakeSeconds: 60 },
      { weight: 50, bakeSeconds: 60, pause: true },
    ];
    const inconclusiveOnly = validateRequest('canary', {
      ...canaryExample(),
      canary: { steps: [steps[0]], analysis: { onInconclusive: 'pause' } },
    });
    const mixed = validateRequest('canary', {
      ...canaryExample(),
      canary: { steps, analysis: { onInconclusive: 'pause' } },
    });
    // Act
    const durationOf = (request: typeof mixed) =>
      formatPlan(buildPlan('canary', request, live), request)
        .split('\n')
        .find((line) => line.startsWith('expected duration'));
    // Assess
    expect(durationOf(inconclusiveOnly)).toMatch(
      /, plus a wait for approve or reject of up to 3600s if an analysis is inconclusive$/,
    );
    expect(durationOf(mixed)).toMatch(
      /, plus up to 3 waits for approve or reject of up to 3600s each \(2 of them only if an analysis is inconclusive\)$/,
    );
  });

  it('says what an approval timeout comes to on a local runtime that scales its waits', () => {
    // Prepare
    const request = validateRequest('canary', {
      ...canaryExample(),
      canary: { ...canaryExample().canary, approval: { timeoutSeconds: 3600 } },
    });
    const plan = buildPlan('canary', request, live);
    const durationAt = (waitScale: number) =>
      formatPlan(plan, request, undefined, { endpoint: 'http://127.0.0.1:8083', waitScale })
        .split('\n')
        .find((line) => line.startsWith('expected duration'));
    // Act
    const [real, tenth, none] = [durationAt(1), durationAt(0.1), durationAt(0)];
    // Assess
    expect(real).toMatch(/, plus a wait for approve or reject of up to 3600s$/);
    expect(tenth).toMatch(/, plus a wait for approve or reject of up to 3600s \(6m 0s there\)$/);
    expect(none).toMatch(
      /, plus a wait for approve or reject of up to 3600s \(it times out at once there\)$/,
    );
  });

  it('says the pause after the last step is the approval before promotion, counted as one wait', () => {
    // Prepare
    const steps = [
      { weight: 10, bakeSeconds: 60 },
      { weight: 50, bakeSeconds: 60, pause: true },
    ];
    const request = validateRequest('canary', {
      ...canaryExample(),
      canary: { ...canaryExample().canary, steps, approval: { timeoutSeconds: 600 } },
    });
    // Act
    const lines = formatPlan(buildPlan('canary', request, live), request).split('\n');
    // Assess
    expect(
      lines.filter((line) => line.includes('approve or reject') || line.startsWith('  approval')),
    ).toEqual([
      expect.stringMatching(
        /^ {2}step 2 of 2 .*, then wait for approve or reject \(up to 600s, checked every 30s, then roll back\)( |$)/,
      ),
      '  approval before promotion: the wait after step 2 of 2',
      expect.stringMatching(/^expected duration +.+, plus a wait for approve or reject of up to 600s$/),
    ]);
  });

  it("prints the thresholds and limits of each of blue-green's analyses, and the scale-down", () => {
    // Prepare
    const example = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../../examples/requests/blue-green.json'), 'utf8'),
    );
    const preview = { analysis: { maxErrorRate: 0.02 } };
    const request = validateRequest('blue-green', {
      ...example,
      blueGreen: { ...example.blueGreen, preview },
    });
    // Act
    const lines = formatPlan(
      buildPlan('blue-green', request, { weights: { blue: 100 }, liveReplicas: 2 }),
      request,
    ).split('\n');
    // Assess
    expect(lines.slice(0, 11)).toEqual([
      'blue-green: blue -> green assumed (the live track is read when the release starts; --endpoint <url> or --aws reads it now)',
      '  preview analysis of green: bake 30s (bakeSeconds 0: one analysis interval), analyze 30s',
      '    thresholds   maxErrorRate 0.02, minRequests 50, p99 latency not judged',
      '    limits       failureLimit 1, inconclusiveLimit 2, onInconclusive fail (roll back); re-analysis after 30s',
      '    traffic      before the switch green has no weight, so only requests naming it reach it (`cutover traffic shop/checkout --track green`, or the header `x-cutover-track: green`)',
      '  switch  blue ░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░ green 0/100',
      '  post-switch analysis: bake 30s, analyze 30s',
      '    thresholds   maxErrorRate 0.05, maxLatencyP99Ms 500, minRequests 20',
      '    limits       failureLimit 1, inconclusiveLimit 2, onInconclusive fail (roll back); re-analysis after 30s',
      '  scale down   blue after 10s (scaleDownDelaySeconds)',
      expect.stringMatching(/^expected duration /),
    ]);
  });

  it('names the approval before the switch as watch and status name it: before promotion', () => {
    // Prepare
    const example = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../../examples/requests/blue-green.json'), 'utf8'),
    );
    const request = validateRequest('blue-green', {
      ...example,
      blueGreen: { ...example.blueGreen, approval: { timeoutSeconds: 600 } },
    });
    // Act
    const lines = formatPlan(
      buildPlan('blue-green', request, { weights: { blue: 100 }, liveReplicas: 2 }),
      request,
    ).split('\n');
    // Assess
    expect(lines).toContain(
      '  approval before promotion, the switch (times out after 600s, then rolls back)',
    );
  });

  it('names the release a live track comes from: one promoted before its clean-up failed says so', () => {
    // Prepare
    const request = validateRequest('canary', canaryExample());
    const release = {
      workflow: 'blue-green' as const,
      name: 'checkout-v14',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:blue-green:checkout-v14',
      status: 'FAILED',
      version: 'v14',
      promoted: true as const,
    };
    const plan = buildPlan('canary', request, { weights: { blue: 100 }, liveReplicas: 2 });
    // Act
    const lines = formatPlan(plan, request, { source: 'release', track: 'blue', release }).split('\n');
    // Assess
    expect(lines[0]).toBe(
      'canary: blue -> canary (blue is live: blue-green v14 checkout-v14 gave it all traffic, then its clean-up failed)',
    );
    expect(lines).toContain('  promote      blue to v2 at 100%');
  });

  it("prints the thresholds and limits of a rolling release's analysis after its batches", () => {
    // Prepare
    const example = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../../examples/requests/rolling.json'), 'utf8'),
    );
    const request = validateRequest('rolling', example);
    // Act
    const lines = formatPlan(buildPlan('rolling', request), request).split('\n');
    // Assess
    expect(lines.slice(3, 6)).toEqual([
      expect.stringMatching(/^ {2}batch 3 of 3 /),
      '  thresholds   maxErrorRate 0.05, maxLatencyP99Ms 500, minRequests 10',
      '  limits       failureLimit 1, inconclusiveLimit 2, onInconclusive fail (roll back); re-analysis after 30s',
    ]);
  });
});

describe('cutover plan of a rolling request without release.replicas', () => {
  const NOT_GIVEN =
    'release.replicas is not given: the release will run as many replicas as the live track when it starts; this plan, which does not read the cluster, assumes';
  let workDir: string;

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'cutover-plan-replicas-'));
  });

  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  afterEach(() => vi.restoreAllMocks());

  /** Runs `cutover plan rolling -f <file>` for `rolling` without release.replicas; its stdout and stderr. */
  async function plan(rolling: Record<string, unknown>): Promise<{ stdout: string; stderr: string }> {
    const input = rollingInput(rolling);
    const { replicas: _replicas, ...release } = input.release;
    const path = join(workDir, 'rolling.json');
    writeFileSync(path, JSON.stringify({ ...input, release }));
    const stdout = vi.spyOn(console, 'log').mockImplementation(() => {});
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    await planCommand().parseAsync(['rolling', '-f', path], { from: 'user' });
    const text = (spy: typeof stdout) => spy.mock.calls.map((args) => `${args.join(' ')}\n`).join('');
    return { stdout: text(stdout), stderr: text(stderr) };
  }

  it('plans for 1 replica when the bounds fit it, and says so as before', async () => {
    // Act
    const { stdout, stderr } = await plan({ maxSurge: '25%', maxUnavailable: '25%' });
    // Assess
    expect(stdout).toContain('  batch 1 of 1 ');
    expect(stdout).toContain('replicas new=1 old=0\n');
    expect(stderr).toBe(`${NOT_GIVEN} 1\n`);
  });

  it('plans for the fewest replicas a count in maxSurge allows, and says so', async () => {
    // Act
    const { stdout, stderr } = await plan({ maxSurge: 2, maxUnavailable: 0 });
    // Assess
    expect(stdout).toContain('  batch 1 of 1 ');
    expect(stdout).toContain('replicas new=2 old=0\n');
    expect(stderr).toBe(`${NOT_GIVEN} 2, the fewest maxSurge 2 allows\n`);
  });

  it('plans without a surge for one replica more than maxUnavailable stops, so one keeps serving', async () => {
    // Act
    const { stdout, stderr } = await plan({ maxSurge: 0, maxUnavailable: 2 });
    // Assess
    expect(stdout).toContain('  batch 3 of 3 ');
    expect(stdout).toContain('replicas new=3 old=0\n');
    expect(stderr).toBe(
      `${NOT_GIVEN} 3, the fewest that leaves a replica serving with maxSurge 0 and maxUnavailable 2\n`,
    );
  });

  it('plans without a surge for 2 replicas when a percentage in maxUnavailable stops 1 of them', async () => {
    // Act
    const { stderr } = await plan({ maxSurge: '0%', maxUnavailable: '10%' });
    // Assess
    expect(stderr).toBe(
      `${NOT_GIVEN} 2, the fewest that leaves a replica serving with maxSurge 0% and maxUnavailable 10%\n`,
    );
  });

  it('still refuses, as a usage error naming the field, bounds that stop every replica of any count', async () => {
    // Act
    const planned = plan({ maxSurge: 0, maxUnavailable: '100%' });
    // Assess
    await expect(planned).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining(
        '  - rolling.maxUnavailable: with maxSurge 0 must leave a replica serving: below 100%',
      ),
    });
  });
});

describe('cutover plan of a database migration', () => {
  let workDir: string;

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'cutover-plan-migrations-'));
  });

  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  afterEach(() => vi.restoreAllMocks());

  it('warns of a migration file Prepare refuses while it is pending: its own transaction control', async () => {
    // Prepare
    const migrations = join(workDir, 'migrations');
    mkdirSync(migrations);
    writeFileSync(join(migrations, 'V1__orders.sql'), 'CREATE TABLE orders (id bigint PRIMARY KEY);\n');
    writeFileSync(join(migrations, 'V2__backfill.sql'), 'UPDATE orders SET id = id;\nCOMMIT;\n');
    const path = join(workDir, 'request.json');
    writeFileSync(path, JSON.stringify({ ...example(), migrations: { directory: migrations } }));
    const stdout = vi.spyOn(console, 'log').mockImplementation(() => {});
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    // Act
    await planCommand().parseAsync(['database-migration', '-f', path], { from: 'user' });
    // Assess
    expect(stdout.mock.calls.join('\n')).toContain('database-migration: shop/orders');
    expect(stderr.mock.calls).toEqual([
      [
        'warning: migration V2__backfill must not contain transaction control (COMMIT): Cutover runs every migration in a transaction of its own (or of the run, with transaction "all") (Prepare refuses it unless the target has applied it already)',
      ],
    ]);
  });

  it.each([
    ['all', 3, 'V1__orders, V2__orders_status, V3__drop_legacy'],
    ['expand', 3, 'V1__orders, V2__orders_status'],
    ['all', 12, '12 files, V1__step, V2__step, V3__step, ..., V10__step, V11__step, V12__step'],
  ])('names the migrations of phase %s it would apply (%i files)', async (phase, count, named) => {
    // Prepare: a contract migration last
    const migrations = mkdtempSync(join(workDir, 'phases-'));
    if (count === 3) {
      writeFileSync(join(migrations, 'V1__orders.sql'), 'CREATE TABLE orders (id bigint PRIMARY KEY);\n');
      writeFileSync(join(migrations, 'V2__orders_status.sql'), 'ALTER TABLE orders ADD status text;\n');
      writeFileSync(
        join(migrations, 'V3__drop_legacy.sql'),
        '-- phase: contract\nDROP TABLE IF EXISTS legacy;\n',
      );
    } else {
      for (let v = 1; v <= count; v++) writeFileSync(join(migrations, `V${v}__step.sql`), 'SELECT 1;\n');
    }
    const path = join(workDir, `request-${phase}-${count}.json`);
    writeFileSync(path, JSON.stringify({ ...example(), migrations: { directory: migrations, phase } }));
    const stdout = vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    // Act
    await planCommand().parseAsync(['database-migration', '-f', path], { from: 'user' });
    // Assess
    expect(stdout.mock.calls.join('\n')).toContain(
      `from ${migrations} (${named}; those the target has applied are skipped), each in its own transaction`,
    );
  });
});

describe('cutover plan of a release, with and without an endpoint', () => {
  const EXECUTIONS = 'arn:aws:states:us-east-1:000000000000:execution';
  const service = { name: 'checkout', namespace: 'shop' };
  const example = (strategy: string) =>
    JSON.parse(
      readFileSync(join(import.meta.dirname, `../../../examples/requests/${strategy}.json`), 'utf8'),
    ) as Record<string, unknown>;
  const { sfn, workDir } = useMockedEndpoint('cutover-plan-live-');

  const anEndpointWhereBlueGreenV13Ran = (tracks?: { live: string; next: string }, replicas?: number) =>
    endpointWhereV13Ran(sfn, service, tracks, replicas);

  /** Runs `cutover plan <strategy> -f <request> <flags>` for `request`; its stdout and stderr. */
  async function plan(
    strategy: string,
    request: Record<string, unknown>,
    ...flags: string[]
  ): Promise<{ stdout: string; stderr: string }> {
    const path = join(workDir(), `${strategy}.json`);
    writeFileSync(path, JSON.stringify(request));
    const stdout = vi.spyOn(console, 'log').mockImplementation(() => {});
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    await planCommand().parseAsync([strategy, '-f', path, ...flags], { from: 'user' });
    const text = (spy: typeof stdout) => spy.mock.calls.map((args) => `${args.join(' ')}\n`).join('');
    return { stdout: text(stdout), stderr: text(stderr) };
  }

  it('previews the colour that is not live, switches to it and scales the live one down: blue while green serves', async () => {
    // Prepare: v13 switched from blue to green; v14 has a preview
    anEndpointWhereBlueGreenV13Ran({ live: 'blue', next: 'green' });
    const request = example('blue-green');
    const blueGreen = { ...(request.blueGreen as object), preview: { analysis: { maxErrorRate: 0.02 } } };
    // Act
    const { stdout } = await plan(
      'blue-green',
      { ...request, blueGreen },
      '--endpoint',
      'http://127.0.0.1:9',
    );
    // Assess
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(
      "blue-green: green -> blue (green is live: shop/checkout's last successful release, blue-green v13 checkout-v13, left it all traffic)",
    );
    expect(lines[1]).toMatch(/^ {2}preview analysis of blue: /);
    expect(stdout).toContain('\n  switch  green ░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░ blue 0/100\n');
    expect(stdout).toContain('\n  scale down   green after 10s (scaleDownDelaySeconds)\n');
  });

  it('promotes the track that is live, not stable: green after a blue-green release', async () => {
    // Prepare
    anEndpointWhereBlueGreenV13Ran({ live: 'blue', next: 'green' });
    // Act
    const { stdout } = await plan('canary', example('canary'), '--endpoint', 'http://127.0.0.1:9');
    // Assess
    expect(stdout).toMatch(/^canary: green -> canary \(green is live: /);
    expect(stdout).toContain('  step 1 of 2  green ████████████████████████████████████░░░░ canary 90/10');
    expect(stdout).toContain('\n  promote      green to v2 at 100%\n  scale down   canary after 10s');
  });

  it('plans a first release when no release of the service succeeded: 100% without steps, analysis or approval', async () => {
    // Prepare
    anEndpointWhereBlueGreenV13Ran(undefined);
    const withApproval = example('canary');
    withApproval.canary = { ...(withApproval.canary as object), approval: { timeoutSeconds: 600 } };
    // Act
    const { stdout } = await plan('canary', withApproval, '--endpoint', 'http://127.0.0.1:9', '--scan', '30');
    // Assess: a first release asks no approval, whatever the request says
    expect(stdout.split('\n').slice(0, 3)).toEqual([
      "canary: planned as a first release: no release of shop/checkout succeeded among the newest 30 executions of each workflow (--scan <n> looks further): if none serves it, it goes to 100% without steps, analysis or approval (the release reads the router's weights when it starts)",
      '  all at once  no steps and no analysis (first release): the promotion sends 100% to v2 at once',
      '  promote      stable to v2 at 100%',
    ]);
    expect(sfn.commandCalls(ListExecutionsCommand)[0]?.args[0].input.maxResults).toBe(30);
  });

  it('plans a first blue-green release as a switch to its one track, with no live track to switch from', async () => {
    // Prepare
    anEndpointWhereBlueGreenV13Ran(undefined);
    // Act
    const { stdout } = await plan('blue-green', example('blue-green'), '--endpoint', 'http://127.0.0.1:9');
    // Assess
    expect(stdout.split('\n')[1]).toBe('  switch  green 100% (first release: no live track to switch from)');
    // No line names a blue track (the strategy's name aside)
    expect(stdout.replaceAll('blue-green', '')).not.toContain('blue');
  });

  it('says a release of the service still runs: cutover run refuses another until it ends', async () => {
    // Prepare: v14 runs, started after v13
    anEndpointWhereBlueGreenV13Ran({ live: 'blue', next: 'green' });
    const v14 = anExecution('canary', 'checkout-v14', 'RUNNING', '2026-11-29T10:00:00Z', {
      service,
      release: { version: 'v14' },
    });
    sfn.on(ListExecutionsCommand, { stateMachineArn: v14.stateMachineArn }).resolves({ executions: [v14] });
    sfn.on(DescribeExecutionCommand, { executionArn: v14.executionArn }).resolves(v14);
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    // Act
    const { stdout, stderr } = await plan('canary', example('canary'), '--endpoint', 'http://127.0.0.1:9');
    // Assess
    expect(stdout).toMatch(/^canary: green -> canary \(green is live: /);
    expect(stderr).toBe(
      'shop/checkout is being released by checkout-v14 (canary v14): `cutover run` refuses another release of it until that one ends, which may change the live track\n',
    );
  });

  it('batches a rolling release from the replicas the live track ran with, as its release recorded them', async () => {
    // Prepare: v13 left green live with 2 replicas; the rolling request asks for 3
    anEndpointWhereBlueGreenV13Ran({ live: 'blue', next: 'green' }, 2);
    // Act
    const { stdout, stderr } = await plan('rolling', example('rolling'), '--endpoint', 'http://127.0.0.1:9');
    // Assess: as the release will run it, from 2 old replicas to 3 new ones, one surge at a time
    expect(stdout).toContain('  batch 1 of 2 ');
    expect(stdout).not.toContain('batch 1 of 3');
    expect(stderr).toContain(
      'this plan, which does not read the cluster, assumes the live track runs the 2 blue-green checkout-v13 ran it with; a release batches from the replicas it finds\n',
    );
  });

  it('without release.replicas, plans for as many replicas as the live track ran with, and says so', async () => {
    // Prepare
    anEndpointWhereBlueGreenV13Ran({ live: 'blue', next: 'green' }, 4);
    const { replicas: _replicas, ...release } = example('rolling').release as Record<string, unknown>;
    // Act
    const { stdout, stderr } = await plan(
      'rolling',
      { ...example('rolling'), release },
      '--endpoint',
      'http://127.0.0.1:9',
    );
    // Assess
    expect(stdout).toContain('replicas new=4 old=0\n');
    expect(stderr).toContain(
      'this plan, which does not read the cluster, assumes 4, as many as blue-green checkout-v13 ran the live track with\n',
    );
  });

  it('says the planned version already serves the service: a release of it runs every step again', async () => {
    // Prepare: v13 is live
    anEndpointWhereBlueGreenV13Ran({ live: 'blue', next: 'green' });
    const again = example('canary');
    again.release = { ...(again.release as object), version: 'v13' };
    // Act
    const { stderr } = await plan('canary', again, '--endpoint', 'http://127.0.0.1:9');
    // Assess
    expect(stderr).toBe(
      'v13 already serves shop/checkout (blue-green checkout-v13): releasing it again runs every step and analysis again, on the same version\n',
    );
  });

  it('says a database migration of the service still runs, in its own words', async () => {
    // Prepare: a migration of the same service runs
    anEndpointWhereBlueGreenV13Ran({ live: 'blue', next: 'green' });
    const migration = anExecution('database-migration', 'orders-schema', 'RUNNING', '2026-11-29T10:00:00Z', {
      service,
    });
    sfn
      .on(ListExecutionsCommand, { stateMachineArn: migration.stateMachineArn })
      .resolves({ executions: [migration] });
    sfn.on(DescribeExecutionCommand, { executionArn: migration.executionArn }).resolves(migration);
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    // Act
    const { stderr } = await plan('canary', example('canary'), '--endpoint', 'http://127.0.0.1:9');
    // Assess
    expect(stderr).toBe(
      'shop/checkout is being migrated by orders-schema (database-migration): `cutover run` refuses another release of it until that one ends\n',
    );
  });

  it('says a database migration of the service still runs when planning another at the endpoint', async () => {
    // Prepare: a migration of shop/orders runs; the plan reads no live track, nor a migrations directory
    const orders = { name: 'orders', namespace: 'shop' };
    const running = anExecution('database-migration', 'orders-schema', 'RUNNING', '2026-11-29T10:00:00Z', {
      service: orders,
    });
    anEndpointWhereBlueGreenV13Ran();
    sfn
      .on(ListExecutionsCommand, { stateMachineArn: running.stateMachineArn })
      .resolves({ executions: [running] });
    sfn.on(DescribeExecutionCommand, { executionArn: running.executionArn }).resolves(running);
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const { migrations: _migrations, ...request } = example('database-migration');
    const target = 'postgres://postgres@127.0.0.1:9/shop';
    // Act
    const { stdout, stderr } = await plan(
      'database-migration',
      { ...request, database: { target: { url: target }, schemas: ['public'] } },
      '--endpoint',
      'http://127.0.0.1:9',
    );
    // Assess: the target, on a closed port, is not read either
    expect(stdout).toMatch(/^database-migration: shop\/orders, target /);
    expect(stderr).toMatch(
      new RegExp(
        `^warning: the databases were not read \\(database ${target} is not reachable: connect ECONNREFUSED .*\\n` +
          'shop/orders is being migrated by orders-schema \\(database-migration\\): `cutover run` refuses another release of it until that one ends\n$',
      ),
    );
  });

  it('plans no database migration at an endpoint that does not answer', async () => {
    // Prepare
    sfn
      .on(ListStateMachinesCommand)
      .rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }));
    const { migrations: _migrations, ...request } = example('database-migration');
    // Act
    const planned = plan('database-migration', request, '--endpoint', 'http://127.0.0.1:9');
    // Assess
    await expect(planned).rejects.toThrow('connect ECONNREFUSED 127.0.0.1:9');
    expect(console.log).not.toHaveBeenCalled();
  });

  it('takes the colour a release whose rollback stopped left all traffic: blue -> green while blue serves 100%', async () => {
    // Prepare: after v13 (blue -> green), v14 switched to blue, failed, and its rollback stopped: green had no ready replica
    anEndpointWhereBlueGreenV13Ran({ live: 'blue', next: 'green' });
    const request = { service, release: { version: 'v14' } };
    const v14 = anExecution('blue-green', 'checkout-v14', 'FAILED', '2026-11-29T10:00:00Z', request, {
      error: 'RollbackStopped',
      cause: 'green has no ready replica (0/3 ready after 120s of checks): its traffic was not given back',
    });
    const v13 = {
      ...v14,
      name: 'checkout-v13',
      executionArn: `${EXECUTIONS}:blue-green:checkout-v13`,
      status: 'SUCCEEDED' as const,
      startDate: new Date('2026-11-29T09:00:00Z'),
    };
    sfn
      .on(ListExecutionsCommand, { stateMachineArn: v14.stateMachineArn })
      .resolves({ executions: [v14, v13] });
    sfn.on(DescribeExecutionCommand, { executionArn: v14.executionArn }).resolves(v14);
    sfn.on(GetExecutionHistoryCommand, { executionArn: v14.executionArn }).resolves({
      events: [
        {
          id: 80,
          timestamp: new Date('2026-11-29T10:05:00Z'),
          type: 'ExecutionFailed',
          executionFailedEventDetails: { error: v14.error, cause: v14.cause },
        },
        {
          id: 40,
          timestamp: new Date('2026-11-29T10:03:00Z'),
          type: 'TaskSucceeded',
          taskSucceededEventDetails: {
            resource: 'invoke',
            resourceType: 'lambda',
            output: JSON.stringify({ Payload: { weights: { green: 0, blue: 100 }, type: 'Promoted' } }),
          },
        },
      ],
    });
    // Act
    const { stdout } = await plan('blue-green', example('blue-green'), '--endpoint', 'http://127.0.0.1:9');
    // Assess
    expect(stdout.split('\n')[0]).toBe(
      'blue-green: blue -> green (blue is live: it serves 100% since blue-green v14 checkout-v14 stopped its rollback (RollbackStopped))',
    );
    expect(stdout).toContain('\n  switch  blue ░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░ green 0/100\n');
  });

  it('gives the live track and the release it comes from with --json', async () => {
    // Prepare
    anEndpointWhereBlueGreenV13Ran({ live: 'blue', next: 'green' });
    // Act
    const { stdout } = await plan(
      'blue-green',
      example('blue-green'),
      '--endpoint',
      'http://127.0.0.1:9',
      '--json',
    );
    // Assess
    expect(JSON.parse(stdout)).toMatchObject({
      tracks: { live: 'green', next: 'blue' },
      firstRelease: false,
      liveTrack: {
        source: 'release',
        track: 'green',
        release: { name: 'checkout-v13', workflow: 'blue-green', version: 'v13', status: 'SUCCEEDED' },
      },
    });
  });

  it('without an endpoint, calls nothing and says the tracks are assumed', async () => {
    // Act
    const { stdout } = await plan('blue-green', example('blue-green'));
    // Assess
    expect(stdout.split('\n')[0]).toBe(
      'blue-green: blue -> green assumed (the live track is read when the release starts; --endpoint <url> or --aws reads it now)',
    );
    expect(sfn.calls()).toEqual([]);
  });

  it('fails on an endpoint that does not answer, printing no plan', async () => {
    // Prepare
    sfn
      .on(ListStateMachinesCommand)
      .rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }));
    // Act
    const planned = plan('canary', example('canary'), '--endpoint', 'http://127.0.0.1:9');
    // Assess
    await expect(planned).rejects.toThrow('connect ECONNREFUSED 127.0.0.1:9');
    expect(console.log).not.toHaveBeenCalled();
  });

  it('refuses --region without --aws or --endpoint, which would read nothing', async () => {
    // Act
    const planned = plan('canary', example('canary'), '--region', 'eu-west-1');
    // Assess
    await expect(planned).rejects.toMatchObject({
      exitCode: 2,
      message: '--region says where to read the live track: give --aws (or --endpoint <url>) too',
    });
  });
});

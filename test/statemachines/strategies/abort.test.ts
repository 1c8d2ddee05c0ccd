import { copyFileSync, mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  CreateBlueGreenDeploymentCommand,
  DeleteBlueGreenDeploymentCommand,
  DescribeBlueGreenDeploymentsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  DescribeExecutionCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { LOCAL_SUBSTITUTIONS } from '#core/substitutions.ts';
import type { ServiceRef } from '#core/types.ts';
import { rollBackMissedAborts } from '#local/abort-rollbacks.ts';
import { registerLocalAdapters } from '#local/adapters/register.ts';
import type { Traffic } from '#local/adapters/traffic-generator.ts';
import { LocalApiServer } from '#local/api/server.ts';
import { RealClock } from '#local/clock.ts';
import { discoverProjectFunctions, projectSubstitutions } from '#local/project/functions.ts';
import { ProjectLambdaRegistry } from '#local/project/project-lambdas.ts';
import { loadProjectStateMachines, registerStateMachines } from '#local/project/state-machines.ts';
import { LocalStepFunctions } from '#local/service.ts';
import { openStore } from '#local/store.ts';
import { databaseMigrationInput } from '#test/builders/database-migration-request.ts';
import { runSql } from '#test/integration/database/dataset.ts';
import { aTempDataDir, EXAMPLE_APP } from '#test/support/local-app.ts';
import { executionHistory, sfnClient, waitForExecution } from '#test/support/local-runtime.ts';
import {
  aDatabaseHeldLocked,
  type HeldDatabase,
  requestUrl,
  startTestPostgres,
  type TestPostgres,
} from '#test/support/postgres.ts';
import { rdsError } from '#test/support/rds-fixtures.ts';
import { aCanaryRequest, aTestService, PATIENT_ANALYSIS } from '#test/support/strategy-requests.ts';
import {
  aLiveTrack,
  anExampleRelease,
  entered,
  historyUntil,
  liveWeights,
  STRATEGY_WAIT_TIME_SCALE,
  type StrategyRuntime,
  serviceState,
  serviceTraffic,
  startStrategyRuntime,
  trackVersions,
} from '#test/support/strategy-runtime.ts';
import { abortRelease } from '../../../src/cli/abort-release.ts';
import { resolveRollbackMachineArn } from '../../../src/cli/resolve.ts';

/** Waits until another session of the database at `url` runs a statement holding `text`. */
async function untilQueryRuns(url: string, text: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const { rows } = await runSql(
        url,
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND strpos(query, $1) > 0',
        [text],
      );
      if (rows[0].n === 0) throw new Error(`no session runs ${text} yet`);
    },
    { timeout: 30_000, interval: 50 },
  );
}

/**
 * Stops an execution as another client would (StopExecution, cause 'stopped from the console') and waits
 * for the rollback execution the runtime starts for it: how it started, and how it ended.
 */
async function stopFromTheConsole(strategies: StrategyRuntime, executionArn: string, name: string) {
  const rollbackMachine = await resolveRollbackMachineArn(strategies.client);
  const rollbackArn = `${rollbackMachine.replace(':stateMachine:', ':execution:')}:abort-${name}`;
  await strategies.client.send(new StopExecutionCommand({ executionArn, cause: 'stopped from the console' }));
  const started = await vi.waitFor(
    () => strategies.client.send(new DescribeExecutionCommand({ executionArn: rollbackArn })),
    { timeout: 10_000, interval: 50 },
  );
  return { started, rollback: await waitForExecution(strategies.client, rollbackArn) };
}

describe('aborting a canary mid-rollout (StopExecution + the rollback state machine)', () => {
  const data = aTempDataDir();
  const service = aTestService('aborted');
  let strategies: StrategyRuntime;
  let traffic: Traffic;

  beforeAll(async () => {
    strategies = await startStrategyRuntime(data.dataDir);
    await aLiveTrack(strategies.adapters, service, 'stable', anExampleRelease('v1'));
    traffic = await serviceTraffic(strategies.adapters, service);
  });
  afterAll(async () => {
    await traffic?.stop();
    await strategies?.close();
    data.remove();
  });

  it('restores the traffic and tracks from the backup and unlocks the service; aborting again changes nothing', async () => {
    // Prepare: a canary of v2 baking at 20%
    const canary = { steps: [{ weight: 20, bakeSeconds: 3600 }] };
    const arn = await strategies.start('canary', aCanaryRequest(service, 'v2', { canary }), 'aborted-v2');
    await historyUntil(strategies.client, arn, entered('BakeStep'));
    const during = await liveWeights(strategies.adapters, service);
    // Act
    const first = await abortRelease(strategies.client, arn, 'wrong image');
    const rollback = await waitForExecution(strategies.client, first.rollbackExecutionArn!);
    const again = await abortRelease(strategies.client, arn, 'wrong image');
    // Assess
    expect(during).toEqual({ stable: 80, canary: 20 });
    const aborted = await strategies.client.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(aborted.status).toBe('ABORTED');
    expect(first.rollbackExecutionArn).toMatch(/:execution:rollback:abort-aborted-v2$/);
    expect(rollback.status, rollback.cause).toBe('SUCCEEDED');
    expect(again).toEqual({ ...first, alreadyStopped: true, rollbackStatus: 'SUCCEEDED' });
    expect(await serviceState(strategies.adapters, service)).toEqual({
      weights: { stable: 100 },
      tracks: { stable: 'v1 x1' },
      served: ['v1'],
    });
    expect(await strategies.adapters.lock.holder(service)).toBeUndefined();
  });

  it('rolls back a release stopped by any client (StopExecution), as the EventBridge rule does on AWS', async () => {
    // Prepare
    const request = aCanaryRequest(service, 'v4', { canary: { steps: [{ weight: 20, bakeSeconds: 3600 }] } });
    const arn = await strategies.start('canary', request, 'stopped-v4');
    await historyUntil(strategies.client, arn, entered('BakeStep'));
    // Act
    const { started, rollback } = await stopFromTheConsole(strategies, arn, 'stopped-v4');
    // Assess
    expect(JSON.parse(started.input!)).toEqual({
      strategy: 'canary',
      executionArn: arn,
      input: JSON.stringify(request),
      reason: 'stopped from the console',
    });
    expect(rollback.status, rollback.cause).toBe('SUCCEEDED');
    expect(await liveWeights(strategies.adapters, service)).toEqual({ stable: 100 });
    expect(await trackVersions(strategies.adapters, service)).toEqual({ stable: 'v1 x1' });
    expect(await strategies.adapters.lock.holder(service)).toBeUndefined();
  });

  it('leaves the clean-up to the first rollback of a stop: a second one, even from the request itself, changes nothing', async () => {
    // Prepare
    const request = aCanaryRequest(service, 'v3', { canary: { steps: [{ weight: 20, bakeSeconds: 3600 }] } });
    const arn = await strategies.start('canary', request, 'aborted-v3');
    await historyUntil(strategies.client, arn, entered('BakeStep'));
    const first = await abortRelease(strategies.client, arn, 'first');
    // Act
    const duplicate = await strategies.run(
      'rollback',
      { strategy: 'canary', executionArn: arn, request },
      'rollback-aborted-v3-again',
    );
    const started = await waitForExecution(strategies.client, first.rollbackExecutionArn!);
    // Assess: whichever claimed first cleaned up, the other ended at once
    const [cleaner, skipped] = [started, duplicate].sort(
      (a, b) => Number(!JSON.parse(a.output!).claim.claimed) - Number(!JSON.parse(b.output!).claim.claimed),
    );
    expect([cleaner!.status, skipped!.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(JSON.parse(skipped!.output!).claim).toEqual({ claimed: false, by: cleaner!.executionArn });
    expect((await statesEntered(strategies, skipped!.executionArn!)).slice(-3)).toEqual([
      'ClaimRollback',
      'IsClaimed',
      'AlreadyClaimed',
    ]);
    expect(await statesEntered(strategies, cleaner!.executionArn!)).toContain('NotifyRolledBack');
    const late = await strategies.run(
      'rollback',
      { strategy: 'canary', executionArn: arn, request },
      'rollback-aborted-v3-late',
    );
    expect(JSON.parse(late.output!).claim).toEqual({ claimed: false, by: cleaner!.executionArn });
    expect(await liveWeights(strategies.adapters, service)).toEqual({ stable: 100 });
    expect(await trackVersions(strategies.adapters, service)).toEqual({ stable: 'v1 x1' });
    expect(await strategies.adapters.lock.holder(service)).toBeUndefined();
  });

  it("rolls back a stop whose `abort-<name>` another execution's rollback holds, under `abort-<8 hex>-<name>`", async () => {
    // Prepare: two 80-character names sharing their first 74 characters; the first one stopped and rolled back
    const stem = 'shared-stem-'.padEnd(74, 'x');
    const canary = { canary: { steps: [{ weight: 20, bakeSeconds: 3600 }] } };
    const firstArn = await strategies.start('canary', aCanaryRequest(service, 'v5', canary), `${stem}-v5-aa`);
    await historyUntil(strategies.client, firstArn, entered('BakeStep'));
    const first = await abortRelease(strategies.client, firstArn, 'first');
    await waitForExecution(strategies.client, first.rollbackExecutionArn!);
    const secondArn = await strategies.start(
      'canary',
      aCanaryRequest(service, 'v6', canary),
      `${stem}-v6-bb`,
    );
    await historyUntil(strategies.client, secondArn, entered('BakeStep'));
    const during = await liveWeights(strategies.adapters, service);
    // Act: stopped by another client, then `cutover abort` finds the rollback the runtime started
    await strategies.client.send(new StopExecutionCommand({ executionArn: secondArn, cause: 'second' }));
    const second = await abortRelease(strategies.client, secondArn, 'second', 10_000);
    const rollback = await waitForExecution(strategies.client, second.rollbackExecutionArn!);
    const view = await fetch(
      `${strategies.runtime.endpoint}/console/api/executions/${encodeURIComponent(`canary:${stem}-v6-bb`)}`,
    );
    // Assess
    expect(during).toEqual({ stable: 80, canary: 20 });
    expect(first.rollbackExecutionArn).toMatch(new RegExp(`:execution:rollback:abort-${stem}$`));
    expect(second.rollbackExecutionArn).toMatch(/:execution:rollback:abort-[0-9a-f]{8}-shared-stem-x+$/);
    expect(rollback.status, rollback.cause).toBe('SUCCEEDED');
    expect(JSON.parse(rollback.input!)).toMatchObject({ executionArn: secondArn, reason: 'second' });
    expect(await serviceState(strategies.adapters, service)).toEqual({
      weights: { stable: 100 },
      tracks: { stable: 'v1 x1' },
      served: ['v1'],
    });
    expect(await strategies.adapters.lock.holder(service)).toBeUndefined();
    expect(((await view.json()) as { rollback?: { executionId?: string } }).rollback?.executionId).toBe(
      second.rollbackExecutionArn!.split(':execution:')[1],
    );
    const { service: api, stateMachines } = strategies.runtime;
    expect(await rollBackMissedAborts(api, stateMachines, strategies.adapters.lock)).toEqual([]);
  });

  it('changes nothing when an aborted canary is redriven after another release: it fails ExecutionStopped', async () => {
    // Prepare: v7 aborted while it baked and rolled back, then v8 released to the end
    const analysis = { ...PATIENT_ANALYSIS, inconclusiveLimit: 0, onInconclusive: 'fail' };
    const aborted = aCanaryRequest(service, 'v7', {
      canary: { steps: [{ weight: 20, bakeSeconds: 60 }], analysis },
    });
    const arn = await strategies.start('canary', aborted, 'redriven-v7');
    await historyUntil(strategies.client, arn, entered('BakeStep'));
    const { rollbackExecutionArn } = await abortRelease(strategies.client, arn, 'wrong image');
    await waitForExecution(strategies.client, rollbackExecutionArn!);
    const next = await strategies.run('canary', aCanaryRequest(service, 'v8'), 'after-abort-v8');
    const released = await serviceState(strategies.adapters, service);
    const eventsBefore = (await executionHistory(strategies.client, arn)).length;
    // Act
    await strategies.client.send(new RedriveExecutionCommand({ executionArn: arn }));
    const redriven = await waitForExecution(strategies.client, arn);
    // Assess: it baked and analysed (read-only) again, then its rollback changed nothing
    expect(next.status, next.cause).toBe('SUCCEEDED');
    expect(released).toEqual({ weights: { stable: 100 }, tracks: { stable: 'v8 x1' }, served: ['v8'] });
    expect(redriven).toMatchObject({ status: 'FAILED', error: 'ExecutionStopped', redriveCount: 1 });
    expect(redriven.cause).toContain(
      `restore-capacity changed nothing: ${arn} was stopped, and its rollback ${rollbackExecutionArn} owns the clean-up`,
    );
    const readOnly = ['BakeStep', 'AnalyzeStep', 'JudgeStep', 'WaitToReanalyzeStep'];
    const statesAfter = await statesEntered(strategies, arn, eventsBefore);
    expect(statesAfter[0]).toBe('BakeStep');
    expect(statesAfter.filter((name) => !readOnly.includes(name))).toEqual([
      'RestoreCapacity',
      'NotifyFailed',
      'UnlockAfterFailure',
      'IsRollbackStopped',
      'Failed',
    ]);
    expect(await serviceState(strategies.adapters, service)).toEqual(released);
    expect(await strategies.adapters.lock.holder(service)).toBeUndefined();
  });

  it('changes nothing when an aborted canary whose rollback failed is redriven; the rollback machine may run again', async () => {
    // Prepare: v9 aborted while it baked; its rollback's end is made the one a failed rollback leaves (its
    // claim given up, the lock given back: GiveUpClaim, UnlockAfterFailure)
    const request = aCanaryRequest(service, 'v9', { canary: { steps: [{ weight: 20, bakeSeconds: 1 }] } });
    const arn = await strategies.start('canary', request, 'redriven-v9');
    await historyUntil(strategies.client, arn, entered('BakeStep'));
    const { rollbackExecutionArn } = await abortRelease(strategies.client, arn, 'wrong image');
    await waitForExecution(strategies.client, rollbackExecutionArn!);
    await strategies.adapters.lock.giveUpRollback(arn, rollbackExecutionArn!);
    const before = await serviceState(strategies.adapters, service);
    // Act
    await strategies.client.send(new RedriveExecutionCommand({ executionArn: arn }));
    const redriven = await waitForExecution(strategies.client, arn);
    const again = await strategies.run(
      'rollback',
      { strategy: 'canary', executionArn: arn, input: JSON.stringify(request), reason: 'run again' },
      'abort-again-redriven-v9',
    );
    // Assess
    expect(redriven).toMatchObject({ status: 'FAILED', error: 'ExecutionStopped', redriveCount: 1 });
    expect(redriven.cause).toContain(
      `${arn} was stopped, and its rollback ${rollbackExecutionArn} ended without cleaning up: run the rollback machine again`,
    );
    expect(await serviceState(strategies.adapters, service)).toEqual(before);
    expect(again.status, again.cause).toBe('SUCCEEDED');
    expect(await strategies.adapters.lock.rollbackOf(arn)).toEqual({
      rollbackArn: again.executionArn,
      givenUp: false,
    });
    expect(await strategies.adapters.lock.holder(service)).toBeUndefined();
  });
});

/**
 * The runtime's parts on `dataDir` (the project's state machines and functions, the local adapters, the
 * Step Functions API) without its start of rollbacks: it commits a stop and starts no rollback, as a
 * runtime killed between the two would.
 */
async function aRuntimeStartingNoRollbacks(dataDir: string) {
  const functions = discoverProjectFunctions(process.cwd());
  const store = openStore(dataDir);
  const service = new LocalStepFunctions({
    store,
    clock: new RealClock(STRATEGY_WAIT_TIME_SCALE),
    lambdas: new ProjectLambdaRegistry(functions),
  });
  const local = registerLocalAdapters({ dataDir });
  const substitutions = projectSubstitutions(functions, LOCAL_SUBSTITUTIONS);
  const machines = await registerStateMachines(
    service,
    loadProjectStateMachines(process.cwd(), substitutions),
  );
  service.start();
  const server = new LocalApiServer({ service });
  const client = sfnClient(await server.listen(0, '127.0.0.1'));
  return {
    client,
    adapters: local.adapters,
    canaryArn: machines.find((m) => m.name === 'canary')!.stateMachineArn,
    close: async () => {
      client.destroy();
      await server.close();
      await service.close();
      await local.close();
      store.close();
    },
  };
}

describe('aborting a canary after its promotion, when the previous version no longer starts', () => {
  const data = aTempDataDir();
  const service = aTestService('promoted-aborted');
  let strategies: StrategyRuntime;
  let traffic: Traffic | undefined;

  beforeAll(async () => {
    strategies = await startStrategyRuntime(data.dataDir);
  });
  afterAll(async () => {
    await traffic?.stop();
    await strategies?.close();
    data.remove();
  });

  it('does not report the previous version back while the promoted one still serves the stable track', async () => {
    // Prepare: stable runs v1 from its own copy of the example app; v2 is promoted, and during its scale-down
    // delay v1's file is moved away, so v1 cannot start again
    const oldApp = join(data.dataDir, 'oldapp', 'server.js');
    mkdirSync(dirname(oldApp), { recursive: true });
    copyFileSync(EXAMPLE_APP, oldApp);
    const v1 = { ...anExampleRelease('v1'), command: [process.execPath, oldApp] };
    await aLiveTrack(strategies.adapters, service, 'stable', v1);
    traffic = await serviceTraffic(strategies.adapters, service);
    const request = aCanaryRequest(service, 'v2', {
      canary: { steps: [{ weight: 20, bakeSeconds: 1 }] },
      extra: { scaleDownDelaySeconds: 3600 },
    });
    const arn = await strategies.start('canary', request, 'promoted-aborted-v2');
    await historyUntil(strategies.client, arn, entered('ScaleDownDelay'));
    renameSync(oldApp, `${oldApp}.moved`);
    // Act
    const { rollbackExecutionArn } = await abortRelease(strategies.client, arn, 'late abort');
    const rollback = await waitForExecution(strategies.client, rollbackExecutionArn!);
    // Assess: stable is back on v1's release, which does not start; v2's replica serves on and is named
    expect(rollback.status, rollback.cause).toBe('SUCCEEDED');
    expect(await serviceState(strategies.adapters, service)).toEqual({
      weights: { stable: 100 },
      tracks: { stable: 'v1 x1' },
      served: ['v2'],
    });
    expect(strategies.adapters.notifier.latestOf(arn, 1)[0]?.message).toMatch(
      /^canary release v2 of test\/promoted-aborted rolled back: Aborted \(late abort\); not restored in full: stable 0\/1 ready of v1: (CrashLoopBackOff|not back after \d+s of checks); v2's 1 replica still serves$/,
    );
  });
});

describe('a stop whose rollback never started (the runtime killed in between)', () => {
  const data = aTempDataDir();
  const service = aTestService('missed');
  afterAll(() => data.remove());

  it('is rolled back when the runtime starts again on the same data', async () => {
    // Prepare: a canary of v2 at 20%, stopped, by a runtime that starts no rollback
    process.env.CUTOVER_DATA_DIR = data.dataDir;
    process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
    const first = await aRuntimeStartingNoRollbacks(data.dataDir);
    await aLiveTrack(first.adapters, service, 'stable', anExampleRelease('v1'));
    const canary = { steps: [{ weight: 20, bakeSeconds: 3600 }] };
    const { executionArn } = await first.client.send(
      new StartExecutionCommand({
        stateMachineArn: first.canaryArn,
        name: 'missed-v2',
        input: JSON.stringify(aCanaryRequest(service, 'v2', { canary })),
      }),
    );
    await historyUntil(first.client, executionArn!, entered('BakeStep'));
    await first.client.send(new StopExecutionCommand({ executionArn, cause: 'wrong image' }));
    const stoppedWeights = await liveWeights(first.adapters, service);
    await first.close();
    // Act
    const strategies = await startStrategyRuntime(data.dataDir);
    try {
      const rollbackArn = `${(await resolveRollbackMachineArn(strategies.client)).replace(':stateMachine:', ':execution:')}:abort-missed-v2`;
      const rollback = await waitForExecution(strategies.client, rollbackArn);
      // Assess
      expect(stoppedWeights).toEqual({ stable: 80, canary: 20 });
      expect(rollback.status, rollback.cause).toBe('SUCCEEDED');
      expect(JSON.parse(rollback.input!)).toMatchObject({ executionArn, reason: 'wrong image' });
      expect(await liveWeights(strategies.adapters, service)).toEqual({ stable: 100 });
      expect(await trackVersions(strategies.adapters, service)).toEqual({ stable: 'v1 x1' });
      expect(await strategies.adapters.lock.holder(service)).toBeUndefined();
      const { service: api, stateMachines } = strategies.runtime;
      expect(await rollBackMissedAborts(api, stateMachines, strategies.adapters.lock)).toEqual([]);
    } finally {
      await strategies.close();
    }
  });
});

/** The example's migrations: Prepare reads them before it locks the service. */
const MIGRATIONS = 'examples/migrations/shop';

/** The states an execution entered, in order (from its event `after` on). */
async function statesEntered(
  strategies: StrategyRuntime,
  executionArn: string,
  after = 0,
): Promise<string[]> {
  return (await executionHistory(strategies.client, executionArn))
    .slice(after)
    .flatMap((event) => (event.stateEnteredEventDetails ? [event.stateEnteredEventDetails.name!] : []));
}

describe('aborting a database migration (StopExecution + the rollback state machine)', () => {
  const data = aTempDataDir();
  let strategies: StrategyRuntime;
  let postgres: TestPostgres;
  let database: HeldDatabase;

  beforeAll(async () => {
    strategies = await startStrategyRuntime(data.dataDir);
    postgres = await startTestPostgres();
    // The tasks read the database password from the environment.
    process.env.PGPASSWORD = postgres.password;
    database = await aDatabaseHeldLocked(postgres);
  });
  afterAll(async () => {
    // Ends the Backup tasks still waiting on the held table, so the runtime closes at once.
    await database?.close();
    await strategies?.close();
    await postgres?.stop();
    data.remove();
  });

  /** A migration of `service` whose Backup waits on the held table, the service locked by Prepare. */
  async function aMigrationBackingUp(service: ServiceRef, name: string) {
    const request = databaseMigrationInput({ target: database.url }, MIGRATIONS, { service });
    const arn = await strategies.start('database-migration', request, name);
    const events = await historyUntil(
      strategies.client,
      arn,
      (history) => entered('Backup')(history) || history.some((event) => event.type === 'ExecutionFailed'),
    );
    expect(entered('Backup')(events), `${name} did not reach Backup`).toBe(true);
    return { request, arn };
  }

  it('unlocks a migration stopped by any client, so the next migration of the service is not refused', async () => {
    // Prepare
    const service = aTestService('orders-stopped');
    const { request, arn } = await aMigrationBackingUp(service, 'db-stopped');
    const lockedBy = await strategies.adapters.lock.holder(service);
    // Act
    const { started, rollback } = await stopFromTheConsole(strategies, arn, 'db-stopped');
    const next = await aMigrationBackingUp(service, 'db-after-stop');
    const nextLockedBy = await strategies.adapters.lock.holder(service);
    await strategies.client.send(new StopExecutionCommand({ executionArn: next.arn }));
    // Assess
    expect(lockedBy).toBe(arn);
    expect(JSON.parse(started.input!)).toEqual({
      strategy: 'database-migration',
      executionArn: arn,
      input: JSON.stringify(request),
      reason: 'stopped from the console',
    });
    expect(rollback.status, rollback.cause).toBe('SUCCEEDED');
    // The next migration of the service got past Prepare's lock to its Backup.
    expect(nextLockedBy).toBe(next.arn);
  });

  it('`cutover abort` stops it and starts the rollback that only notifies and unlocks; aborting again changes nothing', async () => {
    // Prepare
    const service = aTestService('orders-aborted');
    const { arn } = await aMigrationBackingUp(service, 'db-aborted');
    // Act
    const first = await abortRelease(strategies.client, arn, 'test');
    const rollback = await waitForExecution(strategies.client, first.rollbackExecutionArn!);
    const again = await abortRelease(strategies.client, arn, 'test');
    // Assess
    expect(first).toEqual({
      strategy: 'database-migration',
      rollbackExecutionArn: expect.stringMatching(/:execution:rollback:abort-db-aborted$/),
      rollbackStatus: expect.stringMatching(/^(RUNNING|SUCCEEDED)$/),
    });
    expect(rollback.status, rollback.cause).toBe('SUCCEEDED');
    expect(await statesEntered(strategies, first.rollbackExecutionArn!)).toEqual([
      'HasRequest',
      'ParseInput',
      'UseParsedRequest',
      'HasReason',
      'ClaimRollback',
      'IsClaimed',
      'IsDatabaseMigration',
      'MigrationBlueGreenRequested',
      'NoMigrationBlueGreen',
      'ListMigrationsApplied',
      'NotifyMigrationAborted',
      'UnlockMigration',
      'MigrationBlueGreenCleanedUp',
      'KeepMigrationClaim',
      'MigrationUnlocked',
    ]);
    expect(again).toEqual({ ...first, alreadyStopped: true, rollbackStatus: 'SUCCEEDED' });
    expect(await strategies.adapters.lock.holder(service)).toBeUndefined();
  });

  it('says which migrations the stopped run applied, once its Migrate task let go of the migration lock', async () => {
    // Prepare: V2 runs for 3 s; the execution is stopped while it runs
    const service = aTestService('orders-stopped-migrating');
    const url = await postgres.createDatabase('stopped_migrating');
    const directory = mkdtempSync(join(data.dataDir, 'migrations-'));
    writeFileSync(join(directory, 'V1__items.sql'), 'CREATE TABLE items (id int);');
    writeFileSync(join(directory, 'V2__slow.sql'), 'SELECT pg_sleep(3); CREATE TABLE slow (id int);');
    writeFileSync(join(directory, 'V3__later.sql'), 'CREATE TABLE later (id int);');
    const request = databaseMigrationInput({ target: requestUrl(url) }, directory, {
      service,
      backup: { enabled: false },
    });
    const arn = await strategies.start('database-migration', request, 'db-stopped-migrating');
    await untilQueryRuns(url, 'pg_sleep(3)');
    // Act
    const first = await abortRelease(strategies.client, arn, 'wrong index');
    const rollback = await waitForExecution(strategies.client, first.rollbackExecutionArn!);
    // Assess: V2 ran to its end and was rolled back, V3 never ran; the notification and the rollback's output say so
    expect(rollback.status, rollback.cause).toBe('SUCCEEDED');
    expect(JSON.parse(rollback.output!).migrationsApplied).toEqual({ migrations: ['V1__items'] });
    const [notified] = strategies.adapters.notifier.latestOf(arn, 1);
    expect(notified).toMatchObject({
      type: 'Failed',
      message:
        'database migration of test/orders-stopped-migrating failed: Aborted (wrong index); V1__items, ' +
        'applied before the stop, stays applied (nothing is rolled back)',
    });
    expect(JSON.parse(String(notified!.detail)).migrationsApplied).toEqual(['V1__items']);
    const { rows } = await runSql(
      url,
      `SELECT to_regclass('slow') IS NULL AS slow, to_regclass('later') IS NULL AS later`,
    );
    expect(rows[0]).toEqual({ slow: true, later: true });
  });

  describe('with a Blue/Green deployment (RDS API mocked)', () => {
    const rds = mockClient(RDSClient);
    const sourceArn = 'arn:aws:rds:eu-west-1:123456789012:db:orders';
    beforeEach(() => {
      rds.reset();
      rds.on(CreateBlueGreenDeploymentCommand).resolves({
        BlueGreenDeployment: { BlueGreenDeploymentIdentifier: 'bgd-abort' },
      });
      // Green never ready: the migration loops WaitForGreen -> CheckGreen until stopped.
      rds.on(DescribeBlueGreenDeploymentsCommand).callsFake(() => ({
        BlueGreenDeployments: [
          {
            BlueGreenDeploymentIdentifier: 'bgd-abort',
            Status: 'PROVISIONING',
            SwitchoverDetails: [{ SourceMember: sourceArn, Status: 'PROVISIONING' }],
            TagList: rds.commandCalls(CreateBlueGreenDeploymentCommand)[0]?.args[0].input.Tags,
          },
        ],
      }));
    });
    afterAll(() => rds.restore());

    /** A migration of `service` with Blue/Green, stopped by `cutover abort` while it waits for the green. */
    async function abortWhileWaitingForGreen(service: ServiceRef, name: string) {
      const target = await postgres.createDatabase('bluegreen');
      const request = databaseMigrationInput({ target: requestUrl(target) }, MIGRATIONS, {
        service,
        backup: { enabled: false },
        rds: { instanceIdentifier: 'orders', region: 'eu-west-1', pollSeconds: 5 },
        blueGreen: { sourceArn },
      });
      const arn = await strategies.start('database-migration', request, name);
      const events = await historyUntil(
        strategies.client,
        arn,
        (history) =>
          entered('WaitForGreen')(history) || history.some((event) => event.type === 'ExecutionFailed'),
      );
      expect(entered('WaitForGreen')(events), `${name} did not reach WaitForGreen`).toBe(true);
      const { rollbackExecutionArn } = await abortRelease(strategies.client, arn, 'wrong green');
      const rollback = await waitForExecution(strategies.client, rollbackExecutionArn!);
      return { arn, rollback, rollbackArn: rollbackExecutionArn! };
    }

    it('deletes the deployment with its green instances and says so in the Aborted notification', async () => {
      // Prepare
      const service = aTestService('orders-green-aborted');
      rds.on(DeleteBlueGreenDeploymentCommand).resolves({});
      // Act
      const { arn, rollback, rollbackArn } = await abortWhileWaitingForGreen(service, 'db-green-aborted');
      // Assess
      expect(rollback.status, rollback.cause).toBe('SUCCEEDED');
      expect(rds.commandCalls(DeleteBlueGreenDeploymentCommand).map((c) => c.args[0].input)).toEqual([
        { BlueGreenDeploymentIdentifier: 'bgd-abort', DeleteTarget: true },
      ]);
      expect((await statesEntered(strategies, rollbackArn)).slice(-7)).toEqual([
        'DeleteMigrationBlueGreen',
        'ListMigrationsApplied',
        'NotifyMigrationAborted',
        'UnlockMigration',
        'MigrationBlueGreenCleanedUp',
        'KeepMigrationClaim',
        'MigrationUnlocked',
      ]);
      expect(strategies.adapters.notifier.latestOf(arn, 1)[0]).toMatchObject({
        type: 'Failed',
        message: expect.stringContaining(
          'failed: Aborted (wrong green); Blue/Green deployment bgd-abort deleted with its green instances',
        ),
      });
      expect(await strategies.adapters.lock.holder(service)).toBeUndefined();
      expect(await strategies.adapters.lock.rollbackOf(arn)).toEqual({ rollbackArn, givenUp: false });
    });

    it('fails the rollback and gives up its claim when the deployment cannot be deleted, saying why', async () => {
      // Prepare
      const service = aTestService('orders-green-kept');
      rds
        .on(DeleteBlueGreenDeploymentCommand)
        .rejects(rdsError('AccessDenied', 'not authorized to perform rds:DeleteDBInstance'));
      // Act
      const { arn, rollback, rollbackArn } = await abortWhileWaitingForGreen(service, 'db-green-kept');
      // Assess
      expect(rollback.status).toBe('FAILED');
      expect(rollback.error).toBe('BlueGreenSwitchoverFailed');
      expect(rollback.cause).toContain('not authorized to perform rds:DeleteDBInstance');
      expect((await statesEntered(strategies, rollbackArn)).slice(-7)).toEqual([
        'DeleteMigrationBlueGreen',
        'ListMigrationsApplied',
        'NotifyMigrationAborted',
        'UnlockMigration',
        'MigrationBlueGreenCleanedUp',
        'GiveUpMigrationClaim',
        'MigrationCleanupFailed',
      ]);
      const [notified] = strategies.adapters.notifier.latestOf(arn, 1);
      expect(notified).toMatchObject({
        type: 'Failed',
        message: expect.stringContaining(
          'failed: Aborted (wrong green); its Blue/Green deployment was not deleted: BlueGreenSwitchoverFailed (',
        ),
      });
      expect(notified!.message).toContain('not authorized to perform rds:DeleteDBInstance');
      expect(await strategies.adapters.lock.holder(service)).toBeUndefined();
      // The claim given up: the rollback machine may run again for this stop, and the migration, if it is
      // redriven, changes nothing.
      expect(await strategies.adapters.lock.rollbackOf(arn)).toEqual({ rollbackArn, givenUp: true });
    });
  });
});

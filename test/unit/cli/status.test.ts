import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { lambdaTaskSucceeded } from '#test/builders/history-events.ts';
import { formatStatus } from '../../../src/cli/commands/status.ts';
import { readableFailure } from '../../../src/cli/progress.ts';
import {
  runningReleaseOf,
  type ServiceRelease,
  type ServiceReleases,
  serviceReleases,
} from '../../../src/cli/service-releases.ts';

const service = { name: 'orders', namespace: 'shop' };
const window = { scan: 25, limit: 5 };

const rejectedV8: ServiceRelease = {
  workflow: 'canary',
  name: 'orders-v8',
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:canary:orders-v8',
  status: 'FAILED',
  version: 'v8',
  startDate: new Date('2026-11-29T11:00:00Z'),
  stopDate: new Date('2026-11-29T11:00:09Z'),
  ...readableFailure('ApprovalRejected', JSON.stringify({ reason: 'p99 is creeping up', approver: 'cli' })),
};
const migrated: ServiceRelease = {
  workflow: 'database-migration',
  name: 'orders-db-2',
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:database-migration:orders-db-2',
  status: 'SUCCEEDED',
  startDate: new Date('2026-11-29T10:00:00Z'),
  stopDate: new Date('2026-11-29T10:00:03Z'),
};
const failedMigration: ServiceRelease = {
  workflow: 'database-migration',
  name: 'orders-db-1',
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:database-migration:orders-db-1',
  status: 'FAILED',
  startDate: new Date('2026-11-29T10:00:00Z'),
  stopDate: new Date('2026-11-29T10:01:05Z'),
  ...readableFailure(
    'MigrationFailed',
    JSON.stringify({ errorType: 'MigrationFailed', errorMessage: 'migration V2__x failed' }),
  ),
};
const rolledV7: ServiceRelease = {
  workflow: 'rolling',
  name: 'orders-v7',
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:rolling:orders-v7',
  status: 'SUCCEEDED',
  version: 'v7',
  startDate: new Date('2026-11-29T09:00:00Z'),
  stopDate: new Date('2026-11-29T09:00:42Z'),
};

const MACHINES = 'arn:aws:states:us-east-1:000000000000:stateMachine';
const EXECUTIONS = 'arn:aws:states:us-east-1:000000000000:execution';

/** A mocked client whose endpoint has the state machines `names` (default: canary, rolling, rollback). */
function aClientOfMachines(names = ['canary', 'rolling', 'rollback'], creationDate = new Date(0)) {
  const client = new SFNClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  mock.on(ListStateMachinesCommand).resolves({
    stateMachines: names.map((name) => ({
      name,
      stateMachineArn: `${MACHINES}:${name}`,
      type: 'STANDARD',
      creationDate,
    })),
  });
  return { client, mock };
}

/** Those of `executions` that ran on the state machine `stateMachineArn`, by their ARNs. */
const executionsOf = <T extends { executionArn: string }>(executions: T[], stateMachineArn: string) =>
  executions.filter((execution) =>
    execution.executionArn.startsWith(`${EXECUTIONS}:${stateMachineArn.split(':')[6]}:`),
  );

/** The lines status prints of the releases `found` of `of` (shop/orders), `shown` of them, with `flags`. */
const statusOf = (found: ServiceReleases, { of = service, shown = window, flags = '' } = {}) =>
  formatStatus(of, found, shown, flags).split('\n');

/** rolledV7 while it still runs, in `state`, with `extra`. */
const aRunningV7 = (state: string, extra: Partial<ServiceRelease>): ServiceRelease => ({
  ...rolledV7,
  status: 'RUNNING',
  stopDate: undefined,
  state,
  ...extra,
});

describe('formatStatus', () => {
  it('says where it looked when it finds no release', () => {
    expect(formatStatus(service, { releases: [] }, window)).toBe(
      'shop/orders: no release among the newest 25 executions of each workflow (--scan <n> looks further)',
    );
  });

  it('names the last successful database migration when no release succeeded, and a rejection by who rejected it and why', () => {
    // Act
    const lines = statusOf({ releases: [rejectedV8, migrated], lastSuccess: migrated });
    // Assess
    expect(lines).toEqual([
      'shop/orders: no release succeeded among the newest 25 executions of each workflow; the last successful database migration: orders-db-2',
      'FAILED     canary              v8  orders-v8    2026-11-29T11:00:00.000Z, took 9s: ApprovalRejected — rejected by cli: p99 is creeping up',
      'SUCCEEDED  database-migration  -   orders-db-2  2026-11-29T10:00:00.000Z, took 3s',
    ]);
  });

  it('names the last successful database migration of a service that only ran database migrations', () => {
    // Act
    const lines = statusOf({ releases: [migrated, failedMigration], lastSuccess: migrated });
    // Assess
    expect(lines[0]).toBe(
      'shop/orders: no release succeeded among the newest 25 executions of each workflow; the last successful database migration: orders-db-2',
    );
  });

  it('says that nothing succeeded when no release and no database migration did', () => {
    // Act
    const lines = statusOf({ releases: [failedMigration] });
    // Assess
    expect(lines[0]).toBe('shop/orders: nothing succeeded among the newest 25 executions of each workflow');
  });

  it('names the last successful release, and shows a migration without a version and a readable cause', () => {
    // Act
    const lines = statusOf({
      releases: [failedMigration, rolledV7],
      lastSuccessfulRelease: rolledV7,
      lastSuccess: rolledV7,
    });
    // Assess
    expect(lines).toEqual([
      'shop/orders: last successful release v7 (rolling orders-v7)',
      'FAILED     database-migration  -   orders-db-1  2026-11-29T10:00:00.000Z, took 1m 5s: MigrationFailed — migration V2__x failed',
      'SUCCEEDED  rolling             v7  orders-v7    2026-11-29T09:00:00.000Z, took 42s',
    ]);
  });

  it('says how long a run under a second took in milliseconds, not 0s', () => {
    // Prepare
    const quick: ServiceRelease = { ...migrated, stopDate: new Date('2026-11-29T10:00:00.345Z') };
    // Act
    const lines = statusOf({ releases: [quick], lastSuccess: quick });
    // Assess
    expect(lines[1]).toBe(
      'SUCCEEDED  database-migration  -  orders-db-2  2026-11-29T10:00:00.000Z, took 345ms',
    );
  });

  it('shows the cause of a release stopped through the API with a cause but no error', () => {
    // Prepare
    const stopped: ServiceRelease = {
      ...rolledV7,
      status: 'ABORTED',
      stopDate: new Date('2026-11-29T09:00:06Z'),
      ...readableFailure(undefined, 'wrong image'),
    };
    // Act
    const lines = statusOf({ releases: [stopped] });
    // Assess
    expect(lines[1]).toBe(
      'ABORTED    rolling  v7  orders-v7  2026-11-29T09:00:00.000Z, took 6s: wrong image',
    );
  });

  it('says why the rollout of a running release waits', () => {
    // Prepare
    const stuck = aRunningV7('WaitForCanary', {
      workflow: 'canary',
      weights: { stable: 100, canary: 0 },
      rollout: {
        track: 'canary',
        reason:
          '0/4 ready, 4 updated; pod orders-canary-7d9f-x2x not scheduled: Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.',
      },
    });
    // Act
    const lines = statusOf({ releases: [stuck] });
    // Assess
    expect(lines[1]).toBe(
      'RUNNING    canary  v7  orders-v7  started 2026-11-29T09:00:00.000Z, in WaitForCanary, stable 100 / canary 0, rollout canary: 0/4 ready, 4 updated; pod orders-canary-7d9f-x2x not scheduled: Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.',
    );
  });

  it('says a running release is rolling back after its own failure, and a migration is cleaning up', () => {
    // Prepare
    const rollingBack = aRunningV7('DrainBeforeRollback', {
      workflow: 'rolling',
      step: 'batch 1 of 3',
      weights: { green: 0, blue: 100 },
      failure: { Error: 'AnalysisFailed', Cause: 'errorRate 0.299 > 0.05' },
    });
    const cleaningUp: ServiceRelease = {
      ...migrated,
      status: 'RUNNING',
      stopDate: undefined,
      state: 'UndoCopy',
      failure: { Error: 'ValidationFailed', Cause: 'tables differ between source and target' },
    };
    // Act
    const lines = statusOf({ releases: [rollingBack, cleaningUp] });
    // Assess
    expect(lines[1]).toMatch(
      /^RUNNING +rolling +v7 +orders-v7 +started 2026-11-29T09:00:00.000Z, rolling back after AnalysisFailed \(errorRate 0\.299 > 0\.05\), in DrainBeforeRollback \(batch 1 of 3\), green 0 \/ blue 100$/,
    );
    expect(lines[2]).toMatch(
      /^RUNNING +database-migration +- +orders-db-2 +started \S+, cleaning up after ValidationFailed \(tables differ between source and target\), in UndoCopy$/,
    );
  });

  it("says how far a running migration's copy has come, by its last slice", () => {
    // Prepare
    const copying: ServiceRelease = {
      ...migrated,
      status: 'RUNNING',
      stopDate: undefined,
      state: 'CopySlice',
      copy: { table: 'public.orders', rowsCopied: 50_000, done: false, estimatedRows: 150_000 },
    };
    // Act
    const lines = statusOf({ releases: [copying] });
    // Assess
    expect(lines[1]).toMatch(
      /^RUNNING +database-migration +- +orders-db-2 +started \S+, in CopySlice, copy public\.orders: 50,000 of about 150,000 rows so far$/,
    );
  });

  it('says until when a waiting approval waits, and the commands that answer it', () => {
    // Prepare
    vi.useFakeTimers({ now: new Date(2026, 10, 29, 9, 1, 0) });
    const waiting = aRunningV7('RequestApproval', {
      awaitingApproval: true,
      approval: { timeoutSeconds: 600, timesOutAt: new Date(2026, 10, 29, 9, 6, 0).getTime() },
    });
    // Act
    const lines = statusOf({ releases: [waiting] });
    vi.useRealTimers();
    // Assess
    expect(lines[1]).toBe(
      'RUNNING    rolling  v7  orders-v7  started 2026-11-29T09:00:00.000Z, in RequestApproval, waiting for approval (times out at 09:06:00 UTC, in 5m 0s): `cutover approve orders-v7` or `cutover reject orders-v7`',
    );
  });

  it('says what a waiting approval is for: the end of a paused step', () => {
    // Prepare
    const paused = aRunningV7('PauseAfterStep', {
      workflow: 'canary',
      awaitingApproval: true,
      approval: { stage: 'after step 1 of 3' },
    });
    // Act
    const lines = statusOf({ releases: [paused] });
    // Assess
    expect(lines[1]).toBe(
      'RUNNING    canary  v7  orders-v7  started 2026-11-29T09:00:00.000Z, in PauseAfterStep, waiting for approval after step 1 of 3: `cutover approve orders-v7` or `cutover reject orders-v7`',
    );
  });

  it("follows an aborted release with its rollback's status, or says none was found and what finds it", () => {
    // Prepare
    const stopped = { ...rolledV7, status: 'ABORTED', ...readableFailure('Aborted', 'wrong image') };
    const rollingBack: ServiceRelease = {
      ...stopped,
      rollback: {
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:rollback:abort-orders-v7',
        status: 'RUNNING',
      },
    };
    // Act
    const lines = statusOf({ releases: [rollingBack, stopped] }, { flags: ' --aws' });
    // Assess
    expect(lines.slice(1)).toEqual([
      'ABORTED    rolling  v7  orders-v7  2026-11-29T09:00:00.000Z, took 42s: Aborted — wrong image',
      '           rollback: abort-orders-v7 RUNNING — `cutover watch abort-orders-v7 --aws`',
      'ABORTED    rolling  v7  orders-v7  2026-11-29T09:00:00.000Z, took 42s: Aborted — wrong image',
      '           rollback: none found — `cutover abort orders-v7 --aws` finds or starts it',
    ]);
  });

  it('says why the rollback of an aborted release was not looked up', () => {
    // Prepare: an aborted release whose rollback lookup failed
    const aborted: ServiceRelease = {
      ...rolledV7,
      name: 'orders-v8',
      version: 'v8',
      status: 'ABORTED',
      rollbackLookupError: 'no rollback state machine at this endpoint',
    };
    // Act
    const lines = statusOf({ releases: [aborted] }, { flags: ' --aws' });
    // Assess
    expect(lines[2]).toBe('           rollback: not looked up (no rollback state machine at this endpoint)');
  });

  it('names the last successful release even when it is older than the lines shown', () => {
    // Act
    const lines = statusOf(
      { releases: [rejectedV8], lastSuccessfulRelease: rolledV7, lastSuccess: migrated },
      { shown: { scan: 25, limit: 1 } },
    );
    // Assess
    expect(lines[0]).toBe('shop/orders: last successful release v7 (rolling orders-v7)');
  });
});

describe('serviceReleases', () => {
  const request = (version: string) =>
    JSON.stringify({ service: { name: 'orders', namespace: 'shop' }, release: { version } });
  const at = (minute: number) => new Date(2026, 10, 29, 9, minute);
  /** v9 and v8 aborted, v7 succeeded: executions of the canary machine, newest first. */
  const twoAbortedThenASuccess = () =>
    [
      { name: 'orders-v9', status: 'ABORTED', startDate: at(9), stopDate: at(10), input: request('v9') },
      { name: 'orders-v8', status: 'ABORTED', startDate: at(7), stopDate: at(8), input: request('v8') },
      { name: 'orders-v7', status: 'SUCCEEDED', startDate: at(5), stopDate: at(6), input: request('v7') },
    ].map((release) => ({ ...release, executionArn: `${EXECUTIONS}:canary:${release.name}` }));

  /** A client whose endpoint has the state machines `names`, the canary one having run `releases`. */
  function aClientWithCanaryReleases(names: string[], releases: ReturnType<typeof twoAbortedThenASuccess>) {
    const { client, mock } = aClientOfMachines(names, at(0));
    mock.on(ListExecutionsCommand).callsFake(({ stateMachineArn }) => ({
      executions: stateMachineArn.endsWith(':canary') ? releases : [],
    }));
    return { client, mock };
  }

  it('gives each aborted release shown its rollback and status, looking none up for the others', async () => {
    // Prepare: v9 aborted and rolled back, v8 aborted and its rollback failed, v7 succeeded
    const releases = twoAbortedThenASuccess();
    const rollbacks = [
      { name: 'abort-orders-v9', status: 'SUCCEEDED', output: '{}' },
      { name: 'abort-orders-v8', status: 'FAILED', error: 'ServiceLocked' },
    ].map((rollback) => ({
      ...rollback,
      executionArn: `${EXECUTIONS}:rollback:${rollback.name}`,
      input: JSON.stringify({ executionArn: `${EXECUTIONS}:canary:${rollback.name.slice('abort-'.length)}` }),
    }));
    const { client, mock } = aClientWithCanaryReleases(['canary', 'rollback'], releases);
    mock.on(DescribeExecutionCommand).callsFake(({ executionArn }) => {
      const found = [...releases, ...rollbacks].find((execution) => execution.executionArn === executionArn);
      if (!found) throw new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });
      return found;
    });
    // Act
    const found = await serviceReleases(
      client,
      { name: 'orders', namespace: 'shop' },
      { scan: 25, limit: 3 },
    );
    // Assess
    expect(found.releases.map((release) => release.rollback)).toEqual([
      { executionArn: `${EXECUTIONS}:rollback:abort-orders-v9`, status: 'SUCCEEDED' },
      { executionArn: `${EXECUTIONS}:rollback:abort-orders-v8`, status: 'FAILED' },
      undefined,
    ]);
    const described = mock
      .commandCalls(DescribeExecutionCommand)
      .map((call) => call.args[0].input.executionArn);
    expect(described.filter((arn) => arn?.includes('orders-v7') && arn.includes(':rollback:'))).toEqual([]);
    expect(mock.commandCalls(ListStateMachinesCommand)).toHaveLength(2);
  });
  it.each([
    ['orders, in namespace default', { name: 'orders', namespace: 'default' }, 'shop/orders'],
    ['a typo', { name: 'ordres', namespace: 'shop' }, 'shop/orders'],
    ['a name close to none', { name: 'billing', namespace: 'finance' }, undefined],
  ])(
    'finds no release of %s and suggests the service read it most likely meant',
    async (_case, asked, meant) => {
      // Prepare
      const releases = twoAbortedThenASuccess();
      const { client, mock } = aClientWithCanaryReleases(['canary'], releases);
      mock
        .on(DescribeExecutionCommand)
        .callsFake(({ executionArn }) =>
          releases.find((execution) => execution.executionArn === executionArn),
        );
      // Act
      const found = await serviceReleases(client, asked, window);
      // Assess
      expect(found).toEqual({ releases: [], ...(meant ? { didYouMean: meant } : {}) });
      expect(formatStatus(asked, found, window)).toBe(
        `${asked.namespace}/${asked.name}: no release among the newest 25 executions of each workflow (--scan <n> looks further)${meant ? `; did you mean ${meant}?` : ''}`,
      );
    },
  );

  it('reads the failure a running release handles from the input of the state it entered last', async () => {
    // Prepare: v9 runs, on its failure path after a failed analysis
    const [v9] = twoAbortedThenASuccess().map((release) => ({ ...release, status: 'RUNNING' }));
    const { client, mock } = aClientWithCanaryReleases(['canary'], [v9!]);
    mock.on(DescribeExecutionCommand).resolves({ ...v9!, status: 'RUNNING' });
    const error = { Error: 'AnalysisFailed', Cause: '{"errorMessage":"errorRate 0.3 > 0.05"}' };
    mock.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 40,
          timestamp: at(11),
          type: 'TaskStateEntered',
          stateEnteredEventDetails: { name: 'RollbackTraffic', input: JSON.stringify({ error }) },
        },
      ],
    });
    // Act
    const found = await serviceReleases(client, service, { scan: 25, limit: 1 });
    // Assess
    expect(found.releases[0]).toMatchObject({ state: 'RollbackTraffic', failure: error });
  });

  it('gives the releases when the rollback lookup fails, each aborted one saying why it has no rollback', async () => {
    // Prepare: v9 and v8 aborted, v7 succeeded; the endpoint has no rollback state machine
    const releases = twoAbortedThenASuccess();
    const { client, mock } = aClientWithCanaryReleases(['canary'], releases);
    mock
      .on(DescribeExecutionCommand)
      .callsFake(({ executionArn }) => releases.find((release) => release.executionArn === executionArn));
    // Act
    const found = await serviceReleases(client, service, { scan: 25, limit: 3 });
    // Assess
    expect(
      found.releases.map(({ name, rollback, rollbackLookupError }) => ({
        name,
        rollback,
        rollbackLookupError,
      })),
    ).toEqual([
      { name: 'orders-v9', rollbackLookupError: 'no rollback state machine at this endpoint' },
      { name: 'orders-v8', rollbackLookupError: 'no rollback state machine at this endpoint' },
      { name: 'orders-v7' },
    ]);
    expect(found.lastSuccessfulRelease?.name).toBe('orders-v7');
    expect(JSON.parse(JSON.stringify(found)).releases[0].rollbackLookupError).toBe(
      'no rollback state machine at this endpoint',
    );
  });
});

describe('what status says of a release promoted before its clean-up failed', () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 29, 9, minute));
  const cleanupFailure = readableFailure(
    'KubernetesApiError',
    JSON.stringify({
      errorType: 'KubernetesApiError',
      errorMessage: 'deployments.apps "orders-canary" is forbidden',
    }),
  );
  const aRelease = (version: string, status: string, minute: number, failure = {}) => ({
    name: `orders-${version}`,
    executionArn: `${EXECUTIONS}:canary:orders-${version}`,
    status,
    startDate: at(minute),
    stopDate: at(minute + 1),
    input: JSON.stringify({ service: { name: 'orders', namespace: 'shop' }, release: { version } }),
    ...failure,
  });
  /** The newest events of a failed execution, newest first, that went through the states `entered`. */
  const aFailedHistory = (...entered: string[]): HistoryEvent[] => [
    { id: 40, timestamp: at(0), type: 'ExecutionFailed' },
    ...entered.toReversed().map((name, i) => ({
      id: 39 - i,
      timestamp: at(0),
      type: 'TaskStateEntered' as const,
      stateEnteredEventDetails: { name },
    })),
  ];

  /** A Step Functions client whose canary machine ran `releases`, each FAILED one with its history. */
  function aClientWith(
    releases: ReturnType<typeof aRelease>[],
    historyOf: (executionArn: string) => HistoryEvent[],
  ) {
    const { client, mock } = aClientOfMachines(['canary'], at(0));
    mock.on(ListExecutionsCommand).callsFake(() => ({ executions: releases }));
    mock
      .on(DescribeExecutionCommand)
      .callsFake(({ executionArn }) => releases.find((release) => release.executionArn === executionArn));
    mock
      .on(GetExecutionHistoryCommand)
      .callsFake(({ executionArn }) => ({ events: historyOf(executionArn) }));
    return { client, mock };
  }

  it('names the promoted version as the one serving, and says so on its line', async () => {
    // Prepare: v9 promoted, then its clean-up failed; v8 failed its analysis; v7 succeeded
    const { client, mock } = aClientWith(
      [
        aRelease('v9', 'FAILED', 9, cleanupFailure),
        aRelease('v8', 'FAILED', 7, readableFailure('AnalysisFailed', 'error rate 12% > 1%')),
        aRelease('v7', 'SUCCEEDED', 5),
      ],
      (executionArn) =>
        executionArn.endsWith('orders-v9')
          ? aFailedHistory('PromoteCanary', 'NotifyCleanupFailed', 'UnlockAfterFailure', 'Failed')
          : aFailedHistory('Analyse', 'RollBack', 'NotifyFailed', 'UnlockAfterFailure', 'Failed'),
    );
    // Act
    const found = await serviceReleases(client, service, window);
    // Assess
    expect(statusOf(found)).toEqual([
      'shop/orders: v9 serves all traffic (canary orders-v9 promoted, then its clean-up failed); last successful release v7 (canary orders-v7)',
      'FAILED     canary  v9  orders-v9  2026-11-29T09:09:00.000Z, took 1m 0s: promoted (serves all traffic), then its clean-up failed: KubernetesApiError — deployments.apps "orders-canary" is forbidden',
      'FAILED     canary  v8  orders-v8  2026-11-29T09:07:00.000Z, took 1m 0s: AnalysisFailed — error rate 12% > 1%',
      'SUCCEEDED  canary  v7  orders-v7  2026-11-29T09:05:00.000Z, took 1m 0s',
    ]);
    expect(
      mock.commandCalls(GetExecutionHistoryCommand).map(({ args: [{ input }] }) => ({
        executionArn: input.executionArn?.split(':').at(-1),
        reverseOrder: input.reverseOrder,
        nextToken: input.nextToken,
      })),
    ).toEqual([
      { executionArn: 'orders-v9', reverseOrder: true, nextToken: undefined },
      { executionArn: 'orders-v8', reverseOrder: true, nextToken: undefined },
    ]);
    const json = JSON.parse(JSON.stringify(found));
    expect(json.releases.map((release: ServiceRelease) => release.promoted)).toEqual([
      true,
      undefined,
      undefined,
    ]);
    expect(json.servingRelease.name).toBe('orders-v9');
    expect(json.lastSuccessfulRelease.name).toBe('orders-v7');
  });

  it('says which tracks the rollback of a failed release did not bring back in full, from its last check', async () => {
    // Prepare: v9's rollback found green short at its last check; v8's checks were short, then all came back
    const check = (id: number, shortfall: string[], ready = true): HistoryEvent =>
      lambdaTaskSucceeded(id, { ready, shortfall }, at(0));
    const { client } = aClientWith(
      [
        aRelease('v9', 'FAILED', 9, readableFailure('RolloutFailed', 'blue: CrashLoopBackOff')),
        aRelease('v8', 'FAILED', 7, readableFailure('AnalysisFailed', 'error rate 12% > 1%')),
      ],
      (executionArn) =>
        executionArn.endsWith('orders-v9')
          ? [
              ...aFailedHistory('NotifyRolledBack', 'Failed'),
              check(20, ['green 2/4 ready: not back after 120s of checks']),
            ]
          : [
              ...aFailedHistory('NotifyRolledBack', 'Failed'),
              check(20, []),
              check(18, ['green 1/2 ready: Pending']),
            ],
    );
    // Act
    const lines = statusOf(await serviceReleases(client, service, window));
    // Assess
    expect(lines.slice(1)).toEqual([
      'FAILED     canary  v9  orders-v9  2026-11-29T09:09:00.000Z, took 1m 0s: RolloutFailed — blue: CrashLoopBackOff; its rollback did not restore in full: green 2/4 ready (not back after 120s of checks)',
      'FAILED     canary  v8  orders-v8  2026-11-29T09:07:00.000Z, took 1m 0s: AnalysisFailed — error rate 12% > 1%',
    ]);
  });

  it('keeps the heading on the last success when the promoted release is older than it', async () => {
    // Prepare: v9 succeeded after v8 was promoted and failed its clean-up
    const { client } = aClientWith(
      [aRelease('v9', 'SUCCEEDED', 9), aRelease('v8', 'FAILED', 7, cleanupFailure)],
      () => aFailedHistory('NotifyCleanupFailed', 'UnlockAfterFailure', 'Failed'),
    );
    // Act
    const lines = statusOf(await serviceReleases(client, service, window));
    // Assess
    expect(lines).toEqual([
      'shop/orders: last successful release v9 (canary orders-v9)',
      'SUCCEEDED  canary  v9  orders-v9  2026-11-29T09:09:00.000Z, took 1m 0s',
      'FAILED     canary  v8  orders-v8  2026-11-29T09:07:00.000Z, took 1m 0s: promoted, then its clean-up failed: KubernetesApiError — deployments.apps "orders-canary" is forbidden',
    ]);
  });

  it('reads past the lines shown to the last success, finding a promoted release on the way', async () => {
    // Prepare: v9 failed, v8 promoted then failed, v7 succeeded; one line shown
    const { client } = aClientWith(
      [
        aRelease('v9', 'FAILED', 9, readableFailure('HookFailed', 'smoke test answered 500')),
        aRelease('v8', 'FAILED', 7, cleanupFailure),
        aRelease('v7', 'SUCCEEDED', 5),
      ],
      (executionArn) =>
        aFailedHistory(executionArn.endsWith('orders-v8') ? 'NotifyCleanupFailed' : 'NotifyFailed', 'Failed'),
    );
    // Act
    const one = { scan: 25, limit: 1 };
    const lines = statusOf(await serviceReleases(client, service, one), { shown: one });
    // Assess
    expect(lines).toEqual([
      'shop/orders: v8 serves all traffic (canary orders-v8 promoted, then its clean-up failed); last successful release v7 (canary orders-v7)',
      'FAILED     canary  v9  orders-v9  2026-11-29T09:09:00.000Z, took 1m 0s: HookFailed — smoke test answered 500',
    ]);
  });

  it('says a promoted release serves when none succeeded', async () => {
    // Prepare
    const { client } = aClientWith([aRelease('v9', 'FAILED', 9, cleanupFailure)], () =>
      aFailedHistory('NotifyCleanupFailed', 'Failed'),
    );
    // Act
    const lines = statusOf(await serviceReleases(client, service, window));
    // Assess
    expect(lines[0]).toBe(
      'shop/orders: v9 serves all traffic (canary orders-v9 promoted, then its clean-up failed); nothing succeeded among the newest 25 executions of each workflow',
    );
  });

  describe('after a release whose rollback stopped before moving any traffic (RollbackStopped)', () => {
    const stopped = readableFailure(
      'RollbackStopped',
      'green has no ready replica (0/3 ready after 120s of checks): its traffic was not given back; the weights stay as the release left them and canary (3/3 ready) is kept: make green ready, then release again',
    );
    /** The newest events of v9, which set `weights` (when given) before its rollback stopped, newest first. */
    const aStoppedHistory = (weights?: Record<string, number>): HistoryEvent[] => [
      ...aFailedHistory('NotifyRollbackFailed', 'UnlockAfterFailure', 'IsRollbackStopped'),
      ...(weights ? [lambdaTaskSucceeded(20, { weights, shiftedAt: at(0).toISOString() }, at(0))] : []),
    ];

    it('names the track its last weights gave the most traffic as the one serving, not the last success', async () => {
      // Prepare: v9 sent 60% to canary next to green, failed its analysis, and its rollback stopped: green had no ready replica
      const { client } = aClientWith(
        [aRelease('v9', 'FAILED', 9, stopped), aRelease('v7', 'SUCCEEDED', 5)],
        () => aStoppedHistory({ green: 40, canary: 60 }),
      );
      // Act
      const found = await serviceReleases(client, service, window);
      // Assess
      expect(statusOf(found)).toEqual([
        'shop/orders: canary serves 60% since canary orders-v9 stopped its rollback (RollbackStopped): green 40 / canary 60; last successful release v7 (canary orders-v7)',
        'FAILED     canary  v9  orders-v9  2026-11-29T09:09:00.000Z, took 1m 0s: RollbackStopped — green has no ready replica (0/3 ready after 120s of checks): its traffic was not given back; the weights stay as the release left them and canary (3/3 ready) is kept: make green ready, then release again',
        'SUCCEEDED  canary  v7  orders-v7  2026-11-29T09:05:00.000Z, took 1m 0s',
      ]);
      expect(found.servingRelease).toMatchObject({ name: 'orders-v9', weights: { green: 40, canary: 60 } });
    });

    it('names the live track of a canary stopped at a step: stable at 90%', async () => {
      // Prepare
      const { client } = aClientWith([aRelease('v9', 'FAILED', 9, stopped)], () =>
        aStoppedHistory({ stable: 90, canary: 10 }),
      );
      // Act
      const lines = statusOf(await serviceReleases(client, service, window));
      // Assess
      expect(lines[0]).toBe(
        'shop/orders: stable serves 90% since canary orders-v9 stopped its rollback (RollbackStopped): stable 90 / canary 10; nothing succeeded among the newest 25 executions of each workflow',
      );
    });

    it('says the live track is unknown when the weights it left cannot be read', async () => {
      // Prepare: its history records no weights it set
      const { client } = aClientWith(
        [aRelease('v9', 'FAILED', 9, stopped), aRelease('v7', 'SUCCEEDED', 5)],
        () => aStoppedHistory(),
      );
      // Act
      const lines = statusOf(await serviceReleases(client, service, window));
      // Assess
      expect(lines[0]).toBe(
        'shop/orders: live track unknown: canary orders-v9 stopped its rollback (RollbackStopped) and the weights it left could not be read; last successful release v7 (canary orders-v7)',
      );
    });

    it('keeps the heading on the last success when it is newer', async () => {
      // Prepare
      const { client } = aClientWith(
        [aRelease('v10', 'SUCCEEDED', 11), aRelease('v9', 'FAILED', 9, stopped)],
        () => aStoppedHistory({ green: 40, canary: 60 }),
      );
      // Act
      const lines = statusOf(await serviceReleases(client, service, window));
      // Assess
      expect(lines[0]).toBe('shop/orders: last successful release v10 (canary orders-v10)');
    });
  });

  it('keeps the status of a failed release whose history does not go through the clean-up failure as it was', async () => {
    // Prepare
    const { client, mock } = aClientWith(
      [aRelease('v9', 'FAILED', 9, cleanupFailure), aRelease('v7', 'SUCCEEDED', 5)],
      () => aFailedHistory('NotifyFailed', 'UnlockAfterFailure', 'Failed'),
    );
    // Act
    const found = await serviceReleases(client, service, window);
    // Assess
    expect(statusOf(found)).toEqual([
      'shop/orders: last successful release v7 (canary orders-v7)',
      'FAILED     canary  v9  orders-v9  2026-11-29T09:09:00.000Z, took 1m 0s: KubernetesApiError — deployments.apps "orders-canary" is forbidden',
      'SUCCEEDED  canary  v7  orders-v7  2026-11-29T09:05:00.000Z, took 1m 0s',
    ]);
    expect(found.releases[0]).not.toHaveProperty('promoted');
    expect(mock.commandCalls(GetExecutionHistoryCommand)).toHaveLength(1);
  });

  it('gives the status when a history cannot be read, that release not known to be promoted', async () => {
    // Prepare
    const { client, mock } = aClientWith(
      [aRelease('v9', 'FAILED', 9, cleanupFailure), aRelease('v7', 'SUCCEEDED', 5)],
      () => {
        throw new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });
      },
    );
    // Act
    const lines = statusOf(await serviceReleases(client, service, window));
    // Assess
    expect(lines).toEqual([
      'shop/orders: last successful release v7 (canary orders-v7)',
      'FAILED     canary  v9  orders-v9  2026-11-29T09:09:00.000Z, took 1m 0s: KubernetesApiError — deployments.apps "orders-canary" is forbidden',
      'SUCCEEDED  canary  v7  orders-v7  2026-11-29T09:05:00.000Z, took 1m 0s',
    ]);
    expect(mock.commandCalls(GetExecutionHistoryCommand)).toHaveLength(1);
  });
});

describe('what status says after an abort whose rollback did not restore in full', () => {
  const app = { name: 'app', namespace: 'rev' };
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 29, 9, minute));
  const SHORT = "stable 0/2 ready of v15: CrashLoopBackOff; v16's 2 replicas still serve";

  interface Execution {
    readonly name: string;
    readonly executionArn: string;
    readonly status: string;
    readonly startDate: Date;
    readonly stopDate: Date;
    readonly input: string;
  }

  /** `app-<name>` of `workflow`, for rev/app at `version`, started at `minute`. */
  const aRelease = (workflow: string, name: string, version: string, status: string, minute: number) => ({
    name: `app-${name}`,
    executionArn: `${EXECUTIONS}:${workflow}:app-${name}`,
    status,
    startDate: at(minute),
    stopDate: at(minute + 1),
    input: JSON.stringify({ service: app, release: { version } }),
  });
  /** The rollback `abort-<release>` of the stopped `release`, which ended `status`. */
  const aRollbackOf = (release: Execution, status: string): Execution => ({
    name: `abort-${release.name}`,
    executionArn: `${EXECUTIONS}:rollback:abort-${release.name}`,
    status,
    startDate: release.stopDate,
    stopDate: at(release.stopDate.getUTCMinutes() + 2),
    input: JSON.stringify({ strategy: 'canary', executionArn: release.executionArn, input: release.input }),
  });
  /** The newest events of a rollback that SUCCEEDED, newest first, after its last check found `shortfall`. */
  const aRolledBackHistory = (shortfall: string[]): HistoryEvent[] => [
    { id: 60, timestamp: at(0), type: 'ExecutionSucceeded' },
    {
      id: 50,
      timestamp: at(0),
      type: 'TaskStateEntered',
      stateEnteredEventDetails: { name: 'NotifyRolledBack' },
    },
    // RestoreCapacity leaves `shortfall` out when every track came back.
    lambdaTaskSucceeded(
      48,
      { ready: true, waiting: [], ...(shortfall.length > 0 && { shortfall }), attempt: 60, maxAttempts: 60 },
      at(0),
    ),
  ];

  /** A client whose canary, rolling and rollback machines ran `executions`, each rollback with `historyOf`'s. */
  function aClientWith(executions: Execution[], historyOf: (executionArn: string) => HistoryEvent[]) {
    const { client, mock } = aClientOfMachines();
    mock.on(ListExecutionsCommand).callsFake(({ stateMachineArn }) => ({
      executions: executionsOf(executions, stateMachineArn).toSorted(
        (a, b) => b.startDate.getTime() - a.startDate.getTime(),
      ),
    }));
    mock.on(DescribeExecutionCommand).callsFake(({ executionArn }) => {
      const found = executions.find((execution) => execution.executionArn === executionArn);
      if (!found) throw new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });
      return found;
    });
    mock
      .on(GetExecutionHistoryCommand)
      .callsFake(({ executionArn }) => ({ events: historyOf(executionArn) }));
    return { client, mock };
  }

  const r15 = aRelease('rolling', 'r15', 'v15', 'SUCCEEDED', 1);
  const c16 = aRelease('canary', 'c16', 'v16', 'ABORTED', 5);

  it('names what the rollback did not restore, and says the live version is unknown, not the last success', async () => {
    // Prepare: rolling v15 succeeded; canary v16 promoted, then aborted; its rollback could not start v15 again
    const { client } = aClientWith([r15, c16, aRollbackOf(c16, 'SUCCEEDED')], () =>
      aRolledBackHistory([SHORT]),
    );
    // Act
    const found = await serviceReleases(client, app, window);
    // Assess
    expect(statusOf(found, { of: app })).toEqual([
      "rev/app: live version unknown: canary v16 app-c16 was aborted and its rollback abort-app-c16 did not restore in full: stable 0/2 ready of v15 (CrashLoopBackOff; v16's 2 replicas still serve); last successful release v15 (rolling app-r15)",
      'ABORTED    canary   v16  app-c16  2026-11-29T09:05:00.000Z, took 1m 0s',
      "           rollback: abort-app-c16 SUCCEEDED but did not restore in full: stable 0/2 ready of v15 (CrashLoopBackOff; v16's 2 replicas still serve) — `cutover watch abort-app-c16`",
      'SUCCEEDED  rolling  v15  app-r15  2026-11-29T09:01:00.000Z, took 1m 0s',
    ]);
    const json = JSON.parse(JSON.stringify(found));
    expect(json.servingRelease).toMatchObject({
      name: 'app-c16',
      version: 'v16',
      status: 'ABORTED',
      rollback: {
        executionArn: `${EXECUTIONS}:rollback:abort-app-c16`,
        status: 'SUCCEEDED',
        notRestored: "stable 0/2 ready of v15 (CrashLoopBackOff; v16's 2 replicas still serve)",
      },
    });
    expect(json.lastSuccessfulRelease.name).toBe('app-r15');
  });

  it('finds such an abort past the lines shown, on the way to the last success', async () => {
    // Prepare: after v16's abort, canary v17 was aborted before it changed anything
    const c17 = aRelease('canary', 'c17', 'v17', 'ABORTED', 8);
    const { client } = aClientWith(
      [r15, c16, aRollbackOf(c16, 'SUCCEEDED'), c17, aRollbackOf(c17, 'SUCCEEDED')],
      (executionArn) => aRolledBackHistory(executionArn.endsWith('abort-app-c16') ? [SHORT] : []),
    );
    const one = { scan: 25, limit: 1 };
    // Act
    const found = await serviceReleases(client, app, one);
    // Assess
    expect(statusOf(found, { of: app, shown: one })).toEqual([
      "rev/app: live version unknown: canary v16 app-c16 was aborted and its rollback abort-app-c16 did not restore in full: stable 0/2 ready of v15 (CrashLoopBackOff; v16's 2 replicas still serve); last successful release v15 (rolling app-r15)",
      'ABORTED    canary  v17  app-c17  2026-11-29T09:08:00.000Z, took 1m 0s',
      '           rollback: abort-app-c17 SUCCEEDED — `cutover watch abort-app-c17`',
    ]);
  });

  it('looks up no rollback past the lines shown once a newer release succeeded', async () => {
    // Prepare: rolling v18 succeeded after v16's abort
    const r18 = aRelease('rolling', 'r18', 'v18', 'SUCCEEDED', 10);
    const { client, mock } = aClientWith([r15, c16, aRollbackOf(c16, 'SUCCEEDED'), r18], () =>
      aRolledBackHistory([SHORT]),
    );
    const one = { scan: 25, limit: 1 };
    // Act
    const found = await serviceReleases(client, app, one);
    // Assess
    expect(statusOf(found, { of: app, shown: one })).toEqual([
      'rev/app: last successful release v18 (rolling app-r18)',
      'SUCCEEDED  rolling  v18  app-r18  2026-11-29T09:10:00.000Z, took 1m 0s',
    ]);
    expect(mock.commandCalls(GetExecutionHistoryCommand)).toEqual([]);
  });

  it('keeps the heading on the last success when the rollback restored every track, or is still running', async () => {
    // Prepare
    const c17 = aRelease('canary', 'c17', 'v17', 'ABORTED', 8);
    const { client, mock } = aClientWith(
      [r15, c16, aRollbackOf(c16, 'SUCCEEDED'), c17, aRollbackOf(c17, 'RUNNING')],
      () => aRolledBackHistory([]),
    );
    // Act
    const found = await serviceReleases(client, app, window);
    // Assess
    expect(statusOf(found, { of: app })).toEqual([
      'rev/app: last successful release v15 (rolling app-r15)',
      'ABORTED    canary   v17  app-c17  2026-11-29T09:08:00.000Z, took 1m 0s',
      '           rollback: abort-app-c17 RUNNING — `cutover watch abort-app-c17`',
      'ABORTED    canary   v16  app-c16  2026-11-29T09:05:00.000Z, took 1m 0s',
      '           rollback: abort-app-c16 SUCCEEDED — `cutover watch abort-app-c16`',
      'SUCCEEDED  rolling  v15  app-r15  2026-11-29T09:01:00.000Z, took 1m 0s',
    ]);
    expect(found.servingRelease?.name).toBe('app-r15');
    // Only the history of the rollback that SUCCEEDED is read, once.
    expect(
      mock.commandCalls(GetExecutionHistoryCommand).map(({ args: [{ input }] }) => input.executionArn),
    ).toEqual([`${EXECUTIONS}:rollback:abort-app-c16`]);
  });
});

describe('runningReleaseOf', () => {
  const startDate = new Date(Date.UTC(2026, 10, 29, 9, 0));
  const requestOf = (name: string) =>
    JSON.stringify({ service: { name, namespace: 'shop' }, release: { version: 'v7' } });
  /** A running rollback of the stopped rolling release `<service>-v7`, whose input carries its request as `input`. */
  const aRunningRollback = (service: string) => ({
    executionArn: `${EXECUTIONS}:rollback:abort-${service}-v7`,
    status: 'RUNNING',
    startDate,
    input: JSON.stringify({
      strategy: 'rolling',
      executionArn: `${EXECUTIONS}:rolling:${service}-v7`,
      input: requestOf(service),
      reason: 'wrong image',
    }),
  });

  function aClientRunning(executions: { executionArn: string; status: string; input: string }[]) {
    const { client, mock } = aClientOfMachines();
    mock.on(ListExecutionsCommand).callsFake(({ stateMachineArn }) => ({
      executions: executionsOf(executions, stateMachineArn),
    }));
    mock
      .on(DescribeExecutionCommand)
      .callsFake(({ executionArn }) =>
        executions.find((execution) => execution.executionArn === executionArn),
      );
    return client;
  }

  it("finds the running rollback of the service's stopped release, by the request its input carries", async () => {
    // Prepare: checkout-v7 was aborted and its rollback runs; so does cart-v7's
    const client = aClientRunning([aRunningRollback('cart'), aRunningRollback('checkout')]);
    // Act
    const running = await runningReleaseOf(client, { name: 'checkout', namespace: 'shop' });
    // Assess
    expect(running).toEqual({
      executionArn: `${EXECUTIONS}:rollback:abort-checkout-v7`,
      workflow: 'rolling',
      startDate,
      rollsBack: `${EXECUTIONS}:rolling:checkout-v7`,
    });
  });

  it('finds no rollback that ended, nor one of another service', async () => {
    // Prepare
    const client = aClientRunning([
      aRunningRollback('cart'),
      { ...aRunningRollback('checkout'), status: 'SUCCEEDED' },
      { executionArn: `${EXECUTIONS}:canary:checkout-v6`, status: 'FAILED', input: requestOf('checkout') },
    ]);
    // Act
    const running = await runningReleaseOf(client, { name: 'checkout', namespace: 'shop' });
    // Assess
    expect(running).toBeUndefined();
  });
});

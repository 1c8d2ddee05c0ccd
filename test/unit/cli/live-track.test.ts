import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { lambdaTaskSucceeded } from '#test/builders/history-events.ts';
import { currentStateOf, readLiveTrack } from '../../../src/cli/live-track.ts';

const MACHINES = 'arn:aws:states:us-east-1:000000000000:stateMachine';
const EXECUTIONS = 'arn:aws:states:us-east-1:000000000000:execution';
const service = { name: 'checkout', namespace: 'shop' };
const at = (minute: number) => new Date(Date.UTC(2026, 10, 29, 9, minute));

interface Execution {
  readonly workflow: string;
  readonly name: string;
  readonly executionArn: string;
  readonly status: string;
  readonly startDate: Date;
  readonly input: string;
  readonly output?: string;
}

/**
 * An execution of `workflow` for shop/checkout, started at `minute`; a SUCCEEDED one's output holds the plan
 * ValidateRequest built with `tracks`.
 */
function anExecution(
  workflow: string,
  version: string,
  status: string,
  minute: number,
  tracks?: { live: string; next: string },
): Execution {
  const name = `checkout-${version}`;
  const request = { service, release: { version } };
  return {
    workflow,
    name,
    executionArn: `${EXECUTIONS}:${workflow}:${name}`,
    status,
    startDate: at(minute),
    input: JSON.stringify(request),
    ...(status === 'SUCCEEDED' && tracks
      ? { output: JSON.stringify({ request, plan: { strategy: workflow, tracks, firstRelease: false } }) }
      : {}),
  };
}

/**
 * A Step Functions client whose workflows ran `executions`, each with the history `historyOf` gives (newest
 * first when `reverseOrder`).
 */
function aClientWith(
  executions: Execution[],
  historyOf: (arn: string, reverseOrder?: boolean) => HistoryEvent[] = () => [],
) {
  const client = new SFNClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  mock.on(ListStateMachinesCommand).resolves({
    stateMachines: ['canary', 'blue-green', 'rolling', 'database-migration', 'rollback'].map((name) => ({
      name,
      stateMachineArn: `${MACHINES}:${name}`,
      type: 'STANDARD',
      creationDate: at(0),
    })),
  });
  mock.on(ListExecutionsCommand).callsFake(({ stateMachineArn }) => ({
    executions: executions.filter((execution) => stateMachineArn.endsWith(`:${execution.workflow}`)),
  }));
  mock
    .on(DescribeExecutionCommand)
    .callsFake(({ executionArn }) => executions.find((execution) => execution.executionArn === executionArn));
  mock
    .on(GetExecutionHistoryCommand)
    .callsFake(({ executionArn, reverseOrder }) => ({ events: historyOf(executionArn, reverseOrder) }));
  return { client, mock };
}

describe('readLiveTrack', () => {
  it('takes the next colour a blue-green release switched to: green after blue -> green', async () => {
    // Prepare
    const { client } = aClientWith([
      anExecution('blue-green', 'v13', 'SUCCEEDED', 5, { live: 'blue', next: 'green' }),
    ]);
    // Act
    const live = await readLiveTrack(client, service, 100);
    // Assess
    expect(live).toMatchObject({ source: 'release', track: 'green', release: { name: 'checkout-v13' } });
  });

  it("takes a canary's live track, which its promotion moved to the new version", async () => {
    // Prepare: a canary after a blue-green release ran canary next to green
    const { client } = aClientWith([
      anExecution('blue-green', 'v13', 'SUCCEEDED', 5, { live: 'blue', next: 'green' }),
      anExecution('canary', 'v14', 'SUCCEEDED', 7, { live: 'green', next: 'canary' }),
    ]);
    // Act
    const live = await readLiveTrack(client, service, 100);
    // Assess
    expect(live).toMatchObject({ source: 'release', track: 'green', release: { name: 'checkout-v14' } });
  });

  it('takes the colour a rolling release moved every replica to, of the newest success of any strategy', async () => {
    // Prepare
    const { client } = aClientWith([
      anExecution('canary', 'v2', 'SUCCEEDED', 1, { live: 'stable', next: 'canary' }),
      anExecution('rolling', 'v3', 'SUCCEEDED', 3, { live: 'stable', next: 'blue' }),
    ]);
    // Act
    const live = await readLiveTrack(client, service, 100);
    // Assess
    expect(live).toMatchObject({ source: 'release', track: 'blue', release: { workflow: 'rolling' } });
  });

  it('passes over newer releases that rolled back or were aborted: their rollback restored the live track', async () => {
    // Prepare
    const { client } = aClientWith(
      [
        anExecution('blue-green', 'v13', 'SUCCEEDED', 5, { live: 'blue', next: 'green' }),
        anExecution('blue-green', 'v14', 'FAILED', 7),
        anExecution('canary', 'v15', 'ABORTED', 9),
      ],
      () => [{ id: 9, timestamp: at(8), type: 'ExecutionFailed' }],
    );
    // Act
    const live = await readLiveTrack(client, service, 100);
    // Assess
    expect(live).toMatchObject({ source: 'release', track: 'green', release: { name: 'checkout-v13' } });
  });

  it('refuses, exit 1, after an abort whose rollback did not restore in full: what its tracks run is not known', async () => {
    // Prepare: canary v14 was aborted; its rollback SUCCEEDED, but could not start v13 again
    const v14 = anExecution('canary', 'v14', 'ABORTED', 7);
    const rollback = {
      ...anExecution('rollback', 'v14', 'SUCCEEDED', 9),
      name: 'abort-checkout-v14',
      executionArn: `${EXECUTIONS}:rollback:abort-checkout-v14`,
      input: JSON.stringify({ strategy: 'canary', executionArn: v14.executionArn, input: v14.input }),
    };
    const lastCheck = lambdaTaskSucceeded(
      40,
      { ready: true, shortfall: ["stable 0/2 ready of v13: CrashLoopBackOff; v14's 2 replicas still serve"] },
      at(9),
    );
    const { client } = aClientWith(
      [anExecution('rolling', 'v13', 'SUCCEEDED', 5, { live: 'stable', next: 'blue' }), v14, rollback],
      (arn) => (arn === rollback.executionArn ? [lastCheck] : []),
    );
    // Act
    const read = readLiveTrack(client, service, 100);
    // Assess
    await expect(read).rejects.toMatchObject({
      exitCode: 1,
      message:
        "cannot tell what is live in shop/checkout: canary v14 checkout-v14 was aborted and its rollback did not restore in full (stable 0/2 ready of v13 (CrashLoopBackOff; v14's 2 replicas still serve)): leave out --endpoint and --aws to plan with assumed tracks",
    });
  });

  it("reads a release promoted before its clean-up failed from ValidateRequest's output in its history", async () => {
    // Prepare: v14 switched to blue, then failed to scale green down
    const v14 = anExecution('blue-green', 'v14', 'FAILED', 7);
    const plan = { strategy: 'blue-green', tracks: { live: 'green', next: 'blue' } };
    const history: HistoryEvent[] = [
      { id: 1, timestamp: at(7), type: 'ExecutionStarted' },
      {
        id: 6,
        timestamp: at(7),
        type: 'TaskStateExited',
        stateExitedEventDetails: { name: 'ValidateRequest', output: JSON.stringify({ plan }) },
      },
      {
        id: 60,
        timestamp: at(8),
        type: 'TaskStateEntered',
        stateEnteredEventDetails: { name: 'NotifyCleanupFailed' },
      },
    ];
    const { client, mock } = aClientWith(
      [anExecution('blue-green', 'v13', 'SUCCEEDED', 5, { live: 'blue', next: 'green' }), v14],
      (arn, reverseOrder = false) => (arn === v14.executionArn ? history.slice(reverseOrder ? 2 : 0) : []),
    );
    // Act
    const live = await readLiveTrack(client, service, 100);
    // Assess
    expect(live).toMatchObject({ source: 'release', track: 'blue', release: { name: 'checkout-v14' } });
    const reads = mock.commandCalls(GetExecutionHistoryCommand).map(({ args: [{ input }] }) => input);
    expect(reads.at(-1)).toEqual({
      executionArn: v14.executionArn,
      includeExecutionData: true,
      maxResults: 100,
    });
  });

  describe('after a release whose rollback stopped before moving any traffic (RollbackStopped)', () => {
    const STOPPED_CAUSE =
      'blue has no ready replica (0/3 ready after 120s of checks): its traffic was not given back; the weights stay as the release left them and green (3/3 ready) is kept: make blue ready, then release again';
    /** `version` of `workflow`, FAILED at RollbackStopped at minute 9. */
    const aStoppedRelease = (
      workflow: string,
      version: string,
    ): Execution & { error: string; cause: string } => ({
      ...anExecution(workflow, version, 'FAILED', 9),
      error: 'RollbackStopped',
      cause: STOPPED_CAUSE,
    });
    /** A task's output as a Lambda invocation reports it. */
    const aTaskOutput = (id: number, payload: object): HistoryEvent =>
      lambdaTaskSucceeded(id, payload, at(9));
    /** The newest events of a release whose rollback stopped after the task that set `weights`, newest first. */
    const aStoppedHistory = (weights?: Record<string, number>): HistoryEvent[] => [
      {
        id: 60,
        timestamp: at(10),
        type: 'ExecutionFailed',
        executionFailedEventDetails: { error: 'RollbackStopped', cause: STOPPED_CAUSE },
      },
      {
        id: 59,
        timestamp: at(10),
        type: 'ChoiceStateEntered',
        stateEnteredEventDetails: { name: 'IsRollbackStopped' },
      },
      aTaskOutput(50, { type: 'Failed', published: true }),
      {
        id: 40,
        timestamp: at(10),
        type: 'TaskFailed',
        taskFailedEventDetails: {
          resource: 'invoke',
          resourceType: 'lambda',
          error: 'RollbackStopped',
          cause: STOPPED_CAUSE,
        },
      },
      aTaskOutput(30, { ready: false, shortfall: ['blue 0/3 ready: not back yet'] }),
      ...(weights ? [aTaskOutput(20, { weights, shiftedAt: at(9).toISOString() })] : []),
      aTaskOutput(10, { key: 'backups/checkout.json', foundWeights: { blue: 0, green: 100 } }),
    ];

    it('takes the track its last weights gave all traffic, not the one the last success left: blue after green -> blue', async () => {
      // Prepare: v13 switched blue -> green; v14 switched green -> blue (blue 100%), then its rollback stopped
      const v14 = aStoppedRelease('blue-green', 'v14');
      const { client } = aClientWith(
        [anExecution('blue-green', 'v13', 'SUCCEEDED', 5, { live: 'blue', next: 'green' }), v14],
        (arn) => (arn === v14.executionArn ? aStoppedHistory({ green: 0, blue: 100 }) : []),
      );
      // Act
      const live = await readLiveTrack(client, service, 100);
      // Assess
      expect(live).toMatchObject({
        source: 'release',
        track: 'blue',
        release: { name: 'checkout-v14', error: 'RollbackStopped', weights: { green: 0, blue: 100 } },
      });
    });

    it('takes the track with the most traffic of a rolling release stopped mid-way', async () => {
      // Prepare: v14 rolled from green to blue, 75% on blue when it failed
      const v14 = aStoppedRelease('rolling', 'v14');
      const { client } = aClientWith(
        [anExecution('blue-green', 'v13', 'SUCCEEDED', 5, { live: 'blue', next: 'green' }), v14],
        (arn) => (arn === v14.executionArn ? aStoppedHistory({ green: 25, blue: 75 }) : []),
      );
      // Act
      const live = await readLiveTrack(client, service, 100);
      // Assess
      expect(live).toMatchObject({ source: 'release', track: 'blue', release: { name: 'checkout-v14' } });
    });

    it("refuses, exit 1, when its history records no weights it set, rather than guess the older release's", async () => {
      // Prepare
      const v14 = aStoppedRelease('blue-green', 'v14');
      const { client } = aClientWith(
        [anExecution('blue-green', 'v13', 'SUCCEEDED', 5, { live: 'blue', next: 'green' }), v14],
        (arn) => (arn === v14.executionArn ? aStoppedHistory() : []),
      );
      // Act
      const read = readLiveTrack(client, service, 100);
      // Assess
      await expect(read).rejects.toMatchObject({
        exitCode: 1,
        message:
          'cannot tell the live track of shop/checkout: blue-green checkout-v14 stopped its rollback (RollbackStopped) and the weights it left could not be read: leave out --endpoint and --aws to plan with assumed tracks',
      });
    });
  });

  it('finds no live track for a service none of whose releases succeeded, naming how far it looked', async () => {
    // Prepare: a first release that rolled back, and a database migration of the service
    const { client } = aClientWith(
      [
        anExecution('canary', 'v1', 'FAILED', 1),
        { ...anExecution('database-migration', 'db', 'SUCCEEDED', 3), input: JSON.stringify({ service }) },
      ],
      () => [],
    );
    // Act
    const live = await readLiveTrack(client, service, 25);
    // Assess
    expect(live).toEqual({ source: 'none', scan: 25 });
  });

  it('names a release of the service still running', async () => {
    // Prepare
    const { client } = aClientWith(
      [
        anExecution('canary', 'v2', 'SUCCEEDED', 1, { live: 'stable', next: 'canary' }),
        anExecution('canary', 'v3', 'RUNNING', 3),
      ],
      () => [],
    );
    // Act
    const live = await readLiveTrack(client, service, 100);
    // Assess
    expect(live).toMatchObject({ source: 'release', track: 'stable', running: { name: 'checkout-v3' } });
  });

  it('refuses, exit 1, a release whose output names no tracks, rather than guess', async () => {
    // Prepare
    const { client } = aClientWith([
      { ...anExecution('blue-green', 'v13', 'SUCCEEDED', 5), output: '{"request":{}}' },
    ]);
    // Act
    const read = readLiveTrack(client, service, 100);
    // Assess
    await expect(read).rejects.toMatchObject({
      exitCode: 1,
      message:
        'cannot tell the live track of shop/checkout: blue-green checkout-v13, the release that last gave it all traffic, records no plan.tracks: leave out --endpoint and --aws to plan with assumed tracks',
    });
  });
});

describe('currentStateOf', () => {
  it('gives the plan all traffic on the live track read, no weights for a first release, nothing when assumed', () => {
    // Prepare
    const release = {
      workflow: 'blue-green' as const,
      name: 'checkout-v13',
      executionArn: `${EXECUTIONS}:blue-green:checkout-v13`,
      status: 'SUCCEEDED',
    };
    // Act
    const states = [
      currentStateOf({ source: 'release', track: 'green', release }, 2),
      currentStateOf({ source: 'none', scan: 100 }, 2),
      currentStateOf({ source: 'assumed' }, 2),
    ];
    // Assess
    expect(states).toEqual([
      { weights: { green: 100 }, liveReplicas: 2 },
      { weights: {}, liveReplicas: 0 },
      undefined,
    ]);
  });
});

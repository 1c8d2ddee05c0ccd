import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '#local/clock.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import {
  executionHistory,
  startTestRuntime,
  type TestRuntime,
  waitForExecution,
} from '#test/support/local-runtime.ts';

const ROLE = 'arn:aws:iam::000000000000:role/redrive';
const LAMBDA = 'arn:aws:lambda:us-east-1:000000000000:function:';

/** Lambda functions whose calls are counted; `flaky` fails while `broken` is set, `flaky-item` while `itemBroken` is. */
class Functions {
  readonly calls = new Map<string, number>();
  broken = true;
  itemBroken = true;
  /** The task tokens `await-approval` was given, oldest first. */
  readonly tokens: string[] = [];
  /** What `flaky-item` was called with, oldest first. */
  readonly itemPayloads: unknown[] = [];

  registry(): MapLambdaRegistry {
    const counted =
      (name: string, handler: (payload: unknown) => unknown) =>
      (payload: unknown): unknown => {
        this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
        return handler(payload);
      };
    return new MapLambdaRegistry({
      prepare: counted('prepare', () => ({ image: 'web:2' })),
      steady: counted('steady', (payload) => ({ steady: payload })),
      flaky: counted('flaky', (payload) => {
        if (this.broken) {
          const error = new Error('the cluster refused the rollout');
          error.name = 'RolloutRefused';
          throw error;
        }
        return { deployed: payload };
      }),
      'flaky-item': counted('flaky-item', (payload) => {
        this.itemPayloads.push(payload);
        if (this.itemBroken) throw new Error(`item ${JSON.stringify(payload)} refused`);
        return { deployed: payload };
      }),
      'await-approval': counted('await-approval', (payload) => {
        this.tokens.push((payload as { token: string }).token);
        return null;
      }),
    });
  }

  count(name: string): number {
    return this.calls.get(name) ?? 0;
  }
}

/** Prepare (Task) -> Deploy (Task, fails while broken) -> Report (Pass: the redrive count and the result). */
const DEPLOY = {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Task', Resource: `${LAMBDA}prepare`, ResultPath: '$.prepared', Next: 'Deploy' },
    Deploy: {
      Type: 'Task',
      Resource: `${LAMBDA}flaky`,
      InputPath: '$.prepared',
      ResultPath: '$.result',
      Retry: [{ ErrorEquals: ['RolloutRefused'], MaxAttempts: 1, IntervalSeconds: 1 }],
      Next: 'Report',
    },
    Report: {
      Type: 'Pass',
      Parameters: { 'redrives.$': '$$.Execution.RedriveCount', 'result.$': '$.result' },
      End: true,
    },
  },
};

/** One approval task: `await-approval` keeps its task token, and the execution waits for an answer to it. */
const APPROVAL = {
  StartAt: 'Approve',
  States: {
    Approve: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: 'await-approval', Payload: { 'token.$': '$$.Task.Token' } },
      End: true,
    },
  },
};

/** A Map's item processor: item 2 goes to `flaky-item`, any other to `steady`. */
const ROUTE_ITEMS = {
  StartAt: 'Route',
  States: {
    Route: {
      Type: 'Choice',
      Choices: [{ Variable: '$', NumericEquals: 2, Next: 'Flaky' }],
      Default: 'Steady',
    },
    Steady: { Type: 'Task', Resource: `${LAMBDA}steady`, End: true },
    Flaky: { Type: 'Task', Resource: `${LAMBDA}flaky-item`, End: true },
  },
};

let functions: Functions;
let local: TestRuntime;
let machines = 0;

beforeAll(async () => {
  functions = new Functions();
  local = await startTestRuntime({ lambdas: functions.registry() });
});

afterAll(async () => {
  await local?.close();
});

async function createMachine(client: SFNClient, definition: object): Promise<string> {
  const created = await client.send(
    new CreateStateMachineCommand({
      name: `redrive-${++machines}`,
      definition: JSON.stringify(definition),
      roleArn: ROLE,
    }),
  );
  return created.stateMachineArn!;
}

/** Starts an execution of `definition` and waits for its end; resolves with its ARN and description. */
async function runToEnd(client: SFNClient, definition: object, input: object = {}) {
  const stateMachineArn = await createMachine(client, definition);
  const { executionArn } = await client.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
  );
  return {
    stateMachineArn,
    executionArn: executionArn!,
    ended: await waitForExecution(client, executionArn!),
  };
}

describe('RedriveExecution', () => {
  it('runs a failed execution on from the task that failed, without running the steps that succeeded again', async () => {
    // Prepare: Deploy fails twice (its one retry included)
    functions.broken = true;
    const { stateMachineArn, executionArn, ended } = await runToEnd(local.client, DEPLOY, { release: 7 });
    expect(ended).toMatchObject({ status: 'FAILED', error: 'RolloutRefused', redriveCount: 0 });
    expect(ended.redriveStatus).toBe('REDRIVABLE');
    expect(ended.redriveStatusReason).toBeUndefined();
    expect(functions.count('prepare')).toBe(1);
    expect(functions.count('flaky')).toBe(2);

    // Act: the cluster is fixed, and the execution redriven
    functions.broken = false;
    const { redriveDate } = await local.client.send(new RedriveExecutionCommand({ executionArn }));
    const redriven = await waitForExecution(local.client, executionArn);

    // Assess
    expect(redriven).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, redriveDate });
    expect(JSON.parse(redriven.output!)).toEqual({ redrives: 1, result: { deployed: { image: 'web:2' } } });
    expect(redriven.redriveStatus).toBe('NOT_REDRIVABLE');
    expect(redriven.redriveStatusReason).toBe('Execution is SUCCEEDED and cannot be redriven');
    expect(functions.count('prepare')).toBe(1);
    expect(functions.count('flaky')).toBe(3);
    const history = await executionHistory(local.client, executionArn);
    expect(history.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'ExecutionFailed',
      'ExecutionRedriven',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    const redrivenEvent = history[14]!;
    expect(redrivenEvent.executionRedrivenEventDetails).toEqual({ redriveCount: 1 });
    expect(redrivenEvent.timestamp).toEqual(redriveDate);
    // The Deploy state is entered again with the input it failed with.
    expect(history[15]!.stateEnteredEventDetails).toEqual(history[6]!.stateEnteredEventDetails);
    expect(history.map((event) => event.id)).toEqual(history.map((_, index) => index + 1));
    const listed = async (redriveFilter: 'REDRIVEN' | 'NOT_REDRIVEN') =>
      (await local.client.send(new ListExecutionsCommand({ stateMachineArn, redriveFilter }))).executions ??
      [];
    expect(await listed('REDRIVEN')).toEqual([
      expect.objectContaining({ executionArn, status: 'SUCCEEDED', redriveCount: 1, redriveDate }),
    ]);
    expect(await listed('NOT_REDRIVEN')).toEqual([]);
  });

  it('redrives an execution again and again, each time from where it failed last', async () => {
    // Prepare
    functions.broken = true;
    const { executionArn } = await runToEnd(local.client, DEPLOY);

    // Act: the first redrive fails again, the second succeeds
    await local.client.send(new RedriveExecutionCommand({ executionArn }));
    const failedAgain = await waitForExecution(local.client, executionArn);
    functions.broken = false;
    await local.client.send(new RedriveExecutionCommand({ executionArn }));
    const succeeded = await waitForExecution(local.client, executionArn);

    // Assess
    expect(failedAgain).toMatchObject({ status: 'FAILED', redriveCount: 1, redriveStatus: 'REDRIVABLE' });
    expect(succeeded).toMatchObject({ status: 'SUCCEEDED', redriveCount: 2 });
    expect(JSON.parse(succeeded.output!).redrives).toBe(2);
    const redrives = (await executionHistory(local.client, executionArn)).filter(
      (event) => event.type === 'ExecutionRedriven',
    );
    expect(redrives.map((event) => event.executionRedrivenEventDetails)).toEqual([
      { redriveCount: 1 },
      { redriveCount: 2 },
    ]);
  });

  it('runs again only the Parallel branches and Map iterations that failed', async () => {
    // Prepare: a Parallel whose second branch fails, then a Map whose second item fails
    functions.broken = true;
    functions.itemBroken = true;
    const steadyBefore = functions.count('steady');
    const itemCallsBefore = functions.count('flaky-item');
    const definition = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Task', Resource: `${LAMBDA}steady`, End: true } } },
            {
              // Branch A has ended by the time B fails: the clock's timer fires after its task's answer.
              StartAt: 'Settle',
              States: {
                Settle: { Type: 'Wait', Seconds: 1, Next: 'B' },
                B: { Type: 'Task', Resource: `${LAMBDA}flaky`, End: true },
              },
            },
          ],
          ResultPath: '$.both',
          Next: 'Each',
        },
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          // One at a time: item 3 has not started when item 2 fails.
          MaxConcurrency: 1,
          ItemProcessor: ROUTE_ITEMS,
          ResultPath: '$.each',
          End: true,
        },
      },
    };
    const { executionArn, ended } = await runToEnd(local.client, definition, { items: [1, 2, 3] });
    expect(ended.status).toBe('FAILED');

    // Act: the Parallel's failed branch is redriven, and the Map fails on item 2; then that item is redriven
    functions.broken = false;
    await local.client.send(new RedriveExecutionCommand({ executionArn }));
    const afterParallel = await waitForExecution(local.client, executionArn);
    const steadyAfterParallel = functions.count('steady');
    functions.itemBroken = false;
    await local.client.send(new RedriveExecutionCommand({ executionArn }));
    const done = await waitForExecution(local.client, executionArn);

    // Assess: branch A ran once, item 1 once (before the first redrive), item 3 once (after the second)
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({
      items: [1, 2, 3],
      both: [{ steady: { items: [1, 2, 3] } }, { deployed: { items: [1, 2, 3] } }],
      each: [{ steady: 1 }, { deployed: 2 }, { steady: 3 }],
    });
    expect(afterParallel.status).toBe('FAILED');
    expect(steadyAfterParallel - steadyBefore).toBe(1 + 1);
    expect(functions.count('steady') - steadyBefore).toBe(1 + 2);
    expect(functions.count('flaky-item') - itemCallsBefore).toBe(2);
  });

  it('redrives the Map Run of a Distributed Map: its failed children run again from the state they failed in, the tolerated failure too; the children that succeeded keep their outputs', async () => {
    // Prepare: one failure is tolerated, the second fails the Map Run; each child calling flaky-item names
    // its execution (a child of the Map Run is an execution of its own)
    functions.itemBroken = true;
    const itemCallsBefore = functions.count('flaky-item');
    const steadyBefore = functions.count('steady');
    const payloadsBefore = functions.itemPayloads.length;
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          MaxConcurrency: 1,
          ToleratedFailureCount: 1,
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            ...ROUTE_ITEMS,
            States: {
              ...ROUTE_ITEMS.States,
              Flaky: {
                Type: 'Task',
                Resource: `${LAMBDA}flaky-item`,
                Parameters: { 'item.$': '$', 'execution.$': '$$.Execution.Id' },
                ResultSelector: { 'deployed.$': '$.deployed.item' },
                End: true,
              },
            },
          },
          End: true,
        },
      },
    };
    const { executionArn, ended } = await runToEnd(local.client, definition, [1, 2, 2, 3]);
    expect(ended).toMatchObject({
      status: 'FAILED',
      error: 'States.ExceedToleratedFailureThreshold',
      cause: 'The specified tolerated failure threshold was exceeded',
    });
    const firstHistory = await executionHistory(local.client, executionArn);
    const mapRunArn = firstHistory.find((event) => event.type === 'MapRunStarted')?.mapRunStartedEventDetails
      ?.mapRunArn;
    expect(mapRunArn).toMatch(/:mapRun:redrive-\d+\/[0-9a-f-]{36}:[0-9a-f-]{36}$/);
    const failedChildren = [
      ...new Set(
        functions.itemPayloads
          .slice(payloadsBefore)
          .map((payload) => (payload as { execution: string }).execution),
      ),
    ];
    expect(failedChildren).toHaveLength(2);
    for (const child of failedChildren) {
      const described = await local.client.send(new DescribeExecutionCommand({ executionArn: child }));
      expect(described).toMatchObject({
        status: 'FAILED',
        mapRunArn,
        redriveCount: 0,
        redriveStatus: 'REDRIVABLE_BY_MAP_RUN',
      });
    }

    // Act
    functions.itemBroken = false;
    await local.client.send(new RedriveExecutionCommand({ executionArn }));
    const done = await waitForExecution(local.client, executionArn);

    // Assess: the output holds the outputs of the children that succeeded at first and of those redriven
    expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(JSON.parse(done.output!)).toEqual([
      { steady: 1 },
      { deployed: 2 },
      { deployed: 2 },
      { steady: 3 },
    ]);
    // The parent's redrive redrives its Map Run (MapRunRedriven), no new Map Run is started
    const history = await executionHistory(local.client, executionArn);
    const mapRunEvents = history
      .map((event) => event.type!)
      .filter((type) => type.startsWith('MapRun') || type.startsWith('Execution'));
    expect(mapRunEvents).toEqual([
      'ExecutionStarted',
      'MapRunStarted',
      'MapRunFailed',
      'ExecutionFailed',
      'ExecutionRedriven',
      'MapRunRedriven',
      'MapRunSucceeded',
      'ExecutionSucceeded',
    ]);
    const redriven = history.find((event) => event.type === 'MapRunRedriven');
    expect(redriven?.mapRunRedrivenEventDetails).toEqual({ mapRunArn, redriveCount: 1 });
    // The failed children were redriven (the same executions, run again from the Task they failed in)
    const redriveCalls = functions.itemPayloads.slice(payloadsBefore + 2);
    expect(redriveCalls.map((payload) => (payload as { execution: string }).execution).sort()).toEqual(
      [...failedChildren].sort(),
    );
    for (const child of failedChildren) {
      const described = await local.client.send(new DescribeExecutionCommand({ executionArn: child }));
      expect(described).toMatchObject({ status: 'SUCCEEDED', mapRunArn, redriveCount: 1 });
      const types = (await executionHistory(local.client, child)).map((event) => event.type);
      expect(types.slice(types.indexOf('ExecutionFailed'))).toEqual([
        'ExecutionFailed',
        'ExecutionRedriven',
        'TaskStateEntered',
        'LambdaFunctionScheduled',
        'LambdaFunctionStarted',
        'LambdaFunctionSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ]);
    }
    // Item 1 ran once (its child succeeded at first), item 3 once (never started before the redrive)
    expect(functions.count('flaky-item') - itemCallsBefore).toBe(2 + 2);
    expect(functions.count('steady') - steadyBefore).toBe(2);
  });

  it('redrives an aborted execution from the task it was stopped in, with a new task token', async () => {
    // Prepare: an approval task waiting for its token, stopped
    const stateMachineArn = await createMachine(local.client, APPROVAL);
    const { executionArn } = await local.client.send(new StartExecutionCommand({ stateMachineArn }));
    await expect.poll(() => functions.tokens.length).toBe(1);
    await local.client.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'paused' }));
    const aborted = await waitForExecution(local.client, executionArn!);
    expect(aborted).toMatchObject({ status: 'ABORTED', redriveStatus: 'REDRIVABLE' });

    // Act
    await local.client.send(new RedriveExecutionCommand({ executionArn }));
    await expect.poll(() => functions.tokens.length).toBe(2);
    await local.client.send(
      new SendTaskSuccessCommand({ taskToken: functions.tokens[1]!, output: '"approved"' }),
    );
    const approved = await waitForExecution(local.client, executionArn!);

    // Assess
    expect(approved).toMatchObject({ status: 'SUCCEEDED', output: '"approved"', redriveCount: 1 });
    expect(functions.tokens[1]).not.toBe(functions.tokens[0]);
    const types = (await executionHistory(local.client, executionArn!)).map((event) => event.type);
    expect(types.slice(types.indexOf('ExecutionAborted'))).toEqual([
      'ExecutionAborted',
      'ExecutionRedriven',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('refuses an execution that cannot be redriven, naming why, and changes nothing', async () => {
    // Prepare: one that succeeded, one that runs
    const { executionArn: succeededArn } = await runToEnd(local.client, {
      StartAt: 'Done',
      States: { Done: { Type: 'Succeed' } },
    });
    const stateMachineArn = await createMachine(local.client, APPROVAL);
    const { executionArn: runningArn } = await local.client.send(
      new StartExecutionCommand({ stateMachineArn }),
    );
    const missingArn = `${succeededArn.slice(0, succeededArn.lastIndexOf(':'))}:missing`;

    // Act
    const refusal = (executionArn: string, clientToken?: string) =>
      local.client.send(new RedriveExecutionCommand({ executionArn, clientToken })).then(
        () => undefined,
        (error: Error) => ({ name: error.name, message: error.message }),
      );

    // Assess
    expect(await refusal(succeededArn)).toEqual({
      name: 'ExecutionNotRedrivable',
      message: 'Execution is SUCCEEDED and cannot be redriven',
    });
    expect(await refusal(runningArn!)).toEqual({
      name: 'ExecutionNotRedrivable',
      message: 'Execution is RUNNING and cannot be redriven',
    });
    expect(await refusal(missingArn)).toEqual({
      name: 'ExecutionDoesNotExist',
      message: `Execution Does Not Exist: '${missingArn}'`,
    });
    expect((await refusal('not-an-arn'))?.name).toBe('InvalidArn');
    expect(await refusal(succeededArn, 'x'.repeat(65))).toEqual({
      name: 'ValidationException',
      message: expect.stringContaining("at 'clientToken' failed to satisfy constraint"),
    });
    const running = await local.client.send(new DescribeExecutionCommand({ executionArn: runningArn }));
    expect(running).toMatchObject({ status: 'RUNNING', redriveCount: 0 });
    expect(running.redriveStatusReason).toBe('Execution is RUNNING and cannot be redriven');
    await local.client.send(new StopExecutionCommand({ executionArn: runningArn }));
  });

  it('answers a repeated redrive with the same clientToken with the same redriveDate', async () => {
    // Prepare
    const stateMachineArn = await createMachine(local.client, APPROVAL);
    const { executionArn } = await local.client.send(new StartExecutionCommand({ stateMachineArn }));
    await local.client.send(new StopExecutionCommand({ executionArn }));

    // Act
    const first = await local.client.send(
      new RedriveExecutionCommand({ executionArn, clientToken: 'redrive-1' }),
    );
    const again = await local.client.send(
      new RedriveExecutionCommand({ executionArn, clientToken: 'redrive-1' }),
    );
    const other = local.client.send(new RedriveExecutionCommand({ executionArn, clientToken: 'redrive-2' }));

    await expect(other).rejects.toThrow('Execution is RUNNING and cannot be redriven');
    await local.client.send(new StopExecutionCommand({ executionArn }));
    const afterEnd = await local.client.send(
      new RedriveExecutionCommand({ executionArn, clientToken: 'redrive-1' }),
    );

    // Assess: one redrive, answered three times
    expect(again.redriveDate).toEqual(first.redriveDate);
    expect(afterEnd.redriveDate).toEqual(first.redriveDate);
    const described = await local.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: 'ABORTED', redriveCount: 1, redriveDate: first.redriveDate });
  });
});

describe('RedriveExecution of an execution that timed out', () => {
  it('gives it its whole TimeoutSeconds again from the redrive', async () => {
    // Prepare: an approval nobody answers within the execution's 60 s
    const clock = new VirtualClock();
    const timing = new Functions();
    const timed = await startTestRuntime({ clock, lambdas: timing.registry() });
    try {
      const stateMachineArn = await createMachine(timed.client, { ...APPROVAL, TimeoutSeconds: 60 });
      const { executionArn } = await timed.client.send(new StartExecutionCommand({ stateMachineArn }));
      await expect.poll(() => timing.tokens.length).toBe(1);
      await clock.advance(60_000);
      const timedOut = await waitForExecution(timed.client, executionArn!);
      expect(timedOut).toMatchObject({ status: 'TIMED_OUT', redriveStatus: 'REDRIVABLE' });

      // Act: redriven, then 59 s pass, and the approval is answered
      await timed.client.send(new RedriveExecutionCommand({ executionArn }));
      await expect.poll(() => timing.tokens.length).toBe(2);
      await clock.advance(59_000);
      const stillRunning = await timed.client.send(new DescribeExecutionCommand({ executionArn }));
      await timed.client.send(
        new SendTaskSuccessCommand({ taskToken: timing.tokens[1]!, output: '"approved"' }),
      );
      const answered = await waitForExecution(timed.client, executionArn!);

      // Assess
      expect(stillRunning.status).toBe('RUNNING');
      expect(answered).toMatchObject({ status: 'SUCCEEDED', output: '"approved"', redriveCount: 1 });
    } finally {
      await timed.close();
    }
  });
});

describe('RedriveExecution on a data directory', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cutover-redrive-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('redrives after a restart an execution that failed before it', async () => {
    // Prepare: it fails, and the runtime stops
    const durable = new Functions();
    const first = await startTestRuntime({ dataDir, lambdas: durable.registry() });
    const { executionArn, ended } = await runToEnd(first.client, DEPLOY);
    await first.close();
    expect(ended.status).toBe('FAILED');

    // Act: a new runtime on the same data, the cluster fixed
    durable.broken = false;
    const second = await startTestRuntime({ dataDir, lambdas: durable.registry() });
    try {
      await second.client.send(new RedriveExecutionCommand({ executionArn }));
      const redriven = await waitForExecution(second.client, executionArn);

      // Assess
      expect(redriven).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
      expect(durable.count('prepare')).toBe(1);
      expect(durable.count('flaky')).toBe(3);
    } finally {
      await second.close();
    }
  });

  it('answers a redrive retried with its clientToken after a restart, rather than redriving again', async () => {
    // Prepare: it fails, is redriven with a token, fails again, and the runtime stops
    const durable = new Functions();
    const first = await startTestRuntime({ dataDir, lambdas: durable.registry() });
    const { executionArn } = await runToEnd(first.client, DEPLOY);
    const { redriveDate } = await first.client.send(
      new RedriveExecutionCommand({ executionArn, clientToken: 'deploy-retry-1' }),
    );
    expect(await waitForExecution(first.client, executionArn)).toMatchObject({ status: 'FAILED' });
    await first.close();

    // Act: the SDK retries the same call on a new runtime on the same data (its answer was lost)
    const second = await startTestRuntime({ dataDir, lambdas: durable.registry() });
    try {
      const again = await second.client.send(
        new RedriveExecutionCommand({ executionArn, clientToken: 'deploy-retry-1' }),
      );

      // Assess
      expect(again.redriveDate).toEqual(redriveDate);
      const described = await second.client.send(new DescribeExecutionCommand({ executionArn }));
      expect(described).toMatchObject({ status: 'FAILED', redriveCount: 1, redriveDate });
      expect(durable.count('flaky')).toBe(4);
    } finally {
      await second.close();
    }
  });
});

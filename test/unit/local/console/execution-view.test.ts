import {
  CreateStateMachineCommand,
  type HistoryEvent,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExecutionView, ExecutionViewAccumulator } from '#local/console/execution-view.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import { lambdaTaskSucceeded } from '#test/builders/history-events.ts';
import {
  executionHistory,
  startTestRuntime,
  type TestRuntime,
  waitForExecution,
} from '#test/support/local-runtime.ts';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second));

function entered(id: number, name: string): HistoryEvent {
  return { id, type: 'TaskStateEntered', timestamp: at(id), stateEnteredEventDetails: { name } };
}

function taskSucceeded(id: number, output: object): HistoryEvent {
  return lambdaTaskSucceeded(id, output, at(id));
}

/** The ExecutionTimedOut event as AWS records it: its error alone, pointing at no event. */
function timedOut(id: number): HistoryEvent {
  return {
    id,
    previousEventId: 0,
    type: 'ExecutionTimedOut',
    timestamp: at(id),
    executionTimedOutEventDetails: { error: 'States.Timeout' },
  };
}

const approvalScheduled: HistoryEvent = {
  id: 5,
  type: 'TaskScheduled',
  timestamp: at(5),
  taskScheduledEventDetails: {
    resource: 'invoke.waitForTaskToken',
    resourceType: 'lambda',
    region: 'us-east-1',
    parameters: JSON.stringify({ Payload: { taskToken: 'token-1' } }),
  },
};

/** The view of `events` added in slices of `sliceSize` (all at once by default). */
function executionView(events: readonly HistoryEvent[], sliceSize = events.length): ExecutionView {
  const accumulator = new ExecutionViewAccumulator();
  for (let start = 0; start < events.length; start += sliceSize) {
    accumulator.add(events.slice(start, start + sliceSize));
  }
  return accumulator.view();
}

describe('ExecutionViewAccumulator', () => {
  it('keeps the states, the last weights and the verdicts with the weights they judged, and sees the approval waiting', () => {
    // Prepare
    const history = [
      entered(1, 'SetStepWeights'),
      taskSucceeded(2, { weights: { stable: 90, canary: 10 } }),
      taskSucceeded(3, { weights: { stable: 50, canary: 50 } }),
      taskSucceeded(4, {
        verdict: 'pass',
        reason: 'all metrics within thresholds',
        measurements: { errorRate: 0 },
      }),
      approvalScheduled,
    ];
    // Act
    const view = executionView(history);
    // Assess
    expect(view).toEqual({
      state: 'SetStepWeights',
      states: [{ name: 'SetStepWeights', enteredAt: at(1).getTime() }],
      earlierStates: 0,
      weights: { stable: 50, canary: 50 },
      verdicts: [
        {
          verdict: 'pass',
          reason: 'all metrics within thresholds',
          measurements: { errorRate: 0 },
          measurementsText: 'errorRate=0',
          at: at(4).getTime(),
          weights: { stable: 50, canary: 50 },
        },
      ],
      earlierVerdicts: 0,
      activity: [],
      earlierActivity: 0,
      approvalPending: true,
      approvalRequestedAt: at(5).getTime(),
    });
  });

  it('names the canary step or rolling batch a selecting state entered, as watch says it', () => {
    // Prepare: SelectStep entered with the plan's step count and the cursor on the second step
    const selecting: HistoryEvent = {
      id: 2,
      type: 'PassStateEntered',
      timestamp: at(2),
      stateEnteredEventDetails: {
        name: 'SelectStep',
        input: JSON.stringify({
          plan: { stepCount: 3 },
          cursor: { index: 1 },
        }),
      },
    };
    // Act
    const view = executionView([selecting]);
    // Assess
    expect(view.states).toEqual([
      { name: 'SelectStep', enteredAt: at(2).getTime(), position: 'step 2 of 3' },
    ]);
  });

  it('names the service and release version its request started with, and the service alone of a migration', () => {
    // Prepare
    const started = (request: object): HistoryEvent => ({
      id: 1,
      type: 'ExecutionStarted',
      timestamp: at(1),
      executionStartedEventDetails: { input: JSON.stringify(request) },
    });
    const release = { service: { namespace: 'shop', name: 'checkout' }, release: { version: 'v19' } };
    const migration = { service: { namespace: 'shop', name: 'orders' }, migrations: { directory: 'm' } };
    // Act
    const views = [executionView([started(release)]), executionView([started(migration)])];
    const other = executionView([started({ i: 0 })]);
    // Assess
    expect(views).toMatchObject([{ service: 'shop/checkout', version: 'v19' }, { service: 'shop/orders' }]);
    expect(views[1]).not.toHaveProperty('version');
    expect(other).not.toHaveProperty('service');
  });

  it('rounds the numbers of a verdict as cutover watch prints them, keeping the measurements as measured', () => {
    // Prepare
    const measurements = { requestCount: 412, errorRate: 0.045_371_2, latencyP99Ms: 5.618_93 };
    const history = [
      taskSucceeded(1, { verdict: 'pass', reason: 'all metrics within thresholds', measurements }),
    ];
    // Act
    const [verdict] = executionView(history).verdicts;
    // Assess
    expect(verdict).toMatchObject({
      measurements,
      measurementsText: 'requestCount=412 errorRate=0.0454 latencyP99Ms=5.6',
    });
  });

  it('lists who rejected the approval and why among the activity', () => {
    // Prepare
    const rejected: HistoryEvent = {
      id: 6,
      type: 'TaskFailed',
      timestamp: at(6),
      taskFailedEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke.waitForTaskToken',
        error: 'ApprovalRejected',
        cause: '{"reason":"p99 up","approver":"bob"}',
      },
    };
    // Act
    const view = executionView([approvalScheduled, rejected]);
    // Assess
    expect(view.activity).toEqual([{ at: at(6).getTime(), text: 'approval rejected by bob: p99 up' }]);
  });

  it('says what a waiting approval is for and what follows it unanswered, and forgets both once answered', () => {
    // Prepare: an approval whose payload says the release goes on without an answer
    const continuing: HistoryEvent = {
      ...approvalScheduled,
      taskScheduledEventDetails: {
        ...approvalScheduled.taskScheduledEventDetails!,
        parameters: JSON.stringify({
          Payload: { taskToken: 'token-1', stage: 'after step 1 of 3', onTimeout: 'continue' },
        }),
        timeoutInSeconds: 600,
      },
    };
    const answered: HistoryEvent = { id: 6, type: 'TaskSucceeded', timestamp: at(6) };
    // Act
    const waiting = executionView([continuing]);
    const after = executionView([continuing, answered]);
    // Assess
    expect(waiting).toMatchObject({
      approvalPending: true,
      approvalOnTimeout: 'continue',
      approvalStage: 'after step 1 of 3',
    });
    expect(after.approvalPending).toBe(false);
    expect(after).not.toHaveProperty('approvalOnTimeout');
    expect(after).not.toHaveProperty('approvalStage');
  });

  it("gives a waiting approval's deadline as the runtime set it for its token, and by default its timeout after scheduling", () => {
    // Prepare: a 600 s approval; a runtime that set its deadline at another scale before a restart
    const waiting: HistoryEvent = {
      ...approvalScheduled,
      taskScheduledEventDetails: { ...approvalScheduled.taskScheduledEventDetails!, timeoutInSeconds: 600 },
    };
    const accumulator = new ExecutionViewAccumulator();
    accumulator.add([waiting]);
    const asked: string[] = [];
    const setByTheRuntime = at(60).getTime();
    // Act
    const fromRuntime = accumulator.view({
      timesOutAt: (token) => {
        asked.push(token);
        return setByTheRuntime;
      },
    });
    const byDefault = accumulator.view();
    // Assess
    expect(asked).toEqual(['token-1']);
    expect(fromRuntime.approvalTimesOutAt).toBe(setByTheRuntime);
    expect(byDefault.approvalTimesOutAt).toBe(waiting.timestamp!.getTime() + 600_000);
  });

  it('has no approval waiting once the execution ended, and gives the end with its readable cause', () => {
    // Prepare
    const history: HistoryEvent[] = [
      approvalScheduled,
      {
        id: 6,
        type: 'ExecutionAborted',
        timestamp: at(6),
        executionAbortedEventDetails: { error: 'Aborted', cause: 'wrong image' },
      },
    ];
    // Act
    const view = executionView(history);
    // Assess
    expect(view.approvalPending).toBe(false);
    expect(view.end).toEqual({ status: 'ABORTED', error: 'Aborted', cause: 'wrong image' });
  });

  it("says which state it is in, naming a pause by its Parallel state while the pause's branches run, and none once ended", () => {
    // Prepare: a canary in the pause after its last step, its checks running beside the approval
    const pausing: HistoryEvent[] = [
      entered(1, 'SetStepWeights'),
      {
        id: 2,
        type: 'ParallelStateEntered',
        timestamp: at(2),
        stateEnteredEventDetails: { name: 'PauseAfterStep' },
      },
      entered(3, 'WaitForAnswer'),
      { ...approvalScheduled, id: 4 },
      {
        id: 5,
        type: 'PassStateEntered',
        timestamp: at(5),
        stateEnteredEventDetails: { name: 'StartPauseChecks' },
      },
      {
        id: 6,
        type: 'WaitStateEntered',
        timestamp: at(6),
        stateEnteredEventDetails: { name: 'WaitToCheckPausedStep' },
      },
    ];
    const ended: HistoryEvent = {
      id: 7,
      type: 'ExecutionAborted',
      timestamp: at(7),
      executionAbortedEventDetails: { error: 'Aborted', cause: 'wrong image' },
    };
    // Act
    const before = executionView(pausing.slice(0, 1));
    const waiting = executionView(pausing.slice(0, 3));
    const checking = executionView(pausing, 2);
    const after = executionView([...pausing, ended]);
    // Assess
    expect(before.state).toBe('SetStepWeights');
    expect(waiting.state).toBe('PauseAfterStep');
    expect(checking.state).toBe('PauseAfterStep');
    expect(after.state).toBeUndefined();
  });

  it('gives the end of a timed-out execution with its error alone: AWS records no cause for it', () => {
    // Prepare
    const history: HistoryEvent[] = [approvalScheduled, timedOut(6)];
    // Act
    const view = executionView(history);
    // Assess
    expect(view.approvalPending).toBe(false);
    expect(view.end).toStrictEqual({ status: 'TIMED_OUT', error: 'States.Timeout' });
  });

  it('runs on past an end that a redrive undid: no end, its approval waiting again, the redrive among the activity', () => {
    // Prepare: timed out while its approval waited, redriven, the approval scheduled again
    const history: HistoryEvent[] = [
      entered(4, 'RequestApproval'),
      approvalScheduled,
      timedOut(6),
      {
        id: 7,
        type: 'ExecutionRedriven',
        timestamp: at(7),
        executionRedrivenEventDetails: { redriveCount: 1 },
      },
      entered(8, 'RequestApproval'),
      { ...approvalScheduled, id: 9, timestamp: at(9) },
    ];
    // Act
    const view = executionView(history, 2);
    // Assess
    expect(view.end).toBeUndefined();
    expect(view.state).toBe('RequestApproval');
    expect(view.approvalPending).toBe(true);
    expect(view.activity).toContainEqual({
      at: at(7).getTime(),
      text: 'REDRIVEN (redrive 1): goes on from the state it stopped at',
    });
  });

  it('keeps the split found when a blue-green started as its traffic until it switches, judging no verdict by it', () => {
    // Prepare: the task results of a recorded blue-green up to its approval, then its switch; the plan names
    // the tracks, BackupState returns the backup's key and the router's weights it found
    const beforeSwitch = [
      taskSucceeded(1, {
        plan: { strategy: 'blue-green', tracks: { live: 'green', next: 'blue' }, firstRelease: false },
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:blue-green:checkout-v2',
      }),
      taskSucceeded(2, {
        key: 'releases/shop/checkout/checkout-v2.json',
        foundWeights: { green: 100, blue: 0 },
      }),
      taskSucceeded(3, { track: 'blue', ready: false, reason: 'applied', attempt: 0 }),
      taskSucceeded(4, { verdict: 'pass', reason: 'preview within thresholds', measurements: {} }),
      approvalScheduled,
    ];
    const switched = taskSucceeded(6, { weights: { green: 0, blue: 100 } });
    // Act
    const waiting = executionView(beforeSwitch);
    const afterSwitch = executionView([...beforeSwitch, switched]);
    // Assess
    expect(waiting).toMatchObject({ approvalPending: true, foundWeights: { green: 100, blue: 0 } });
    expect(waiting).not.toHaveProperty('weights');
    expect(waiting.verdicts[0]).not.toHaveProperty('weights');
    expect(waiting.activity).toEqual([]);
    expect(afterSwitch.weights).toEqual({ green: 0, blue: 100 });
    expect(afterSwitch).not.toHaveProperty('foundWeights');
  });

  it('lists what a database migration did, as cutover watch prints it', () => {
    // Prepare
    const history = [
      taskSucceeded(1, { manifestKey: 'shop/orders/database/run-1/manifest.json' }),
      taskSucceeded(2, { table: 'public.orders', lastKey: ['9'], rowsCopied: 150_000, done: true }),
    ];
    // Act
    const view = executionView(history);
    // Assess
    expect(view.activity).toEqual([
      { at: at(1).getTime(), text: 'backup shop/orders/database/run-1/manifest.json' },
      { at: at(2).getTime(), text: 'copy public.orders: 150,000 rows, done' },
    ]);
  });

  it('says why a track is not ready once per reason, not at every check, and again after it was ready', () => {
    // Prepare: a canary stuck unschedulable for three checks, then ready, then stuck again
    const stuck = '0/2 ready, 2 updated; pod checkout-canary-1 not scheduled: Unschedulable';
    const check = (id: number, ready: boolean, reason: string) =>
      taskSucceeded(id, { track: 'canary', ready, reason, attempt: id });
    const history = [
      check(1, false, stuck),
      check(2, false, stuck),
      check(3, false, stuck),
      check(4, true, '2/2 ready'),
      check(5, false, stuck),
    ];
    // Act
    const view = executionView(history, 2);
    // Assess
    expect(view.activity.map((line) => [line.at, line.text])).toEqual([
      [at(1).getTime(), `rollout canary: ${stuck}`],
      [at(5).getTime(), `rollout canary: ${stuck}`],
    ]);
  });
});

/** A canary's steps as lambda tasks: weights, a verdict, an approval that waits for its token, promotion. */
const CANARY = JSON.stringify({
  StartAt: 'SetStepWeights',
  States: {
    SetStepWeights: lambdaTask('weights-10', 'Analyse'),
    Analyse: lambdaTask('analyse', 'RequestApproval'),
    RequestApproval: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: 'ask', Payload: { 'taskToken.$': '$$.Task.Token' } },
      Next: 'Promote',
    },
    Promote: lambdaTask('weights-100', 'Done'),
    Done: { Type: 'Succeed' },
  },
});

function lambdaTask(functionName: string, next: string) {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: functionName },
    ResultPath: null,
    Next: next,
  };
}

describe('ExecutionViewAccumulator, on a history from the runtime', () => {
  let runtime: TestRuntime;
  let history: HistoryEvent[];

  beforeAll(async () => {
    const tokens: string[] = [];
    runtime = await startTestRuntime({
      lambdas: new MapLambdaRegistry({
        'weights-10': () => ({ weights: { stable: 90, canary: 10 } }),
        analyse: () => ({ verdict: 'pass', reason: 'all metrics within thresholds', measurements: {} }),
        ask: (_payload, context) => void tokens.push(context.taskToken!),
        'weights-100': () => ({ weights: { stable: 0, canary: 100 } }),
      }),
    });
    const { stateMachineArn } = await runtime.client.send(
      new CreateStateMachineCommand({
        name: 'canary',
        definition: CANARY,
        roleArn: 'arn:aws:iam::000000000000:role/console',
      }),
    );
    const { executionArn } = await runtime.client.send(new StartExecutionCommand({ stateMachineArn }));
    while (tokens.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await runtime.client.send(new SendTaskSuccessCommand({ taskToken: tokens[0], output: '{}' }));
    await waitForExecution(runtime.client, executionArn!);
    history = await executionHistory(runtime.client, executionArn!);
  });

  afterAll(() => runtime?.close());

  it('gives the same view whether the history is added whole or in slices', () => {
    // Act
    const whole = executionView(history);
    const sliced = [1, 2, 3, 7].map((sliceSize) => executionView(history, sliceSize));
    // Assess
    expect(whole).toMatchObject({
      states: ['SetStepWeights', 'Analyse', 'RequestApproval', 'Promote', 'Done'].map((name) => ({ name })),
      weights: { stable: 0, canary: 100 },
      verdicts: [{ verdict: 'pass', reason: 'all metrics within thresholds' }],
      approvalPending: false,
      end: { status: 'SUCCEEDED' },
    });
    for (const view of sliced) expect(view).toEqual(whole);
  });

  it('holds the latest 200 states of a long execution, counting the earlier ones', () => {
    // Prepare: a loop of 450 states entered
    const events = Array.from({ length: 450 }, (_, i) => entered(i + 1, i % 2 === 0 ? 'Check' : 'Increment'));
    // Act
    const view = executionView(events, 100);
    // Assess
    expect(view.states).toHaveLength(200);
    expect(view.earlierStates).toBe(250);
    expect(view.states.at(-1)).toEqual({ name: 'Increment', enteredAt: at(450).getTime() });
    expect(view.states[0]).toEqual({ name: 'Check', enteredAt: at(251).getTime() });
    expect(view.earlierActivity).toBe(0);
    expect(view.earlierVerdicts).toBe(0);
  });

  it('holds the latest 200 verdicts of a long analysis loop, counting the earlier ones', () => {
    // Prepare: an analysis that found too few requests 300 times
    const events = Array.from({ length: 300 }, (_, i) =>
      taskSucceeded(i + 1, {
        verdict: 'inconclusive',
        reason: `too few requests (${i + 1})`,
        measurements: { requestCount: i + 1 },
      }),
    );
    // Act
    const view = executionView(events, 64);
    // Assess
    expect(view.verdicts).toHaveLength(200);
    expect(view.earlierVerdicts).toBe(100);
    expect(view.verdicts[0]).toEqual({
      verdict: 'inconclusive',
      reason: 'too few requests (101)',
      measurements: { requestCount: 101 },
      measurementsText: 'requestCount=101',
      at: at(101).getTime(),
    });
    expect(view.verdicts.at(-1)).toMatchObject({ reason: 'too few requests (300)' });
    expect(view.earlierStates).toBe(0);
  });

  it('sees the approval waiting after the slice that schedules it, and answered after the next', () => {
    // Prepare
    const scheduled = history.findIndex(
      (event) => event.taskScheduledEventDetails?.resource === 'invoke.waitForTaskToken',
    );
    const accumulator = new ExecutionViewAccumulator();
    // Act
    accumulator.add(history.slice(0, scheduled + 1));
    const waiting = accumulator.view();
    accumulator.add(history.slice(scheduled + 1, -1));
    const answered = accumulator.view();
    // Assess
    expect(waiting.approvalPending).toBe(true);
    expect(waiting.weights).toEqual({ stable: 90, canary: 10 });
    expect(answered.approvalPending).toBe(false);
    expect(answered.end).toBeUndefined();
    expect(accumulator.ended).toBe(false);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { sleep } from '#local/clock.ts';
import { LocalStepFunctions } from '#local/service.ts';
import { FUNCTION_ARN, type Harness, harness, machine, ROLE_ARN } from './harness.ts';

let h: Harness;
afterEach(async () => {
  await h.sfn.close();
});

class Flaky extends Error {
  override name = 'Flaky';
}

/**
 * Runs `definition` once, with `h`'s clock and functions, on a runtime whose executions may write `limit`
 * history events: the execution as it ended, and its last event.
 */
async function runUnderHistoryLimit(h: Harness, limit: number, definition: string, input: unknown = {}) {
  const sfn = new LocalStepFunctions({ clock: h.clock, lambdas: h.lambdas, historyEventLimit: limit });
  try {
    const { stateMachineArn } = await sfn.createStateMachine({
      name: 'limited',
      definition,
      roleArn: ROLE_ARN,
    });
    const { executionArn } = await sfn.startExecution({ stateMachineArn, input: JSON.stringify(input) });
    const result = await sfn.awaitExecution(executionArn!);
    const { events } = await sfn.getExecutionHistory({ executionArn, reverseOrder: true, maxResults: 1 });
    return { result, last: events![0] };
  } finally {
    await sfn.close();
  }
}

describe('Engine: Retry and Catch', () => {
  it('retries with IntervalSeconds * BackoffRate^n capped by MaxDelaySeconds, counting per retrier', async () => {
    // Prepare
    const calls: number[] = [];
    h = harness({
      flaky: (_p, _c) => {
        calls.push(h.clock.now());
        if (calls.length < 4) throw new Flaky('not yet');
        return { attempts: calls.length };
      },
    });
    const definition = machine({
      T: {
        Type: 'Task',
        Resource: FUNCTION_ARN('flaky'),
        Parameters: { 'retry.$': '$$.State.RetryCount' },
        Retry: [
          { ErrorEquals: ['Other'], MaxAttempts: 1 },
          { ErrorEquals: ['Flaky'], IntervalSeconds: 2, BackoffRate: 3, MaxDelaySeconds: 10, MaxAttempts: 3 },
        ],
        End: true,
      },
    });
    // Act
    const result = await h.run(definition);
    // Assess
    expect(JSON.parse(result.output!)).toEqual({ attempts: 4 });
    const gaps = calls.slice(1).map((t, i) => t - calls[i]!);
    expect(gaps).toEqual([2_000, 6_000, 10_000]);
  });

  it('honours MaxAttempts 0 (no retry) and then catches with ResultPath and {Error, Cause}', async () => {
    // Prepare
    let calls = 0;
    h = harness({
      fail: () => {
        calls++;
        throw new Flaky('broken');
      },
    });
    const definition = machine({
      T: {
        Type: 'Task',
        Resource: FUNCTION_ARN('fail'),
        Retry: [{ ErrorEquals: ['Flaky'], MaxAttempts: 0 }],
        Catch: [
          { ErrorEquals: ['Nope'], Next: 'Wrong' },
          { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'Handled' },
          { ErrorEquals: ['States.ALL'], Next: 'Wrong' },
        ],
        End: true,
      },
      Wrong: { Type: 'Fail', Error: 'WrongCatcher' },
      Handled: { Type: 'Pass', End: true },
    });
    // Act
    const result = await h.run(definition, { keep: true });
    // Assess
    expect(calls).toBe(1);
    const output = JSON.parse(result.output!);
    expect(output.keep).toBe(true);
    expect(output.error.Error).toBe('Flaky');
    expect(JSON.parse(output.error.Cause)).toMatchObject({ errorMessage: 'broken', errorType: 'Flaky' });
  });

  it('never catches States.Runtime, even with States.ALL', async () => {
    // Prepare
    h = harness({ ok: () => ({}) });
    const definition = machine({
      T: {
        Type: 'Task',
        Resource: FUNCTION_ARN('ok'),
        Parameters: { 'missing.$': '$.not.there' },
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
        End: true,
      },
      Caught: { Type: 'Succeed' },
    });
    // Act
    const result = await h.run(definition, {});
    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  });

  it('fails a loop that never ends when its history reaches 25,000 events, ExecutionFailed the last', async () => {
    // Prepare: a Choice that always loops back to itself, as a mistyped exit condition does
    h = harness();
    const definition = machine({
      Check: {
        Type: 'Choice',
        Choices: [{ Variable: '$.done', IsPresent: true, Next: 'Done' }],
        Default: 'Check',
      },
      Done: { Type: 'Succeed' },
    });
    // Act
    const result = await h.run(definition, {});
    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    // AWS's cause, as AWS users quote it (e.g. loads/ardere issue 86, floci-io/floci issue 2734)
    expect(result.cause).toBe('The execution reached the maximum number of history events (25000).');
    const [last] = (
      await h.sfn.getExecutionHistory({
        executionArn: result.executionArn!,
        reverseOrder: true,
        maxResults: 1,
      })
    ).events!;
    expect([last?.id, last?.type]).toEqual([25_000, 'ExecutionFailed']);
  });

  it('fails a loop of tasks at its history limit, a few events past it at most', async () => {
    // Prepare: a Task loop, whose states write five events between two entries, under a limit of 30
    h = harness({ ok: () => ({}) });
    const definition = machine({
      Work: { Type: 'Task', Resource: FUNCTION_ARN('ok'), Next: 'Again' },
      Again: {
        Type: 'Choice',
        Choices: [{ Variable: '$.done', IsPresent: true, Next: 'Done' }],
        Default: 'Work',
      },
      Done: { Type: 'Succeed' },
    });
    // Act
    const { result, last } = await runUnderHistoryLimit(h, 30, definition);
    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(last?.type).toBe('ExecutionFailed');
    expect(last?.id).toBeGreaterThanOrEqual(30);
    expect(last?.id).toBeLessThanOrEqual(34);
  });

  it.each([0, 1])(
    'fails an inline Map (MaxConcurrency %i) at its history limit, counting the events of every iteration',
    async (maxConcurrency) => {
      // Prepare: 100 iterations of a Pass write 600 events (MapIteration*, PassState*), under a limit of 300
      h = harness();
      const definition = machine({
        Each: {
          Type: 'Map',
          MaxConcurrency: maxConcurrency,
          ItemsPath: '$.items',
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          End: true,
        },
      });
      const items = Array.from({ length: 100 }, (_, index) => index);
      // Act
      const { result, last } = await runUnderHistoryLimit(h, 300, definition, { items });
      // Assess
      expect(result).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
      expect([last?.id, last?.type]).toEqual([300, 'ExecutionFailed']);
    },
  );

  it('fails with States.DataLimitExceeded above 256 KiB, naming the function, when no Catch takes it', async () => {
    // Prepare
    h = harness({ big: () => 'x'.repeat(300 * 1024) });
    const definition = machine({
      T: {
        Type: 'Task',
        Resource: FUNCTION_ARN('big'),
        Catch: [{ ErrorEquals: ['SomethingElse'], Next: 'Caught' }],
        End: true,
      },
      Caught: { Type: 'Succeed' },
    });
    // Act
    const result = await h.run(definition);
    // Assess
    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'States.DataLimitExceeded',
      cause: expect.stringContaining(
        `The state/task '${FUNCTION_ARN('big')}' returned a result with a size exceeding`,
      ),
    });
  });

  it('fails with States.DataLimitExceeded a Pass whose output repeats one input value past the longest string V8 makes', async () => {
    // Prepare: 3,000 times 200,000 characters is past V8's longest string (about 512 MiB)
    h = harness({});
    const repeated = Array.from({ length: 3000 }, () => '$.a').join(', ');
    const definition = machine({
      P: { Type: 'Pass', Parameters: { 'all.$': `States.Array(${repeated})` }, End: true },
    });
    // Act
    const result = await h.run(definition, { a: 'x'.repeat(200_000) });
    // Assess
    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'States.DataLimitExceeded',
      cause:
        "The state/task 'P' returned a result with a size exceeding the maximum number of bytes service limit.",
    });
  });

  it('reads one large input value thousands of times into an intrinsic function without copying it', async () => {
    // Prepare: 4,000 copies of this array would take gigabytes
    h = harness({});
    const repeated = Array.from({ length: 4000 }, () => '$.a').join(', ');
    const definition = machine({
      P: {
        Type: 'Pass',
        Parameters: { 'count.$': `States.ArrayLength(States.Array(${repeated}))` },
        End: true,
      },
    });
    const a = Array.from({ length: 12_000 }, (_, index) => ({ index }));
    // Act
    const result = await h.run(definition, { a });
    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: JSON.stringify({ count: 4000 }) });
  });

  it("fails with States.Runtime, naming the local runtime's limit, a Parameters whose intrinsic functions make more than 16 MiB together", async () => {
    // Prepare: each field cuts 240,000 characters into 120,000 strings (1.2 MB as counted)
    h = harness({});
    const fields = Object.fromEntries(
      Array.from({ length: 20 }, (_, index) => [
        `part${index}.$`,
        "States.ArrayLength(States.StringSplit($.a, ','))",
      ]),
    );
    const definition = machine({ P: { Type: 'Pass', Parameters: fields, End: true } });
    // Act
    const result = await h.run(definition, { a: 'x,'.repeat(120_000) });
    // Assess
    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: expect.stringContaining(
        "The function 'States.ArrayLength(States.StringSplit($.a, ','))' had the following error: the intrinsic " +
          "functions of this payload made more than 16,777,216 bytes, the local runtime's limit",
      ),
    });
  });

  it('fails a task whose function returns a value nested deeper than 1,000 levels with States.Runtime, not a crash', async () => {
    // Prepare
    const nested = (depth: number) => {
      let value: unknown = 1;
      for (let level = 0; level < depth; level++) value = [value];
      return value;
    };
    h = harness({ deep: () => nested(20_000), limit: () => nested(1_000) });
    const task = (name: string) => machine({ T: { Type: 'Task', Resource: FUNCTION_ARN(name), End: true } });
    // Act
    const deep = await h.run(task('deep'));
    const atLimit = await h.run(task('limit'));
    // Assess
    expect(deep).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: expect.stringContaining(
        `the result of ${FUNCTION_ARN('deep')} nests arrays and objects more than 1000 levels deep, the nesting depth limit of the local runtime`,
      ),
    });
    expect(atLimit.status).toBe('SUCCEEDED');
  });

  it('reports an unknown function as Lambda.ResourceNotFoundException', async () => {
    // Prepare
    h = harness();
    const definition = machine({ T: { Type: 'Task', Resource: FUNCTION_ARN('nobody'), End: true } });
    // Act
    const result = await h.run(definition);
    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'Lambda.ResourceNotFoundException' });
  });

  it('invokes the function a Lambda ARN names whatever its region and account text, as validation accepts it', async () => {
    // Prepare: placeholders AWS accepted in a definition (test_state_configuration.snapshot.json, 2025)
    h = harness({ echo: (event: unknown) => event });
    const Resource = 'arn:aws:lambda:your-region:your-account-id:function:echo';
    // Act
    const result = await h.run(machine({ T: { Type: 'Task', Resource, End: true } }), { n: 1 });
    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: '{"n":1}' });
  });

  it('times a task out with States.Timeout (TimeoutSeconds) and the execution with TIMED_OUT', async () => {
    // Prepare
    h = harness({ hang: () => new Promise(() => undefined) });
    const task = machine({
      T: { Type: 'Task', Resource: FUNCTION_ARN('hang'), TimeoutSeconds: 5, End: true },
    });
    const whole = machine({ W: { Type: 'Wait', Seconds: 100, End: true } }, { TimeoutSeconds: 30 });
    // Act
    const [a, b] = [await h.run(task), await h.run(whole)];
    // Assess
    expect(a).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(await h.eventTypes(a.executionArn!)).toContain('LambdaFunctionTimedOut');
    expect(b.status).toBe('TIMED_OUT');
    expect(b.stopDate!.getTime() - b.startDate!.getTime()).toBe(30_000);
    // As AWS records it: no error or cause on the execution, the event's error alone, linked to no event
    expect(b).not.toHaveProperty('error');
    expect(b).not.toHaveProperty('cause');
    const timedOut = (await h.history(b.executionArn!)).at(-1)!;
    expect(timedOut.type).toBe('ExecutionTimedOut');
    expect(timedOut.previousEventId).toBe(0);
    expect(timedOut.executionTimedOutEventDetails).toStrictEqual({ error: 'States.Timeout' });
  });

  it('times a JSONata task out after the TimeoutSeconds its expression gives, and refuses one out of range', async () => {
    // Prepare
    h = harness({ hang: () => new Promise(() => undefined) });
    const task = machine(
      {
        T: {
          Type: 'Task',
          Resource: FUNCTION_ARN('hang'),
          TimeoutSeconds: '{% $states.input.limit %}',
          End: true,
        },
      },
      { QueryLanguage: 'JSONata' },
    );
    // Act
    const timedOut = await h.run(task, { limit: 7 });
    const refused = await h.run(task, { limit: 0 });
    // Assess
    expect(timedOut).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(timedOut.stopDate!.getTime() - timedOut.startDate!.getTime()).toBe(7_000);
    const scheduled = (await h.history(timedOut.executionArn!)).find(
      (event) => event.type === 'LambdaFunctionScheduled',
    );
    expect(scheduled?.lambdaFunctionScheduledEventDetails?.timeoutInSeconds).toBe(7);
    expect(refused).toMatchObject({
      status: 'FAILED',
      error: 'States.QueryEvaluationError',
      cause:
        "An error occurred while executing the state 'T' (entered at the event id #2). The JSONata expression '$states.input.limit' specified for the field 'TimeoutSeconds' returned a value out of range. Expected an integer of at least 1, but was 0",
    });
    expect(await h.eventTypes(refused.executionArn!)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'EvaluationFailed',
      'ExecutionFailed',
    ]);
  });
});

describe('Engine: a Parallel branch failing', () => {
  // The other branch's task finishes a few promise turns after the failing one: whatever the order, once
  // the failure is recorded that branch moves to no other state (its next task is never invoked).
  it.each([0, 1, 2, 3, 4, 5, 6, 8])(
    'starts no state in another branch once it failed (that branch done %i turns later)',
    async (turnsLater) => {
      // Prepare
      let open!: () => void;
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      const next = vi.fn(() => 'next');
      h = harness({
        fail: async () => {
          await opened;
          throw new Flaky('failed');
        },
        work: async () => {
          await opened;
          for (let turn = 0; turn < turnsLater; turn++) await null;
          return 'worked';
        },
        next,
      });
      const task = (name: string) => ({ Type: 'Task', Resource: FUNCTION_ARN(name), End: true });
      const arn = await h.start(
        machine({
          Fan: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'Fail', States: { Fail: task('fail') } },
              {
                StartAt: 'Work',
                States: { Work: { ...task('work'), End: undefined, Next: 'Next' }, Next: task('next') },
              },
            ],
            End: true,
          },
        }),
      );
      await h.clock.advance(0);
      // Act
      open();
      const done = await h.sfn.awaitExecution(arn);
      // Assess
      expect(done).toMatchObject({ status: 'FAILED', error: 'Flaky' });
      const { events = [] } = await h.sfn.getExecutionHistory({ executionArn: arn, maxResults: 1000 });
      const failedAt = events.findIndex((event) => event.type === 'LambdaFunctionFailed');
      const nextAt = events.findIndex((event) => event.stateEnteredEventDetails?.name === 'Next');
      if (nextAt >= 0) expect(nextAt).toBeLessThan(failedAt);
      expect(next).toHaveBeenCalledTimes(nextAt >= 0 ? 1 : 0);
    },
  );
});

describe('Engine: task integrations', () => {
  it('wraps lambda:invoke results as Lambda responses', async () => {
    // Prepare
    h = harness({ double: (p: unknown) => (p as { n: number }).n * 2 });
    const definition = machine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: FUNCTION_ARN('double:live'), Payload: { 'n.$': '$.n' } },
        End: true,
      },
    });
    // Act
    const result = await h.run(definition, { n: 21 });
    // Assess
    expect(JSON.parse(result.output!)).toMatchObject({
      Payload: 42,
      StatusCode: 200,
      ExecutedVersion: '$LATEST',
    });
    expect(await h.eventTypes(result.executionArn!)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('gives a function a copy of its payload and keeps a copy of its result', async () => {
    // Prepare: the function changes its event, fails once, and changes its result after returning it
    const received: string[] = [];
    let kept: { items: string[] } | undefined;
    h = harness({
      change: (event: unknown) => {
        const payload = event as { items: string[] };
        received.push(JSON.stringify(payload));
        payload.items.push('changed by the function');
        if (received.length === 1) throw new Error('first attempt fails');
        kept = { items: ['returned'] };
        return kept;
      },
    });
    const definition = machine({
      T: {
        Type: 'Task',
        Resource: FUNCTION_ARN('change'),
        ResultPath: '$.result',
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 1 }],
        Next: 'After',
      },
      After: { Type: 'Wait', Seconds: 10, Next: 'Done' },
      Done: { Type: 'Succeed' },
    });
    // Act
    const executionArn = await h.start(definition, { items: ['a'] });
    await h.clock.advance(1_000);
    kept?.items.push('changed during the Wait');
    await h.clock.advance(10_000);
    const result = await h.sfn.awaitExecution(executionArn);
    // Assess
    expect(received).toEqual(['{"items":["a"]}', '{"items":["a"]}']);
    expect(JSON.parse(result.output!)).toEqual({ items: ['a'], result: { items: ['returned'] } });
  });

  it('waits for a task token: SendTaskSuccess, SendTaskFailure and heartbeat timeouts', async () => {
    // Prepare
    const tokens: string[] = [];
    h = harness({ ask: (_p, context) => void tokens.push(context.taskToken!) });
    const definition = machine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: 'ask', Payload: { 'token.$': '$$.Task.Token' } },
        HeartbeatSeconds: 60,
        End: true,
      },
    });
    const ok = await h.start(definition);
    const bad = await h.start(definition);
    const silent = await h.start(definition);
    await h.clock.advance(0);
    // Act
    await h.clock.advance(50_000);
    await h.sfn.sendTaskHeartbeat({ taskToken: tokens[0] });
    await h.sfn.sendTaskFailure({ taskToken: tokens[1], error: 'Rejected', cause: 'no' });
    await h.clock.advance(50_000);
    await h.sfn.sendTaskSuccess({ taskToken: tokens[0], output: '{"approved":true}' });
    await h.clock.advance(0);
    // Assess
    expect(await h.sfn.awaitExecution(ok)).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"approved":true}',
    });
    expect(await h.sfn.awaitExecution(bad)).toMatchObject({
      status: 'FAILED',
      error: 'Rejected',
      cause: 'no',
    });
    expect(await h.sfn.awaitExecution(silent)).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    await expect(h.sfn.sendTaskSuccess({ taskToken: tokens[0], output: '{}' })).rejects.toMatchObject({
      code: 'TaskTimedOut',
      message: "Task Timed Out: 'Provided task does not exist anymore'",
    });
  });

  it('moves the heartbeat deadline by a heartbeat sent while the task is still being invoked', async () => {
    // Prepare: the function hands out its token, then takes 8 s to return
    const tokens: string[] = [];
    h = harness({
      ask: async (_p, context) => {
        tokens.push(context.taskToken!);
        await sleep(h.clock, 8_000, new AbortController().signal);
      },
    });
    const executionArn = await h.start(
      machine({
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: 'ask' },
          HeartbeatSeconds: 10,
          End: true,
        },
      }),
    );
    await h.clock.advance(5_000);
    // Act: a heartbeat at 5 s, while the invocation runs, moves the deadline to 15 s
    await h.sfn.sendTaskHeartbeat({ taskToken: tokens[0] });
    await h.clock.advance(9_000);
    const at14s = (await h.sfn.describeExecution({ executionArn })).status;
    await h.sfn.sendTaskSuccess({ taskToken: tokens[0], output: '{"alive":true}' });
    await h.clock.advance(0);
    // Assess
    expect(at14s).toBe('RUNNING');
    expect(await h.sfn.awaitExecution(executionArn)).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"alive":true}',
    });
  });

  it('runs nested executions with startExecution.sync:2 and fails the task when the child fails', async () => {
    // Prepare
    h = harness();
    const { stateMachineArn: childArn } = await h.sfn.createStateMachine({
      name: 'child',
      definition: machine({
        C: {
          Type: 'Choice',
          Choices: [{ Variable: '$.ok', BooleanEquals: true, Next: 'Yes' }],
          Default: 'No',
        },
        Yes: { Type: 'Pass', Result: { fine: 1 }, End: true },
        No: { Type: 'Fail', Error: 'ChildFailed' },
      }),
      roleArn: 'arn:aws:iam::000000000000:role/test',
    });
    const parent = machine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution.sync:2',
        Parameters: { StateMachineArn: childArn, 'Input.$': '$' },
        OutputPath: '$.Output',
        End: true,
      },
    });
    // Act
    const [good, bad] = [await h.run(parent, { ok: true }), await h.run(parent, { ok: false })];
    // Assess
    expect(JSON.parse(good.output!)).toEqual({ fine: 1 });
    expect(bad).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
    expect(JSON.parse(bad.cause!)).toMatchObject({ Status: 'FAILED', Error: 'ChildFailed' });
  });

  it('stops the nested executions of a stopped execution, and only its own', async () => {
    // Prepare: two parents, each waiting for its child (a Wait of 100 s) with startExecution.sync:2
    h = harness();
    const { stateMachineArn: childArn } = await h.sfn.createStateMachine({
      name: 'waiting-child',
      definition: machine({ W: { Type: 'Wait', Seconds: 100, End: true } }),
      roleArn: 'arn:aws:iam::000000000000:role/test',
    });
    const parent = machine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution.sync:2',
        Parameters: { StateMachineArn: childArn, Input: { 'parent.$': '$$.Execution.Id' } },
        End: true,
      },
    });
    const [stopped, kept] = [await h.start(parent), await h.start(parent)];
    await h.clock.advance(0);
    const childOf = async (parentArn: string) => {
      const { executions } = await h.sfn.listExecutions({ stateMachineArn: childArn });
      const described = await Promise.all(
        executions!.map(({ executionArn }) => h.sfn.describeExecution({ executionArn: executionArn! })),
      );
      return described.find((child) => JSON.parse(child.input!).parent === parentArn)!;
    };
    // Act
    await h.sfn.stopExecution({ executionArn: stopped });
    await h.clock.advance(0);
    // Assess
    expect((await childOf(stopped)).status).toBe('ABORTED');
    expect((await childOf(kept)).status).toBe('RUNNING');
  });

  it('fails a task it does not serve (AWS SDK or other integration) before scheduling it, saying what it serves', async () => {
    // Prepare
    h = harness();
    const task = (Resource: string) => machine({ T: { Type: 'Task', Resource, End: true } });
    // Act
    const sdk = await h.run(task('arn:aws:states:::aws-sdk:s3:listBuckets'));
    const sqs = await h.run(task('arn:aws:states:::sqs:sendMessage'));
    // Assess
    expect(sdk).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause:
        "An error occurred while executing the state 'T' (entered at the event id #2). AWS SDK integrations are not served by the local runtime: 'arn:aws:states:::aws-sdk:s3:listBuckets' (supported: a Lambda function ARN, or arn:aws:states::: with lambda:invoke, sns:publish, events:putEvents, states:startExecution)",
    });
    expect(sqs).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause:
        "An error occurred while executing the state 'T' (entered at the event id #2). Unsupported service integration 'sqs:sendMessage' (supported: lambda:invoke, sns:publish, events:putEvents, states:startExecution)",
    });
    const unscheduled = ['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed'];
    for (const { executionArn } of [sdk, sqs]) {
      expect(await h.eventTypes(executionArn!)).toEqual(unscheduled);
    }
  });

  it('delivers sns:publish and events:putEvents to the local sinks', async () => {
    // Prepare
    h = harness();
    const definition = machine({
      N: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sns:publish',
        Parameters: { TopicArn: 'arn:aws:sns:us-east-1:000000000000:alerts', 'Message.$': '$.text' },
        ResultPath: null,
        Next: 'E',
      },
      E: {
        Type: 'Task',
        Resource: 'arn:aws:states:::events:putEvents',
        Parameters: { Entries: [{ Source: 'cutover', DetailType: 'Done', Detail: { 'id.$': '$.id' } }] },
        End: true,
      },
    });
    // Act
    const result = await h.run(definition, { text: 'hello', id: 7 });
    // Assess
    expect(JSON.parse(result.output!)).toMatchObject({ FailedEntryCount: 0 });
    expect(h.sfn.listSinkMessages('sns')).toMatchObject([
      { target: 'arn:aws:sns:us-east-1:000000000000:alerts', message: { Message: 'hello' } },
    ]);
    expect(h.sfn.listSinkMessages('events')).toMatchObject([
      { target: 'default', message: { source: 'cutover', 'detail-type': 'Done', detail: { id: 7 } } },
    ]);
  });

  it('delivers each events:putEvents entry as the event EventBridge sends (recorded test_put_events_base)', async () => {
    // Prepare
    h = harness();
    const definition = machine({
      PutEvents: {
        Type: 'Task',
        Resource: 'arn:aws:states:::events:putEvents',
        Parameters: { 'Entries.$': '$.Entries' },
        End: true,
      },
    });
    const entries = [
      { Detail: '{"Message": "HelloWorld0"}', DetailType: 'greeting', Source: 'some.source' },
      {
        Detail: { Message: 'HelloWorld1' },
        DetailType: 'greeting',
        Source: 'some.source',
        EventBusName: 'deploys',
      },
      {
        Detail: { Message: 'HelloWorld2' },
        DetailType: 'greeting',
        Source: 'some.source',
        Resources: ['queue-url'],
      },
    ];
    const done = await h.run(definition, { Entries: entries });
    // Act
    const delivered = h.sfn.listSinkMessages('events');
    // Assess
    const { Entries } = JSON.parse(done.output!) as { Entries: { EventId: string }[] };
    const origin = [done.stateMachineArn, done.executionArn];
    expect(delivered.map(({ target, message }) => ({ target, message }))).toEqual(
      [
        ['default', 'HelloWorld0', origin],
        ['deploys', 'HelloWorld1', origin],
        ['default', 'HelloWorld2', ['queue-url', ...origin]],
      ].map(([target, message, resources], index) => ({
        target,
        message: {
          version: '0',
          id: Entries[index]?.EventId,
          'detail-type': 'greeting',
          source: 'some.source',
          account: '000000000000',
          time: new Date(h.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region: 'us-east-1',
          resources,
          detail: { Message: message },
        },
      })),
    );
  });
});

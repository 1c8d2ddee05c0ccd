import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Engine } from '#local/asl/engine.ts';
import type { ObjectStorage } from '#local/asl/object-storage.ts';
import { RealClock, VirtualClock } from '#local/clock.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import { s3ObjectStorage } from '#local/s3-object-storage.ts';
import { LocalStepFunctions } from '#local/service.ts';
import { ACTIVITY_SUCCEEDED_HISTORY } from '#test/statemachines/conformance/activities.cases.ts';
import { startTestS3 } from '#test/support/s3.ts';
import { FUNCTION_ARN, fullHistory, type Harness, harness, machine, ROLE_ARN } from './harness.ts';
import { runFixture } from './killed-runs.ts';

const ACTIVITY_ARN = 'arn:aws:states:us-east-1:000000000000:activity:approve';
/** A Distributed Map's item processor: waits `$.wait` seconds, then fails (`ItemFailed`) if `$.fail`, else passes. */
const WAIT_THEN_FAIL_OR_PASS = {
  ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
  StartAt: 'W',
  States: {
    W: { Type: 'Wait', SecondsPath: '$.wait', Next: 'Route' },
    Route: {
      Type: 'Choice',
      Choices: [{ Variable: '$.fail', BooleanEquals: true, Next: 'F' }],
      Default: 'P',
    },
    F: { Type: 'Fail', Error: 'ItemFailed' },
    P: { Type: 'Pass', End: true },
  },
};

let dir: string;
const open: Harness[] = [];

function reopen(
  handlers: Parameters<typeof harness>[0],
  clock: VirtualClock,
  objectStorage?: ObjectStorage,
): Harness {
  const h = harness(handlers, dir, clock, objectStorage);
  open.push(h);
  return h;
}

/** Opens the data directory of `first` (closed) again, with no handlers, at its clock's time, and resumes its executions. */
function restartAfter(first: Harness): Harness {
  const second = reopen({}, new VirtualClock(first.clock.now()));
  second.sfn.start();
  return second;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cutover-durability-'));
});
afterEach(async () => {
  for (const h of open.splice(0)) await h.sfn.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs `fixtures/<fixture>` on the data dir in a child process until it prints the ARN of the execution
 * it parked, then kills it with SIGKILL; returns that ARN and when the kill happened.
 */
async function parkThenKill(fixture: string): Promise<{ arn: string; killedAt: number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fixtures', fixture), dir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const arn = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('exit', (code) => reject(new Error(`fixture exited early with ${code}`)));
  });
  const killedAt = Date.now();
  await new Promise((resolve) => {
    child.on('exit', resolve);
    child.kill('SIGKILL');
  });
  return { arn, killedAt };
}

/** A function `ask` that keeps the task token of its last invocation in `asked.token`. */
function tokenAsker() {
  const asked = { token: '' };
  const handlers = {
    ask: (_payload: unknown, context: { taskToken?: string }) => {
      asked.token = context.taskToken!;
    },
  };
  return { asked, handlers };
}

/** A state machine of one Task that invokes `ask` and waits for its token, with the Task's `fields`. */
function waitingForAsk(fields: Record<string, unknown> = {}): string {
  return machine({
    T: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: 'ask' },
      ...fields,
      End: true,
    },
  });
}

async function terminalCounts(h: Harness, executionArn: string) {
  const types = await h.eventTypes(executionArn);
  const terminal = ['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut'];
  return {
    started: types.filter((t) => t === 'ExecutionStarted').length,
    terminal: types.filter((t) => terminal.includes(t)).length,
  };
}

describe('Engine durability (SQLite file)', () => {
  it('resumes a Wait after close with its remaining time and finishes exactly once', async () => {
    // Prepare
    const first = reopen({}, new VirtualClock(Date.UTC(2026, 0, 1)));
    const arn = await first.start(
      machine({
        W: { Type: 'Wait', Seconds: 100, Next: 'P' },
        P: { Type: 'Pass', Result: 'done', End: true },
      }),
    );
    await first.clock.advance(40_000);
    await first.sfn.close();
    // Act
    const second = reopen({}, new VirtualClock(first.clock.now() + 10_000));
    const resumed = second.sfn.start();
    await second.clock.advance(49_999);
    const stillWaiting = (await second.sfn.describeExecution({ executionArn: arn })).status;
    await second.clock.advance(1);
    // Assess
    expect(resumed).toEqual([arn]);
    expect(stillWaiting).toBe('RUNNING');
    const result = await second.sfn.awaitExecution(arn);
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: '"done"' });
    expect(result.stopDate!.getTime() - result.startDate!.getTime()).toBe(100_000);
    expect(await terminalCounts(second, arn)).toEqual({ started: 1, terminal: 1 });
  });

  describe('waits, retry intervals and task timeouts that ran out while the runtime was down', () => {
    /**
     * Five branches listed latest instant first: a Wait of 30 s, a Lambda task timing out after 25 s, a retry
     * interval of 20 s, a task token timing out after 15 s and a Wait of 10 s, each invoking `log` with its
     * label as it ends, so `logged` is the order they ended in.
     */
    function endsInOrder() {
      const logged: string[] = [];
      let attempts = 0;
      const handlers = {
        log: (label: unknown) => {
          logged.push(String(label));
        },
        flaky: () => {
          attempts += 1;
          if (attempts === 1) throw Object.assign(new Error('not yet'), { name: 'Busy' });
          logged.push('retry 20');
        },
        hang: () => new Promise<never>(() => undefined),
        ask: () => undefined,
      };
      // State names are unique across a state machine: each branch's are its label's.
      const branch = (first: Record<string, unknown>, label: string) => ({
        StartAt: label,
        States: {
          [label]: { ...first, Next: `log ${label}` },
          [`log ${label}`]: { Type: 'Task', Resource: FUNCTION_ARN('log'), Parameters: label, End: true },
        },
      });
      const timingOut = (label: string, fields: Record<string, unknown>) => ({
        Type: 'Task',
        ...fields,
        Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: null, Next: `log ${label}` }],
      });
      const definition = machine({
        Branches: {
          Type: 'Parallel',
          Branches: [
            branch({ Type: 'Wait', Seconds: 30 }, 'wait 30'),
            branch(
              timingOut('timeout 25', { Resource: FUNCTION_ARN('hang'), TimeoutSeconds: 25 }),
              'timeout 25',
            ),
            {
              StartAt: 'Flaky',
              States: {
                Flaky: {
                  Type: 'Task',
                  Resource: FUNCTION_ARN('flaky'),
                  Retry: [{ ErrorEquals: ['Busy'], IntervalSeconds: 20, MaxAttempts: 1 }],
                  End: true,
                },
              },
            },
            branch(
              timingOut('timeout 15', {
                Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
                Parameters: { FunctionName: 'ask', Payload: { 'token.$': '$$.Task.Token' } },
                TimeoutSeconds: 15,
              }),
              'timeout 15',
            ),
            branch({ Type: 'Wait', Seconds: 10 }, 'wait 10'),
          ],
          End: true,
        },
      });
      /** Whether every branch waits: the retry interval and the task token's submission are committed. */
      const waiting = (types: string[]) =>
        types.includes('LambdaFunctionFailed') &&
        types.includes('TaskSubmitted') &&
        types.filter((type) => type === 'LambdaFunctionStarted').length === 2 &&
        types.filter((type) => type === 'WaitStateEntered').length === 2;
      const inOrder = ['wait 10', 'timeout 15', 'retry 20', 'timeout 25', 'wait 30'];
      return { logged, handlers, definition, waiting, inOrder };
    }

    it('end in the order of their instants, as without the restart (virtual clock)', async () => {
      // Prepare: all five waiting, then the runtime closed for 40 s
      const { logged, handlers, definition, waiting, inOrder } = endsInOrder();
      const first = reopen(handlers, new VirtualClock(Date.UTC(2026, 0, 1)));
      const arn = await first.start(definition);
      await first.clock.advance(1_000);
      const ready = waiting(await first.eventTypes(arn));
      await first.sfn.close();
      // Act
      const second = reopen(handlers, new VirtualClock(first.clock.now() + 40_000));
      second.sfn.start();
      await second.clock.advance(0);
      // Assess
      expect(ready).toBe(true);
      expect(await second.sfn.awaitExecution(arn)).toMatchObject({ status: 'SUCCEEDED' });
      expect(logged).toEqual(inOrder);
    });

    it('end in the order of their instants, as without the restart (real clock)', async () => {
      // Prepare: at a hundredth of real time, 10 s is 100 ms; the runtime closed for 400 ms once all five wait
      const { logged, handlers, definition, waiting, inOrder } = endsInOrder();
      const clock = new RealClock(0.01);
      const first = new LocalStepFunctions({ dataDir: dir, clock, lambdas: new MapLambdaRegistry(handlers) });
      const { stateMachineArn } = await first.createStateMachine({
        name: 'ends',
        definition,
        roleArn: ROLE_ARN,
      });
      const { executionArn } = await first.startExecution({ stateMachineArn });
      const types = async () => (await fullHistory(first, executionArn!)).map((event) => String(event.type));
      await vi.waitFor(async () => expect(waiting(await types())).toBe(true));
      await first.close();
      await new Promise((resolve) => setTimeout(resolve, 400));
      // Act
      const second = new LocalStepFunctions({
        dataDir: dir,
        clock,
        lambdas: new MapLambdaRegistry(handlers),
      });
      second.start();
      const result = await second.awaitExecution(executionArn!);
      await second.close();
      // Assess
      expect(result).toMatchObject({ status: 'SUCCEEDED' });
      expect(logged).toEqual(inOrder);
    });
  });

  it('keeps versions and aliases across a restart, and resumes an execution started with an alias on its version', async () => {
    // Prepare: version 1 waits, then answers v1; the current revision answers v2 at once
    const first = reopen({}, new VirtualClock(Date.UTC(2026, 0, 1)));
    const waitsThenAnswers = machine({
      W: { Type: 'Wait', Seconds: 60, Next: 'P' },
      P: { Type: 'Pass', Result: 'v1', End: true },
    });
    const { stateMachineArn, stateMachineVersionArn } = await first.sfn.createStateMachine({
      name: 'aliased',
      definition: waitsThenAnswers,
      roleArn: ROLE_ARN,
      publish: true,
    });
    await first.sfn.updateStateMachine({
      stateMachineArn,
      definition: machine({ P: { Type: 'Pass', Result: 'v2', End: true } }),
    });
    const { stateMachineAliasArn } = await first.sfn.createStateMachineAlias({
      name: 'prod',
      routingConfiguration: [{ stateMachineVersionArn, weight: 100 }],
    });
    const { executionArn } = await first.sfn.startExecution({ stateMachineArn: stateMachineAliasArn });
    await first.clock.advance(30_000);
    await first.sfn.close();
    // Act
    const second = restartAfter(first);
    await second.clock.advance(30_000);
    const resumed = await second.sfn.awaitExecution(executionArn!);
    const alias = await second.sfn.describeStateMachineAlias({ stateMachineAliasArn });
    const again = await second.sfn.startExecution({ stateMachineArn: stateMachineAliasArn });
    await second.clock.advance(60_000);
    // Assess
    expect(resumed).toMatchObject({
      status: 'SUCCEEDED',
      output: '"v1"',
      stateMachineVersionArn,
      stateMachineAliasArn,
    });
    expect(alias.routingConfiguration).toEqual([{ stateMachineVersionArn, weight: 100 }]);
    expect(await second.sfn.awaitExecution(again.executionArn!)).toMatchObject({ output: '"v1"' });
  });

  it('reads a history stored in 64 or 128 commits whole, each event once, forward and backward', async () => {
    // Prepare: a Wait loop, each wake its own commit (one chunk of the history): around 64 and 128 waits,
    // one of the loops ends exactly on a read's 64 chunks
    const h = reopen({}, new VirtualClock(Date.UTC(2026, 0, 1)));
    const loop = machine({
      Init: { Type: 'Pass', Parameters: { n: 0, 'max.$': '$.max' }, Next: 'W' },
      W: { Type: 'Wait', Seconds: 1, Next: 'Inc' },
      Inc: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)', 'max.$': '$.max' }, Next: 'Chk' },
      Chk: {
        Type: 'Choice',
        Choices: [{ Variable: '$.n', NumericLessThanPath: '$.max', Next: 'W' }],
        Default: 'Done',
      },
      Done: { Type: 'Succeed' },
    });
    const around = (count: number) => Array.from({ length: 7 }, (_, index) => count - 3 + index);
    for (const max of [...around(64), ...around(128)]) {
      const arn = await h.start(loop, { max });
      while ((await h.sfn.describeExecution({ executionArn: arn })).status === 'RUNNING') {
        await h.clock.advance(1000);
      }
      // Act
      const forward = await h.sfn.getExecutionHistory({ executionArn: arn, maxResults: 1000 });
      const backward = await h.sfn.getExecutionHistory({
        executionArn: arn,
        maxResults: 1000,
        reverseOrder: true,
      });
      // Assess
      const ids = forward.events!.map((event) => event.id);
      expect(ids, `max ${max}`).toEqual(Array.from({ length: 6 * max + 6 }, (_, index) => index + 1));
      expect(backward.events!.map((event) => event.id)).toEqual([...ids].reverse());
      expect(forward.events!.filter((event) => event.type === 'ExecutionSucceeded')).toHaveLength(1);
    }
  });

  it('times out an execution whose TimeoutSeconds ran out while the runtime was down, though its Wait ended too', async () => {
    // Prepare: a 3 s budget, a 4 s Wait, then states that would end it at once
    const first = reopen({}, new VirtualClock(Date.UTC(2026, 0, 1)));
    const arn = await first.start(
      machine(
        {
          W: { Type: 'Wait', Seconds: 4, Next: 'P' },
          P: { Type: 'Pass', Result: 'done', End: true },
        },
        { TimeoutSeconds: 3 },
      ),
    );
    await first.clock.advance(1_000);
    await first.sfn.close();
    // Act: back 10 s later, past both
    const second = reopen({}, new VirtualClock(first.clock.now() + 10_000));
    second.sfn.start();
    await second.clock.advance(0);
    // Assess
    expect(await second.sfn.awaitExecution(arn)).toMatchObject({ status: 'TIMED_OUT' });
    expect(await second.eventTypes(arn)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'ExecutionTimedOut',
    ]);
  });

  it('does not rerun finished Map iterations after a restart', async () => {
    // Prepare
    const calls: number[] = [];
    const handlers = { work: (p: unknown) => void calls.push((p as { id: number }).id) };
    const first = reopen(handlers, new VirtualClock());
    const processor = {
      StartAt: 'T',
      States: {
        T: { Type: 'Task', Resource: FUNCTION_ARN('work'), ResultPath: null, Next: 'W' },
        W: { Type: 'Wait', SecondsPath: '$.wait', End: true },
      },
    };
    const arn = await first.start(machine({ M: { Type: 'Map', ItemProcessor: processor, End: true } }), [
      { id: 0, wait: 0 },
      { id: 1, wait: 0 },
      { id: 2, wait: 100 },
    ]);
    await first.clock.advance(10_000);
    await first.sfn.close();
    // Act
    const second = reopen(handlers, new VirtualClock(first.clock.now()));
    second.sfn.start();
    await second.clock.advance(90_000);
    // Assess
    const result = await second.sfn.awaitExecution(arn);
    expect(JSON.parse(result.output!)).toEqual([
      { id: 0, wait: 0 },
      { id: 1, wait: 0 },
      { id: 2, wait: 100 },
    ]);
    expect(calls).toEqual([0, 1, 2]);
    expect((await second.eventTypes(arn)).filter((t) => t === 'MapIterationStarted')).toHaveLength(3);
  });

  it('links the events of Map iterations resumed after a restart to their own iteration', async () => {
    // Prepare: two iterations parked in Waits of different lengths when the runtime stops
    const first = reopen({}, new VirtualClock());
    const processor = {
      StartAt: 'W',
      States: { W: { Type: 'Wait', SecondsPath: '$.wait', Next: 'P' }, P: { Type: 'Pass', End: true } },
    };
    const arn = await first.start(machine({ M: { Type: 'Map', ItemProcessor: processor, End: true } }), [
      { wait: 100 },
      { wait: 50 },
    ]);
    await first.clock.advance(10_000);
    await first.sfn.close();
    // Act
    const second = restartAfter(first);
    await second.clock.advance(90_000);
    await second.sfn.awaitExecution(arn);
    // Assess: each WaitStateExited follows its own iteration's WaitStateEntered
    const events = await second.history(arn);
    const typeOf = (id: number | undefined) => events.find((event) => event.id === id)?.type;
    const exits = events.filter((event) => event.type === 'WaitStateExited');
    expect(exits.map((exit) => typeOf(exit.previousEventId))).toEqual([
      'WaitStateEntered',
      'WaitStateEntered',
    ]);
    const entered = events.filter((event) => event.type === 'WaitStateEntered').map((event) => event.id);
    expect(exits.map((exit) => exit.previousEventId).sort()).toEqual(entered.sort());
  });

  it('links a Map retried after a restart as without one: each attempt from the last failed state', async () => {
    // Prepare: a Map whose two iterations fail, retried after 2 s; the runtime stops during the interval
    const definition = machine({
      M: {
        Type: 'Map',
        ItemProcessor: { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'E' } } },
        Retry: [{ ErrorEquals: ['E'], MaxAttempts: 1, IntervalSeconds: 2 }],
        End: true,
      },
    });
    const uninterrupted = harness();
    open.push(uninterrupted);
    const expected = await uninterrupted.run(definition, [1, 2]);
    const first = reopen({}, new VirtualClock());
    const arn = await first.start(definition, [1, 2]);
    await first.clock.advance(1_000);
    await first.sfn.close();
    // Act
    const second = restartAfter(first);
    await second.clock.runAll();
    await second.sfn.awaitExecution(arn);
    // Assess
    const links = async (h: Harness, executionArn: string) =>
      (await h.history(executionArn)).map((event) => `${event.type}<${event.previousEventId}`);
    expect(await links(second, arn)).toEqual(await links(uninterrupted, expected.executionArn!));
  });

  it('links a Parallel retried after a restart as without one: each attempt from its failed task, past its TaskStateAborted', async () => {
    // Prepare: a Parallel whose one branch's task fails, retried after 2 s; the runtime stops during the interval
    const handlers = {
      boom: () => {
        throw Object.assign(new Error('no luck'), { name: 'Boom' });
      },
    };
    const definition = machine({
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'T', States: { T: { Type: 'Task', Resource: FUNCTION_ARN('boom'), End: true } } },
        ],
        Retry: [{ ErrorEquals: ['Boom'], MaxAttempts: 1, IntervalSeconds: 2 }],
        End: true,
      },
    });
    const uninterrupted = harness(handlers);
    open.push(uninterrupted);
    const expected = await uninterrupted.run(definition, {});
    const first = reopen(handlers, new VirtualClock());
    const arn = await first.start(definition, {});
    await first.clock.advance(1_000);
    await first.sfn.close();
    // Act
    const second = reopen(handlers, new VirtualClock(first.clock.now()));
    second.sfn.start();
    await second.clock.runAll();
    await second.sfn.awaitExecution(arn);
    // Assess
    const links = async (h: Harness, executionArn: string) =>
      (await h.history(executionArn)).map((event) => `${event.type}<${event.previousEventId}`);
    const restarted = await links(second, arn);
    expect(restarted).toEqual(await links(uninterrupted, expected.executionArn!));
    expect(restarted.filter((link) => link.startsWith('TaskStateAborted'))).toHaveLength(2);
  });

  it('links a Distributed Map that ends after a restart as without one: its Exited at MapRunStarted', async () => {
    // Prepare: a child waits 100 s; the runtime stops while it waits
    const definition = machine({ M: { Type: 'Map', ItemProcessor: WAIT_THEN_FAIL_OR_PASS, End: true } });
    const input = [{ wait: 100, fail: false }];
    const uninterrupted = harness();
    open.push(uninterrupted);
    const expected = await uninterrupted.run(definition, input);
    const first = reopen({}, new VirtualClock());
    const arn = await first.start(definition, input);
    await first.clock.advance(10_000);
    await first.sfn.close();
    // Act
    const second = restartAfter(first);
    await second.clock.advance(200_000);
    await second.sfn.awaitExecution(arn);
    // Assess
    const links = async (h: Harness, executionArn: string) =>
      (await h.history(executionArn)).map((event) => `${event.type}<${event.previousEventId}`);
    const restarted = await links(second, arn);
    expect(restarted).toEqual(await links(uninterrupted, expected.executionArn!));
    expect(restarted).toContain('MapStateExited<4');
  });

  it("counts a Distributed Map's failures tolerated before a restart against its threshold", async () => {
    // Prepare
    const first = reopen({}, new VirtualClock());
    const processor = {
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
      StartAt: 'W',
      States: {
        W: { Type: 'Wait', SecondsPath: '$.wait', Next: 'F' },
        F: { Type: 'Fail', Error: 'ItemFailed' },
      },
    };
    const map = { Type: 'Map', ItemProcessor: processor, ToleratedFailureCount: 1, End: true };
    const arn = await first.start(machine({ M: map }), [{ wait: 0 }, { wait: 100 }]);
    await first.clock.advance(10_000);
    await first.sfn.close();
    // Act
    const second = restartAfter(first);
    await second.clock.advance(90_000);
    // Assess
    const result = await second.sfn.awaitExecution(arn);
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
    expect(result.cause).toBe('The specified tolerated failure threshold was exceeded');
    const types = await second.eventTypes(arn);
    expect(types.filter((type) => type.startsWith('MapRun'))).toEqual(['MapRunStarted', 'MapRunFailed']);
  });

  it('keeps the thresholds UpdateMapRun set across a restart', async () => {
    // Prepare: one child at a time; the first waits, the second fails; no failure tolerated at first
    const first = reopen({}, new VirtualClock());
    const map = { Type: 'Map', MaxConcurrency: 1, ItemProcessor: WAIT_THEN_FAIL_OR_PASS, End: true };
    const arn = await first.start(machine({ M: map }), [
      { wait: 100, fail: false },
      { wait: 0, fail: true },
    ]);
    await first.clock.advance(10_000);
    const { mapRuns } = await first.sfn.listMapRuns({ executionArn: arn });
    await first.sfn.updateMapRun({ mapRunArn: mapRuns![0]!.mapRunArn, toleratedFailureCount: 1 });
    await first.sfn.close();
    // Act
    const second = restartAfter(first);
    await second.clock.advance(200_000);
    // Assess
    const result = await second.sfn.awaitExecution(arn);
    expect(result.status, result.cause ?? '').toBe('SUCCEEDED');
    const [, failed] = JSON.parse(result.output!) as [unknown, { Status: string; Error: string }];
    expect(failed).toMatchObject({ Status: 'FAILED', Error: 'ItemFailed' });
  });

  it('redrives after a restart the children a redriven Map Run had not redriven yet', async () => {
    // Prepare: one child at a time, each a task then a 100 s Wait; both tasks fail, one failure tolerated
    let broken = true;
    const handlers = {
      deploy: (payload: unknown) => {
        if (broken) throw new Error(`refused ${JSON.stringify(payload)}`);
        return payload;
      },
    };
    const first = reopen(handlers, new VirtualClock());
    const processor = {
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
      StartAt: 'Deploy',
      States: {
        Deploy: { Type: 'Task', Resource: FUNCTION_ARN('deploy'), Next: 'Hold' },
        Hold: { Type: 'Wait', Seconds: 100, End: true },
      },
    };
    const map = {
      Type: 'Map',
      MaxConcurrency: 1,
      ToleratedFailureCount: 1,
      ItemProcessor: processor,
      End: true,
    };
    const arn = await first.start(machine({ M: map }), [1, 2]);
    await first.clock.advance(1_000);
    expect((await first.sfn.awaitExecution(arn)).status).toBe('FAILED');
    broken = false;
    await first.sfn.redriveExecution({ executionArn: arn });
    await first.clock.advance(50_000); // the first child, redriven, holds
    await first.sfn.close();
    // Act
    const second = reopen(handlers, new VirtualClock(first.clock.now()));
    second.sfn.start();
    await second.clock.advance(300_000);
    // Assess
    const result = await second.sfn.awaitExecution(arn);
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: '[1,2]' });
    const { mapRuns } = await second.sfn.listMapRuns({ executionArn: arn });
    const { executions } = await second.sfn.listExecutions({ mapRunArn: mapRuns![0]!.mapRunArn });
    expect(executions?.map((child) => `${child.status} ${child.redriveCount}`)).toEqual([
      'SUCCEEDED 1',
      'SUCCEEDED 1',
    ]);
  });

  it('redrives a child once in a Map Run redrive that reached it, also when a restart follows, though an earlier redrive skipped it', async () => {
    // Prepare: each child waits, then checks its item; items in `failing` fail
    const failing = new Set(['a', 'b']);
    const calls: string[] = [];
    const handlers = {
      check: (payload: unknown) => {
        const { name } = payload as { name: string };
        calls.push(name);
        if (failing.has(name)) throw new Error(`${name} refused`);
        return name;
      },
    };
    const first = reopen(handlers, new VirtualClock());
    const processor = {
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
      StartAt: 'W',
      States: {
        W: { Type: 'Wait', SecondsPath: '$.wait', Next: 'Check' },
        Check: { Type: 'Task', Resource: FUNCTION_ARN('check'), End: true },
      },
    };
    const map = {
      Type: 'Map',
      MaxConcurrency: 3,
      ToleratedFailureCount: 1,
      ItemProcessor: processor,
      End: true,
    };
    const items = [
      { name: 'a', wait: 10 },
      { name: 'b', wait: 20 },
      { name: 'c', wait: 1_000 },
      { name: 'd', wait: 500 },
    ];
    const arn = await first.start(machine({ M: map }), items);
    await first.clock.advance(1_000);
    const { mapRuns } = await first.sfn.listMapRuns({ executionArn: arn });
    const mapRunArn = mapRuns![0]!.mapRunArn!;
    // Round 0: a, b and c run; one at a time from now; a and b fail, c is aborted, d never starts
    await first.sfn.updateMapRun({ mapRunArn, maxConcurrency: 1 });
    for (let step = 0; step < 5; step++) await first.clock.advance(10_000);
    expect((await first.sfn.awaitExecution(arn)).status).toBe('FAILED');
    // Round 1: a and b fail again before the Map Run reaches c
    await first.sfn.redriveExecution({ executionArn: arn });
    for (let step = 0; step < 5; step++) await first.clock.advance(10_000);
    expect((await first.sfn.awaitExecution(arn)).status).toBe('FAILED');
    // Round 2: a and b succeed, c fails (tolerated), d waits when the runtime stops
    failing.clear();
    failing.add('c');
    await first.sfn.redriveExecution({ executionArn: arn });
    const childStatuses = async () =>
      ((await first.sfn.listExecutions({ mapRunArn })).executions ?? []).map((child) => child.status).join();
    for (
      let step = 0;
      step < 200 && (await childStatuses()) !== 'RUNNING,FAILED,SUCCEEDED,SUCCEEDED';
      step++
    ) {
      await first.clock.advance(10_000);
    }
    await first.sfn.close();
    // Act
    const second = reopen(handlers, new VirtualClock(first.clock.now()));
    second.sfn.start();
    for (let step = 0; step < 10; step++) await second.clock.advance(100_000);
    // Assess
    const result = await second.sfn.awaitExecution(arn);
    expect(result.status, result.cause ?? '').toBe('SUCCEEDED');
    expect(calls.filter((name) => name === 'c')).toEqual(['c']);
    const { executions } = await second.sfn.listExecutions({ mapRunArn });
    const c = await second.sfn.describeExecution({ executionArn: executions![1]!.executionArn });
    expect(c).toMatchObject({ status: 'FAILED', redriveCount: 1 });
  });

  it('aborts at start the children a failed Map Run left running, as a crash between its failure and their aborts would', async () => {
    // Prepare: two at once; the second fails, no failure tolerated; the first child's abort is lost
    const stop = vi.spyOn(Engine.prototype, 'stop').mockImplementation(() => undefined);
    const first = reopen({}, new VirtualClock());
    const map = { Type: 'Map', MaxConcurrency: 2, ItemProcessor: WAIT_THEN_FAIL_OR_PASS, End: true };
    const arn = await first.start(machine({ M: map }), [
      { wait: 1_000, fail: false },
      { wait: 0, fail: true },
    ]);
    await first.clock.advance(10_000);
    expect((await first.sfn.awaitExecution(arn)).status).toBe('FAILED');
    const { mapRuns } = await first.sfn.listMapRuns({ executionArn: arn });
    const mapRunArn = mapRuns![0]!.mapRunArn!;
    const before = await first.sfn.listExecutions({ mapRunArn, statusFilter: 'RUNNING' });
    await first.sfn.close();
    stop.mockRestore();
    // Act
    const second = restartAfter(first);
    await second.clock.advance(0);
    // Assess
    expect(before.executions).toHaveLength(1);
    const { executions } = await second.sfn.listExecutions({ mapRunArn });
    expect(executions?.map((child) => child.status).sort()).toEqual(['ABORTED', 'FAILED']);
  });

  it('stops, when a resumed Map Run fails, its children running beyond a lowered maxConcurrency', async () => {
    // Prepare: three children run; one at a time from now; the runtime stops
    const first = reopen({}, new VirtualClock());
    const map = { Type: 'Map', MaxConcurrency: 3, ItemProcessor: WAIT_THEN_FAIL_OR_PASS, End: true };
    const arn = await first.start(machine({ M: map }), [
      { wait: 100, fail: true },
      { wait: 1_000, fail: false },
      { wait: 1_000, fail: false },
    ]);
    await first.clock.advance(10_000);
    const { mapRuns } = await first.sfn.listMapRuns({ executionArn: arn });
    const mapRunArn = mapRuns![0]!.mapRunArn!;
    await first.sfn.updateMapRun({ mapRunArn, maxConcurrency: 1 });
    await first.sfn.close();
    // Act: the first child fails after the restart
    const second = restartAfter(first);
    await second.clock.advance(200_000);
    // Assess
    expect((await second.sfn.awaitExecution(arn)).status).toBe('FAILED');
    const { executions } = await second.sfn.listExecutions({ mapRunArn });
    expect(executions?.map((child) => child.status)).toEqual(['ABORTED', 'ABORTED', 'FAILED']);
  });

  it('aborts the running children of a Map Run whose execution timed out while the runtime was down', async () => {
    // Prepare: the execution may run 30 s; its child waits 1,000 s
    const first = reopen({}, new VirtualClock());
    const processor = {
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
      StartAt: 'W',
      States: { W: { Type: 'Wait', Seconds: 1_000, End: true } },
    };
    const map = { Type: 'Map', ItemProcessor: processor, End: true };
    const arn = await first.start(machine({ M: map }, { TimeoutSeconds: 30 }), [1]);
    await first.clock.advance(10_000);
    const { mapRuns } = await first.sfn.listMapRuns({ executionArn: arn });
    const mapRunArn = mapRuns![0]!.mapRunArn!;
    await first.sfn.close();
    // Act
    const second = reopen({}, new VirtualClock(first.clock.now() + 60_000));
    second.sfn.start();
    await second.clock.advance(0);
    // Assess
    expect((await second.sfn.describeExecution({ executionArn: arn })).status).toBe('TIMED_OUT');
    const { executions } = await second.sfn.listExecutions({ mapRunArn });
    expect(executions?.map((child) => child.status)).toEqual(['ABORTED']);
    const described = await second.sfn.describeMapRun({ mapRunArn });
    expect(described).toMatchObject({ status: 'ABORTED', executionCounts: { running: 0, aborted: 1 } });
  });

  it('gives every batch of a Distributed Map the BatchInput it evaluated once, also the batches started after a restart', async () => {
    // Prepare: one batch at a time, each held 100 s; the runtime closes while the first is held
    const first = reopen({}, new VirtualClock());
    const processor = {
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
      StartAt: 'Hold',
      States: {
        Hold: { Type: 'Wait', Seconds: 100, Next: 'Report' },
        Report: { Type: 'Pass', Output: '{% $states.input.BatchInput.run %}', End: true },
      },
    };
    const map = {
      Type: 'Map',
      MaxConcurrency: 1,
      ItemBatcher: { MaxItemsPerBatch: 1, BatchInput: { run: '{% $uuid() %}' } },
      ItemProcessor: processor,
      End: true,
    };
    const arn = await first.start(
      JSON.stringify({ QueryLanguage: 'JSONata', StartAt: 'M', States: { M: map } }),
      [1, 2],
    );
    await first.clock.advance(50_000);
    await first.sfn.close();
    // Act
    const second = restartAfter(first);
    await second.clock.advance(200_000);
    // Assess
    const result = await second.sfn.awaitExecution(arn);
    expect(result.status, result.cause ?? '').toBe('SUCCEEDED');
    const [before, after] = JSON.parse(result.output!) as string[];
    expect(before).toMatch(/^[0-9a-f-]{36}$/);
    expect(after).toBe(before);
  });

  it('runs a resumed Distributed Map over the items its ItemReader read before the restart, not read again', async () => {
    // Prepare: one item at a time, each held 100 s; the object changes while the runtime is down
    const s3 = await startTestS3('items');
    try {
      const storage = s3ObjectStorage(async () => s3.client);
      const put = (items: unknown[]) =>
        s3.client.send(
          new PutObjectCommand({ Bucket: 'items', Key: 'items.json', Body: JSON.stringify(items) }),
        );
      await put([1, 2]);
      const first = harness({}, dir, new VirtualClock(), storage);
      const map = {
        Type: 'Map',
        MaxConcurrency: 1,
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { Bucket: 'items', Key: 'items.json' },
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Hold',
          States: { Hold: { Type: 'Wait', Seconds: 100, End: true } },
        },
        End: true,
      };
      const arn = await first.start(machine({ M: map }));
      // The read is real I/O: the first item's child execution starts once it is done.
      await vi.waitFor(async () => {
        const history = await first.sfn.getExecutionHistory({ executionArn: arn });
        const started = history.events!.find((event) => event.type === 'MapRunStarted');
        const mapRunArn = started?.mapRunStartedEventDetails?.mapRunArn;
        expect(mapRunArn).toBeDefined();
        const { executions } = await first.sfn.listExecutions({ mapRunArn });
        expect(executions).toHaveLength(1);
      });
      await first.clock.advance(50_000);
      await first.sfn.close();
      await put([7, 8, 9]);
      // Act
      const second = reopen({}, new VirtualClock(first.clock.now()), storage);
      second.sfn.start();
      // Were the items read again, the Waits would start after that read: advance past any of them.
      for (let step = 0; step < 5; step++) {
        await second.clock.advance(100_000);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Assess
      const result = await second.sfn.awaitExecution(arn);
      expect(result.status, result.cause ?? '').toBe('SUCCEEDED');
      expect(JSON.parse(result.output!)).toEqual([1, 2]);
    } finally {
      await s3.stop();
    }
  });

  it("resumes a Map started before the runtime kept a Map's settings in its cursor", async () => {
    // Prepare: a Map waiting in its first of two iterations, its cursor stored as an earlier version wrote it
    const first = reopen({}, new VirtualClock());
    const processor = { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 100, End: true } } };
    const map = { Type: 'Map', MaxConcurrency: 1, ItemProcessor: processor, End: true };
    const arn = await first.start(machine({ M: map }), [1, 2]);
    await first.clock.advance(50_000);
    await first.sfn.close();
    const db = new Database(join(dir, 'cutover.db'));
    const { changes } = db
      .prepare(`UPDATE frames SET cursor = json_remove(cursor, '$.map') WHERE cursor LIKE '%"map"%'`)
      .run();
    db.close();
    // Act
    const second = restartAfter(first);
    await second.clock.advance(200_000);
    // Assess
    expect(changes).toBe(1);
    const result = await second.sfn.awaitExecution(arn);
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: '[1,2]' });
  });

  it('invokes a task that was in flight at the restart again (at-least-once)', async () => {
    // Prepare
    const first = reopen({ slow: () => new Promise(() => undefined) }, new VirtualClock());
    const arn = await first.start(
      machine({ T: { Type: 'Task', Resource: FUNCTION_ARN('slow'), End: true } }),
      { n: 1 },
    );
    await first.clock.advance(0);
    await first.sfn.close();
    // Act
    const second = reopen(
      { slow: (p: unknown) => ({ got: (p as { n: number }).n }) },
      new VirtualClock(first.clock.now()),
    );
    second.sfn.start();
    const result = await second.sfn.awaitExecution(arn);
    // Assess
    expect(result.output).toBe('{"got":1}');
    expect((await second.eventTypes(arn)).filter((t) => t === 'LambdaFunctionScheduled')).toHaveLength(2);
    expect(await terminalCounts(second, arn)).toEqual({ started: 1, terminal: 1 });
  });

  it('keeps an answer sent during a task token invocation cut short by a restart, and does not invoke it again', async () => {
    // Prepare: the function answers for its token at once, then never returns
    const ask = (first: Harness) => async (payload: unknown) => {
      const { token } = payload as { token: string };
      await first.sfn.sendTaskSuccess({ taskToken: token, output: '{"approved":true}' });
      return new Promise(() => undefined);
    };
    const first = reopen({}, new VirtualClock());
    first.lambdas.register('ask', ask(first));
    const arn = await first.start(
      machine({
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: FUNCTION_ARN('ask'), Payload: { 'token.$': '$$.Task.Token' } },
          TimeoutSeconds: 20,
          End: true,
        },
      }),
    );
    await first.clock.advance(0);
    await first.sfn.close();
    // Act
    const invokedAgain = vi.fn();
    const second = reopen({ ask: invokedAgain }, new VirtualClock(first.clock.now()));
    second.sfn.start();
    await second.clock.advance(30_000); // past the task's timeout
    const result = await second.sfn.awaitExecution(arn);
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toBe('{"approved":true}');
    expect(invokedAgain).not.toHaveBeenCalled();
    expect((await second.eventTypes(arn)).filter((t) => t === 'TaskScheduled')).toHaveLength(1);
  });

  it.each([
    ['a Lambda function', FUNCTION_ARN('slow'), {}, 'LambdaFunction'],
    ['lambda:invoke', 'arn:aws:states:::lambda:invoke', { FunctionName: FUNCTION_ARN('slow') }, 'Task'],
  ])(
    'times out %s in flight at a restart once its deadline passed meanwhile, without invoking it again',
    async (_, resource, parameters, events) => {
      // Prepare: a 3-second timeout, the runtime down from 1 s to 10 s
      const first = reopen({ slow: () => new Promise(() => undefined) }, new VirtualClock());
      const task = { Type: 'Task', Resource: resource, Parameters: parameters, TimeoutSeconds: 3, End: true };
      const arn = await first.start(machine({ T: task }));
      await first.clock.advance(1_000);
      await first.sfn.close();
      // Act
      const invokedAgain = vi.fn();
      const second = reopen({ slow: invokedAgain }, new VirtualClock(first.clock.now() + 9_000));
      second.sfn.start();
      await second.clock.advance(0);
      const result = await second.sfn.awaitExecution(arn);
      // Assess
      expect(result).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
      expect(invokedAgain).not.toHaveBeenCalled();
      const types = await second.eventTypes(arn);
      expect(types.filter((t) => t === `${events}Scheduled`)).toHaveLength(1);
      expect(types).toContain(`${events}TimedOut`);
    },
  );

  it('names the StateEntered event of a state entered before the restart in a States.Runtime cause', async () => {
    // Prepare
    const first = reopen({ slow: () => new Promise(() => undefined) }, new VirtualClock());
    const arn = await first.start(
      machine({
        P: { Type: 'Pass', Next: 'T' },
        T: {
          Type: 'Task',
          Resource: FUNCTION_ARN('slow'),
          ResultSelector: { 'v.$': '$.missing' },
          End: true,
        },
      }),
    );
    await first.clock.advance(0);
    await first.sfn.close();
    // Act
    const second = reopen({ slow: () => ({ other: 1 }) }, new VirtualClock(first.clock.now()));
    second.sfn.start();
    const result = await second.sfn.awaitExecution(arn);
    // Assess
    const entered = (await second.history(arn)).find((event) => event.type === 'TaskStateEntered')!;
    expect(entered.id).toBe(4);
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(result.cause).toMatch(
      /^An error occurred while executing the state 'T' \(entered at the event id #4\)\. /,
    );
  });

  it('keeps a task token open across a restart', async () => {
    // Prepare
    const { asked, handlers } = tokenAsker();
    const first = reopen(handlers, new VirtualClock());
    const arn = await first.start(waitingForAsk());
    await first.clock.advance(0);
    await first.sfn.close();
    // Act
    const second = reopen(handlers, new VirtualClock(first.clock.now()));
    second.sfn.start();
    await second.sfn.sendTaskSuccess({ taskToken: asked.token, output: '{"approved":true}' });
    // Assess
    expect(await second.sfn.awaitExecution(arn)).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"approved":true}',
    });
    expect((await second.eventTypes(arn)).filter((t) => t === 'TaskSubmitted')).toHaveLength(1);
  });

  describe('an activity task', () => {
    const definition = (fields: Record<string, unknown> = {}) =>
      machine({ T: { Type: 'Task', Resource: ACTIVITY_ARN, ...fields, End: true } });
    const poll = (h: Harness, workerName?: string) =>
      h.sfn.getActivityTask({ activityArn: ACTIVITY_ARN, workerName });

    it('no worker took before a restart is handed to the first worker polling after it, once', async () => {
      // Prepare
      const first = reopen({}, new VirtualClock());
      await first.sfn.createActivity({ name: 'approve' });
      const arn = await first.start(definition(), { order: 7 });
      await first.clock.advance(0);
      await first.sfn.close();
      // Act
      const second = reopen({}, new VirtualClock(first.clock.now()));
      second.sfn.start();
      const task = await poll(second, 'after-restart');
      await second.sfn.sendTaskSuccess({ taskToken: task.taskToken, output: '{"approved":true}' });
      // Assess
      expect(task.input).toBe('{"order":7}');
      expect(await second.sfn.awaitExecution(arn)).toMatchObject({ status: 'SUCCEEDED' });
      const history = await second.history(arn);
      expect(history.map((event) => event.type)).toEqual(ACTIVITY_SUCCEEDED_HISTORY);
      expect(history[3]?.activityStartedEventDetails).toEqual({ workerName: 'after-restart' });
    });

    it('a worker took before a restart is not handed out again, and its token still answers it', async () => {
      // Prepare
      const first = reopen({}, new VirtualClock());
      await first.sfn.createActivity({ name: 'approve' });
      const arn = await first.start(definition());
      const task = await poll(first, 'before-restart');
      await first.sfn.close();
      // Act
      const second = reopen({}, new VirtualClock(first.clock.now()));
      second.sfn.start();
      await second.clock.advance(0);
      const polled = await Promise.race([poll(second), second.clock.advance(0).then(() => 'still waiting')]);
      await second.sfn.sendTaskFailure({
        taskToken: task.taskToken,
        error: 'Rejected',
        cause: 'by a person',
      });
      // Assess
      expect(polled).toBe('still waiting');
      expect(await second.sfn.awaitExecution(arn)).toMatchObject({
        status: 'FAILED',
        error: 'Rejected',
        cause: 'by a person',
      });
      expect((await second.eventTypes(arn)).filter((type) => type === 'ActivityStarted')).toHaveLength(1);
    });

    it('times out HeartbeatSeconds after the worker took it, also when that was before a restart', async () => {
      // Prepare: taken at 5 s, the runtime closed at 9 s
      const first = reopen({}, new VirtualClock(Date.UTC(2026, 0, 1)));
      await first.sfn.createActivity({ name: 'approve' });
      const arn = await first.start(definition({ HeartbeatSeconds: 10, TimeoutSeconds: 100 }));
      await first.clock.advance(5_000);
      await poll(first, 'slow');
      await first.clock.advance(4_000);
      await first.sfn.close();
      // Act: back at 12 s
      const second = reopen({}, new VirtualClock(first.clock.now() + 3_000));
      second.sfn.start();
      await second.clock.advance(2_000);
      const at14s = (await second.sfn.describeExecution({ executionArn: arn })).status;
      await second.clock.advance(2_000);
      // Assess
      expect(at14s).toBe('RUNNING');
      expect(await second.sfn.awaitExecution(arn)).toMatchObject({
        status: 'FAILED',
        error: 'States.Timeout',
      });
      expect((await second.eventTypes(arn)).filter((type) => type === 'ActivityTimedOut')).toHaveLength(1);
    });
  });

  describe('a task token waiting with HeartbeatSeconds 10 and TimeoutSeconds 100', () => {
    const { asked, handlers } = tokenAsker();
    const definition = waitingForAsk({ HeartbeatSeconds: 10, TimeoutSeconds: 100 });

    it('times out 10 s after its last heartbeat, sent before a restart, not 10 s after the restart', async () => {
      // Prepare: a heartbeat at 8 s, the runtime closed at 11 s
      const first = reopen(handlers, new VirtualClock(Date.UTC(2026, 0, 1)));
      const arn = await first.start(definition);
      await first.clock.advance(8_000);
      await first.sfn.sendTaskHeartbeat({ taskToken: asked.token });
      await first.clock.advance(3_000);
      await first.sfn.close();
      // Act: back at 16 s
      const second = reopen(handlers, new VirtualClock(first.clock.now() + 5_000));
      second.sfn.start();
      await second.clock.advance(1_000);
      const at17s = (await second.sfn.describeExecution({ executionArn: arn })).status;
      await second.clock.advance(2_000);
      // Assess
      expect(at17s).toBe('RUNNING');
      expect(await second.sfn.awaitExecution(arn)).toMatchObject({
        status: 'FAILED',
        error: 'States.Timeout',
      });
    });

    it('fails with States.Timeout once when the runtime was down past both deadlines', async () => {
      // Prepare
      const first = reopen(handlers, new VirtualClock(Date.UTC(2026, 0, 1)));
      const arn = await first.start(definition);
      await first.clock.advance(1_000);
      await first.sfn.close();
      // Act: back at 201 s
      const second = reopen(handlers, new VirtualClock(first.clock.now() + 200_000));
      second.sfn.start();
      await second.clock.advance(0);
      // Assess
      expect(await second.sfn.awaitExecution(arn)).toMatchObject({
        status: 'FAILED',
        error: 'States.Timeout',
      });
      expect((await second.eventTypes(arn)).filter((type) => type === 'TaskTimedOut')).toHaveLength(1);
    });
  });

  it('answers when an open task times out as it set the deadline, also after a restart at another WAIT_TIME_SCALE', async () => {
    // Prepare: a task waiting for its token, 600 s at half real time (300 s of wall clock)
    const { asked, handlers } = tokenAsker();
    const lambdas = () => new MapLambdaRegistry(handlers);
    const definition = waitingForAsk({ TimeoutSeconds: 600 });
    const first = new LocalStepFunctions({ dataDir: dir, clock: new RealClock(0.5), lambdas: lambdas() });
    const before = Date.now();
    const { stateMachineArn } = await first.createStateMachine({
      name: 'asks',
      definition,
      roleArn: ROLE_ARN,
    });
    await first.startExecution({ stateMachineArn });
    await vi.waitFor(() => expect(asked.token).not.toBe(''));
    const after = Date.now();
    // Act
    const set = first.taskTimesOutAt(asked.token);
    await first.close();
    const second = new LocalStepFunctions({ dataDir: dir, clock: new RealClock(1), lambdas: lambdas() });
    second.start();
    const afterRestart = second.taskTimesOutAt(asked.token);
    const unknown = second.taskTimesOutAt('not-a-token');
    await second.close();
    // Assess
    expect(set).toBeGreaterThanOrEqual(before + 300_000);
    expect(set).toBeLessThanOrEqual(after + 300_000);
    expect(afterRestart).toBe(set);
    expect(unknown).toBeUndefined();
  });

  it('stops its executions when a store write fails, says so once, and they resume from their last commit on a restart', async () => {
    // Prepare: an execution in a Wait of 10 s; the disk fills up meanwhile
    const failures: Error[] = [];
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const lambdas = new MapLambdaRegistry({});
    const first = new LocalStepFunctions({
      dataDir: dir,
      clock,
      lambdas,
      onStoreFailure: (e) => failures.push(e),
    });
    const { stateMachineArn } = await first.createStateMachine({
      name: 'waits',
      definition: machine({ W: { Type: 'Wait', Seconds: 10, Next: 'P' }, P: { Type: 'Pass', End: true } }),
      roleArn: ROLE_ARN,
    });
    const executionArn = (await first.startExecution({ stateMachineArn })).executionArn!;
    await clock.advance(0);
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    vi.spyOn(first.store, 'insertEvents').mockImplementation(() => {
      throw full;
    });
    // Act
    await clock.advance(10_000);
    await new Promise((resolve) => setImmediate(resolve));
    const described = await first.describeExecution({ executionArn }).catch((error: Error) => error);
    vi.restoreAllMocks();
    await first.close();
    const second = reopen({}, new VirtualClock(clock.now()));
    second.sfn.start();
    await second.clock.advance(0);
    // Assess
    expect(failures.map((failure) => failure.message)).toEqual([
      "the runtime's store failed (database or disk is full): its executions stopped; start it again once the store is fixed, and they resume from their last commit",
    ]);
    expect(described).toBe(failures[0]);
    expect(await second.sfn.awaitExecution(executionArn)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await terminalCounts(second, executionArn)).toEqual({ started: 1, terminal: 1 });
  });

  it('ends a stopped execution and the executions its .sync tasks started together: a store failing half-way leaves none ended', async () => {
    // Prepare: a parent whose Map waits on three child executions, each in a long Wait
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const first = reopen({}, clock);
    const { stateMachineArn: childMachine } = await first.sfn.createStateMachine({
      name: 'waiter',
      definition: machine({ W: { Type: 'Wait', Seconds: 3000, End: true } }),
      roleArn: ROLE_ARN,
    });
    const parent = await first.start(
      machine({
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            StartAt: 'Child',
            States: {
              Child: {
                Type: 'Task',
                Resource: 'arn:aws:states:::states:startExecution.sync:2',
                Parameters: { StateMachineArn: childMachine },
                End: true,
              },
            },
          },
          End: true,
        },
      }),
      { items: [1, 2, 3] },
    );
    await clock.advance(1000);
    const children = async (h: Harness) =>
      (await h.sfn.listExecutions({ stateMachineArn: childMachine })).executions!.map((e) => e.status);
    const before = await children(first);
    // The disk fills up after the stop's first write
    const insertEvents = first.sfn.store.insertEvents.bind(first.sfn.store);
    let writes = 0;
    vi.spyOn(first.sfn.store, 'insertEvents').mockImplementation((...args) => {
      writes += 1;
      if (writes > 1) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      return insertEvents(...args);
    });
    // Act
    await first.sfn.stopExecution({ executionArn: parent, error: 'Aborted' }).catch(() => undefined);
    vi.restoreAllMocks();
    await first.sfn.close().catch(() => undefined);
    open.splice(open.indexOf(first), 1);
    const second = reopen({}, new VirtualClock(clock.now()));
    second.sfn.start();
    await second.clock.advance(0);
    if ((await second.sfn.describeExecution({ executionArn: parent })).status === 'RUNNING') {
      await second.sfn.stopExecution({ executionArn: parent, error: 'Aborted' });
    }
    // Assess
    expect(before).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
    expect((await second.sfn.describeExecution({ executionArn: parent })).status).toBe('ABORTED');
    expect(await children(second)).toEqual(['ABORTED', 'ABORTED', 'ABORTED']);
  });

  it('refuses a StartExecution once closed, rather than leave it waiting for a commit that never comes', async () => {
    // Prepare
    const h = reopen({}, new VirtualClock());
    const { stateMachineArn } = await h.sfn.createStateMachine({
      name: 'closed',
      definition: machine({ P: { Type: 'Pass', End: true } }),
      roleArn: ROLE_ARN,
    });
    await h.sfn.close();
    // Act
    const started = h.sfn.startExecution({ stateMachineArn }).catch((error: Error) => error);
    // Assess
    expect(await started).toMatchObject({
      name: 'RuntimeClosedError',
      message: 'the runtime is closed: open a new one on its data directory to run executions',
    });
  });

  it('keeps a state machine DELETING across a restart, fails its resumed execution at its next state, then removes it', async () => {
    // Prepare
    const first = reopen({}, new VirtualClock(Date.UTC(2026, 0, 1)));
    const arn = await first.start(
      machine({
        W: { Type: 'Wait', Seconds: 100, Next: 'P' },
        P: { Type: 'Pass', End: true },
      }),
    );
    const { stateMachineArn } = await first.sfn.describeExecution({ executionArn: arn });
    await first.clock.advance(40_000);
    await first.sfn.deleteStateMachine({ stateMachineArn });
    await first.sfn.close();
    // Act
    const second = reopen({}, new VirtualClock(first.clock.now()));
    const described = await second.sfn.describeStateMachine({ stateMachineArn });
    const refused = await second.sfn.startExecution({ stateMachineArn }).catch((error: unknown) => error);
    second.sfn.start();
    await second.clock.advance(60_000);
    // Assess
    expect(described.status).toBe('DELETING');
    expect(refused).toMatchObject({ code: 'StateMachineDeleting' });
    expect(await second.sfn.awaitExecution(arn)).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: `State machine ${described.name} has been deleted.`,
    });
    expect((await second.eventTypes(arn)).slice(-2)).toEqual(['WaitStateExited', 'ExecutionFailed']);
    await expect(second.sfn.describeStateMachine({ stateMachineArn })).rejects.toMatchObject({
      code: 'StateMachineDoesNotExist',
    });
  });

  it('resumes an execution of a runtime killed with SIGKILL', async () => {
    // Prepare
    const { arn, killedAt } = await parkThenKill('park-in-wait.ts');
    // Act
    const clock = new VirtualClock(killedAt);
    const second = reopen({}, clock);
    second.sfn.start();
    await clock.advance(3_500_000);
    const midway = (await second.sfn.describeExecution({ executionArn: arn })).status;
    await clock.advance(100_000);
    // Assess
    expect(midway).toBe('RUNNING');
    expect(await second.sfn.awaitExecution(arn)).toMatchObject({ status: 'SUCCEEDED', output: '"resumed"' });
    expect(await terminalCounts(second, arn)).toEqual({ started: 1, terminal: 1 });
  });

  it("does not enter again a Map state whose StateEntered a sibling branch's commit wrote before a SIGKILL", async () => {
    // Prepare
    // The fixture never exits by itself: runFixture resolves once its own SIGKILL ended it.
    await runFixture('kill-in-sibling-task.ts', [dir]);
    const second = reopen({ die: () => 'invoked again' }, new VirtualClock());
    const arn = 'arn:aws:states:us-east-1:000000000000:execution:sibling:sibling-1';
    const recordedBeforeKill = await second.eventTypes(arn);
    // Act
    second.sfn.start();
    const done = await second.sfn.awaitExecution(arn);
    // Assess
    expect(recordedBeforeKill.slice(-4)).toEqual([
      'MapStateEntered',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
    ]);
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: JSON.stringify([[1, 2], 'invoked again']) });
    const types = await second.eventTypes(arn);
    expect(types.filter((type) => type === 'MapStateEntered')).toHaveLength(1);
    expect(await terminalCounts(second, arn)).toEqual({ started: 1, terminal: 1 });
  });

  it('ends a Parallel state whose branch failed just before a SIGKILL with that failure, invoking nothing again', async () => {
    // Prepare
    const definition = machine({
      Fan: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Call', States: { Call: { Type: 'Task', Resource: FUNCTION_ARN('fail'), End: true } } },
          { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } } },
        ],
        End: true,
      },
    });
    const failing = () => {
      throw Object.assign(new Error('broken'), { name: 'Broken' });
    };
    const uninterrupted = harness({ fail: failing });
    open.push(uninterrupted);
    const reference = await uninterrupted.start(definition);
    await uninterrupted.sfn.awaitExecution(reference);
    // The fixture never exits by itself: runFixture resolves once its own SIGKILL ended it.
    await runFixture('kill-at-execution-end.ts', [dir, definition]);
    const invokedAgain = vi.fn<() => unknown>(failing);
    const clock = new VirtualClock();
    const second = reopen({ fail: invokedAgain }, clock);
    const arn = 'arn:aws:states:us-east-1:000000000000:execution:end:end-1';
    const recordedBeforeKill = await second.eventTypes(arn);
    // Act
    second.sfn.start();
    const done = await second.sfn.awaitExecution(arn);
    // Assess
    expect(recordedBeforeKill).toContain('LambdaFunctionFailed');
    expect(recordedBeforeKill).not.toContain('ExecutionFailed');
    expect(done).toMatchObject({ status: 'FAILED', error: 'Broken' });
    expect(JSON.parse(done.cause!)).toMatchObject({ errorType: 'Broken', errorMessage: 'broken' });
    expect(invokedAgain).not.toHaveBeenCalled();
    expect(await second.eventTypes(arn)).toEqual(await uninterrupted.eventTypes(reference));
    // A redrive runs both branches again.
    invokedAgain.mockReturnValue('fixed');
    await second.sfn.redriveExecution({ executionArn: arn });
    await clock.runAll();
    expect(await second.sfn.awaitExecution(arn)).toMatchObject({
      status: 'SUCCEEDED',
      output: '["fixed",{}]',
    });
  });

  it('keeps workflow variables of every scope across a restart (closed, then reopened)', async () => {
    // Prepare
    const first = reopen({}, new VirtualClock(Date.UTC(2026, 0, 1)));
    const iteration = {
      StartAt: 'Pick',
      States: {
        Pick: { Type: 'Pass', Assign: { 'item.$': '$' }, Next: 'Hold' },
        Hold: { Type: 'Wait', Seconds: 100, Next: 'Report' },
        Report: { Type: 'Pass', Parameters: { 'item.$': '$item', 'base.$': '$base' }, End: true },
      },
    };
    const arn = await first.start(
      machine({
        Setup: { Type: 'Pass', Assign: { base: 10, 'who.$': '$.who' }, Next: 'Park' },
        Park: { Type: 'Wait', Seconds: 100, Next: 'Each' },
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: iteration,
          ResultPath: '$.reports',
          Next: 'Done',
        },
        Done: { Type: 'Pass', Parameters: { 'who.$': '$who', 'reports.$': '$.reports' }, End: true },
      }),
      { who: 'ada', items: [1, 2] },
    );
    await first.clock.advance(150_000); // past the first Wait, into the iterations' Waits
    await first.sfn.close();
    // Act
    const second = restartAfter(first);
    await second.clock.advance(100_000);
    // Assess
    const result = await second.sfn.awaitExecution(arn);
    expect(result.status, result.cause ?? '').toBe('SUCCEEDED');
    expect(JSON.parse(result.output!)).toEqual({
      who: 'ada',
      reports: [
        { item: 1, base: 10 },
        { item: 2, base: 10 },
      ],
    });
  });

  it('resumes a JSONata execution after a restart: its Wait keeps the instant its expression gave, its Map its items', async () => {
    // Prepare
    const first = reopen({}, new VirtualClock(Date.UTC(2026, 0, 1)));
    const iteration = {
      StartAt: 'Hold',
      States: {
        Hold: { Type: 'Wait', Seconds: '{% $states.input.wait %}', Next: 'Report' },
        Report: {
          Type: 'Pass',
          Output: { item: '{% $states.input.item %}', base: '{% $base %}' },
          End: true,
        },
      },
    };
    const arn = await first.start(
      JSON.stringify({
        QueryLanguage: 'JSONata',
        StartAt: 'Setup',
        States: {
          Setup: { Type: 'Pass', Assign: { base: '{% $states.input.base %}' }, Next: 'Park' },
          Park: { Type: 'Wait', Seconds: '{% $base * 10 %}', Next: 'Each' },
          Each: {
            Type: 'Map',
            Items: '{% $states.input.items %}',
            ItemSelector: { item: '{% $states.context.Map.Item.Value %}', wait: 100 },
            ItemProcessor: iteration,
            Output: { reports: '{% $states.result %}', base: '{% $base %}' },
            End: true,
          },
        },
      }),
      { base: 10, items: [1, 2] },
    );
    await first.clock.advance(150_000); // past the 100 s of the first Wait, into the iterations' Waits
    await first.sfn.close();
    // Act
    const second = restartAfter(first);
    await second.clock.advance(100_000);
    // Assess
    const result = await second.sfn.awaitExecution(arn);
    expect(result.status, result.cause ?? '').toBe('SUCCEEDED');
    expect(JSON.parse(result.output!)).toEqual({
      reports: [
        { item: 1, base: 10 },
        { item: 2, base: 10 },
      ],
      base: 10,
    });
  });

  it('keeps workflow variables assigned before a Wait of a runtime killed with SIGKILL', async () => {
    // Prepare
    const { arn, killedAt } = await parkThenKill('park-with-variables.ts');
    // Act
    const clock = new VirtualClock(killedAt);
    const second = reopen({}, clock);
    second.sfn.start();
    await clock.advance(3_600_000);
    // Assess
    const result = await second.sfn.awaitExecution(arn);
    expect(result.status, result.cause ?? '').toBe('SUCCEEDED');
    expect(JSON.parse(result.output!)).toEqual({
      version: 'v2',
      who: 'ada',
      reports: [
        { item: 1, version: 'v2' },
        { item: 2, version: 'v2' },
      ],
    });
  });

  it('replays a Wait whose entry was not committed yet when the runtime was killed', async () => {
    // Prepare
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures/park-in-wait.ts'), dir, '--kill-at-once'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    const signal = await new Promise((resolve) => child.on('exit', (_code, killedBy) => resolve(killedBy)));
    const arn = out.trim();
    const clock = new VirtualClock(Date.now());
    const second = reopen({}, clock);
    const committedBeforeKill = await second.eventTypes(arn);
    const describedBeforeStart = await second.sfn.describeExecution({ executionArn: arn });
    // Act
    second.sfn.start();
    await clock.advance(3_600_000);
    // Assess
    expect(signal).toBe('SIGKILL');
    // The answered start committed the execution; its ExecutionStarted comes with its first transitions.
    expect(describedBeforeStart.status).toBe('RUNNING');
    expect(committedBeforeKill).toEqual([]);
    expect(await second.sfn.awaitExecution(arn)).toMatchObject({ status: 'SUCCEEDED', output: '"resumed"' });
    expect(await second.eventTypes(arn)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    const { events } = await second.sfn.getExecutionHistory({ executionArn: arn, maxResults: 1 });
    expect(events?.[0]).toMatchObject({
      id: 1,
      previousEventId: 0,
      timestamp: describedBeforeStart.startDate,
    });
  });
});

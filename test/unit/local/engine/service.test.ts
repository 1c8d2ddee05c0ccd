import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatesError } from '#local/asl/errors.ts';
import { decideOnError } from '#local/asl/retry.ts';
import { RealClock, sleep, VirtualClock } from '#local/clock.ts';
import { LOOP_DEFINITION } from '../../../../bench/runtime/scenarios.ts';
import { type Harness, harness, machine, ROLE_ARN } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.sfn.close();
  h = undefined;
});

/** A virtual clock that reads one millisecond later each time it is read. */
class TickingClock extends VirtualClock {
  #ticks = 0;

  override now(): number {
    this.#ticks += 1;
    return super.now() + this.#ticks;
  }
}

const waitForever = machine({ W: { Type: 'Wait', Seconds: 3600, End: true } });

/** Creates the state machine `name` that waits an hour, with `roleArn`; returns its ARN. */
async function createWaitingMachine({ sfn }: Harness, name: string, roleArn = ROLE_ARN): Promise<string> {
  const { stateMachineArn } = await sfn.createStateMachine({ name, definition: waitForever, roleArn });
  return stateMachineArn!;
}

/** A machine: Pass `P` (with `result`, if given) -> `state`, named `name` -> Pass `After`. */
function betweenPasses(name: string, state: Record<string, unknown>, result?: unknown): string {
  return machine({
    P: { Type: 'Pass', ...(result === undefined ? {} : { Result: result }), Next: name },
    [name]: { ...state, Next: 'After' },
    After: { Type: 'Pass', End: true },
  });
}

/** Runs one execution of `definition` to its end; returns its history. */
async function historyOfRun(on: Harness, definition: string, input: unknown = {}) {
  const executionArn = await on.start(definition, input);
  await on.sfn.awaitExecution(executionArn);
  return on.history(executionArn);
}

/** Each history event as [id, previousEventId, type]. */
const links = (events: HistoryEvent[]) =>
  events.map(({ id, previousEventId, type }) => [id, previousEventId, type]);

/** The links of an execution's start and of its first state, the Pass `P`. */
const STARTED_THROUGH_P = [
  [1, 0, 'ExecutionStarted'],
  [2, 0, 'PassStateEntered'],
  [3, 2, 'PassStateExited'],
];

describe('LocalStepFunctions API rules', () => {
  it('returns the running execution for the same name and input, and refuses other reuse', async () => {
    // Prepare
    h = harness();
    const stateMachineArn = await createWaitingMachine(h, 'idem');
    const first = await h.sfn.startExecution({ stateMachineArn, name: 'run-1', input: '{"a":1}' });
    // Act
    const again = await h.sfn.startExecution({ stateMachineArn, name: 'run-1', input: '{"a":1}' });
    const other = h.sfn.startExecution({ stateMachineArn, name: 'run-1', input: '{"a":2}' });
    // Assess
    expect(again.executionArn).toBe(first.executionArn);
    await expect(other).rejects.toMatchObject({ code: 'ExecutionAlreadyExists' });
  });

  it('validates names, ARNs, input and definitions with AWS error codes', async () => {
    // Prepare
    h = harness();
    const stateMachineArn = await createWaitingMachine(h, 'ok');
    // Act + Assess
    // AWS's message first, as recorded in localstack/localstack tests/aws/services/stepfunctions/v2/
    // test_sfn_api_activities.snapshot.json (test_create_activity_invalid_name), then the rule it breaks.
    await expect(
      h.sfn.createStateMachine({ name: 'bad name', definition: waitForever, roleArn: ROLE_ARN }),
    ).rejects.toMatchObject({
      code: 'InvalidName',
      message: expect.stringMatching(
        /^Invalid Name: 'bad name': name must not contain whitespace, .* \(it contains " "\)$/,
      ),
    });
    for (const [name, shown] of [
      ['tab\there', 'U+0009'],
      ['del\u007f', 'U+007F'],
      ['c1\u0085', 'U+0085'],
      ['nbsp\u00a0', 'U+00A0'],
      ['lone\ud800', 'U+D800'],
      ['max\u{10ffff}', 'U+10FFFF'],
      ['slash/', '"/"'],
    ]) {
      await expect(
        h.sfn.createStateMachine({ name, definition: waitForever, roleArn: ROLE_ARN }),
      ).rejects.toMatchObject({
        code: 'InvalidName',
        message: expect.stringContaining(`(it contains ${shown})`),
      });
    }
    await expect(h.sfn.createActivity({ name: 'TestActivity InvalidName$' })).rejects.toMatchObject({
      code: 'InvalidName',
      message: expect.stringMatching(/^Invalid Name: 'TestActivity InvalidName\$': name must not contain /),
    });
    await expect(
      h.sfn.createStateMachine({ name: 'x', definition: '{"StartAt":"A","States":{}}', roleArn: ROLE_ARN }),
    ).rejects.toMatchObject({
      code: 'InvalidDefinition',
    });
    await expect(h.sfn.describeStateMachine({ stateMachineArn: 'nope' })).rejects.toMatchObject({
      code: 'InvalidArn',
    });
    await expect(h.sfn.startExecution({ stateMachineArn, input: '{not json' })).rejects.toMatchObject({
      code: 'InvalidExecutionInput',
    });
    await expect(
      h.sfn.startExecution({ stateMachineArn, input: JSON.stringify('x'.repeat(300_000)) }),
    ).rejects.toMatchObject({
      code: 'ValidationException',
    });
    await expect(
      h.sfn.describeExecution({
        executionArn: `${stateMachineArn.replace('stateMachine', 'execution')}:missing`,
      }),
    ).rejects.toMatchObject({
      code: 'ExecutionDoesNotExist',
    });
  });

  it('refuses names with U+FFFE, U+FFFF, U+10FFFF or an unpaired surrogate, not other characters of other planes', async () => {
    // Prepare
    h = harness();
    const stateMachineArn = await createWaitingMachine(h, 'names');
    // Act
    const accepted = await h.sfn.startExecution({ stateMachineArn, name: 'deploy-\u{1F680}' });
    // Assess
    expect(accepted.executionArn).toMatch(/:deploy-\u{1F680}$/u);
    for (const name of ['a\uFFFE', 'a\uFFFF', 'a\u{10FFFF}', 'a\uD83D', 'a\uDE80b']) {
      await expect(h.sfn.startExecution({ stateMachineArn, name }), name).rejects.toMatchObject({
        code: 'InvalidName',
      });
      await expect(
        h.sfn.createStateMachine({ name, definition: waitForever, roleArn: ROLE_ARN }),
        name,
      ).rejects.toMatchObject({ code: 'InvalidName' });
    }
  });

  it('pages executions and history, and stops an execution with ExecutionAborted', async () => {
    // Prepare
    h = harness();
    const stateMachineArn = await createWaitingMachine(h, 'pages');
    for (let i = 0; i < 3; i++) await h.sfn.startExecution({ stateMachineArn, name: `e${i}` });
    // Act
    const page1 = await h.sfn.listExecutions({ stateMachineArn, maxResults: 2 });
    const page2 = await h.sfn.listExecutions({ stateMachineArn, maxResults: 2, nextToken: page1.nextToken });
    const arn = page2.executions![0]!.executionArn!;
    await h.sfn.stopExecution({ executionArn: arn, error: 'Manual', cause: 'operator' });
    const history = await h.sfn.getExecutionHistory({ executionArn: arn, reverseOrder: true, maxResults: 1 });
    // Assess
    expect(page1.executions!.map((e) => e.name)).toEqual(['e2', 'e1']);
    expect(page2.executions!.map((e) => e.name)).toEqual(['e0']);
    expect(page2.nextToken).toBeUndefined();
    expect(history.events![0]).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Manual', cause: 'operator' },
    });
    expect((await h.sfn.describeExecution({ executionArn: arn })).status).toBe('ABORTED');
    expect(
      (await h.sfn.listExecutions({ stateMachineArn, statusFilter: 'RUNNING' })).executions,
    ).toHaveLength(2);
  });

  it('records ExecutionStarted first, also for an execution stopped in the turn it started', async () => {
    // Prepare
    h = harness();
    const executionArn = await h.start(waitForever, { a: 1 });
    // Act
    await h.sfn.stopExecution({ executionArn });
    const events = await h.history(executionArn);
    // Assess
    expect(events.map(({ id, previousEventId, type }) => [id, previousEventId, type])).toEqual([
      [1, 0, 'ExecutionStarted'],
      [2, 0, 'WaitStateEntered'],
      [3, 0, 'ExecutionAborted'],
    ]);
    expect(events[0]?.executionStartedEventDetails).toMatchObject({ input: '{"a":1}', roleArn: ROLE_ARN });
  });

  it.each([
    ['in memory', Date.UTC(1999, 11, 31, 23, 59, 59, 999)],
    ['in memory', Date.UTC(2100, 0, 1)],
    ['on SQLite', Date.UTC(2100, 0, 1)],
  ])(
    'records each event at its clock time to the millisecond, %s, for a clock at %d',
    async (store, start) => {
      // Prepare: a clock far from the time the runtime started
      const dataDir = store === 'on SQLite' ? mkdtempSync(join(tmpdir(), 'cutover-times-')) : undefined;
      h = harness({}, dataDir, new VirtualClock(start));
      const definition = machine({
        Hold: { Type: 'Wait', Seconds: 2, Next: 'Done' },
        Done: { Type: 'Pass', Result: { done: true }, End: true },
      });
      try {
        // Act
        const ended = await h.run(definition, { id: 7 });
        const events = await h.history(ended.executionArn!);
        // Assess
        expect(events.map(({ type, timestamp }) => [type, timestamp!.getTime() - start])).toEqual([
          ['ExecutionStarted', 0],
          ['WaitStateEntered', 0],
          ['WaitStateExited', 2_000],
          ['PassStateEntered', 2_000],
          ['PassStateExited', 2_000],
          ['ExecutionSucceeded', 2_000],
        ]);
        expect(events[1]?.stateEnteredEventDetails).toEqual({
          name: 'Hold',
          input: '{"id":7}',
          inputDetails: { truncated: false },
        });
        expect(events[4]?.stateExitedEventDetails).toEqual({
          name: 'Done',
          output: '{"done":true}',
          outputDetails: { truncated: false },
        });
      } finally {
        // Closed here, before its data directory goes, rather than by afterEach.
        await h.sfn.close();
        h = undefined;
        if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );

  it("gives $$.State.EnteredTime the time of the state's StateEntered event, on a clock that moves at every read", async () => {
    // Prepare: each read of the clock is a millisecond after the one before
    class TickingClock extends VirtualClock {
      #reads = 0;
      override now(): number {
        return super.now() + this.#reads++;
      }
    }
    h = harness({}, undefined, new TickingClock());
    const definition = machine({
      First: { Type: 'Pass', Parameters: { 'first.$': '$$.State.EnteredTime' }, Next: 'Second' },
      Second: {
        Type: 'Pass',
        Parameters: { 'first.$': '$.first', 'second.$': '$$.State.EnteredTime' },
        End: true,
      },
    });

    // Act
    const ended = await h.run(definition, {});
    const entered = (await h.history(ended.executionArn!)).filter(
      (event) => event.type === 'PassStateEntered',
    );

    // Assess
    const output = JSON.parse(ended.output!) as { first: string; second: string };
    expect(entered.map((event) => event.timestamp!.toISOString())).toEqual([output.first, output.second]);
    expect(output.first).not.toBe(output.second);
  });

  it('links previousEventId along each flow as AWS-recorded histories do', async () => {
    // Prepare: Pass -> Parallel (one branch failing, caught) -> Pass, as recorded from AWS
    h = harness();
    const caught = betweenPasses('Par', {
      Type: 'Parallel',
      Branches: [{ StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Boom' } } }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'After' }],
    });
    // Act
    const events = await historyOfRun(h, caught);
    // Assess
    expect(links(events)).toEqual([
      ...STARTED_THROUGH_P,
      [4, 3, 'ParallelStateEntered'],
      [5, 4, 'ParallelStateStarted'],
      [6, 5, 'FailStateEntered'],
      [7, 6, 'ParallelStateFailed'],
      [8, 7, 'ParallelStateExited'],
      [9, 8, 'PassStateEntered'],
      [10, 9, 'PassStateExited'],
      [11, 10, 'ExecutionSucceeded'],
    ]);
  });

  it('links a Map’s iterations one after another as AWS-recorded histories do', async () => {
    // Prepare: Pass -> Map (one at a time, two items) -> Pass, as recorded from AWS
    h = harness();
    const mapped = betweenPasses(
      'M',
      {
        Type: 'Map',
        MaxConcurrency: 1,
        ItemProcessor: { StartAt: 'H', States: { H: { Type: 'Pass', End: true } } },
      },
      [1, 2],
    );
    // Act
    const events = await historyOfRun(h, mapped);
    // Assess: an iteration's end is no predecessor of the next iteration; MapStateSucceeded follows the last
    expect(links(events)).toEqual([
      ...STARTED_THROUGH_P,
      [4, 3, 'MapStateEntered'],
      [5, 4, 'MapStateStarted'],
      [6, 5, 'MapIterationStarted'],
      [7, 6, 'PassStateEntered'],
      [8, 7, 'PassStateExited'],
      [9, 8, 'MapIterationSucceeded'],
      [10, 8, 'MapIterationStarted'],
      [11, 10, 'PassStateEntered'],
      [12, 11, 'PassStateExited'],
      [13, 12, 'MapIterationSucceeded'],
      [14, 13, 'MapStateSucceeded'],
      [15, 13, 'MapStateExited'],
      [16, 15, 'PassStateEntered'],
      [17, 16, 'PassStateExited'],
      [18, 17, 'ExecutionSucceeded'],
    ]);
  });

  it('numbers the events of iterations running at once in the order they happened', async () => {
    // Prepare: a clock one millisecond later at each reading, so every event has a time of its own
    h = harness({}, undefined, new TickingClock());
    const concurrent = machine({
      M: {
        Type: 'Map',
        ItemProcessor: {
          StartAt: 'A',
          States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', End: true } },
        },
        End: true,
      },
    });
    // Act
    const events = await historyOfRun(h, concurrent, [1, 2, 3]);
    // Assess: later ids never have earlier times, and each iteration's events follow its own start
    expect(events).toHaveLength(24);
    const times = events.map((event) => event.timestamp!.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const started = events.filter((event) => event.type === 'MapIterationStarted').map((event) => event.id);
    expect(started).toHaveLength(3);
    for (const id of started) {
      const entered = events.find(
        (event) => event.previousEventId === id && event.type === 'PassStateEntered',
      );
      expect(entered, `the first state of the iteration started at event ${id}`).toBeDefined();
    }
  });

  it('links a failed Map iteration as AWS-recorded histories do', async () => {
    // Prepare: Pass -> Map (second item fails, caught) -> Pass, as recorded from AWS
    h = harness();
    const failing = betweenPasses(
      'M',
      {
        Type: 'Map',
        MaxConcurrency: 1,
        ItemProcessor: {
          StartAt: 'C',
          States: {
            C: { Type: 'Choice', Choices: [{ Variable: '$', NumericEquals: 2, Next: 'F' }], Default: 'H' },
            H: { Type: 'Pass', End: true },
            F: { Type: 'Fail', Error: 'Boom' },
          },
        },
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'After' }],
      },
      [1, 2],
    );
    // Act
    const events = await historyOfRun(h, failing);
    // Assess: MapIterationFailed and MapStateFailed both point at the failing state
    expect(links(events).slice(9)).toEqual([
      [10, 9, 'PassStateExited'],
      [11, 10, 'MapIterationSucceeded'],
      [12, 10, 'MapIterationStarted'],
      [13, 12, 'ChoiceStateEntered'],
      [14, 13, 'ChoiceStateExited'],
      [15, 14, 'FailStateEntered'],
      [16, 15, 'MapIterationFailed'],
      [17, 15, 'MapStateFailed'],
      [18, 17, 'MapStateExited'],
      [19, 18, 'PassStateEntered'],
      [20, 19, 'PassStateExited'],
      [21, 20, 'ExecutionSucceeded'],
    ]);
  });

  it.each([
    ['in memory', false],
    ['on a file', true],
  ])('gives ExecutionStarted the execution’s own input and role, as AWS does (%s)', async (_, onFile) => {
    // Prepare: an execution started with role A; the machine then moves to role B
    const dataDir = onFile ? mkdtempSync(join(tmpdir(), 'cutover-started-')) : undefined;
    h = harness({}, dataDir);
    const stateMachineArn = await createWaitingMachine(h, 'started', `${ROLE_ARN}-a`);
    const input = '{ "ticket" : "T-1" }';
    const { executionArn } = await h.sfn.startExecution({ stateMachineArn, input });
    await h.sfn.updateStateMachine({ stateMachineArn, roleArn: `${ROLE_ARN}-b` });
    // Act
    const [withData] = (await h.sfn.getExecutionHistory({ executionArn })).events!;
    const [withoutData] = (await h.sfn.getExecutionHistory({ executionArn, includeExecutionData: false }))
      .events!;
    // Assess
    expect(withData?.executionStartedEventDetails).toEqual({
      input,
      inputDetails: { truncated: false },
      roleArn: `${ROLE_ARN}-a`,
    });
    expect(withoutData?.executionStartedEventDetails).toEqual({
      inputDetails: { truncated: false },
      roleArn: `${ROLE_ARN}-a`,
    });
    await h.sfn.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers the API while a long loop of Pass and Choice states runs, and can stop it midway', async () => {
    // Prepare: 6,000 iterations (12,002 states, 24,006 events: within AWS's 25,000) of effect-free states
    h = harness();
    const loop = JSON.stringify(LOOP_DEFINITION);
    const finishing = await h.start(loop, { i: 0, n: 6_000 });
    const stopped = await h.start(loop, { i: 0, n: 6_000 });
    // Act
    await new Promise((resolve) => setImmediate(resolve));
    const midway = await h.sfn.describeExecution({ executionArn: finishing });
    await h.sfn.stopExecution({ executionArn: stopped });
    const finished = await h.sfn.awaitExecution(finishing);
    // Assess
    expect(midway.status).toBe('RUNNING');
    expect(finished.status).toBe('SUCCEEDED');
    expect(JSON.parse(finished.output!)).toEqual({ i: 6_000, n: 6_000 });
    const { events } = await h.sfn.getExecutionHistory({ executionArn: stopped, reverseOrder: true });
    expect(events![0]!.type).toBe('ExecutionAborted');
    expect(events![0]!.id).toBeLessThan(24_006);
  });
});

describe('Clock and retry policy', () => {
  it('reads WAIT_TIME_SCALE and refuses a bad one', () => {
    expect(RealClock.fromEnv({ WAIT_TIME_SCALE: '0' }).scale).toBe(0);
    expect(RealClock.fromEnv({}).scale).toBe(1);
    expect(
      ['0.1', ' 2 ', '.5', '1e-3', '3.'].map((scale) => RealClock.fromEnv({ WAIT_TIME_SCALE: scale }).scale),
    ).toEqual([0.1, 2, 0.5, 0.001, 3]);
    for (const scale of ['fast', '0x10', '0b1', '-1', 'Infinity', '1e400', '1_0']) {
      expect(() => RealClock.fromEnv({ WAIT_TIME_SCALE: scale })).toThrowError(
        /WAIT_TIME_SCALE must be a number >= 0/,
      );
    }
  });

  it('fires virtual timers in time order', async () => {
    // Prepare
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    const signal = new AbortController().signal;
    sleep(clock, 300, signal).then(() => fired.push('late'));
    sleep(clock, 100, signal).then(() => fired.push('early'));
    // Act
    await clock.advance(200);
    const midway = [...fired];
    await clock.advance(100);
    // Assess
    expect(midway).toEqual(['early']);
    expect(fired).toEqual(['early', 'late']);
  });

  it('wakes a real-clock timer longer than setTimeout allows at its time, and cancels it on the way', () => {
    // Prepare: Node fires a setTimeout of more than about 24.8 days at once
    vi.useFakeTimers();
    try {
      const clock = new RealClock(1);
      const day = 86_400_000;
      const woken: string[] = [];
      clock.setTimerAt(Date.now() + 30 * day, () => woken.push('30 days'));
      const cancelled = clock.setTimerAt(Date.now() + 40 * day, () => woken.push('40 days'));
      // Act
      vi.advanceTimersByTime(29 * day);
      const before = [...woken];
      clock.clearTimer(cancelled);
      vi.advanceTimersByTime(20 * day);
      // Assess
      expect(before).toEqual([]);
      expect(woken).toEqual(['30 days']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('fires real-clock timers in the order of their deadlines, equal ones in the order they were set', async () => {
    // Prepare: deadlines already past set latest first, one cancelled, two equal ones in the future; at
    // scale 0 a deadline an hour away is due at once
    const clock = new RealClock(1);
    const instant = new RealClock(0);
    const now = Date.now();
    const woken: string[] = [];
    clock.setTimerAt(now + 30, () => woken.push('in 30 ms, set first'));
    clock.setTimerAt(now - 10, () => woken.push('10 ms ago'));
    clock.setTimerAt(now - 30, () => woken.push('30 ms ago'));
    const cancelled = clock.setTimerAt(now - 40, () => woken.push('40 ms ago'));
    clock.setTimerAt(now + 30, () => woken.push('in 30 ms, set second'));
    clock.setTimerAt(now - 20, () => woken.push('20 ms ago'));
    const atScaleZero: string[] = [];
    instant.setTimerAt(now + 3_600_000, () => atScaleZero.push('in an hour'));
    clock.clearTimer(cancelled);
    const synchronously = [...woken];
    // Act
    await new Promise((resolve) => setTimeout(resolve, 60));
    // Assess
    expect(synchronously).toEqual([]);
    expect(woken).toEqual([
      '30 ms ago',
      '20 ms ago',
      '10 ms ago',
      'in 30 ms, set first',
      'in 30 ms, set second',
    ]);
    expect(atScaleZero).toEqual(['in an hour']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('leaves no Node timeout behind once its last timer is cleared, so the process may exit', () => {
    // Prepare
    const timeouts = () =>
      process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
    const before = timeouts();
    const clock = new RealClock(1);
    const timers = [clock.setTimerAt(Date.now() + 60_000, () => undefined)];
    timers.push(clock.setTimerAt(Date.now() + 30_000, () => undefined));
    const whilePending = timeouts();
    // Act
    for (const timer of timers) clock.clearTimer(timer);
    // Assess
    expect(whilePending - before).toBeGreaterThanOrEqual(1);
    expect(timeouts()).toBe(before);
    expect(clock.pendingTimers).toBe(0);
  });

  it('applies full jitter and gives up after MaxAttempts', () => {
    const retry = {
      Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 10, MaxAttempts: 1, JitterStrategy: 'FULL' as const }],
    };
    expect(decideOnError(retry, new StatesError('E', ''), [], () => 0.25)).toEqual({
      kind: 'retry',
      retries: [1],
      delayMs: 2500,
      retrier: 0,
    });
    expect(decideOnError(retry, new StatesError('E', ''), [1])).toEqual({
      kind: 'fail',
      exhaustedRetrier: 0,
    });
    expect(decideOnError(retry, new StatesError('F', ''), [])).toEqual({ kind: 'fail' });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '#local/clock.ts';
import { FUNCTION_ARN, type Harness, harness, machine } from './harness.ts';

let h: Harness;
afterEach(async () => {
  await h.sfn.close();
});

describe('Engine: state types', () => {
  it('runs Pass, Choice and Succeed with the JSONPath data flow in AWS order', async () => {
    // Prepare
    h = harness();
    const definition = machine({
      Prepare: {
        Type: 'Pass',
        InputPath: '$.order',
        Parameters: { 'id.$': '$.id', 'name.$': '$$.State.Name' },
        ResultPath: '$.prepared',
        Next: 'Route',
      },
      Route: {
        Type: 'Choice',
        Choices: [{ Variable: '$.prepared.id', StringEquals: 'o-1', Next: 'Done' }],
        Default: 'Other',
      },
      Other: { Type: 'Fail', Error: 'Unexpected' },
      Done: { Type: 'Succeed', OutputPath: '$.prepared' },
    });
    // Act
    const result = await h.run(definition, { order: { id: 'o-1' } });
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output!)).toEqual({ id: 'o-1', name: 'Prepare' });
  });

  it('gives $$.State its name and entry time (no RetryCount on a Pass), also after a Wait moved the clock', async () => {
    // Prepare
    h = harness({}, undefined, new VirtualClock(Date.UTC(2026, 0, 1) + 250));
    const startedAt = h.clock.now();
    const state = {
      'name.$': '$$.State.Name',
      'entered.$': '$$.State.EnteredTime',
    };
    const definition = machine({
      First: { Type: 'Pass', Parameters: state, ResultPath: '$.first', Next: 'Pause' },
      Pause: { Type: 'Wait', Seconds: 5, Next: 'Second' },
      Second: { Type: 'Pass', Parameters: { 'whole.$': '$$.State' }, ResultPath: '$.second', End: true },
    });
    // Act
    const result = await h.run(definition, {});
    // Assess
    expect(JSON.parse(result.output!)).toEqual({
      first: { name: 'First', entered: new Date(startedAt).toISOString() },
      second: { whole: { Name: 'Second', EnteredTime: new Date(startedAt + 5_000).toISOString() } },
    });
  });

  it('writes a context time on a whole second without a fraction, as AWS does', async () => {
    // Prepare: the execution starts, and its first state is entered, on a whole second
    h = harness({}, undefined, new VirtualClock(Date.UTC(2026, 5, 1, 12, 0, 0)));
    const definition = machine({
      First: {
        Type: 'Pass',
        Parameters: { 'start.$': '$$.Execution.StartTime', 'entered.$': '$$.State.EnteredTime' },
        End: true,
      },
    });
    // Act
    const result = await h.run(definition, {});
    // Assess
    expect(JSON.parse(result.output!)).toEqual({
      start: '2026-06-01T12:00:00Z',
      entered: '2026-06-01T12:00:00Z',
    });
  });

  it('fails with States.NoChoiceMatched when no rule matches and there is no Default', async () => {
    // Prepare
    h = harness();
    const definition = machine({
      Route: { Type: 'Choice', Choices: [{ Variable: '$.x', NumericEquals: 1, Next: 'End' }] },
      End: { Type: 'Succeed' },
    });
    // Act
    const result = await h.run(definition, { x: 2 });
    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.NoChoiceMatched' });
  });

  it('waits Seconds, SecondsPath, Timestamp and TimestampPath on the clock', async () => {
    // Prepare
    h = harness();
    const at = (ms: number) => new Date(h.clock.now() + ms).toISOString();
    const definition = machine({
      A: { Type: 'Wait', Seconds: 10, Next: 'B' },
      B: { Type: 'Wait', SecondsPath: '$.seconds', Next: 'C' },
      C: { Type: 'Wait', Timestamp: at(60_000), Next: 'D' },
      D: { Type: 'Wait', TimestampPath: '$.until', End: true },
    });
    const arn = await h.start(definition, { seconds: 20, until: at(100_000) });
    // Act + Assess
    await h.clock.advance(9_999);
    expect(await h.eventTypes(arn)).not.toContain('WaitStateExited');
    await h.clock.advance(1);
    await h.clock.advance(20_000);
    expect((await h.eventTypes(arn)).filter((type) => type === 'WaitStateExited')).toHaveLength(2);
    await h.clock.advance(70_000);
    const result = await h.sfn.describeExecution({ executionArn: arn });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.stopDate!.getTime() - result.startDate!.getTime()).toBe(100_000);
  });

  it('waits for a Timestamp or TimestampPath to its whole second, dropping the milliseconds as AWS does', async () => {
    // Prepare
    h = harness();
    const at = (ms: number) => new Date(h.clock.now() + ms).toISOString();
    const definition = machine({
      A: { Type: 'Wait', Timestamp: at(10_999), Next: 'B' },
      B: { Type: 'Wait', TimestampPath: '$.until', End: true },
    });
    const arn = await h.start(definition, { until: at(20_500) });
    // Act
    await h.clock.advance(10_000);
    const afterTen = await h.eventTypes(arn);
    await h.clock.advance(10_000);
    // Assess
    expect(afterTen.filter((type) => type === 'WaitStateExited')).toHaveLength(1);
    const result = await h.sfn.describeExecution({ executionArn: arn });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.stopDate!.getTime() - result.startDate!.getTime()).toBe(20_000);
  });

  it('fails with Error/Cause and ErrorPath/CausePath', async () => {
    // Prepare
    h = harness();
    const fixed = machine({ F: { Type: 'Fail', Error: 'Broken', Cause: 'because' } });
    const dynamic = machine({
      F: { Type: 'Fail', ErrorPath: '$.e', CausePath: "States.Format('code {}', $.c)" },
    });
    // Act
    const [a, b] = [await h.run(fixed), await h.run(dynamic, { e: 'FromInput', c: 7 })];
    // Assess
    expect(a).toMatchObject({ status: 'FAILED', error: 'Broken', cause: 'because' });
    expect(b).toMatchObject({ status: 'FAILED', error: 'FromInput', cause: 'code 7' });
  });

  it('runs Parallel branches and returns their outputs in branch order', async () => {
    // Prepare
    h = harness({ slow: async (p) => p });
    const definition = machine({
      P: {
        Type: 'Parallel',
        Branches: [
          {
            StartAt: 'W',
            States: {
              W: { Type: 'Wait', Seconds: 5, Next: 'R' },
              R: { Type: 'Pass', Result: 'first', End: true },
            },
          },
          { StartAt: 'T', States: { T: { Type: 'Task', Resource: FUNCTION_ARN('slow'), End: true } } },
        ],
        ResultSelector: { 'both.$': '$' },
        End: true,
      },
    });
    // Act
    const result = await h.run(definition, { n: 1 });
    // Assess
    expect(JSON.parse(result.output!)).toEqual({ both: ['first', { n: 1 }] });
  });

  it('starts no iteration of a Map whose Parallel branch was stopped by a sibling failing as the Map got going', async () => {
    // Prepare: the Map's branch is entered first; the Fail branch fails before the Map starts its iterations
    const calls: unknown[] = [];
    h = harness({ record: (payload) => calls.push(payload) });
    const definition = machine({
      P: {
        Type: 'Parallel',
        Branches: [
          {
            StartAt: 'M',
            States: {
              M: {
                Type: 'Map',
                ItemsPath: '$.items',
                ItemProcessor: {
                  StartAt: 'T',
                  States: { T: { Type: 'Task', Resource: FUNCTION_ARN('record'), End: true } },
                },
                End: true,
              },
            },
          },
          { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Broke', Cause: 'the second branch' } } },
        ],
        End: true,
      },
    });
    // Act
    const result = await h.run(definition, { items: [1, 2, 3] });
    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'Broke' });
    expect(calls).toEqual([]);
    const types = await h.eventTypes(result.executionArn!);
    expect(types).not.toContain('MapIterationStarted');
    expect(types.slice(-3)).toEqual(['MapStateAborted', 'ParallelStateFailed', 'ExecutionFailed']);
  });

  it('runs Map iterations (ItemSelector, $$.Map.Item) with MaxConcurrency, results in item order', async () => {
    // Prepare
    let running = 0;
    let peak = 0;
    h = harness({
      work: async (payload: unknown) => {
        const p = payload as { value: number; index: number };
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
        return p.value * 10 + p.index;
      },
    });
    const definition = machine({
      M: {
        Type: 'Map',
        ItemsPath: '$.items',
        MaxConcurrency: 2,
        ItemSelector: { 'value.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' },
        ItemProcessor: {
          StartAt: 'T',
          States: { T: { Type: 'Task', Resource: FUNCTION_ARN('work'), End: true } },
        },
        End: true,
      },
    });
    // Act
    const result = await h.run(definition, { items: [5, 4, 3, 2, 1] });
    // Assess
    expect(JSON.parse(result.output!)).toEqual([50, 41, 32, 23, 14]);
    expect(peak).toBe(2);
  });

  it('accepts the legacy Map fields Iterator and Parameters', async () => {
    // Prepare
    h = harness();
    const definition = machine({
      M: {
        Type: 'Map',
        Parameters: { 'v.$': '$$.Map.Item.Value' },
        Iterator: { StartAt: 'X', States: { X: { Type: 'Pass', End: true } } },
        End: true,
      },
    });
    // Act
    const result = await h.run(definition, ['a', 'b']);
    // Assess
    expect(JSON.parse(result.output!)).toEqual([{ v: 'a' }, { v: 'b' }]);
  });

  it('fails a Map whose iteration fails, recording MapIterationFailed and MapStateFailed', async () => {
    // Prepare
    h = harness();
    const definition = machine({
      M: {
        Type: 'Map',
        ItemProcessor: {
          StartAt: 'C',
          States: {
            C: { Type: 'Choice', Choices: [{ Variable: '$', NumericEquals: 2, Next: 'F' }], Default: 'OK' },
            F: { Type: 'Fail', Error: 'Two' },
            OK: { Type: 'Succeed' },
          },
        },
        End: true,
      },
    });
    // Act
    const result = await h.run(definition, [1, 2, 3]);
    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'Two' });
    const types = await h.eventTypes(result.executionArn!);
    expect(types).toContain('MapIterationFailed');
    expect(types.at(-2)).toBe('MapStateFailed');
  });

  it('never records a later event id with an earlier time, when iterations fail at once', async () => {
    // Prepare: a clock that moves 1 ms at every reading, so each event has its own time; every iteration's
    // function fails at once, so their failures queue before the first iteration's failure ends the Map
    const clock = new (class extends VirtualClock {
      #ticks = 0;
      override now(): number {
        return super.now() + ++this.#ticks;
      }
    })();
    h = harness(
      {
        fail: async () => {
          throw new Error('item failed');
        },
      },
      undefined,
      clock,
    );
    const definition = machine({
      M: {
        Type: 'Map',
        ItemProcessor: {
          StartAt: 'T',
          States: { T: { Type: 'Task', Resource: FUNCTION_ARN('fail'), End: true } },
        },
        End: true,
      },
    });
    // Act
    const result = await h.run(definition, [1, 2, 3, 4]);
    // Assess
    expect(result.status).toBe('FAILED');
    const times = (await h.history(result.executionArn!)).map((event) => event.timestamp!.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('records the abort of the iterations still running when another fails, as AWS does', async () => {
    // Prepare: item 0 fails at once, item 1 waits
    h = harness();
    const definition = machine({
      M: {
        Type: 'Map',
        ItemProcessor: {
          StartAt: 'C',
          States: {
            C: { Type: 'Choice', Choices: [{ Variable: '$', NumericEquals: 0, Next: 'F' }], Default: 'W' },
            F: { Type: 'Fail', Error: 'Zero' },
            W: { Type: 'Wait', Seconds: 3600, End: true },
          },
        },
        End: true,
      },
    });
    // Act
    const executionArn = await h.start(definition, [1, 0]);
    const result = await h.sfn.awaitExecution(executionArn);
    const events = await h.history(executionArn);
    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'Zero' });
    const ends = events
      .filter((event) => /Iteration(Failed|Aborted)|StateAborted|MapStateFailed/.test(event.type ?? ''))
      .map((event) => [
        event.type,
        event.mapIterationFailedEventDetails?.index ?? event.mapIterationAbortedEventDetails?.index,
      ]);
    expect(ends).toEqual([
      ['MapIterationFailed', 1],
      ['WaitStateAborted', undefined],
      ['MapIterationAborted', 0],
      ['MapStateFailed', undefined],
    ]);
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapStateStarted',
      ...['MapIterationStarted', 'ChoiceStateEntered', 'ChoiceStateExited', 'WaitStateEntered'],
      ...['MapIterationStarted', 'ChoiceStateEntered', 'ChoiceStateExited', 'FailStateEntered'],
      'MapIterationFailed',
      ...['WaitStateAborted', 'MapIterationAborted'],
      'MapStateFailed',
      'ExecutionFailed',
    ]);
  });

  it('records a branch failing at once after the events of the branch started before it', async () => {
    // Prepare: branch 0 waits, branch 1 fails at once
    h = harness();
    const definition = machine({
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } },
          { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Broke' } } },
        ],
        End: true,
      },
    });
    // Act
    const executionArn = await h.start(definition);
    const result = await h.sfn.awaitExecution(executionArn);
    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'Broke' });
    expect(await h.eventTypes(executionArn)).toEqual([
      'ExecutionStarted',
      'ParallelStateEntered',
      'ParallelStateStarted',
      'WaitStateEntered',
      'FailStateEntered',
      'WaitStateAborted',
      'ParallelStateFailed',
      'ExecutionFailed',
    ]);
  });

  it('records only TaskStateAborted for a .waitForTaskToken task aborted by a failing sibling branch', async () => {
    // Prepare: branch 0 waits for its token, branch 1 fails after a Wait
    const tokens: string[] = [];
    h = harness({ ask: (_p, context) => void tokens.push(context.taskToken!) });
    const definition = machine({
      P: {
        Type: 'Parallel',
        Branches: [
          {
            StartAt: 'Ask',
            States: {
              Ask: {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
                Parameters: { FunctionName: 'ask', Payload: { 'token.$': '$$.Task.Token' } },
                End: true,
              },
            },
          },
          {
            StartAt: 'Later',
            States: {
              Later: { Type: 'Wait', Seconds: 10, Next: 'Broke' },
              Broke: { Type: 'Fail', Error: 'Broke', Cause: 'the second branch' },
            },
          },
        ],
        End: true,
      },
    });
    const executionArn = await h.start(definition);
    await h.clock.advance(0);
    // Act
    await h.clock.advance(10_000);
    const result = await h.sfn.awaitExecution(executionArn);
    // Assess
    expect(tokens).toHaveLength(1);
    expect(result).toMatchObject({ status: 'FAILED', error: 'Broke', cause: 'the second branch' });
    expect(await h.eventTypes(executionArn)).toEqual([
      'ExecutionStarted',
      'ParallelStateEntered',
      'ParallelStateStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'WaitStateEntered',
      'TaskSubmitted',
      'WaitStateExited',
      'FailStateEntered',
      'TaskStateAborted',
      'ParallelStateFailed',
      'ExecutionFailed',
    ]);
  });

  it('fails an execution whose regular expressions backtrack past the limit, while the others run on', async () => {
    // Prepare: a filter regex that backtracks exponentially, and a StringMatches of many stars (linear)
    h = harness();
    const slowFilter = machine({
      Pick: { Type: 'Pass', Parameters: { 'hits.$': '$.items[?(@.s =~ /(a+)+$/)]' }, End: true },
    });
    const manyStars = machine({
      Route: {
        Type: 'Choice',
        Choices: [{ Variable: '$.s', StringMatches: `${'*a'.repeat(20)}*b`, Next: 'Matched' }],
        Default: 'NoMatch',
      },
      Matched: { Type: 'Pass', Result: 'matched', End: true },
      NoMatch: { Type: 'Pass', Result: 'no match', End: true },
    });
    const text = `${'a'.repeat(60)}c`;
    // Act
    const [slow, stars] = await Promise.all([
      h.run(slowFilter, { items: [{ s: text }] }),
      h.run(manyStars, { s: text }),
    ]);
    // Assess
    expect(slow).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(slow.cause).toContain("its regular expressions ran over 1000 ms, the local runtime's limit");
    expect(stars).toMatchObject({ status: 'SUCCEEDED', output: '"no match"' });
  });
});

/**
 * A Distributed Map runs its children as a Map Run, as on AWS: child executions of their own, of the labelled
 * state machine `<machine>/<label>`, which DescribeMapRun, ListMapRuns, UpdateMapRun and ListExecutions with a
 * `mapRunArn` answer for. Shapes as AWS records them (LocalStack's AWS-validated
 * tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json and
 * test_sfn_api_map_run.snapshot.json).
 */
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  DescribeStateMachineForExecutionCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListMapRunsCommand,
  RedriveExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  UpdateMapRunCommand,
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

const ROLE = 'arn:aws:iam::000000000000:role/map-runs';
const LAMBDA = 'arn:aws:lambda:us-east-1:000000000000:function:';
const DISTRIBUTED = { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** An item processor whose `check` passes an item's `value` up to 2 and fails with `TooBig` above. */
const CHECKING = {
  ProcessorConfig: DISTRIBUTED,
  StartAt: 'Check',
  States: { Check: { Type: 'Task', Resource: `${LAMBDA}check`, End: true } },
};

let counter = 0;

async function createMachine(
  client: SFNClient,
  states: Record<string, unknown>,
  startAt = 'M',
  topLevel: Record<string, unknown> = {},
) {
  const name = `map-runs-${++counter}`;
  const definition = JSON.stringify({ StartAt: startAt, States: states, ...topLevel });
  const { stateMachineArn } = await client.send(
    new CreateStateMachineCommand({ name, definition, roleArn: ROLE }),
  );
  return { name, stateMachineArn: stateMachineArn! };
}

async function run(client: SFNClient, stateMachineArn: string, input: unknown) {
  const { executionArn } = await client.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
  );
  return waitForExecution(client, executionArn!);
}

function mapRunArnOf(history: HistoryEvent[]): string {
  const started = history.find((event) => event.type === 'MapRunStarted');
  return started!.mapRunStartedEventDetails!.mapRunArn!;
}

async function children(client: SFNClient, mapRunArn: string) {
  const { executions } = await client.send(new ListExecutionsCommand({ mapRunArn }));
  return executions ?? [];
}

describe('Map Runs', () => {
  let runtime: TestRuntime;
  let client: SFNClient;
  /** Releases the `hold` function's calls, which wait for it. */
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });

  beforeAll(async () => {
    const lambdas = new MapLambdaRegistry({
      hold: async () => {
        await held;
        return 'released';
      },
      check: (payload) => {
        const { value } = payload as { value: number };
        if (typeof value === 'number' && value > 2) {
          const error = new Error(`value ${value} is over 2`);
          error.name = 'TooBig';
          throw error;
        }
        return { checked: value };
      },
    });
    runtime = await startTestRuntime({ lambdas });
    client = runtime.client;
  });

  afterAll(async () => {
    release();
    await runtime.close();
  });

  it('records MapRunStarted and MapRunSucceeded in the parent, and each child state in its own history', async () => {
    // Prepare
    const map = {
      Type: 'Map',
      Label: 'Doubler',
      MaxConcurrency: 2,
      ItemProcessor: {
        ProcessorConfig: DISTRIBUTED,
        StartAt: 'Double',
        States: {
          Double: {
            Type: 'Pass',
            Parameters: {
              'twice.$': 'States.MathAdd($.n, $.n)',
              'machine.$': '$$.StateMachine.Name',
              'execution.$': '$$.Execution.Name',
            },
            End: true,
          },
        },
      },
      End: true,
    };
    const { name, stateMachineArn } = await createMachine(client, { M: map });
    // Act
    const execution = await run(client, stateMachineArn, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const history = await executionHistory(client, execution.executionArn!);
    expect(history.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapStateStarted',
      'MapRunStarted',
      'MapRunSucceeded',
      'MapStateSucceeded',
      'MapStateExited',
      'ExecutionSucceeded',
    ]);
    const mapRunArn = mapRunArnOf(history);
    expect(mapRunArn).toMatch(new RegExp(`^arn:aws:states:us-east-1:000000000000:mapRun:${name}/Doubler:`));
    const output = JSON.parse(execution.output!) as { twice: number; machine: string; execution: string }[];
    expect(output.map((item) => item.twice)).toEqual([2, 4, 6]);
    expect(new Set(output.map((item) => item.machine))).toEqual(new Set([`${name}/Doubler`]));
    const listed = await children(client, mapRunArn);
    expect(listed).toHaveLength(3);
    expect(new Set(listed.map((child) => child.name))).toEqual(new Set(output.map((item) => item.execution)));
    for (const child of listed) {
      expect(child).toMatchObject({
        stateMachineArn: `${stateMachineArn}/Doubler`,
        status: 'SUCCEEDED',
        mapRunArn,
        itemCount: 1,
      });
      expect(child.name).toMatch(UUID);
      expect(child.executionArn).toBe(
        `arn:aws:states:us-east-1:000000000000:execution:${name}/Doubler:${child.name}`,
      );
      const childHistory = await executionHistory(client, child.executionArn!);
      expect(childHistory.map((event) => event.type)).toEqual([
        'ExecutionStarted',
        'PassStateEntered',
        'PassStateExited',
        'ExecutionSucceeded',
      ]);
      const described = await client.send(new DescribeExecutionCommand({ executionArn: child.executionArn }));
      expect(described).toMatchObject({ mapRunArn, stateMachineArn: `${stateMachineArn}/Doubler` });
    }
    const forChild = await client.send(
      new DescribeStateMachineForExecutionCommand({ executionArn: listed[0]!.executionArn }),
    );
    expect(forChild).toMatchObject({
      stateMachineArn: `${stateMachineArn}/Doubler`,
      mapRunArn,
      label: 'Doubler',
    });
    expect(JSON.parse(forChild.definition!)).toMatchObject({ StartAt: 'Double' });
  });

  it('links each of two Distributed Maps running at once to its own Map Run', async () => {
    // Prepare: an inline Map whose two iterations each run a Distributed Map
    const inner = {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemProcessor: {
        ProcessorConfig: DISTRIBUTED,
        StartAt: 'P',
        States: { P: { Type: 'Pass', End: true } },
      },
      End: true,
    };
    const outer = {
      Type: 'Map',
      ItemProcessor: { StartAt: 'Inner', States: { Inner: inner } },
      End: true,
    };
    const { stateMachineArn } = await createMachine(client, { M: outer });
    // Act
    const execution = await run(client, stateMachineArn, [{ items: [1] }, { items: [2] }]);
    // Assess: each MapStateSucceeded points at a MapRunSucceeded of its own, which points at a MapRunStarted
    expect(execution.status).toBe('SUCCEEDED');
    const history = await executionHistory(client, execution.executionArn!);
    const byId = new Map(history.map((event) => [event.id!, event]));
    const ends = history
      .filter(
        (event) =>
          event.type === 'MapStateSucceeded' &&
          byId.get(event.previousEventId!)?.type !== 'MapIterationSucceeded',
      )
      .map((event) => byId.get(event.previousEventId!)!);
    expect(ends.map((event) => event.type)).toEqual(['MapRunSucceeded', 'MapRunSucceeded']);
    expect(new Set(ends.map((event) => event.id)).size).toBe(2);
    expect(ends.map((event) => byId.get(event.previousEventId!)?.type)).toEqual([
      'MapRunStarted',
      'MapRunStarted',
    ]);
  });

  it('answers DescribeMapRun and ListMapRuns as AWS records them', async () => {
    // Prepare: no Label (a UUID is generated), no MaxConcurrency, an ItemBatcher of two items a child
    const map = {
      Type: 'Map',
      ItemBatcher: { MaxItemsPerBatch: 2 },
      ItemProcessor: {
        ProcessorConfig: DISTRIBUTED,
        StartAt: 'Count',
        States: {
          Count: { Type: 'Pass', Parameters: { 'size.$': 'States.ArrayLength($.Items)' }, End: true },
        },
      },
      End: true,
    };
    const { stateMachineArn } = await createMachine(client, { M: map });
    // Act
    const execution = await run(client, stateMachineArn, [1, 2, 3, 4, 5]);
    const mapRunArn = mapRunArnOf(await executionHistory(client, execution.executionArn!));
    const described = await client.send(new DescribeMapRunCommand({ mapRunArn }));
    const listed = await client.send(new ListMapRunsCommand({ executionArn: execution.executionArn }));
    // Assess
    expect(JSON.parse(execution.output!)).toEqual([{ size: 2 }, { size: 2 }, { size: 1 }]);
    const label = /:stateMachine:[^/]+\/([^:]+)$/.exec(listed.mapRuns![0]!.stateMachineArn!)?.[1];
    expect(label).toMatch(UUID);
    expect(listed.mapRuns).toEqual([
      {
        executionArn: execution.executionArn,
        mapRunArn,
        stateMachineArn: `${stateMachineArn}/${label}`,
        startDate: described.startDate,
        stopDate: described.stopDate,
      },
    ]);
    const counts = (succeeded: number) => ({
      pending: 0,
      running: 0,
      succeeded,
      failed: 0,
      timedOut: 0,
      aborted: 0,
      total: succeeded,
      resultsWritten: succeeded,
      failuresNotRedrivable: 0,
      pendingRedrive: 0,
    });
    expect(described).toMatchObject({
      mapRunArn,
      executionArn: execution.executionArn,
      status: 'SUCCEEDED',
      // No MaxConcurrency: AWS answers the largest (floci-io/floci's StepFunctionsDescribeMapRunIntegrationTest)
      maxConcurrency: 2_147_483_647,
      toleratedFailurePercentage: 0,
      toleratedFailureCount: 0,
      itemCounts: counts(5),
      executionCounts: counts(3),
      redriveCount: 0,
    });
    expect(described.stopDate!.getTime()).toBeGreaterThanOrEqual(described.startDate!.getTime());
    expect(described).not.toHaveProperty('redriveDate');
  });

  it('fails the Map Run once a child fails beyond the thresholds, with AWS cause, and leaves the rest pending', async () => {
    // Prepare: one child at a time; the second item fails
    const map = {
      Type: 'Map',
      MaxConcurrency: 1,
      ItemSelector: { 'value.$': '$$.Map.Item.Value' },
      ItemProcessor: CHECKING,
      End: true,
    };
    const { stateMachineArn } = await createMachine(client, { M: map });
    // Act
    const execution = await run(client, stateMachineArn, [1, 3, 2, 1]);
    // Assess
    expect(execution).toMatchObject({
      status: 'FAILED',
      error: 'States.ExceedToleratedFailureThreshold',
      cause: 'The specified tolerated failure threshold was exceeded',
    });
    const history = await executionHistory(client, execution.executionArn!);
    expect(history.map((event) => event.type).slice(1)).toEqual([
      'MapStateEntered',
      'MapStateStarted',
      'MapRunStarted',
      'MapRunFailed',
      'MapStateFailed',
      'ExecutionFailed',
    ]);
    expect(history.find((event) => event.type === 'MapRunFailed')?.mapRunFailedEventDetails).toEqual({
      error: 'States.ExceedToleratedFailureThreshold',
      cause: 'The specified tolerated failure threshold was exceeded',
    });
    const mapRunArn = mapRunArnOf(history);
    const described = await client.send(new DescribeMapRunCommand({ mapRunArn }));
    expect(described.status).toBe('FAILED');
    expect(described.itemCounts).toMatchObject({ pending: 2, succeeded: 1, failed: 1, total: 4 });
    const failed = await client.send(new ListExecutionsCommand({ mapRunArn, statusFilter: 'FAILED' }));
    expect(failed.executions).toHaveLength(1);
    const child = await client.send(
      new DescribeExecutionCommand({ executionArn: failed.executions![0]!.executionArn }),
    );
    expect(child).toMatchObject({
      status: 'FAILED',
      error: 'TooBig',
      input: '{"value":3}',
      redriveStatus: 'REDRIVABLE_BY_MAP_RUN',
      mapRunArn,
    });
  });

  it('aborts a child that was starting as the Map Run failed, and ends the parent without waiting for it', async () => {
    // Prepare: two at once; the second item fails while the first child is held
    const map = {
      Type: 'Map',
      MaxConcurrency: 2,
      ItemSelector: { 'value.$': '$$.Map.Item.Value' },
      ItemProcessor: {
        ProcessorConfig: DISTRIBUTED,
        StartAt: 'Route',
        States: {
          Route: {
            Type: 'Choice',
            Choices: [{ Variable: '$.value', StringEquals: 'hold', Next: 'Hold' }],
            Default: 'Check',
          },
          Hold: { Type: 'Task', Resource: `${LAMBDA}hold`, End: true },
          Check: { Type: 'Task', Resource: `${LAMBDA}check`, End: true },
        },
      },
      End: true,
    };
    const { stateMachineArn } = await createMachine(client, { M: map });
    // Act
    const execution = await run(client, stateMachineArn, ['hold', 5, 'hold', 'hold']);
    // Assess
    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
    const mapRunArn = mapRunArnOf(await executionHistory(client, execution.executionArn!));
    const listed = await children(client, mapRunArn);
    expect(listed.map((child) => child.status).sort()).toEqual(['ABORTED', 'FAILED']);
    const described = await client.send(new DescribeMapRunCommand({ mapRunArn }));
    expect(described.executionCounts).toMatchObject({ running: 0, aborted: 1, failed: 1, pending: 2 });
  });

  it('returns a tolerated failed child as its execution description', async () => {
    // Prepare
    const map = {
      Type: 'Map',
      ToleratedFailureCount: 1,
      ItemSelector: { 'value.$': '$$.Map.Item.Value' },
      ItemProcessor: CHECKING,
      End: true,
    };
    const { stateMachineArn } = await createMachine(client, { M: map });
    // Act
    const execution = await run(client, stateMachineArn, [1, 3]);
    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const [succeeded, failed] = JSON.parse(execution.output!) as [unknown, Record<string, unknown>];
    expect(succeeded).toEqual({ checked: 1 });
    const child = await client.send(
      new DescribeExecutionCommand({ executionArn: failed.ExecutionArn as string }),
    );
    expect(failed).toEqual({
      Cause: child.cause,
      Error: 'TooBig',
      ExecutionArn: child.executionArn,
      Input: '{"value":3}',
      InputDetails: { Included: true },
      Name: child.name,
      OutputDetails: { Included: true },
      RedriveCount: 0,
      RedriveStatus: 'REDRIVABLE_BY_MAP_RUN',
      StartDate: child.startDate!.toISOString(),
      StateMachineArn: child.stateMachineArn,
      Status: 'FAILED',
      StopDate: child.stopDate!.toISOString(),
    });
    const mapRunArn = mapRunArnOf(await executionHistory(client, execution.executionArn!));
    const described = await client.send(new DescribeMapRunCommand({ mapRunArn }));
    expect(described).toMatchObject({ status: 'SUCCEEDED', toleratedFailureCount: 1 });
    expect(described.itemCounts).toMatchObject({ succeeded: 1, failed: 1, resultsWritten: 2 });
  });

  it('runs a Map over 10,000 items, whose children would not fit in one history of 25,000 events', async () => {
    // Prepare
    const map = {
      Type: 'Map',
      ItemProcessor: {
        ProcessorConfig: DISTRIBUTED,
        StartAt: 'Tag',
        States: { Tag: { Type: 'Pass', Parameters: { 'id.$': '$' }, End: true } },
      },
      End: true,
    };
    const { stateMachineArn } = await createMachine(client, { M: map });
    const items = Array.from({ length: 10_000 }, (_, index) => index);
    // Act
    const execution = await run(client, stateMachineArn, items);
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual(items.map((id) => ({ id })));
    const history = await executionHistory(client, execution.executionArn!);
    expect(history).toHaveLength(8);
    const described = await client.send(new DescribeMapRunCommand({ mapRunArn: mapRunArnOf(history) }));
    expect(described.executionCounts).toMatchObject({ succeeded: 10_000, total: 10_000 });
  }, 60_000);

  it('starts a new Map Run for each attempt of a retried Map, and a Catch takes its failure', async () => {
    // Prepare
    const map = {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemSelector: { 'value.$': '$$.Map.Item.Value' },
      ItemProcessor: CHECKING,
      Retry: [
        { ErrorEquals: ['States.ExceedToleratedFailureThreshold'], MaxAttempts: 1, IntervalSeconds: 1 },
      ],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Caught' }],
      End: true,
    };
    const { stateMachineArn } = await createMachine(client, { M: map, Caught: { Type: 'Pass', End: true } });
    // Act
    const execution = await run(client, stateMachineArn, { items: [5] });
    const { mapRuns } = await client.send(new ListMapRunsCommand({ executionArn: execution.executionArn }));
    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({
      items: [5],
      failure: {
        Error: 'States.ExceedToleratedFailureThreshold',
        Cause: 'The specified tolerated failure threshold was exceeded',
      },
    });
    expect(mapRuns).toHaveLength(2);
    expect(mapRuns![0]!.mapRunArn).not.toBe(mapRuns![1]!.mapRunArn);
    const history = await executionHistory(client, execution.executionArn!);
    expect(history.filter((event) => event.type?.startsWith('MapRun')).map((event) => event.type)).toEqual([
      'MapRunStarted',
      'MapRunFailed',
      'MapRunStarted',
      'MapRunFailed',
    ]);
  });

  it('fails the Map Run when a child input is over the payload limit', async () => {
    // Prepare: an item of 150,000 characters, which the ItemSelector gives its child twice
    const map = {
      Type: 'Map',
      ItemSelector: { 'first.$': '$$.Map.Item.Value', 'again.$': '$$.Map.Item.Value' },
      ItemProcessor: {
        ProcessorConfig: DISTRIBUTED,
        StartAt: 'P',
        States: { P: { Type: 'Pass', End: true } },
      },
      End: true,
    };
    const { stateMachineArn } = await createMachine(client, { M: map });
    // Act
    const execution = await run(client, stateMachineArn, ['x'.repeat(150_000)]);
    // Assess
    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    const history = await executionHistory(client, execution.executionArn!);
    const mapRunArn = mapRunArnOf(history);
    expect(history.find((event) => event.type === 'MapRunFailed')?.mapRunFailedEventDetails?.error).toBe(
      'States.DataLimitExceeded',
    );
    const described = await client.send(new DescribeMapRunCommand({ mapRunArn }));
    expect(described).toMatchObject({ status: 'FAILED', executionCounts: { pending: 1, total: 1 } });
  });

  it.each([
    [
      'States.DataLimitExceeded',
      undefined,
      { 'first.$': '$$.Map.Item.Value', 'again.$': '$$.Map.Item.Value' },
      'x'.repeat(150_000),
    ],
    ['States.Runtime', undefined, { 'value.$': '$$.Map.Item.Value.missing' }, {}],
    ['States.Runtime', { MaxItemsPerBatch: 2 }, { 'value.$': '$$.Map.Item.Value.missing' }, {}],
  ])(
    'starts a new Map Run when the parent is redriven after its Map Run failed with %s (ItemBatcher: %j)',
    async (error, ItemBatcher, selector, item) => {
      // Prepare: a Map Run that fails as its child starts, or (batched) as it selects its items
      const map = { Type: 'Map', ItemSelector: selector, ItemBatcher, ItemProcessor: CHECKING, End: true };
      const { stateMachineArn } = await createMachine(client, { M: map });
      const failed = await run(client, stateMachineArn, [item]);
      const executionArn = failed.executionArn!;
      const [first] = (await client.send(new ListMapRunsCommand({ executionArn }))).mapRuns!;

      // Act
      await client.send(new RedriveExecutionCommand({ executionArn }));
      const redriven = await waitForExecution(client, executionArn);

      // Assess: the same failure, from a second Map Run; the first was not redriven
      expect(failed).toMatchObject({ status: 'FAILED', error });
      expect(redriven).toMatchObject({ status: 'FAILED', error, redriveCount: 1 });
      const mapRuns = (await client.send(new ListMapRunsCommand({ executionArn }))).mapRuns!;
      expect(mapRuns.map((mapRun) => mapRun.mapRunArn)).toEqual([first!.mapRunArn, expect.any(String)]);
      expect(mapRuns[1]!.mapRunArn).not.toBe(first!.mapRunArn);
      const history = await executionHistory(client, executionArn);
      expect(history.filter((event) => event.type === 'MapRunStarted')).toHaveLength(2);
      expect(history.filter((event) => event.type === 'MapRunFailed')).toHaveLength(2);
      expect(history.filter((event) => event.type === 'MapRunRedriven')).toHaveLength(0);
      const firstAfter = await client.send(new DescribeMapRunCommand({ mapRunArn: first!.mapRunArn }));
      expect(firstAfter).toMatchObject({ status: 'FAILED', redriveCount: 0 });
    },
  );

  it('fails the Map state with States.Runtime when its Map Run was redriven 1,000 times already', async () => {
    // Prepare: a child that fails every time, its Map Run redriven 1,000 times with its parent
    const map = {
      Type: 'Map',
      ItemProcessor: CHECKING,
      End: true,
    };
    const { stateMachineArn } = await createMachine(client, { M: map });
    const { executionArn } = await run(client, stateMachineArn, [{ value: 3 }]);
    const redrive = async () => {
      await client.send(new RedriveExecutionCommand({ executionArn }));
      for (;;) {
        const { status } = await client.send(new DescribeExecutionCommand({ executionArn }));
        if (status !== 'RUNNING') return status;
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    for (let round = 1; round <= 1000; round++) expect(await redrive()).toBe('FAILED');
    const mapRunArn = mapRunArnOf(await executionHistory(client, executionArn!));

    // Act
    await redrive();

    // Assess
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Runtime', redriveCount: 1001 });
    expect(execution.cause).toContain('redriven 1000 times');
    const described = await client.send(new DescribeMapRunCommand({ mapRunArn }));
    expect(described).toMatchObject({ status: 'FAILED', redriveCount: 1000 });
    const history = await executionHistory(client, executionArn!);
    expect(history.filter((event) => event.type === 'MapRunRedriven')).toHaveLength(1000);
  });

  it('fails the Map state, before its Map Run starts, when MaxConcurrencyPath selects more than a Java int holds', async () => {
    // Prepare: DescribeMapRun's maxConcurrency is an integer of 32 bits in AWS's API model
    const map = {
      Type: 'Map',
      MaxConcurrencyPath: '$.limit',
      ItemsPath: '$.items',
      ItemProcessor: CHECKING,
      End: true,
    };
    const { stateMachineArn } = await createMachine(client, { M: map });
    // Act
    const execution = await run(client, stateMachineArn, { limit: 2 ** 40, items: [{ value: 1 }] });
    // Assess
    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(execution.cause).toContain('MaxConcurrency must be an integer from 0 to 2147483647.');
    const history = await executionHistory(client, execution.executionArn!);
    expect(history.some((event) => event.type === 'MapRunStarted')).toBe(false);
  });

  it('runs each Map its own item processor when two Maps have the same Label', async () => {
    // Prepare
    const mapOf = (result: string) => ({
      Type: 'Map',
      Label: 'Same',
      ItemProcessor: {
        ProcessorConfig: DISTRIBUTED,
        StartAt: `Give${result}`,
        States: { [`Give${result}`]: { Type: 'Pass', Result: result, End: true } },
      },
      ResultPath: `$.${result}`,
    });
    const states = {
      A: { ...mapOf('first'), ItemsPath: '$.items', Next: 'B' },
      B: { ...mapOf('second'), ItemsPath: '$.items', End: true },
    };
    const { stateMachineArn } = await createMachine(client, states, 'A');
    // Act
    const execution = await run(client, stateMachineArn, { items: [1] });
    // Assess
    expect(JSON.parse(execution.output!)).toEqual({ items: [1], first: ['first'], second: ['second'] });
  });

  it('refuses bad Map Run requests naming the field, and changes nothing', async () => {
    // Prepare
    const map = {
      Type: 'Map',
      MaxConcurrency: 4,
      ItemProcessor: {
        ProcessorConfig: DISTRIBUTED,
        StartAt: 'P',
        States: { P: { Type: 'Pass', End: true } },
      },
      End: true,
    };
    const { stateMachineArn } = await createMachine(client, { M: map });
    const execution = await run(client, stateMachineArn, [1]);
    const mapRunArn = mapRunArnOf(await executionHistory(client, execution.executionArn!));
    const missing = mapRunArn.replace(/:[^:]+$/, ':00000000-0000-0000-0000-000000000000');
    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => 'answered',
        (error: Error) => `${error.name}: ${error.message}`,
      );
    // Act
    const refusals = {
      finished: await refusal(client.send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: 2 }))),
      nothing: await refusal(client.send(new UpdateMapRunCommand({ mapRunArn }))),
      percentage: await refusal(
        client.send(new UpdateMapRunCommand({ mapRunArn, toleratedFailurePercentage: 101 })),
      ),
      negative: await refusal(client.send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: -1 }))),
      overInt: await refusal(client.send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: 2 ** 31 }))),
      unknown: await refusal(client.send(new DescribeMapRunCommand({ mapRunArn: missing }))),
      malformed: await refusal(client.send(new DescribeMapRunCommand({ mapRunArn: 'arn:aws:states:x' }))),
      redriveChild: await refusal(
        client.send(
          new RedriveExecutionCommand({ executionArn: (await children(client, mapRunArn))[0]!.executionArn }),
        ),
      ),
    };
    // Assess
    expect(refusals.finished).toBe(
      'ValidationException: Cannot update a Map Run that is SUCCEEDED: only a RUNNING Map Run can be updated',
    );
    expect(refusals.nothing).toMatch(/^ValidationException: Provide at least one of maxConcurrency/);
    expect(refusals.percentage).toMatch(/^ValidationException: .*'toleratedFailurePercentage'/);
    expect(refusals.negative).toMatch(/^ValidationException: .*'maxConcurrency'/);
    expect(refusals.overInt).toBe(
      "ValidationException: 1 validation error detected: Value '2147483648' at 'maxConcurrency' failed to satisfy constraint: Member must have value less than or equal to 2147483647",
    );
    expect(refusals.unknown).toBe(`ResourceNotFound: Resource not found: '${missing}'`);
    expect(refusals.malformed).toMatch(/^InvalidArn: .*mapRunArn/);
    expect(refusals.redriveChild).toMatch(/^ExecutionNotRedrivable: .*Map Run/);
    const described = await client.send(new DescribeMapRunCommand({ mapRunArn }));
    expect(described).toMatchObject({
      status: 'SUCCEEDED',
      maxConcurrency: 4,
      toleratedFailurePercentage: 0,
    });
  });
});

describe('Map Runs while they run (virtual clock)', () => {
  let runtime: TestRuntime;
  let client: SFNClient;
  const clock = new VirtualClock();

  beforeAll(async () => {
    // `gate` fails in an execution's first attempt and passes once it was redriven.
    const lambdas = new MapLambdaRegistry({
      gate: (payload) => {
        if ((payload as { redriveCount: number }).redriveCount > 0) return 'passed';
        const error = new Error('not redriven yet');
        error.name = 'FirstAttempt';
        throw error;
      },
    });
    runtime = await startTestRuntime({ clock, lambdas });
    client = runtime.client;
  });

  afterAll(async () => {
    await runtime.close();
  });

  /** A Distributed Map whose children each wait 60 s, one at a time. */
  const waiting = {
    Type: 'Map',
    MaxConcurrency: 1,
    ItemProcessor: {
      ProcessorConfig: DISTRIBUTED,
      StartAt: 'Hold',
      States: { Hold: { Type: 'Wait', Seconds: 60, End: true } },
    },
    End: true,
  };

  /** Starts a `map` (the waiting one by default) over `items` and answers once its Map Run started. */
  async function startWaiting(
    items: unknown[],
    map: object = waiting,
    topLevel: Record<string, unknown> = {},
  ) {
    const { stateMachineArn } = await createMachine(client, { M: map }, 'M', topLevel);
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(items) }),
    );
    const mapRunArn = await pollFor(async () => {
      const history = await executionHistory(client, executionArn!);
      return history.some((event) => event.type === 'MapRunStarted') ? mapRunArnOf(history) : undefined;
    });
    return { executionArn: executionArn!, mapRunArn };
  }

  async function running(mapRunArn: string): Promise<number> {
    const { executions } = await client.send(
      new ListExecutionsCommand({ mapRunArn, statusFilter: 'RUNNING' }),
    );
    return executions!.length;
  }

  it('starts more children at once when UpdateMapRun raises maxConcurrency', async () => {
    // Prepare
    const { executionArn, mapRunArn } = await startWaiting([1, 2, 3, 4]);
    await pollFor(async () => ((await running(mapRunArn)) === 1 ? true : undefined));
    // Act
    await client.send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: 3, toleratedFailureCount: 2 }));
    // Assess
    await pollFor(async () => ((await running(mapRunArn)) === 3 ? true : undefined));
    const described = await client.send(new DescribeMapRunCommand({ mapRunArn }));
    expect(described).toMatchObject({ status: 'RUNNING', maxConcurrency: 3, toleratedFailureCount: 2 });
    expect(described).not.toHaveProperty('stopDate');
    expect(described.executionCounts).toMatchObject({ pending: 1, running: 3, total: 4, resultsWritten: 0 });
    await clock.advance(60_000);
    await clock.advance(60_000);
    const execution = await waitForExecution(client, executionArn);
    expect(execution.status).toBe('SUCCEEDED');
  });

  it('runs every item when UpdateMapRun lowers maxConcurrency while children run', async () => {
    // Prepare: three at once, all ending together
    const { executionArn, mapRunArn } = await startWaiting([1, 2, 3, 4, 5, 6], {
      ...waiting,
      MaxConcurrency: 3,
    });
    await pollFor(async () => ((await running(mapRunArn)) === 3 ? true : undefined));
    // Act
    await client.send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: 1 }));
    await clock.advance(60_000);
    // Assess: one at a time now, until all six ran
    for (let left = 3; left > 0; left--) {
      await pollFor(async () => ((await running(mapRunArn)) === 1 ? true : undefined));
      await clock.advance(60_000);
    }
    const execution = await waitForExecution(client, executionArn);
    expect(execution).toMatchObject({ status: 'SUCCEEDED', output: '[1,2,3,4,5,6]' });
  });

  it('waits for the children of workers UpdateMapRun added, whichever child ends first', async () => {
    // Prepare: one at a time; the first child has waited 30 s when two more may run
    const { executionArn, mapRunArn } = await startWaiting([1, 2, 3]);
    await pollFor(async () => ((await running(mapRunArn)) === 1 ? true : undefined));
    await clock.advance(30_000);
    await client.send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: 3 }));
    await pollFor(async () => ((await running(mapRunArn)) === 3 ? true : undefined));
    // Act: the first child ends, the two others still wait
    await clock.advance(30_000);
    await pollFor(async () => ((await running(mapRunArn)) === 2 ? true : undefined));
    // Assess
    expect((await client.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await clock.advance(30_000);
    const execution = await waitForExecution(client, executionArn);
    expect(execution).toMatchObject({ status: 'SUCCEEDED', output: '[1,2,3]' });
  });

  it('aborts the running children and the Map Run when the parent times out', async () => {
    // Prepare: the parent may run 30 s; each child waits 60 s
    const { executionArn, mapRunArn } = await startWaiting([1, 2], waiting, { TimeoutSeconds: 30 });
    await pollFor(async () => ((await running(mapRunArn)) === 1 ? true : undefined));
    // Act
    await clock.advance(30_000);
    // Assess
    const execution = await waitForExecution(client, executionArn);
    expect(execution.status).toBe('TIMED_OUT');
    const described = await pollFor(async () => {
      const map = await client.send(new DescribeMapRunCommand({ mapRunArn }));
      return map.executionCounts?.running === 0 ? map : undefined;
    });
    expect(described).toMatchObject({ status: 'ABORTED', executionCounts: { aborted: 1, pending: 1 } });
  });

  it('aborts the running children and the Map Run when the parent is stopped', async () => {
    // Prepare
    const { executionArn, mapRunArn } = await startWaiting([1, 2, 3]);
    await pollFor(async () => ((await running(mapRunArn)) === 1 ? true : undefined));
    // Act
    await client.send(new StopExecutionCommand({ executionArn }));
    // Assess
    const described = await pollFor(async () => {
      const map = await client.send(new DescribeMapRunCommand({ mapRunArn }));
      return map.status === 'RUNNING' ? undefined : map;
    });
    expect(described.status).toBe('ABORTED');
    expect(described.executionCounts).toMatchObject({ aborted: 1, pending: 2, running: 0 });
    const [child] = await children(client, mapRunArn);
    const childHistory = await executionHistory(client, child!.executionArn!);
    expect(childHistory.at(-1)?.type).toBe('ExecutionAborted');
  });

  it('redrives an aborted Map Run with its parent: the aborted child runs on, the pending ones start', async () => {
    // Prepare: stopped while its first child waits
    const { executionArn, mapRunArn } = await startWaiting([1, 2]);
    await pollFor(async () => ((await running(mapRunArn)) === 1 ? true : undefined));
    await client.send(new StopExecutionCommand({ executionArn }));
    await waitForExecution(client, executionArn);
    const [aborted] = await children(client, mapRunArn);
    // Act
    await client.send(new RedriveExecutionCommand({ executionArn }));
    await pollFor(async () => ((await running(mapRunArn)) === 1 ? true : undefined));
    await clock.advance(60_000);
    await pollFor(async () => ((await running(mapRunArn)) === 1 ? true : undefined));
    await clock.advance(60_000);
    // Assess
    const execution = await waitForExecution(client, executionArn);
    expect(execution).toMatchObject({ status: 'SUCCEEDED', output: '[1,2]', redriveCount: 1 });
    const described = await client.send(new DescribeMapRunCommand({ mapRunArn }));
    expect(described).toMatchObject({
      status: 'SUCCEEDED',
      redriveCount: 1,
      executionCounts: { succeeded: 2 },
    });
    expect(described.redriveDate).toBeInstanceOf(Date);
    const redriven = await client.send(new DescribeExecutionCommand({ executionArn: aborted!.executionArn }));
    expect(redriven).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    const listed = await client.send(new ListExecutionsCommand({ mapRunArn, redriveFilter: 'REDRIVEN' }));
    expect(listed.executions?.map((child) => child.executionArn)).toEqual([aborted!.executionArn]);
    const history = await executionHistory(client, executionArn);
    const redrive = history.find((event) => event.type === 'MapRunRedriven');
    expect(redrive?.mapRunRedrivenEventDetails).toEqual({ mapRunArn, redriveCount: 1 });
    expect(history.filter((event) => event.type === 'MapRunStarted')).toHaveLength(1);
  });
  /** A child state that fails until its execution is redriven. */
  const gate = {
    Type: 'Task',
    Resource: `${LAMBDA}gate`,
    Parameters: { 'redriveCount.$': '$$.Execution.RedriveCount' },
  };

  it('lists the children a redriven Map Run has not reached yet as PENDING_REDRIVE, and counts them so', async () => {
    // Prepare: two children, one at a time, each failing at Gate (the second failure is one too many)
    const map = {
      Type: 'Map',
      MaxConcurrency: 1,
      ToleratedFailureCount: 1,
      ItemProcessor: {
        ProcessorConfig: DISTRIBUTED,
        StartAt: 'Gate',
        States: { Gate: { ...gate, Next: 'Hold' }, Hold: { Type: 'Wait', Seconds: 60, End: true } },
      },
      End: true,
    };
    const { executionArn, mapRunArn } = await startWaiting([1, 2], map);
    expect(await waitForExecution(client, executionArn)).toMatchObject({ status: 'FAILED' });
    const [second, first] = await children(client, mapRunArn);

    // Act: the first child is redriven and holds; the second waits its turn
    await client.send(new RedriveExecutionCommand({ executionArn }));
    await pollFor(async () => ((await running(mapRunArn)) === 1 ? true : undefined));
    const pending = await client.send(
      new ListExecutionsCommand({ mapRunArn, statusFilter: 'PENDING_REDRIVE' }),
    );
    const failed = await client.send(new ListExecutionsCommand({ mapRunArn, statusFilter: 'FAILED' }));
    const waitingChild = await client.send(
      new DescribeExecutionCommand({ executionArn: second!.executionArn }),
    );
    const duringRedrive = await client.send(new DescribeMapRunCommand({ mapRunArn }));

    // Assess
    expect(pending.executions?.map((child) => [child.executionArn, child.status])).toEqual([
      [second!.executionArn, 'PENDING_REDRIVE'],
    ]);
    expect(failed.executions).toEqual([]);
    expect(waitingChild).toMatchObject({ status: 'PENDING_REDRIVE', redriveCount: 0, mapRunArn });
    expect(duringRedrive.executionCounts).toMatchObject({
      running: 1,
      failed: 0,
      pendingRedrive: 1,
      total: 2,
    });
    await clock.advance(60_000);
    await pollFor(async () => ((await running(mapRunArn)) === 1 ? true : undefined));
    const secondTurn = await client.send(new DescribeMapRunCommand({ mapRunArn }));
    expect(secondTurn.executionCounts).toMatchObject({ running: 1, succeeded: 1, pendingRedrive: 0 });
    await clock.advance(60_000);
    expect(await waitForExecution(client, executionArn)).toMatchObject({
      status: 'SUCCEEDED',
      redriveCount: 1,
    });
    const redrivenFirst = await client.send(
      new DescribeExecutionCommand({ executionArn: first!.executionArn }),
    );
    expect(redrivenFirst).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
  });

  it('leaves the failure of a child past its redrivable period standing when the Map Run is redriven', async () => {
    // Prepare: both children fail at Gate, the second at once, the first 15 days later, failing the Map Run;
    // meanwhile UpdateMapRun lets one child run at a time
    const map = {
      Type: 'Map',
      MaxConcurrency: 2,
      ToleratedFailureCount: 1,
      ItemProcessor: {
        ProcessorConfig: DISTRIBUTED,
        StartAt: 'Pause',
        States: {
          Pause: { Type: 'Wait', SecondsPath: '$.wait', Next: 'Gate' },
          Gate: { ...gate, Next: 'Hold' },
          Hold: { Type: 'Wait', Seconds: 60, End: true },
        },
      },
      End: true,
    };
    const fifteenDays = 15 * 24 * 3600;
    const { executionArn, mapRunArn } = await startWaiting([{ wait: fifteenDays }, { wait: 0 }], map);
    await pollFor(async () => ((await running(mapRunArn)) === 1 ? true : undefined));
    await client.send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: 1 }));
    await clock.advance(fifteenDays * 1000);
    expect(await waitForExecution(client, executionArn)).toMatchObject({ status: 'FAILED' });
    const [early, late] = await children(client, mapRunArn);

    // Act: the late child is redriven and holds; the early one, past its redrivable period, is not
    await client.send(new RedriveExecutionCommand({ executionArn }));
    await pollFor(async () => ((await running(mapRunArn)) === 1 ? true : undefined));
    const pending = await client.send(
      new ListExecutionsCommand({ mapRunArn, statusFilter: 'PENDING_REDRIVE' }),
    );
    const earlyDuring = await client.send(
      new DescribeExecutionCommand({ executionArn: early!.executionArn }),
    );
    const duringRedrive = await client.send(new DescribeMapRunCommand({ mapRunArn }));
    await clock.advance(60_000);
    const execution = await waitForExecution(client, executionArn);

    // Assess: the early failure stands, tolerated; the late child passed
    expect(pending.executions).toEqual([]);
    expect(earlyDuring).toMatchObject({
      status: 'FAILED',
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution redrivable period exceeded',
    });
    expect(duringRedrive.executionCounts).toMatchObject({
      running: 1,
      failed: 1,
      pendingRedrive: 0,
      failuresNotRedrivable: 1,
    });
    expect(execution).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    const [lateResult, earlyResult] = JSON.parse(execution.output!);
    expect(lateResult).toBe('passed');
    expect(earlyResult).toMatchObject({
      ExecutionArn: early!.executionArn,
      Status: 'FAILED',
      Error: 'FirstAttempt',
      RedriveStatus: 'NOT_REDRIVABLE',
      RedriveStatusReason: 'Execution redrivable period exceeded',
    });
    const lateAfter = await client.send(new DescribeExecutionCommand({ executionArn: late!.executionArn }));
    expect(lateAfter).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
  });
});

/** Polls `probe` until it gives a value (5 s at most). */
async function pollFor<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

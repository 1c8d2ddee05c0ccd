import { CreateStateMachineCommand, DescribeExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { expect } from 'vitest';
import { executionHistory, waitForExecution } from '#test/support/local-runtime.ts';
import type { ApiCaseContext, ApiErrorCase } from './api.cases.ts';
import {
  type CaseDriver,
  type ExecutionCase,
  type ExecutionContext,
  previousEventIds,
  UUID,
} from './case.ts';

const DG = 'https://docs.aws.amazon.com/step-functions/latest/dg';
const DISTRIBUTED = `${DG}/state-map-distributed.html`;
const THRESHOLD = `${DG}/maprun-fail-threshold.html`;
const BATCHER = `${DG}/input-output-itembatcher.html`;
const RESULT_WRITER = `${DG}/input-output-resultwriter.html`;
const ROLE = 'arn:aws:iam::000000000000:role/conformance';
/**
 * LocalStack's snapshots of Map states run on AWS (test_base_scenarios: tolerated failure and MaxConcurrency
 * paths, Distributed Maps and their Map Runs, Label).
 */
const RECORDED =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json';

/** An item processor that fails an item over 2 (`TooBig`) and outputs the others unchanged. */
const FAIL_OVER_TWO = {
  StartAt: 'Check',
  States: {
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$', NumericGreaterThan: 2, Next: 'TooBig' }],
      Default: 'Ok',
    },
    TooBig: { Type: 'Fail', Error: 'TooBig', Cause: 'item over 2' },
    Ok: { Type: 'Succeed' },
  },
};

/** {@link FAIL_OVER_TWO} in a JSONata state machine. */
const JSONATA_FAIL_OVER_TWO = {
  StartAt: 'Check',
  States: {
    Check: {
      Type: 'Choice',
      Choices: [{ Condition: '{% $states.input > 2 %}', Next: 'TooBig' }],
      Default: 'Ok',
    },
    TooBig: { Type: 'Fail', Error: 'TooBig', Cause: 'item over 2' },
    Ok: { Type: 'Succeed' },
  },
};

/** A one-state Distributed Map machine whose processor is `processor` (STANDARD child executions). */
function distributedMap(processor: object, fields: Record<string, unknown> = {}): object {
  const ProcessorConfig = { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' };
  return {
    StartAt: 'M',
    States: { M: { Type: 'Map', ItemProcessor: { ProcessorConfig, ...processor }, ...fields, End: true } },
  };
}

/** A processor of one Pass state: each child outputs its input. */
const ECHO = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };

/** The cause AWS gives a Map Run (and its Map state) that failed more items than it tolerates. */
const THRESHOLD_EXCEEDED = 'The specified tolerated failure threshold was exceeded';

/** An ISO-8601 date as a failed child's description gives its StartDate and StopDate. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** The keys of a failed child's execution description, in the order AWS writes them (FAILED_0.json). */
const FAILED_CHILD_KEYS = [
  'Cause',
  'Error',
  'ExecutionArn',
  'Input',
  'InputDetails',
  'Name',
  'OutputDetails',
  'RedriveCount',
  'RedriveStatus',
  'StartDate',
  'StateMachineArn',
  'Status',
  'StopDate',
];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `<machine ARN>/<label>`: the labelled state machine of the Map Run's children (label: a UUID when not set). */
function labelledMachine(context: ExecutionContext, label?: string): RegExp {
  const labelPattern = label === undefined ? UUID.source.slice(1, -1) : escapeRegExp(label);
  return new RegExp(`^${escapeRegExp(context.stateMachineArn)}/${labelPattern}$`);
}

/**
 * What stands in the results for a child that failed with `TooBig` on `input` (a tolerated failure): its
 * execution's description, as AWS returns a failed child (Transformation NONE). ARN, name and dates vary
 * per run: checked by shape.
 */
function failedChild(input: unknown, context: ExecutionContext): object {
  const machine = labelledMachine(context).source.slice(1, -1);
  const execution = machine.replace(escapeRegExp(':stateMachine:'), escapeRegExp(':execution:'));
  return {
    Cause: 'item over 2',
    Error: 'TooBig',
    ExecutionArn: expect.stringMatching(new RegExp(`^${execution}:${UUID.source.slice(1, -1)}$`)),
    Input: JSON.stringify(input),
    InputDetails: { Included: true },
    Name: expect.stringMatching(UUID),
    OutputDetails: { Included: true },
    RedriveCount: 0,
    RedriveStatus: 'REDRIVABLE_BY_MAP_RUN',
    StartDate: expect.stringMatching(ISO_DATE),
    StateMachineArn: expect.stringMatching(labelledMachine(context)),
    Status: 'FAILED',
    StopDate: expect.stringMatching(ISO_DATE),
  };
}

/**
 * A check of a Distributed Map output where `failed` items stand as failed children ({@link failedChild})
 * and the others as their outputs: each description's keys in AWS's order, and its ARN ending in its name.
 */
function withFailedChildren(
  items: readonly unknown[],
  failed: (item: unknown) => boolean,
): (output: unknown, context: ExecutionContext) => void {
  return (output, context) => {
    expect(output).toEqual(items.map((item) => (failed(item) ? failedChild(item, context) : item)));
    for (const [index, item] of items.entries()) {
      if (!failed(item)) continue;
      const child = (output as Record<string, string>[])[index]!;
      expect(Object.keys(child)).toEqual(FAILED_CHILD_KEYS);
      expect(child.ExecutionArn).toBe(
        `${child.StateMachineArn!.replace(':stateMachine:', ':execution:')}:${child.Name}`,
      );
    }
  };
}

/** The parent history of a Distributed Map state run to its end: its Map Run; no child state (as recorded on AWS). */
const MAP_RUN_SUCCEEDED = [
  'ExecutionStarted',
  'MapStateEntered',
  'MapStateStarted',
  'MapRunStarted',
  'MapRunSucceeded',
  'MapStateSucceeded',
  'MapStateExited',
  'ExecutionSucceeded',
];

/** The parent history of a Distributed Map whose Map Run failed, failing the execution (as recorded on AWS). */
const MAP_RUN_FAILED = [
  'ExecutionStarted',
  'MapStateEntered',
  'MapStateStarted',
  'MapRunStarted',
  'MapRunFailed',
  'MapStateFailed',
  'ExecutionFailed',
];

/** The MapRunStarted event's Map Run ARN, checked to be `...:mapRun:<machine>/<label>:<uuid>`. */
function mapRunArnOf(events: readonly HistoryEvent[], context: ExecutionContext, label?: string): string {
  const started = events.find((event) => event.type === 'MapRunStarted');
  const mapRunArn = started?.mapRunStartedEventDetails?.mapRunArn ?? '';
  const machine = labelledMachine(context, label).source.slice(1, -1);
  const mapRun = machine.replace(escapeRegExp(':stateMachine:'), escapeRegExp(':mapRun:'));
  expect(mapRunArn).toMatch(new RegExp(`^${mapRun}:${UUID.source.slice(1, -1)}$`));
  return mapRunArn;
}

/** Checks the MapRunFailed and ExecutionFailed events of a Map Run that failed more items than it tolerates. */
function thresholdExceeded(events: readonly HistoryEvent[]): void {
  const failed = { error: 'States.ExceedToleratedFailureThreshold', cause: THRESHOLD_EXCEEDED };
  expect(events.find((event) => event.type === 'MapRunFailed')?.mapRunFailedEventDetails).toEqual(failed);
  expect(events.at(-1)?.executionFailedEventDetails).toEqual(failed);
}

/**
 * A {@link ExecutionCase.drive} that, once the execution ended, checks its Distributed Map's children as
 * executions of their own: each child `arnsOf` the output names is of the Map Run (DescribeExecution's
 * mapRunArn) and of its labelled state machine, with `status`, and its own history holds its states
 * (`childHistory`).
 */
function checkChildren(expected: {
  arnsOf: (output: unknown) => string[];
  status: string;
  childHistory: readonly string[];
  label?: string;
}): (driver: CaseDriver) => Promise<void> {
  return async (driver) => {
    const { client, executionArn } = driver;
    const ended = await waitForExecution(client, executionArn);
    const mapRunArn = mapRunArnOf(await executionHistory(client, executionArn), driver, expected.label);
    const arns = expected.arnsOf(JSON.parse(ended.output ?? 'null'));
    expect(arns.length).toBeGreaterThan(0);
    for (const arn of arns) {
      const child = await client.send(new DescribeExecutionCommand({ executionArn: arn }));
      expect(child).toMatchObject({ status: expected.status, mapRunArn });
      expect(child.stateMachineArn).toMatch(labelledMachine(driver, expected.label));
      const types = (await executionHistory(client, arn)).map((event) => event.type);
      expect(types).toEqual(expected.childHistory);
    }
  };
}

/** The cause of a States.Runtime error of the state `MapState` entered at event 2. */
const mapStateCause = (message: string) =>
  `An error occurred while executing the state 'MapState' (entered at the event id #2). ${message}`;

/**
 * A Distributed Map reading a threshold by its `...Path` field from a value AWS refuses: the execution fails
 * with States.Runtime right after MapStateStarted, with no MapStateFailed (as recorded on AWS).
 */
function thresholdPathCase(
  field: 'ToleratedFailureCount' | 'ToleratedFailurePercentage',
  value: unknown,
  message: string,
): ExecutionCase {
  return {
    name: `Distributed Map: a ${field}Path selecting ${JSON.stringify(value)} fails the execution with States.Runtime after MapStateStarted`,
    source: RECORDED,
    definition: {
      StartAt: 'MapState',
      States: {
        MapState: {
          ...(distributedMap(ECHO) as { States: { M: object } }).States.M,
          ItemsPath: '$.Items',
          [`${field}Path`]: `$.${field}`,
        },
      },
    },
    input: { Items: [0], [field]: value },
    expect: { status: 'FAILED', error: 'States.Runtime', cause: mapStateCause(message) },
    history: ['ExecutionStarted', 'MapStateEntered', 'MapStateStarted', 'ExecutionFailed'],
    checkHistory: previousEventIds([0, 0, 2, 3]),
  };
}

/** An inline Map reading MaxConcurrencyPath, then a Pass state `Final`. */
const MAX_CONCURRENCY_PATH = {
  StartAt: 'MapState',
  States: {
    MapState: {
      Type: 'Map',
      ItemsPath: '$.Values',
      MaxConcurrencyPath: '$.MaxConcurrencyValue',
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, ...ECHO },
      Next: 'Final',
    },
    Final: { Type: 'Pass', End: true },
  },
};

/** A legacy `Iterator` with a ProcessorConfig of `mode`, items selected by the legacy `Parameters`. */
function legacyIteratorMap(ProcessorConfig: object): object {
  return {
    StartAt: 'MapState',
    States: {
      MapState: {
        Type: 'Map',
        MaxConcurrency: 1,
        Parameters: { constantValue: 'constant', 'mapValue.$': '$$.Map.Item.Value', 'fromInput.$': '$' },
        Iterator: { ...ECHO, ProcessorConfig },
        Next: 'Finish',
      },
      Finish: { Type: 'Succeed' },
    },
  };
}

const LEGACY_ITERATOR_OUTPUT = ['Hello', 'World'].map((mapValue) => ({
  constantValue: 'constant',
  mapValue,
  fromInput: ['Hello', 'World'],
}));

/** Distributed Map states: their Map Runs (each child an execution of its own), tolerated failure thresholds and item batching. */
export const distributedMapCases: ExecutionCase[] = [
  ...(
    [
      [
        'ToleratedFailureCount',
        {},
        'The ToleratedFailureCountPath field refers to value "{}" which is not a valid integer: $.ToleratedFailureCount',
      ],
      [
        'ToleratedFailureCount',
        'NoNumber',
        'The ToleratedFailureCountPath field refers to value "NoNumber" which is not a valid integer: $.ToleratedFailureCount',
      ],
      ['ToleratedFailureCount', -1, 'ToleratedFailureCount cannot be negative.'],
      [
        'ToleratedFailurePercentage',
        {},
        'The ToleratedFailurePercentagePath field refers to value "{}" which is not a valid float: $.ToleratedFailurePercentage',
      ],
      [
        'ToleratedFailurePercentage',
        'NoNumber',
        'The ToleratedFailurePercentagePath field refers to value "NoNumber" which is not a valid float: $.ToleratedFailurePercentage',
      ],
      ['ToleratedFailurePercentage', -1.1, 'ToleratedFailurePercentage must be between 0 and 100.'],
      ['ToleratedFailurePercentage', 100.1, 'ToleratedFailurePercentage must be between 0 and 100.'],
    ] as const
  ).map(([field, value, message]) => thresholdPathCase(field, value, message)),
  {
    name: 'Distributed Map: a ToleratedFailurePercentagePath selecting 1.1 (a float) runs the Map',
    source: `${RECORDED} (its output and event types; its links as recorded since November 2024)`,
    definition: distributedMap(ECHO, { ItemsPath: '$.Items', ToleratedFailurePercentagePath: '$.p' }),
    input: { Items: [0], p: 1.1 },
    expect: { status: 'SUCCEEDED', output: [0] },
    // As recorded: the children run in a Map Run (MapRunStarted, MapRunSucceeded), none in the parent history.
    // MapStateExited points at MapRunStarted, as every recording since November 2024 has it (see the next case;
    // this case's recording, of August 2024, has it point at MapRunSucceeded, as MapStateSucceeded does).
    history: MAP_RUN_SUCCEEDED,
    checkHistory: previousEventIds([0, 0, 2, 3, 4, 5, 4, 7]),
  },
  {
    name: 'Distributed Map: MapStateExited points at MapRunStarted, MapStateSucceeded at MapRunSucceeded',
    source: `${RECORDED} (test_map_state_config_distributed_item_selector_parameters, recorded 15-11-2024)`,
    definition: {
      StartAt: 'Start',
      States: {
        Start: {
          Type: 'Pass',
          Parameters: { bucket: 'test-bucket', values: ['1', '2', '3'] },
          ResultPath: '$.content',
          Next: 'MapState',
        },
        MapState: {
          Type: 'Map',
          MaxConcurrency: 1,
          ItemsPath: '$.content.values',
          ItemSelector: { 'bucketName.$': '$.content.bucket', 'value.$': '$$.Map.Item.Value' },
          ItemProcessor: {
            StartAt: 'IteratorInner',
            States: { IteratorInner: { Type: 'Pass', End: true } },
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          },
          Next: 'Finish',
        },
        Finish: { Type: 'Succeed' },
      },
    },
    input: {},
    expect: {
      status: 'SUCCEEDED',
      output: ['1', '2', '3'].map((value) => ({ bucketName: 'test-bucket', value })),
    },
    history: [
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      ...MAP_RUN_SUCCEEDED.slice(1, -1),
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ],
    checkHistory: previousEventIds([0, 0, 2, 3, 4, 5, 6, 7, 6, 9, 10, 11]),
  },
  {
    name: 'Distributed Map: each child is an execution of its own, of the Map Run of the labelled state machine <machine>/<Label>',
    source: `${DISTRIBUTED}; ${RECORDED}`,
    definition: distributedMap(
      {
        StartAt: 'P',
        States: {
          P: { Type: 'Pass', Parameters: { 'item.$': '$', 'execution.$': '$$.Execution.Id' }, End: true },
        },
      },
      { Label: 'Echo' },
    ),
    input: [1, 2],
    expect: {
      status: 'SUCCEEDED',
      check: (output, context) => {
        const execution = escapeRegExp(
          `${context.stateMachineArn.replace(':stateMachine:', ':execution:')}/Echo:`,
        );
        const arn = expect.stringMatching(new RegExp(`^${execution}${UUID.source.slice(1, -1)}$`));
        expect(output).toEqual([
          { item: 1, execution: arn },
          { item: 2, execution: arn },
        ]);
      },
    },
    history: MAP_RUN_SUCCEEDED,
    drive: checkChildren({
      arnsOf: (output) => (output as { execution: string }[]).map((child) => child.execution),
      status: 'SUCCEEDED',
      childHistory: ['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded'],
      label: 'Echo',
    }),
  },
  ...[{}, 'NoNumber'].map(
    (value): ExecutionCase => ({
      name: `Inline Map: a MaxConcurrencyPath selecting ${JSON.stringify(value)} fails the execution with States.Runtime before MapStateStarted`,
      source: RECORDED,
      definition: MAX_CONCURRENCY_PATH,
      input: { MaxConcurrencyValue: value, Values: ['HelloWorld'] },
      expect: {
        status: 'FAILED',
        error: 'States.Runtime',
        cause: mapStateCause(
          `The MaxConcurrencyPath field refers to value "${typeof value === 'string' ? value : JSON.stringify(value)}" which is not a valid integer: $.MaxConcurrencyValue`,
        ),
      },
      history: ['ExecutionStarted', 'MapStateEntered', 'ExecutionFailed'],
      checkHistory: previousEventIds([0, 0, 2]),
    }),
  ),
  ...(
    [
      ['COMPACT', [[1, 2], [3, 4], [5]]],
      ['FLATTEN', [1, 2, 3, 4, 5]],
    ] as const
  ).map(
    ([Transformation, output]): ExecutionCase => ({
      name: `Distributed Map: ResultWriter WriterConfig ${Transformation} outputs ${Transformation === 'FLATTEN' ? 'the items of each batch output' : 'each batch output'}`,
      source: RESULT_WRITER,
      definition: distributedMap(
        { StartAt: 'P', States: { P: { Type: 'Pass', OutputPath: '$.Items', End: true } } },
        {
          ItemBatcher: { MaxItemsPerBatch: 2 },
          ResultWriter: { WriterConfig: { Transformation, OutputType: 'JSON' } },
        },
      ),
      input: [1, 2, 3, 4, 5],
      expect: { status: 'SUCCEEDED', output },
    }),
  ),
  {
    name: 'Legacy Iterator with a ProcessorConfig of Mode DISTRIBUTED runs as a Distributed Map (a Map Run)',
    source: RECORDED,
    definition: legacyIteratorMap({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }),
    input: ['Hello', 'World'],
    expect: { status: 'SUCCEEDED', output: LEGACY_ITERATOR_OUTPUT },
    historyCounts: { MapRunStarted: 1, MapRunSucceeded: 1, MapIterationStarted: 0, PassStateEntered: 0 },
  },
  {
    name: 'Legacy Iterator with a ProcessorConfig of Mode DISTRIBUTED takes the Distributed Map fields (a tolerated failure)',
    source: DISTRIBUTED,
    definition: {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          Iterator: { ...FAIL_OVER_TWO, ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
          ToleratedFailureCount: 1,
          End: true,
        },
      },
    },
    input: [1, 3],
    expect: { status: 'SUCCEEDED', check: withFailedChildren([1, 3], (item) => item === 3) },
  },
  {
    name: 'Legacy Iterator with a ProcessorConfig of Mode INLINE runs as an inline Map',
    source: RECORDED,
    definition: legacyIteratorMap({ Mode: 'INLINE' }),
    input: ['Hello', 'World'],
    expect: { status: 'SUCCEEDED', output: LEGACY_ITERATOR_OUTPUT },
    historyCounts: { MapIterationStarted: 2, MapIterationSucceeded: 2, MapStateSucceeded: 1 },
  },
  {
    name: 'Distributed Map: more failed items than ToleratedFailureCount fails with States.ExceedToleratedFailureThreshold',
    source: THRESHOLD,
    definition: distributedMap(FAIL_OVER_TWO, { ToleratedFailureCount: 1 }),
    input: [1, 2, 3, 4],
    expect: { status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold', cause: THRESHOLD_EXCEEDED },
    history: MAP_RUN_FAILED,
    checkHistory: thresholdExceeded,
  },
  {
    name: 'Distributed Map: a failed percentage above ToleratedFailurePercentage fails with States.ExceedToleratedFailureThreshold',
    source: THRESHOLD,
    definition: distributedMap(FAIL_OVER_TWO, { ToleratedFailurePercentage: 25 }),
    input: [1, 2, 3, 4],
    expect: { status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold', cause: THRESHOLD_EXCEEDED },
    history: MAP_RUN_FAILED,
    checkHistory: thresholdExceeded,
  },
  {
    name: 'Distributed Map: without a threshold, one failed item fails with States.ExceedToleratedFailureThreshold (default 0)',
    source: THRESHOLD,
    definition: distributedMap(FAIL_OVER_TWO),
    input: [1, 3],
    expect: { status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold', cause: THRESHOLD_EXCEEDED },
    history: MAP_RUN_FAILED,
    checkHistory: thresholdExceeded,
  },
  {
    name: 'Distributed Map: failures within the threshold succeed; a failed child stands as its execution description (Transformation NONE)',
    source: `${THRESHOLD}; ${RESULT_WRITER}`,
    definition: distributedMap(FAIL_OVER_TWO, { ToleratedFailurePercentage: 50 }),
    input: [1, 3, 2, 4],
    expect: { status: 'SUCCEEDED', check: withFailedChildren([1, 3, 2, 4], (item) => Number(item) > 2) },
    history: MAP_RUN_SUCCEEDED,
    // Each failed child is an execution of the Map Run that failed in its own Fail state.
    drive: checkChildren({
      arnsOf: (output) =>
        (output as { ExecutionArn?: string }[]).flatMap((child) => child.ExecutionArn ?? []),
      status: 'FAILED',
      childHistory: [
        'ExecutionStarted',
        'ChoiceStateEntered',
        'ChoiceStateExited',
        'FailStateEntered',
        'ExecutionFailed',
      ],
    }),
  },
  {
    name: 'Distributed Map: ToleratedFailureCountPath and ToleratedFailurePercentagePath read the state input',
    source: THRESHOLD,
    definition: distributedMap(FAIL_OVER_TWO, {
      ItemsPath: '$.items',
      ToleratedFailureCountPath: '$.count',
      ToleratedFailurePercentagePath: '$.percentage',
    }),
    input: { items: [3, 4, 1], count: 2, percentage: 100 },
    expect: { status: 'SUCCEEDED', check: withFailedChildren([3, 4, 1], (item) => Number(item) > 2) },
  },
  {
    name: 'Distributed Map: ItemBatcher passes each child {BatchInput, Items}, BatchInput resolved from the state input',
    source: BATCHER,
    definition: distributedMap(ECHO, {
      ItemsPath: '$.items',
      ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { 'run.$': '$.run', kind: 'batch' } },
    }),
    input: { run: 'r1', items: [1, 2, 3, 4, 5] },
    expect: {
      status: 'SUCCEEDED',
      output: [
        { BatchInput: { run: 'r1', kind: 'batch' }, Items: [1, 2] },
        { BatchInput: { run: 'r1', kind: 'batch' }, Items: [3, 4] },
        { BatchInput: { run: 'r1', kind: 'batch' }, Items: [5] },
      ],
    },
    // The three batches run as three child executions of the Map Run, not in the parent history.
    history: MAP_RUN_SUCCEEDED,
  },
  {
    name: 'Distributed Map: MaxInputBytesPerBatch bounds the bytes of each child input; ItemSelector applies before batching',
    source: BATCHER,
    definition: distributedMap(ECHO, {
      ItemSelector: { 'v.$': '$$.Map.Item.Value' },
      // {"Items":[{"v":"aa"},{"v":"bb"}]} takes 33 bytes; a third item would make 44.
      ItemBatcher: { MaxInputBytesPerBatch: 33 },
    }),
    input: ['aa', 'bb', 'cc'],
    expect: {
      status: 'SUCCEEDED',
      output: [{ Items: [{ v: 'aa' }, { v: 'bb' }] }, { Items: [{ v: 'cc' }] }],
    },
  },
  {
    name: 'Distributed Map: every item of a failed batch counts against ToleratedFailureCount',
    source: `${THRESHOLD}; ${BATCHER}`,
    definition: distributedMap(
      {
        StartAt: 'Check',
        States: {
          Check: {
            Type: 'Choice',
            Choices: [{ Variable: '$.Items[1]', NumericGreaterThan: 2, Next: 'TooBig' }],
            Default: 'Ok',
          },
          TooBig: { Type: 'Fail', Error: 'TooBig', Cause: 'item over 2' },
          Ok: { Type: 'Succeed' },
        },
      },
      { ItemBatcher: { MaxItemsPerBatch: 2 }, ToleratedFailureCount: 1 },
    ),
    input: [1, 2, 3, 4],
    expect: { status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold', cause: THRESHOLD_EXCEEDED },
    history: MAP_RUN_FAILED,
    checkHistory: thresholdExceeded,
  },
  // JSONata: numbers or {% %} expressions reading $states.input
  {
    name: 'JSONata Distributed Map: ItemBatcher limits and BatchInput from expressions',
    source: `${BATCHER}; ${DG}/transforming-data.html`,
    definition: jsonata(
      distributedMap(ECHO, {
        Items: '{% $states.input.items %}',
        ItemSelector: { v: '{% $states.context.Map.Item.Value * 10 %}' },
        ItemBatcher: {
          MaxItemsPerBatch: '{% $states.input.size %}',
          BatchInput: { run: '{% $states.input.run %}', kind: 'batch' },
        },
      }),
    ),
    input: { run: 'r1', size: 2, items: [1, 2, 3] },
    expect: {
      status: 'SUCCEEDED',
      output: [
        { BatchInput: { run: 'r1', kind: 'batch' }, Items: [{ v: 10 }, { v: 20 }] },
        { BatchInput: { run: 'r1', kind: 'batch' }, Items: [{ v: 30 }] },
      ],
    },
    history: MAP_RUN_SUCCEEDED,
  },
  {
    name: 'JSONata Distributed Map: a ToleratedFailureCount expression tolerates that many failed items',
    source: `${THRESHOLD}; ${DG}/transforming-data.html`,
    definition: jsonata(
      distributedMap(JSONATA_FAIL_OVER_TWO, {
        ToleratedFailureCount: '{% $states.input.tolerate %}',
        Items: '{% $states.input.items %}',
      }),
    ),
    input: { tolerate: 1, items: [1, 3] },
    expect: { status: 'SUCCEEDED', check: withFailedChildren([1, 3], (item) => item === 3) },
  },
  {
    name: 'JSONata Distributed Map: a ToleratedFailurePercentage expression out of 0-100 fails with States.QueryEvaluationError',
    source: `${THRESHOLD}; ${DG}/transforming-data.html`,
    definition: jsonata(
      distributedMap(ECHO, { Items: [1], ToleratedFailurePercentage: '{%$states.input.p%}' }),
    ),
    input: { p: 150 },
    expect: {
      status: 'FAILED',
      error: 'States.QueryEvaluationError',
      cause:
        "An error occurred while executing the state 'M' (entered at the event id #2). The JSONata expression '$states.input.p' specified for the field 'ToleratedFailurePercentage' returned a value out of range. Expected a number from 0 to 100, but was 150",
    },
    // Evaluated once the Map state started (Cutover's order): its EvaluationFailed follows MapStateStarted.
    checkHistory: (events) =>
      expect(events.map((event) => [event.type, event.id, event.previousEventId])).toEqual([
        ['ExecutionStarted', 1, 0],
        ['MapStateEntered', 2, 0],
        ['MapStateStarted', 3, 2],
        ['EvaluationFailed', 4, 3],
        ['MapStateFailed', 5, 4],
        ['ExecutionFailed', 6, 5],
      ]),
  },
];

/** A definition whose top-level `QueryLanguage` is JSONata. */
function jsonata(definition: object): object {
  return { QueryLanguage: 'JSONata', ...definition };
}

function createMachine(definition: object): (context: ApiCaseContext) => Promise<unknown> {
  return ({ client }) =>
    client.send(
      new CreateStateMachineCommand({
        name: `distributed-${Math.random().toString(36).slice(2)}`,
        definition: JSON.stringify(definition),
        roleArn: ROLE,
      }),
    );
}

/** The InvalidDefinition message of one diagnostic, as CreateStateMachine words it. */
function invalidDefinition(message: string, location: string): string {
  return `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ${message} at ${location}'`;
}

/** Distributed Map definitions that CreateStateMachine refuses. */
export const distributedMapApiCases: ApiErrorCase[] = [
  {
    name: 'CreateStateMachine with a Map ProcessorConfig Mode that is neither INLINE nor DISTRIBUTED',
    source: DISTRIBUTED,
    act: createMachine({
      StartAt: 'M',
      States: { M: { Type: 'Map', ItemProcessor: { ProcessorConfig: { Mode: 'FOO' }, ...ECHO }, End: true } },
    }),
    error: 'InvalidDefinition',
    message: invalidDefinition(
      "The field 'Mode' must be one of: INLINE, DISTRIBUTED",
      '/States/M/ItemProcessor/ProcessorConfig/Mode',
    ),
  },
  {
    name: 'CreateStateMachine with a Distributed Map without ExecutionType',
    source: DISTRIBUTED,
    act: createMachine({
      StartAt: 'M',
      States: {
        M: { Type: 'Map', ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' }, ...ECHO }, End: true },
      },
    }),
    error: 'InvalidDefinition',
    message: invalidDefinition(
      'These fields are required with Mode DISTRIBUTED: [ExecutionType]',
      '/States/M/ItemProcessor/ProcessorConfig',
    ),
  },
  {
    name: 'CreateStateMachine with a Parquet ItemReader: the local runtime reads CSV, JSON and JSON Lines',
    source: `${DG}/input-output-itemreader.html`,
    act: createMachine(
      distributedMap(ECHO, {
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'PARQUET' },
          Parameters: { Bucket: 'items', Key: 'items.parquet' },
        },
      }),
    ),
    error: 'InvalidDefinition',
    message: invalidDefinition(
      'InputType PARQUET is not supported by the local runtime, which reads CSV, JSON and JSON Lines objects (InputType CSV, JSON, JSONL) and S3 listings (s3:listObjectsV2)',
      '/States/M/ItemReader/ReaderConfig/InputType',
    ),
  },
  {
    name: 'CreateStateMachine with a Distributed Map ResultWriter: the local runtime does not write S3',
    source: RESULT_WRITER,
    act: createMachine(
      distributedMap(ECHO, {
        ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'out' } },
      }),
    ),
    error: 'InvalidDefinition',
  },
  {
    name: 'CreateStateMachine with a tolerated failure threshold on an inline Map',
    source: DISTRIBUTED,
    act: createMachine({
      StartAt: 'M',
      States: { M: { Type: 'Map', ItemProcessor: ECHO, ToleratedFailureCount: 1, End: true } },
    }),
    error: 'InvalidDefinition',
  },
  {
    name: 'CreateStateMachine with a JSONata Distributed Map ItemBatcher reading a path: its Path fields are JSONPath only',
    source: `${BATCHER}; ${DG}/transforming-data.html`,
    act: createMachine(
      jsonata(
        distributedMap(ECHO, { ItemBatcher: { MaxItemsPerBatch: 2, MaxInputBytesPerBatchPath: '$.bytes' } }),
      ),
    ),
    error: 'InvalidDefinition',
    message: invalidDefinition(
      "The QueryLanguage is set to 'JSONata', but field 'MaxInputBytesPerBatchPath' is only supported for the 'JSONPath' QueryLanguage",
      '/States/M/ItemBatcher/MaxInputBytesPerBatchPath',
    ),
  },
  {
    name: 'CreateStateMachine with a JSONata Distributed Map ToleratedFailureCount that is neither a count nor an expression',
    source: `${THRESHOLD}; ${DG}/transforming-data.html`,
    act: createMachine(jsonata(distributedMap(ECHO, { ToleratedFailureCount: '$.tolerate' }))),
    error: 'InvalidDefinition',
    message: invalidDefinition(
      "The field 'ToleratedFailureCount' must be an integer greater than or equal to 0, or a JSONata expression",
      '/States/M/ToleratedFailureCount',
    ),
  },
  {
    name: 'CreateStateMachine with a Distributed Map ItemBatcher over 256 KiB per batch',
    source: BATCHER,
    act: createMachine(distributedMap(ECHO, { ItemBatcher: { MaxInputBytesPerBatch: 262_145 } })),
    error: 'InvalidDefinition',
  },
];

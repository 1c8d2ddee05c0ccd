import { type ExecutionCase, fn, previousEventIds } from './case.ts';

const MAP = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html';

/** AWS-recorded Map and Parallel histories (LocalStack's snapshot tests, recorded against AWS). */
const RECORDED_SCENARIOS =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json';
const ITEM_SELECTOR = 'https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemselector.html';
/** The Context object page: `$$.Map.Item.Source` is STATE_DATA for items of the state input (its example). */
const CONTEXT_OBJECT = 'https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html';

/** An item processor of one state. */
function processor(state: Record<string, unknown>): object {
  const terminal = ['Succeed', 'Fail'].includes(String(state.Type));
  return { StartAt: 'I', States: { I: terminal ? state : { ...state, End: true } } };
}

function map(fields: Record<string, unknown>): object {
  return { StartAt: 'M', States: { M: { Type: 'Map', ...fields, End: true } } };
}

/** The recorded Map state whose one iteration always fails, retried by `RETRIERS`. */
function retriedMap(RETRIERS: object[]): object {
  return {
    StartAt: 'StartState',
    States: {
      StartState: { Type: 'Pass', Result: [1], ResultPath: '$.arr', Next: 'MapState' },
      MapState: {
        Type: 'Map',
        ResultPath: null,
        InputPath: '$.arr',
        MaxConcurrency: 1,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'HandleItemFail',
          States: {
            HandleItemFail: { Type: 'Fail', Error: 'HandleItemFailError', Cause: 'HandleItemFailCause' },
          },
        },
        Retry: RETRIERS,
        Next: 'Final',
      },
      Final: { Type: 'Pass', End: true },
    },
  };
}

/** The events of one attempt of {@link retriedMap}'s Map state. */
const mapAttempt = ['MapStateStarted', 'MapIterationStarted', 'FailStateEntered', 'MapIterationFailed'];

const shipment = {
  ship_date: '2016-03-14T01:59:00Z',
  detail: {
    delivery_partner: 'UQS',
    shipped: [
      { prod: 'R31', dest_code: 9511, quantity: 1344 },
      { prod: 'S39', dest_code: 9511, quantity: 40 },
    ],
  },
};

/** Inline Map states: items, item selection, concurrency, results and failures. */
export const mapCases: ExecutionCase[] = [
  {
    name: 'Map runs the processor on each item and outputs the results in order',
    source: MAP,
    definition: map({
      ItemProcessor: processor({ Type: 'Task', Resource: fn('add'), Parameters: { 'a.$': '$', b: 1 } }),
    }),
    input: [1, 2, 3],
    expect: { status: 'SUCCEEDED', output: [2, 3, 4] },
    historyCounts: {
      MapStateEntered: 1,
      MapStateStarted: 1,
      MapIterationStarted: 3,
      MapIterationSucceeded: 3,
      MapStateSucceeded: 1,
    },
  },
  {
    name: 'Map ItemsPath selects the array',
    source: MAP,
    definition: map({
      ItemsPath: '$.detail.shipped',
      ItemProcessor: processor({ Type: 'Pass', InputPath: '$.prod' }),
    }),
    input: shipment,
    expect: { status: 'SUCCEEDED', output: ['R31', 'S39'] },
  },
  {
    name: 'Map ItemSelector combines the item with other input fields',
    source: ITEM_SELECTOR,
    definition: map({
      ItemsPath: '$.detail.shipped',
      ItemSelector: { 'parcel.$': '$$.Map.Item.Value', 'courier.$': '$.detail.delivery_partner' },
      ItemProcessor: processor({ Type: 'Pass' }),
    }),
    input: shipment,
    expect: {
      status: 'SUCCEEDED',
      output: [
        { parcel: { prod: 'R31', dest_code: 9511, quantity: 1344 }, courier: 'UQS' },
        { parcel: { prod: 'S39', dest_code: 9511, quantity: 40 }, courier: 'UQS' },
      ],
    },
  },
  {
    name: 'Map ItemSelector reads the item index',
    source: ITEM_SELECTOR,
    definition: map({
      ItemSelector: { 'index.$': '$$.Map.Item.Index', 'value.$': '$$.Map.Item.Value' },
      ItemProcessor: processor({ Type: 'Pass' }),
    }),
    input: ['a', 'b'],
    expect: {
      status: 'SUCCEEDED',
      output: [
        { index: 0, value: 'a' },
        { index: 1, value: 'b' },
      ],
    },
  },
  {
    name: 'Map ItemSelector reads where the items came from: STATE_DATA for the state input',
    source: CONTEXT_OBJECT,
    definition: map({
      ItemSelector: { 'who.$': '$$.Map.Item.Value.who', 'ContextSource.$': '$$.Map.Item.Source' },
      ItemProcessor: processor({ Type: 'Pass' }),
    }),
    input: [{ who: 'bob' }, { who: 'meg' }],
    expect: {
      status: 'SUCCEEDED',
      output: [
        { who: 'bob', ContextSource: 'STATE_DATA' },
        { who: 'meg', ContextSource: 'STATE_DATA' },
      ],
    },
  },
  {
    name: 'Legacy Iterator and Parameters still work',
    source: MAP,
    definition: map({
      ItemsPath: '$.items',
      Parameters: { 'v.$': '$$.Map.Item.Value', 'tag.$': '$.tag' },
      Iterator: processor({ Type: 'Pass' }),
    }),
    input: { items: [1, 2], tag: 't' },
    expect: {
      status: 'SUCCEEDED',
      output: [
        { v: 1, tag: 't' },
        { v: 2, tag: 't' },
      ],
    },
  },
  {
    name: 'Map with MaxConcurrency 1 keeps the order',
    source: MAP,
    definition: map({ MaxConcurrency: 1, ItemProcessor: processor({ Type: 'Wait', Seconds: 1 }) }),
    input: [3, 1, 2],
    expect: { status: 'SUCCEEDED', output: [3, 1, 2] },
  },
  {
    name: 'Map over an empty array outputs an empty array',
    source: MAP,
    definition: map({ ItemProcessor: processor({ Type: 'Pass' }) }),
    input: [],
    expect: { status: 'SUCCEEDED', output: [] },
  },
  {
    name: 'Map ResultPath keeps the input',
    source: MAP,
    definition: map({
      ItemsPath: '$.items',
      ResultPath: '$.results',
      ItemProcessor: processor({ Type: 'Pass', Result: 'done' }),
    }),
    input: { items: [1, 2] },
    expect: { status: 'SUCCEEDED', output: { items: [1, 2], results: ['done', 'done'] } },
  },
  {
    name: 'Map ResultSelector reshapes the results',
    source: MAP,
    definition: map({
      ItemProcessor: processor({ Type: 'Pass' }),
      ResultSelector: { 'count.$': 'States.ArrayLength($)' },
    }),
    input: ['a', 'b', 'c'],
    expect: { status: 'SUCCEEDED', output: { count: 3 } },
  },
  {
    name: 'Map over objects',
    source: MAP,
    definition: map({
      ItemsPath: '$.people',
      ItemProcessor: processor({ Type: 'Pass', InputPath: '$.name' }),
    }),
    input: { people: [{ name: 'Ana' }, { name: 'Bo' }] },
    expect: { status: 'SUCCEEDED', output: ['Ana', 'Bo'] },
  },
  {
    name: 'A failing iteration fails the Map state with its error',
    source: MAP,
    definition: map({
      ItemProcessor: {
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
      },
    }),
    input: [1, 2, 3],
    expect: { status: 'FAILED', error: 'TooBig', cause: 'item over 2' },
    historyCounts: { MapStateFailed: 1, ExecutionFailed: 1 },
  },
  {
    name: 'A failing iteration aborts a running lambda:invoke task of another with TaskStateAborted only',
    source: MAP,
    definition: map({
      MaxConcurrency: 2,
      ItemProcessor: processor({
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { 'FunctionName.$': '$.function', Payload: { error: 'ItemError' } },
      }),
    }),
    input: [{ function: fn('fail') }, { function: fn('hang') }, { function: fn('echo') }],
    expect: { status: 'FAILED', error: 'ItemError' },
    history: [
      'ExecutionStarted',
      'MapStateEntered',
      'MapStateStarted',
      'MapIterationStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'MapIterationStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'MapIterationFailed',
      'TaskStateAborted',
      'MapIterationAborted',
      'MapStateFailed',
      'ExecutionFailed',
    ],
  },
  {
    name: 'Catch on Map handles an iteration error',
    source: MAP,
    definition: {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemProcessor: processor({
            Type: 'Task',
            Resource: fn('fail'),
            Parameters: { error: 'ItemError' },
          }),
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Recovered' }],
          ItemsPath: '$.items',
          End: true,
        },
        Recovered: { Type: 'Pass', InputPath: '$.error.Error', End: true },
      },
    },
    input: { items: [1] },
    expect: { status: 'SUCCEEDED', output: 'ItemError' },
  },
  {
    name: 'Map ItemsPath to a non-array fails with States.Runtime',
    // The cause in AWS's words, as TestState recorded them (an execution prefixes the state).
    source:
      'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/test_state/test_state_context_object.snapshot.json',
    definition: map({ ItemsPath: '$.items', ItemProcessor: processor({ Type: 'Pass' }) }),
    input: { items: 'not an array' },
    expect: {
      status: 'FAILED',
      error: 'States.Runtime',
      cause:
        'An error occurred while executing the state \'M\' (entered at the event id #2). Reference path "$.items" must point to array.',
    },
  },
  {
    name: 'Map ItemsPath of the context object to a non-array names its path in the context',
    source:
      'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/test_state/test_state_context_object.snapshot.json',
    definition: map({ ItemsPath: '$$.Execution.Input', ItemProcessor: processor({ Type: 'Pass' }) }),
    input: { items: [] },
    expect: {
      status: 'FAILED',
      error: 'States.Runtime',
      cause: { includes: 'Reference path "$.Execution.Input" must point to array.' },
    },
  },
  {
    name: 'Nested Map states',
    source: MAP,
    definition: map({
      ItemProcessor: {
        StartAt: 'Inner',
        States: {
          Inner: {
            Type: 'Map',
            ItemProcessor: processor({ Type: 'Pass', Parameters: { 'x.$': 'States.MathAdd($, 10)' } }),
            End: true,
          },
        },
      },
    }),
    input: [[1], [2, 3]],
    expect: { status: 'SUCCEEDED', output: [[{ x: 11 }], [{ x: 12 }, { x: 13 }]] },
  },
  {
    name: 'Retry on Map records a new MapStateStarted per attempt and MapStateFailed once, after the last',
    source: `${RECORDED_SCENARIOS} (test_map_state_retry)`,
    definition: retriedMap([{ ErrorEquals: ['HandleItemFailError'], MaxAttempts: 2 }]),
    input: {},
    expect: { status: 'FAILED', error: 'HandleItemFailError', cause: 'HandleItemFailCause' },
    history: [
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'MapStateEntered',
      ...mapAttempt,
      ...mapAttempt,
      ...mapAttempt,
      'MapStateFailed',
      'ExecutionFailed',
    ],
    checkHistory: previousEventIds([0, 0, 2, 3, 4, 5, 6, 7, 7, 9, 10, 11, 11, 13, 14, 15, 15, 17]),
  },
  {
    name: 'Retry on Map with several retriers: only the matching one counts its attempts',
    source: `${RECORDED_SCENARIOS} (test_map_state_retry_multiple_retriers)`,
    definition: retriedMap([
      { ErrorEquals: ['NoSuchError'], MaxAttempts: 1 },
      { ErrorEquals: ['State.ALL'], MaxAttempts: 2 },
      { ErrorEquals: ['HandleItemFailError'], MaxAttempts: 3 },
    ]),
    input: {},
    expect: { status: 'FAILED', error: 'HandleItemFailError', cause: 'HandleItemFailCause' },
    historyCounts: { MapStateStarted: 4, MapIterationFailed: 4, MapStateFailed: 1 },
    checkHistory: previousEventIds([
      0, 0, 2, 3, 4, 5, 6, 7, 7, 9, 10, 11, 11, 13, 14, 15, 15, 17, 18, 19, 19, 21,
    ]),
  },
];

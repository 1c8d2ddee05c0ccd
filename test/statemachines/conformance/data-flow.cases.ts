import { expect } from 'vitest';
import {
  CONTEXT_EXECUTION_KEYS,
  chain,
  type ExecutionCase,
  expectServiceAnswer,
  fn,
  single,
  UUID,
} from './case.ts';

const IO_GUIDE = 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-input-output-filtering.html';
const INPUT_PATH = 'https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html';
const RESULT_PATH = 'https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultpath.html';
const CONTEXT = 'https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html';
const PASS = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-pass.html';
const PATHS = 'https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-paths.html';
/** An AWS engineer's test of what the service takes as Parameters (any JSON type), and the schema changed to match. */
const PARAMETERS_OF_ANY_TYPE = 'https://github.com/aws/amazon-states-language-service/pull/83';
/** AWS-recorded Pass data flow and context object reads (test_state_pass_result_jsonpaths, ...). */
const RECORDED_BASE =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/base/test_base.snapshot.json';
/** AWS-recorded `$$` reads from InputPath, OutputPath and a Choice Variable. */
const RECORDED_CONTEXT =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/context_object/test_context_object.snapshot.json';
/** AWS-recorded run of LocalStack's `test_escape_sequence_parsing[ESCAPE_SEQUENCES_JSONPATH]` (2025). */
const RECORDED_ESCAPES =
  'https://github.com/localstack/localstack/blob/d56d77a070d21a4c5879c245ccac38fd59c0b1a1/tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json';
/** The role the conformance runner creates its state machines with. */
const RUNNER_ROLE = 'arn:aws:iam::000000000000:role/conformance';
/**
 * `$$.Execution.StartTime` and `$$.State.EnteredTime`: milliseconds, always UTC with a Z (test_execution_dateformat),
 * no fraction on a whole second (the developer guide's Context object page).
 */
const CONTEXT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

/** Throws unless `actual` has exactly the keys `expected`, in that order. */
function assertKeys(what: string, actual: unknown, expected: readonly string[]): void {
  const keys = JSON.stringify(Object.keys(actual as object));
  if (keys !== JSON.stringify(expected))
    throw new Error(`${what}: keys ${keys}, AWS recorded ${JSON.stringify(expected)}`);
}

/** AWS-recorded lambda:invoke answers (test_invoke, test_invoke_json_values). */
const RECORDED_LAMBDA_INVOKE =
  'localstack/localstack tests/aws/services/stepfunctions/v2/services/test_lambda_task_service.snapshot.json';
/** AWS-recorded `sns:publish` runs (recorded 2024-02-01 and, for the FIFO topic, 2024-02-07). */
const RECORDED_SNS_PUBLISH =
  'localstack/localstack tests/aws/services/stepfunctions/v2/services/test_sns_task_service.snapshot.json';

/** A state machine that publishes the input's `Message` to `topicArn`, with `parameters` besides. */
function publishTo(topicArn: string, parameters: object = {}): object {
  return single({
    Type: 'Task',
    Resource: 'arn:aws:states:::sns:publish',
    Parameters: { TopicArn: topicArn, 'Message.$': '$.Message', ...parameters },
  });
}

/** Checks an sns:publish result as AWS records it: its keys, SNS's headers, one request id. */
function checkPublishResult(
  output: unknown,
  { contentLength, fifo }: { contentLength: string; fifo: boolean },
): void {
  const fifoKeys = fifo ? ['SequenceNumber'] : [];
  expectServiceAnswer(output, {
    keys: ['MessageId', 'SdkHttpMetadata', 'SdkResponseMetadata', ...fifoKeys],
    contentType: 'text/xml',
    contentLength,
  });
  const { MessageId, SequenceNumber } = output as { MessageId: string; SequenceNumber?: string };
  expect(MessageId).toMatch(UUID);
  if (fifo) expect(SequenceNumber).toMatch(/^\d{20}$/);
}

/** A lambda:invoke of `echo` with the input's `Payload`, its answer read through `resultSelector`. */
const echoPayload = (resultSelector: Record<string, string>) =>
  single({
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: fn('echo'), 'Payload.$': '$.Payload' },
    ResultSelector: resultSelector,
  });

const datasets = {
  comment: 'Example for InputPath.',
  dataset1: { val1: 1, val2: 2, val3: 3 },
  dataset2: { val1: 'a', val2: 'b', val3: 'c' },
};
const product = {
  comment: 'Example for Parameters.',
  product: {
    details: { color: 'blue', size: 'small', material: 'cotton' },
    availability: 'in stock',
    sku: '2317',
    cost: '$23',
  },
};
const greeting = {
  comment: 'This is a test of the input and output of a Task state.',
  details: 'Default example',
  who: 'AWS Step Functions',
};

/** Pass states and the JSONPath data flow: InputPath, Parameters, ResultSelector, ResultPath, OutputPath. */
export const dataFlowCases: ExecutionCase[] = [
  {
    name: 'Pass without fields passes its input through',
    source: PASS,
    definition: single({ Type: 'Pass' }),
    input: { georefOf: 'Home' },
    expect: { status: 'SUCCEEDED', output: { georefOf: 'Home' } },
    history: ['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded'],
  },
  {
    name: 'Parameters may be an array: each item a template, its paths read from the input',
    source: PARAMETERS_OF_ANY_TYPE,
    definition: single({
      Type: 'Pass',
      Parameters: [{ 'id.$': '$.id', kind: 'first' }, 'plain', { 'ids.$': 'States.Array($.id, $.id)' }],
    }),
    input: { id: 4 },
    expect: { status: 'SUCCEEDED', output: [{ id: 4, kind: 'first' }, 'plain', { ids: [4, 4] }] },
  },
  {
    name: 'Parameters may be a number, a string, a boolean or null, taken as it is',
    source: PARAMETERS_OF_ANY_TYPE,
    definition: chain(
      { Type: 'Pass', Parameters: 5, ResultPath: '$.number' },
      { Type: 'Pass', Parameters: '$.number', ResultPath: '$.text' },
      { Type: 'Pass', Parameters: false, ResultPath: '$.flag' },
      { Type: 'Pass', Parameters: null, ResultPath: '$.nothing' },
    ),
    input: {},
    expect: { status: 'SUCCEEDED', output: { number: 5, text: '$.number', flag: false, nothing: null } },
  },
  {
    name: 'Pass Result with ResultPath adds the result to the input',
    source: PASS,
    definition: single({
      Type: 'Pass',
      Result: { x: 0.381018, y: 622.2269926397355 },
      ResultPath: '$.coords',
    }),
    input: { georefOf: 'Home' },
    expect: {
      status: 'SUCCEEDED',
      output: { georefOf: 'Home', coords: { x: 0.381018, y: 622.2269926397355 } },
    },
  },
  {
    name: 'Pass Result without ResultPath replaces the input',
    source: PASS,
    definition: single({ Type: 'Pass', Result: { x: 1 } }),
    input: { a: 1 },
    expect: { status: 'SUCCEEDED', output: { x: 1 } },
  },
  {
    name: 'ResultPath "$" replaces the input with the result',
    source: RESULT_PATH,
    definition: single({ Type: 'Pass', Result: 'done', ResultPath: '$' }),
    input: { a: 1 },
    expect: { status: 'SUCCEEDED', output: 'done' },
  },
  {
    name: 'ResultPath null discards the result and keeps the input',
    source: RESULT_PATH,
    definition: single({ Type: 'Pass', Result: { x: 1 }, ResultPath: null }),
    input: { a: 1 },
    expect: { status: 'SUCCEEDED', output: { a: 1 } },
  },
  {
    name: 'ResultPath creates missing intermediate objects',
    source: RESULT_PATH,
    definition: single({ Type: 'Pass', Result: 3, ResultPath: '$.result.sum' }),
    input: { a: 1 },
    expect: { status: 'SUCCEEDED', output: { a: 1, result: { sum: 3 } } },
  },
  {
    name: 'ResultPath overwrites an existing field',
    source: RESULT_PATH,
    definition: single({ Type: 'Pass', Result: 'new', ResultPath: '$.a' }),
    input: { a: 'old', b: 2 },
    expect: { status: 'SUCCEEDED', output: { a: 'new', b: 2 } },
  },
  {
    name: 'Task ResultPath adds the Lambda result to the input',
    source: RESULT_PATH,
    definition: single({ Type: 'Task', Resource: fn('greet'), ResultPath: '$.taskresult' }),
    input: greeting,
    expect: { status: 'SUCCEEDED', output: { ...greeting, taskresult: 'Hello, AWS Step Functions!' } },
  },
  {
    name: 'Task without ResultPath outputs the Lambda result only',
    source: RESULT_PATH,
    definition: single({ Type: 'Task', Resource: fn('greet') }),
    input: greeting,
    expect: { status: 'SUCCEEDED', output: 'Hello, AWS Step Functions!' },
  },
  {
    name: 'InputPath selects part of the input',
    source: INPUT_PATH,
    definition: single({ Type: 'Pass', InputPath: '$.dataset2' }),
    input: datasets,
    expect: { status: 'SUCCEEDED', output: { val1: 'a', val2: 'b', val3: 'c' } },
  },
  {
    name: 'OutputPath selects part of the output',
    source: IO_GUIDE,
    definition: single({ Type: 'Pass', OutputPath: '$.dataset1' }),
    input: datasets,
    expect: { status: 'SUCCEEDED', output: { val1: 1, val2: 2, val3: 3 } },
  },
  {
    name: 'InputPath null gives the state an empty object',
    source: INPUT_PATH,
    definition: single({ Type: 'Pass', InputPath: null }),
    input: datasets,
    expect: { status: 'SUCCEEDED', output: {} },
  },
  {
    name: 'OutputPath null sends an empty object on',
    source: IO_GUIDE,
    definition: single({ Type: 'Pass', OutputPath: null }),
    input: datasets,
    expect: { status: 'SUCCEEDED', output: {} },
  },
  {
    name: 'Parameters mixes static values and paths',
    source: INPUT_PATH,
    definition: single({
      Type: 'Pass',
      Parameters: {
        comment: 'Selecting what I care about.',
        MyDetails: {
          'size.$': '$.product.details.size',
          'exists.$': '$.product.availability',
          StaticValue: 'foo',
        },
      },
    }),
    input: product,
    expect: {
      status: 'SUCCEEDED',
      output: {
        comment: 'Selecting what I care about.',
        MyDetails: { size: 'small', exists: 'in stock', StaticValue: 'foo' },
      },
    },
  },
  {
    name: 'Parameters run on the InputPath result',
    source: INPUT_PATH,
    definition: single({
      Type: 'Pass',
      InputPath: '$.product',
      Parameters: { 'sku.$': '$.sku', 'color.$': '$.details.color' },
    }),
    input: product,
    expect: { status: 'SUCCEEDED', output: { sku: '2317', color: 'blue' } },
  },
  {
    name: 'Parameters keep static arrays, nulls and nested objects as written',
    source: INPUT_PATH,
    definition: single({
      Type: 'Pass',
      Parameters: { list: [1, 'two', { three: 3 }], nothing: null, flag: false },
    }),
    input: {},
    expect: { status: 'SUCCEEDED', output: { list: [1, 'two', { three: 3 }], nothing: null, flag: false } },
  },
  {
    name: 'Parameters path selecting an array element',
    source: INPUT_PATH,
    definition: single({ Type: 'Pass', Parameters: { 'first.$': '$.items[0]', 'last.$': '$.items[2].id' } }),
    input: { items: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] },
    expect: { status: 'SUCCEEDED', output: { first: { id: 'a' }, last: 'c' } },
  },
  {
    name: 'Parameters path with a wildcard yields an array',
    source: INPUT_PATH,
    definition: single({ Type: 'Pass', Parameters: { 'ids.$': '$.items[*].id' } }),
    input: { items: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] },
    expect: { status: 'SUCCEEDED', output: { ids: ['a', 'b', 'c'] } },
  },
  {
    name: 'Parameters path with a filter expression',
    source: INPUT_PATH,
    definition: single({ Type: 'Pass', Parameters: { 'expensive.$': '$.items[?(@.price > 10)].name' } }),
    input: {
      items: [
        { name: 'pen', price: 2 },
        { name: 'book', price: 12 },
        { name: 'lamp', price: 40 },
      ],
    },
    expect: { status: 'SUCCEEDED', output: { expensive: ['book', 'lamp'] } },
  },
  {
    name: "a filter's @ matches objects only, as the Paths guide says: $.jar[?(@.a >= 5)] keeps objects, [?(@ > 2)] no number",
    source: PATHS,
    definition: single({
      Type: 'Pass',
      Parameters: { 'objects.$': '$.jar[?(@.a >= 5)]', 'numbers.$': '$.nums[?(@ > 2)]' },
    }),
    input: { jar: [{ a: 1 }, { a: 5 }, { a: 2 }, { a: 7 }, { a: 3 }], nums: [1, 5, 2, 7] },
    expect: { status: 'SUCCEEDED', output: { objects: [{ a: 5 }, { a: 7 }], numbers: [] } },
  },
  {
    name: "a bracketed name after a dot reads a field with special characters, as the Paths guide's $.abc.['def ghi']",
    source: PATHS,
    definition: single({
      Type: 'Pass',
      InputPath: "$.abc.['def ghi']",
      Parameters: { 'value.$': '$', 'again.$': "$$.Execution.Input.abc.['def ghi']" },
    }),
    input: { abc: { 'def ghi': 7 } },
    expect: { status: 'SUCCEEDED', output: { value: 7, again: 7 } },
  },
  {
    name: 'Parameters reads the execution name from the Context object',
    source: CONTEXT,
    definition: single({
      Type: 'Pass',
      Parameters: { 'name.$': '$$.Execution.Name', 'state.$': '$$.State.Name' },
    }),
    executionName: 'context-object-execution',
    expect: { status: 'SUCCEEDED', output: { name: 'context-object-execution', state: 'S' } },
  },
  {
    name: 'Context object carries the execution and state machine ARNs and the input',
    source: CONTEXT,
    definition: single({
      Type: 'Pass',
      Parameters: {
        'id.$': '$$.Execution.Id',
        'machine.$': '$$.StateMachine.Id',
        'machineName.$': '$$.StateMachine.Name',
        'input.$': '$$.Execution.Input',
      },
    }),
    input: { order: 7 },
    expect: {
      status: 'SUCCEEDED',
      check: (output, context) => {
        const expected = {
          id: context.executionArn,
          machine: context.stateMachineArn,
          machineName: context.stateMachineName,
          input: { order: 7 },
        };
        if (JSON.stringify(output) !== JSON.stringify(expected)) {
          throw new Error(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(output)}`);
        }
      },
    },
  },
  {
    name: 'Context object keeps the execution input after a state replaced it',
    source: CONTEXT,
    definition: chain(
      { Type: 'Pass', Result: 'replaced' },
      { Type: 'Pass', Parameters: { 'original.$': '$$.Execution.Input.a' } },
    ),
    input: { a: 'kept' },
    expect: { status: 'SUCCEEDED', output: { original: 'kept' } },
  },
  {
    name: 'InputPath and OutputPath read the Context object with $$',
    source: CONTEXT,
    definition: chain(
      { Type: 'Pass', Result: 'replaced' },
      { Type: 'Pass', InputPath: '$$.Execution.Input', OutputPath: '$$.Execution.Input.a' },
    ),
    input: { a: 'from the execution input' },
    expect: { status: 'SUCCEEDED', output: 'from the execution input' },
  },
  {
    name: 'A Choice Variable and a ...Path comparand read the Context object',
    source: CONTEXT,
    definition: {
      StartAt: 'Route',
      States: {
        Route: {
          Type: 'Choice',
          Choices: [
            {
              And: [
                { Variable: '$$.Execution.Input.tier', StringEquals: 'gold' },
                { Variable: '$.limit', NumericEqualsPath: '$$.Execution.Input.limit' },
              ],
              Next: 'Gold',
            },
          ],
          Default: 'Other',
        },
        Gold: { Type: 'Pass', Result: 'gold', End: true },
        Other: { Type: 'Pass', Result: 'other', End: true },
      },
    },
    input: { tier: 'gold', limit: 3 },
    expect: { status: 'SUCCEEDED', output: 'gold' },
  },
  {
    name: 'Map ItemsPath and Wait SecondsPath read the Context object',
    source: CONTEXT,
    definition: chain(
      { Type: 'Pass', Result: {} },
      { Type: 'Wait', SecondsPath: '$$.Execution.Input.pause' },
      {
        Type: 'Map',
        ItemsPath: '$$.Execution.Input.items',
        ItemProcessor: { StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true } } },
      },
    ),
    input: { pause: 0, items: ['a', 'b'] },
    expect: { status: 'SUCCEEDED', output: ['a', 'b'] },
  },
  {
    name: 'OutputPath $$ gives the Context object, with RetryCount only for states that retry',
    source: 'AWS-recorded history (OutputPath "$$" on a Pass state)',
    definition: single({ Type: 'Pass', OutputPath: '$$' }),
    input: { value: 0 },
    expect: {
      status: 'SUCCEEDED',
      check: (output) => {
        const { State, Execution } = output as { State: object; Execution: { Input: unknown } };
        if (JSON.stringify(Object.keys(State)) !== '["Name","EnteredTime"]') {
          throw new Error(`expected $$.State to have Name and EnteredTime, got ${JSON.stringify(State)}`);
        }
        if (JSON.stringify(Execution.Input) !== '{"value":0}') {
          throw new Error(`expected the execution input, got ${JSON.stringify(Execution.Input)}`);
        }
      },
    },
  },
  {
    name: 'Pass Result keeps keys ending in .$ as written: Result is never resolved',
    source: RECORDED_BASE,
    definition: single({ Type: 'Pass', Result: { 'unsupported1.$': '$.jsonpath', 'unsupported2.$': '$$' } }),
    input: {},
    expect: { status: 'SUCCEEDED', output: { 'unsupported1.$': '$.jsonpath', 'unsupported2.$': '$$' } },
  },
  {
    name: 'InputPath null gives Parameters {} as $, OutputPath null passes {} on',
    source: RECORDED_BASE,
    definition: chain(
      { Type: 'Pass', Parameters: { Arg1: 'argument1', 'FromInput.$': '$' } },
      { Type: 'Pass', InputPath: null, Parameters: { Arg2: 'argument2', 'FromInput.$': '$' } },
      { Type: 'Pass', OutputPath: null },
    ),
    input: { InputValue: 0 },
    expect: { status: 'SUCCEEDED', output: {} },
    checkHistory: (events) => {
      const outputs = events.flatMap((event) =>
        event.stateExitedEventDetails ? [JSON.parse(event.stateExitedEventDetails.output ?? 'null')] : [],
      );
      const recorded = [
        { Arg1: 'argument1', FromInput: { InputValue: 0 } },
        { Arg2: 'argument2', FromInput: {} },
        {},
      ];
      if (JSON.stringify(outputs) !== JSON.stringify(recorded)) {
        throw new Error(`state outputs ${JSON.stringify(outputs)}, AWS recorded ${JSON.stringify(recorded)}`);
      }
    },
  },
  {
    name: 'Parameters filter with == on a number selects the matching items as an array',
    source: RECORDED_BASE,
    definition: single({ Type: 'Pass', Parameters: { 'FromInput.$': '$.users[?(@.status == 0)]' } }),
    input: {
      users: [
        { year: 1997, status: 0 },
        { year: 1998, status: 1 },
      ],
    },
    expect: { status: 'SUCCEEDED', output: { FromInput: [{ year: 1997, status: 0 }] } },
  },
  {
    name: 'Context object members read one by one and whole: Execution, State, StateMachine, in AWS order and format',
    source: RECORDED_BASE,
    definition: chain(
      {
        Type: 'Pass',
        ResultPath: '$.query_values_1',
        Parameters: {
          'context_object.$': '$$',
          'execution.$': '$$.Execution',
          'execution_rolearn.$': '$$.Execution.RoleArn',
          'execution_starttime.$': '$$.Execution.StartTime',
          'state.$': '$$.State',
          'state_name.$': '$$.State.Name',
          'statemachine.$': '$$.StateMachine',
        },
      },
      { Type: 'Pass', ResultPath: '$.query_values_2', Parameters: { 'context_object.$': '$$' } },
    ),
    input: { message: 'TestMessage' },
    expect: {
      status: 'SUCCEEDED',
      check: (output, context) => {
        type Context = { Execution: Record<string, unknown>; State: Record<string, unknown> };
        const { query_values_1: first, query_values_2: second } = output as {
          query_values_1: Record<string, unknown> & { context_object: Context };
          query_values_2: { context_object: Context };
        };
        assertKeys('$$', first.context_object, ['Execution', 'StateMachine', 'State']);
        assertKeys('$$.Execution', first.execution, CONTEXT_EXECUTION_KEYS);
        assertKeys('$$.State', first.state, ['Name', 'EnteredTime']);
        const expected = {
          execution_rolearn: RUNNER_ROLE,
          state_name: 'S1',
          statemachine: { Id: context.stateMachineArn, Name: context.stateMachineName },
          executionInput: { message: 'TestMessage' },
          executionId: context.executionArn,
          secondState: 'S2',
          sameStart: true,
          times: true,
        };
        const actual = {
          execution_rolearn: first.execution_rolearn,
          state_name: first.state_name,
          statemachine: first.statemachine,
          executionInput: first.context_object.Execution.Input,
          executionId: first.context_object.Execution.Id,
          secondState: second.context_object.State.Name,
          sameStart: second.context_object.Execution.StartTime === first.execution_starttime,
          times: [first.execution_starttime, first.context_object.State.EnteredTime].every((time) =>
            CONTEXT_TIME.test(String(time)),
          ),
        };
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          throw new Error(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
        }
      },
    },
  },
  {
    name: 'InputPath $$ makes the whole context object the state input',
    source: RECORDED_CONTEXT,
    definition: single({ Type: 'Pass', InputPath: '$$' }),
    input: { 'input-value': 0 },
    expect: {
      status: 'SUCCEEDED',
      check: (output, context) => {
        assertKeys('output', output, ['Execution', 'StateMachine', 'State']);
        const { State, Execution } = output as {
          State: unknown;
          Execution: { Name: unknown; RedriveCount: unknown };
        };
        assertKeys('State', State, ['Name', 'EnteredTime']);
        if (Execution.Name !== context.executionName || Execution.RedriveCount !== 0) {
          throw new Error(`unexpected $$.Execution ${JSON.stringify(Execution)}`);
        }
      },
    },
  },
  {
    name: 'A Choice Variable reads a context object field whose name has a hyphen with dot notation',
    source: RECORDED_CONTEXT,
    definition: {
      StartAt: 'TestState',
      States: {
        TestState: {
          Type: 'Choice',
          Choices: [
            {
              Variable: '$$.Execution.Input.input-value',
              NumericLessThanEquals: 0,
              Next: 'QuitChoiceMatched',
            },
          ],
          Default: 'QuitNoChoiceMatched',
        },
        QuitChoiceMatched: { Type: 'Pass', Result: 'matched', End: true },
        QuitNoChoiceMatched: { Type: 'Pass', Result: 'default', End: true },
      },
    },
    input: { 'input-value': 0 },
    expect: { status: 'SUCCEEDED', output: 'matched' },
  },
  {
    name: 'ResultSelector picks fields of a lambda:invoke result before ResultPath',
    source:
      'https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html#input-output-resultselector',
    definition: single({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: fn('echo'), 'Payload.$': '$' },
      ResultSelector: { 'echoed.$': '$.Payload.value', 'status.$': '$.StatusCode' },
      ResultPath: '$.result',
    }),
    input: { value: 42 },
    expect: { status: 'SUCCEEDED', output: { value: 42, result: { echoed: 42, status: 200 } } },
  },
  {
    name: 'lambda:invoke returns the Payload with StatusCode 200 and ExecutedVersion',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html',
    definition: single({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: fn('add'), Payload: { a: 2, b: 3 } },
      ResultSelector: {
        'Payload.$': '$.Payload',
        'StatusCode.$': '$.StatusCode',
        'ExecutedVersion.$': '$.ExecutedVersion',
      },
    }),
    expect: { status: 'SUCCEEDED', output: { Payload: 5, StatusCode: 200, ExecutedVersion: '$LATEST' } },
  },
  ...(
    [
      ['"HelloWorld"', 'HelloWorld', '12'],
      ['null', null, '4'],
      ['0', 0, '1'],
      ['true', true, '4'],
      ['[]', [], '2'],
    ] as const
  ).map(([payload, event, contentLength]) => ({
    name: `lambda:invoke sends a string Payload as the request body itself: ${payload} is the event ${JSON.stringify(event)}`,
    source: RECORDED_LAMBDA_INVOKE,
    definition: echoPayload({
      'Payload.$': '$.Payload',
      'length.$': "$.SdkHttpMetadata.HttpHeaders['Content-Length']",
    }),
    input: { Payload: payload },
    expect: { status: 'SUCCEEDED' as const, output: { Payload: event, length: contentLength } },
  })),
  {
    name: 'lambda:invoke with a null Payload invokes the function with {}, and answers with its request id and headers',
    source: RECORDED_LAMBDA_INVOKE,
    definition: echoPayload({
      'Payload.$': '$.Payload',
      'sameId.$':
        "States.ArrayContains(States.Array($.SdkHttpMetadata.HttpHeaders['x-amzn-RequestId']), $.SdkResponseMetadata.RequestId)",
      'version.$': "$.SdkHttpMetadata.AllHttpHeaders['X-Amz-Executed-Version']",
      'remapped.$': "$.SdkHttpMetadata.HttpHeaders['x-amzn-Remapped-Content-Length']",
      'http.$': '$.SdkHttpMetadata.HttpStatusCode',
      'status.$': '$.StatusCode',
    }),
    input: { Payload: null },
    expect: {
      status: 'SUCCEEDED',
      output: { Payload: {}, sameId: true, version: ['$LATEST'], remapped: '0', http: 200, status: 200 },
    },
  },
  {
    name: "sns:publish answers with the MessageId and SNS's headers and request id",
    source: `${RECORDED_SNS_PUBLISH} test_publish_message_attributes`,
    definition: publishTo('arn:aws:sns:us-east-1:000000000000:alerts'),
    input: { Message: 'HelloWorld' },
    expect: {
      status: 'SUCCEEDED',
      check: (output) => checkPublishResult(output, { contentLength: '294', fifo: false }),
    },
  },
  {
    name: "sns:publish to a FIFO topic also answers with the message's SequenceNumber",
    source: `${RECORDED_SNS_PUBLISH} test_fifo_message_attribute`,
    definition: publishTo('arn:aws:sns:us-east-1:000000000000:alerts.fifo', {
      MessageGroupId: 'a-group',
      MessageDeduplicationId: 'dedup-1',
    }),
    input: { Message: { Message: 'HelloWorld!' } },
    expect: {
      status: 'SUCCEEDED',
      check: (output) => checkPublishResult(output, { contentLength: '352', fifo: true }),
    },
  },
  {
    name: 'Data flow runs InputPath, Parameters, ResultSelector, ResultPath, OutputPath in order',
    source: IO_GUIDE,
    definition: single({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      InputPath: '$.numbers',
      Parameters: { FunctionName: fn('add'), 'Payload.$': '$' },
      ResultSelector: { 'sum.$': '$.Payload' },
      ResultPath: '$.result',
      OutputPath: '$.result',
    }),
    input: { numbers: { a: 40, b: 2 }, other: 'dropped' },
    expect: { status: 'SUCCEEDED', output: { sum: 42 } },
  },
  {
    name: 'Task Parameters build the payload of a direct Lambda ARN',
    source: INPUT_PATH,
    definition: single({ Type: 'Task', Resource: fn('add'), Parameters: { 'a.$': '$.x', b: 10 } }),
    input: { x: 5 },
    expect: { status: 'SUCCEEDED', output: 15 },
  },
  {
    name: 'A chain of Pass states threads the data',
    source: PASS,
    definition: chain(
      { Type: 'Pass', Result: 1, ResultPath: '$.one' },
      { Type: 'Pass', Result: 2, ResultPath: '$.two' },
      { Type: 'Pass', Parameters: { 'sum.$': 'States.MathAdd($.one, $.two)' } },
    ),
    input: {},
    expect: { status: 'SUCCEEDED', output: { sum: 3 } },
    history: [
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'PassStateEntered',
      'PassStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ],
  },
  {
    name: 'Succeed state applies InputPath and OutputPath',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/state-succeed.html',
    definition: single({ Type: 'Succeed', InputPath: '$.a', OutputPath: '$.b' }),
    input: { a: { b: 'kept' } },
    expect: { status: 'SUCCEEDED', output: 'kept' },
    history: ['ExecutionStarted', 'SucceedStateEntered', 'SucceedStateExited', 'ExecutionSucceeded'],
  },
  {
    name: 'A string input passes through unchanged',
    source: PASS,
    definition: single({ Type: 'Pass' }),
    input: 'hello',
    expect: { status: 'SUCCEEDED', output: 'hello' },
  },
  {
    name: 'An array input passes through unchanged',
    source: PASS,
    definition: single({ Type: 'Pass' }),
    input: [1, 2, 3],
    expect: { status: 'SUCCEEDED', output: [1, 2, 3] },
  },
  {
    name: 'A missing execution input is the empty object',
    source: 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html',
    definition: single({ Type: 'Pass' }),
    expect: { status: 'SUCCEEDED', output: {} },
  },
  {
    name: 'A backslash in a quoted bracket name stays part of the name it selects',
    source: `${RECORDED_ESCAPES} (test_escape_sequence_parsing[ESCAPE_SEQUENCES_JSONPATH])`,
    definition: single({ Type: 'Pass', Parameters: { 'value.$': `$['Test\\""Name"']` } }),
    input: { 'Test\\""Name"': 'Value"\\' },
    expect: { status: 'SUCCEEDED', output: { value: 'Value"\\' } },
  },
  {
    name: 'Parameters path that matches nothing fails with States.Runtime',
    source: IO_GUIDE,
    definition: single({ Type: 'Pass', Parameters: { 'x.$': '$.missing' } }),
    input: {},
    expect: { status: 'FAILED', error: 'States.Runtime', cause: { includes: '$.missing' } },
  },
  {
    name: 'InputPath that matches nothing fails with States.Runtime',
    source: IO_GUIDE,
    definition: single({ Type: 'Pass', InputPath: '$.missing' }),
    input: { a: 1 },
    expect: { status: 'FAILED', error: 'States.Runtime', cause: { includes: '$.missing' } },
  },
  {
    name: 'OutputPath that matches nothing fails with States.Runtime',
    source: IO_GUIDE,
    definition: single({ Type: 'Pass', OutputPath: '$.missing' }),
    input: { a: 1 },
    expect: { status: 'FAILED', error: 'States.Runtime', cause: { includes: '$.missing' } },
  },
  {
    name: 'ResultPath into a non-object input fails with States.ResultPathMatchFailure',
    source:
      'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-error-representation',
    definition: single({ Type: 'Pass', Result: 1, ResultPath: '$.x' }),
    input: 5,
    expect: { status: 'FAILED', error: 'States.ResultPathMatchFailure' },
  },
];

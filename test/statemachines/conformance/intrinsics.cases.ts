import { type ExecutionCase, single } from './case.ts';

const INTRINSICS = 'https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html';
/** AWS-recorded JSON intrinsics (LocalStack's snapshot tests, recorded against AWS). */
const RECORDED_JSON_INTRINSICS =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/intrinsic_functions/test_json_manipulation.snapshot.json';

/** AWS-recorded generic intrinsics (LocalStack's snapshot tests, recorded against AWS). */
const RECORDED_GENERIC_INTRINSICS =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/intrinsic_functions/test_generic.snapshot.json';

/** A Pass state whose Parameters evaluate `expression` into `result`. */
function intrinsic(name: string, expression: string, input: unknown, result: unknown): ExecutionCase {
  return {
    name,
    source: INTRINSICS,
    definition: single({ Type: 'Pass', Parameters: { 'result.$': expression } }),
    input,
    expect: { status: 'SUCCEEDED', output: { result } },
  };
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** The intrinsic functions, with the examples of the developer guide. */
export const intrinsicCases: ExecutionCase[] = [
  intrinsic(
    'States.Format fills the placeholders',
    "States.Format('Hello, my name is {}.', $.name)",
    { name: 'Arnav' },
    'Hello, my name is Arnav.',
  ),
  intrinsic(
    'States.Format with several arguments and literal values',
    "States.Format('{} has {} items ({})', $.who, $.count, $.ok)",
    { who: 'cart', count: 3, ok: true },
    'cart has 3 items (true)',
  ),
  intrinsic(
    'States.Format with escaped quotes',
    "States.Format('It\\'s {}', $.x)",
    { x: 'here' },
    "It's here",
  ),
  intrinsic(
    'States.StringToJson parses an escaped JSON string',
    'States.StringToJson($.escapedJsonString)',
    { escapedJsonString: '{"foo": "bar"}' },
    { foo: 'bar' },
  ),
  ...['', ' '].map(
    (blank): ExecutionCase => ({
      name: `States.StringToJson of ${JSON.stringify(blank)} is null, as AWS records it`,
      source: RECORDED_JSON_INTRINSICS,
      definition: single({
        Type: 'Pass',
        Parameters: { 'FunctionResult.$': 'States.StringToJson($.FunctionInput)' },
      }),
      input: { FunctionInput: blank },
      expect: { status: 'SUCCEEDED', output: { FunctionResult: null } },
    }),
  ),
  intrinsic(
    'States.JsonToString serialises an object',
    'States.JsonToString($.unescapedJson)',
    { unescapedJson: { foo: 'bar' } },
    '{"foo":"bar"}',
  ),
  intrinsic('States.Array builds an array of its arguments', 'States.Array($.Id)', { Id: 123456 }, [123456]),
  intrinsic('States.Array mixes literals and paths', "States.Array('a', 1, $.b)", { b: true }, [
    'a',
    1,
    true,
  ]),
  intrinsic(
    'States.ArrayPartition splits into chunks, the last shorter',
    'States.ArrayPartition($.inputArray, 4)',
    { inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9] },
    [[1, 2, 3, 4], [5, 6, 7, 8], [9]],
  ),
  intrinsic(
    'States.ArrayContains finds a value',
    'States.ArrayContains($.inputArray, $.lookingFor)',
    { inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9], lookingFor: 5 },
    true,
  ),
  intrinsic(
    'States.ArrayContains reports a missing value',
    'States.ArrayContains($.inputArray, $.lookingFor)',
    { inputArray: [1, 2, 3], lookingFor: 5 },
    false,
  ),
  intrinsic('States.ArrayRange counts by a step', 'States.ArrayRange(1, 9, 2)', {}, [1, 3, 5, 7, 9]),
  intrinsic(
    'States.ArrayRange counts down with a negative step',
    'States.ArrayRange(5, 1, -2)',
    {},
    [5, 3, 1],
  ),
  intrinsic(
    'States.ArrayGetItem returns the item at an index',
    'States.ArrayGetItem($.inputArray, $.index)',
    { inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9], index: 5 },
    6,
  ),
  intrinsic(
    'States.ArrayLength counts the items',
    'States.ArrayLength($.inputArray)',
    { inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9] },
    9,
  ),
  intrinsic(
    'States.ArrayUnique removes duplicates keeping the first occurrence',
    'States.ArrayUnique($.inputArray)',
    { inputArray: [1, 2, 3, 3, 3, 3, 3, 3, 4] },
    [1, 2, 3, 4],
  ),
  intrinsic(
    'States.Base64Encode encodes UTF-8 text',
    'States.Base64Encode($.input)',
    { input: 'Data to encode' },
    'RGF0YSB0byBlbmNvZGU=',
  ),
  intrinsic(
    'States.Base64Decode decodes to text',
    'States.Base64Decode($.base64)',
    { base64: 'RGF0YSB0byBlbmNvZGU=' },
    'Data to encode',
  ),
  intrinsic(
    'States.Hash with SHA-1',
    'States.Hash($.Data, $.Algorithm)',
    { Data: 'input data', Algorithm: 'SHA-1' },
    'aaff4a450a104cd177d28d18d74485e8cae074b7',
  ),
  intrinsic(
    'States.Hash with MD5',
    "States.Hash($.Data, 'MD5')",
    { Data: 'input data' },
    '812f45842bc6d66ee14572ce20db8e86',
  ),
  intrinsic(
    'States.Hash with SHA-256',
    "States.Hash($.Data, 'SHA-256')",
    { Data: 'input data' },
    'b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3',
  ),
  intrinsic(
    'States.JsonMerge shallow merge: the second object wins at the top level',
    'States.JsonMerge($.json1, $.json2, false)',
    { json1: { a: { a1: 1, a2: 2 }, b: 2 }, json2: { a: { a3: 1, a4: 2 }, c: 3 } },
    { a: { a3: 1, a4: 2 }, b: 2, c: 3 },
  ),
  intrinsic(
    'States.MathAdd adds two integers',
    'States.MathAdd($.value1, $.step)',
    { value1: 111, step: -1 },
    110,
  ),
  intrinsic(
    'States.StringSplit on one delimiter',
    'States.StringSplit($.inputString, $.splitter)',
    { inputString: '1,2,3,4,5', splitter: ',' },
    ['1', '2', '3', '4', '5'],
  ),
  intrinsic(
    'States.StringSplit on a set of delimiter characters',
    'States.StringSplit($.inputString, $.splitter)',
    { inputString: 'This.is+a,test=string', splitter: '.+,=' },
    ['This', 'is', 'a', 'test', 'string'],
  ),
  intrinsic(
    'Nested intrinsics: nine levels pick parts of an ARN',
    "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1), 'x')",
    { ImageRecipe: { Arn: 'arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/my-recipe/1.2.3' } },
    '1.2.x',
  ),
  {
    name: 'States.UUID returns a version 4 UUID',
    source: INTRINSICS,
    definition: single({ Type: 'Pass', Parameters: { 'id.$': 'States.UUID()' } }),
    expect: {
      status: 'SUCCEEDED',
      check: (output) => {
        const id = (output as { id: string }).id;
        check(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id),
          `not a v4 UUID: ${id}`,
        );
      },
    },
  },
  {
    name: 'States.MathRandom returns an integer in [start, end)',
    source: INTRINSICS,
    definition: single({ Type: 'Pass', Parameters: { 'n.$': 'States.MathRandom($.start, $.end)' } }),
    input: { start: 1, end: 999 },
    expect: {
      status: 'SUCCEEDED',
      check: (output) => {
        const n = (output as { n: number }).n;
        check(Number.isInteger(n) && n >= 1 && n < 999, `out of range: ${n}`);
      },
    },
  },
  {
    name: 'Intrinsics also run in ResultSelector',
    source: INTRINSICS,
    definition: single({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:echo', 'Payload.$': '$' },
      ResultSelector: { 'joined.$': "States.Format('{}-{}', $.Payload.a, $.Payload.b)" },
    }),
    input: { a: 'x', b: 'y' },
    expect: { status: 'SUCCEEDED', output: { joined: 'x-y' } },
  },
  {
    name: 'States.Format refuses a template from the input with a backslash that escapes nothing',
    source: `${INTRINSICS} (Reserved characters)`,
    definition: single({ Type: 'Pass', Parameters: { 'm.$': 'States.Format($.template, $.x)' } }),
    input: { template: 'a\\nb {}', x: 'x' },
    expect: { status: 'FAILED', error: 'States.Runtime' },
  },
  {
    name: 'an intrinsic function refusing its arguments fails the execution with States.Runtime, which a Catch of States.ALL does not take',
    source:
      'AWS-recorded (public integration tests run against Step Functions: MathAdd(1, "NOT A NUMBER") ends FAILED with States.Runtime, its cause "Invalid arguments in States.MathAdd")',
    definition: {
      StartAt: 'Guarded',
      States: {
        Guarded: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Add',
              States: {
                Add: { Type: 'Pass', Parameters: { 'sum.$': 'States.MathAdd($.a, $.b)' }, End: true },
              },
            },
          ],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Succeed' },
      },
    },
    input: { a: 1, b: 'NOT A NUMBER' },
    expect: {
      status: 'FAILED',
      error: 'States.Runtime',
      cause: { includes: 'Invalid arguments in States.MathAdd' },
    },
  },
  {
    name: 'States.Format refuses a template from the input ending with a backslash',
    source: `${INTRINSICS} (Reserved characters)`,
    definition: single({ Type: 'Pass', Parameters: { 'm.$': 'States.Format($.template, $.x)' } }),
    input: { template: 'a {}\\', x: 'x' },
    expect: { status: 'FAILED', error: 'States.Runtime' },
  },
  {
    name: 'States.Format writes an object argument as AWS records it (a Java map, strings unquoted)',
    source: `${RECORDED_GENERIC_INTRINSICS} (test_format_2, test_context_json_path)`,
    definition: single({
      Type: 'Pass',
      Parameters: {
        'objects.$': "States.Format('Formatting arguments fst={} and snd={}.', $.fst, $.snd)",
        'context.$':
          "States.Format('Formatting arguments fst={} and snd={}.', $$.Execution.Name, $$.StateMachine)",
      },
    }),
    input: { fst: { Arg1: 1, Arg2: [] }, snd: { Arg1: 1, Arg2: [] } },
    expect: {
      status: 'SUCCEEDED',
      check: (output, { executionName, stateMachineArn, stateMachineName }) => {
        const expected = {
          objects: 'Formatting arguments fst={Arg1=1, Arg2=[]} and snd={Arg1=1, Arg2=[]}.',
          context: `Formatting arguments fst=${executionName} and snd={Id=${stateMachineArn}, Name=${stateMachineName}}.`,
        };
        check(JSON.stringify(output) === JSON.stringify(expected), `output ${JSON.stringify(output)}`);
      },
    },
  },
];

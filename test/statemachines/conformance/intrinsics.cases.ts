import { type ExecutionCase, single } from './case.ts';

const INTRINSICS = 'https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html';

/** A snapshot of intrinsic function runs recorded against AWS (LocalStack's snapshot tests), e.g. `test_array`. */
function recordedSnapshot(test: string): string {
  return `https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/intrinsic_functions/${test}.snapshot.json`;
}

/** AWS-recorded JSON intrinsics. */
const RECORDED_JSON_INTRINSICS = recordedSnapshot('test_json_manipulation');
/** AWS-recorded generic intrinsics. */
const RECORDED_GENERIC_INTRINSICS = recordedSnapshot('test_generic');

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

/**
 * A Pass state evaluating each expression of `fields` (by result key) over one input, with the results
 * AWS recorded for them (`source`: the snapshot and its executions).
 */
function recorded(
  name: string,
  source: string,
  fields: Record<string, string>,
  input: unknown,
  output: Record<string, unknown>,
): ExecutionCase {
  const parameters = Object.fromEntries(Object.entries(fields).map(([key, value]) => [`${key}.$`, value]));
  return {
    name,
    source,
    definition: single({ Type: 'Pass', Parameters: parameters }),
    input,
    expect: { status: 'SUCCEEDED', output },
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
  recorded(
    'States.Format writes null, a decimal, whitespace and JSON text as AWS records them',
    `${RECORDED_GENERIC_INTRINSICS} (test_format_1, exec_hist_resp_1, 3, 5, 6)`,
    {
      blank: "States.Format('Formatting argument {}.', $.blank)",
      none: "States.Format('Formatting argument {}.', $.none)",
      decimal: "States.Format('Formatting argument {}.', $.decimal)",
      text: "States.Format('Formatting argument {}.', $.text)",
    },
    { blank: ' ', none: null, decimal: 1.1, text: '{"Arg1": 1, "Arg2": []}' },
    {
      blank: 'Formatting argument  .',
      none: 'Formatting argument null.',
      decimal: 'Formatting argument 1.1.',
      text: 'Formatting argument {"Arg1": 1, "Arg2": []}.',
    },
  ),
  recorded(
    'States.StringSplit splits on a newline written into the string literals',
    `${RECORDED_GENERIC_INTRINSICS} (test_escape_sequence)`,
    { FunctionResult: "States.StringSplit('Hello\nWorld', '\n')" },
    {},
    { FunctionResult: ['Hello', 'World'] },
  ),
  {
    name: 'Nested intrinsics split $$.StateMachine.Name and pick its first and last parts',
    source: `${RECORDED_GENERIC_INTRINSICS} (test_nested_calls_1, test_nested_calls_2)`,
    definition: single({
      Type: 'Pass',
      Parameters: {
        'first.$': "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 0)",
        'last.$':
          "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))",
      },
    }),
    expect: {
      status: 'SUCCEEDED',
      check: (output, { stateMachineName }) => {
        const parts = stateMachineName.split('-');
        const expected = { first: parts[0], last: parts.at(-1) };
        check(JSON.stringify(output) === JSON.stringify(expected), `output ${JSON.stringify(output)}`);
      },
    },
  },
  {
    name: 'States.JsonMerge of a States.StringToJson literal with escaped quotes and a $$.Execution.Input object',
    source: `${RECORDED_JSON_INTRINSICS} (test_json_merge_escaped_argument)`,
    definition: single({
      Type: 'Pass',
      ResultPath: '$.result_path',
      Parameters: {
        'merged.$':
          'States.JsonMerge(States.StringToJson(\'{"constant_in_literal": "false"}\'), $$.Execution.Input.input_field, false)',
      },
      OutputPath: '$.result_path.merged',
    }),
    input: { input_field: { constant_input_field: 'constant_value' } },
    expect: {
      status: 'SUCCEEDED',
      output: { constant_input_field: 'constant_value', constant_in_literal: 'false' },
    },
  },
  recorded(
    'States.StringToJson parses any JSON text: null, -0, a decimal, true, a string, an array',
    `${RECORDED_JSON_INTRINSICS} (test_string_to_json, exec_hist_resp_2 to 8)`,
    {
      none: 'States.StringToJson($.none)',
      zero: 'States.StringToJson($.zero)',
      decimal: 'States.StringToJson($.decimal)',
      bool: 'States.StringToJson($.bool)',
      text: 'States.StringToJson($.text)',
      list: 'States.StringToJson($.list)',
    },
    {
      none: 'null',
      zero: '-0',
      decimal: '1.1',
      bool: 'true',
      text: '"HelloWorld"',
      list: '[1, 2, "HelloWorld"]',
    },
    { none: null, zero: 0, decimal: 1.1, bool: true, text: 'HelloWorld', list: [1, 2, 'HelloWorld'] },
  ),
  recorded(
    'States.JsonToString writes null, numbers, booleans, strings and arrays as compact JSON',
    `${RECORDED_JSON_INTRINSICS} (test_json_to_string)`,
    {
      none: 'States.JsonToString($.none)',
      zero: 'States.JsonToString($.zero)',
      decimal: 'States.JsonToString($.decimal)',
      bool: 'States.JsonToString($.bool)',
      text: 'States.JsonToString($.text)',
      list: 'States.JsonToString($.list)',
    },
    { none: null, zero: 0, decimal: 1.1, bool: true, text: 'HelloWorld', list: [1, 2, 'HelloWorld'] },
    {
      none: 'null',
      zero: '0',
      decimal: '1.1',
      bool: 'true',
      text: '"HelloWorld"',
      list: '[1,2,"HelloWorld"]',
    },
  ),
  recorded(
    'States.ArrayContains compares arrays and objects by value; null and [] are not in arrays without them',
    `${recordedSnapshot('test_array')} (test_array_contains)`,
    {
      nullInEmpty: 'States.ArrayContains($.empty, $.none)',
      emptyInEmpty: 'States.ArrayContains($.empty, $.empty)',
      nullInNested: 'States.ArrayContains($.nested, $.none)',
      arrayInNested: 'States.ArrayContains($.nested, $.array)',
      objectInObjects: 'States.ArrayContains($.objects, $.object)',
      emptyInObjects: 'States.ArrayContains($.objects, $.empty)',
      falseInBooleans: 'States.ArrayContains($.booleans, false)',
    },
    {
      empty: [],
      none: null,
      nested: [[1, 2, 3], 2],
      array: [1, 2, 3],
      objects: [{ 1: 2, 2: [] }],
      object: { 1: 2, 2: [] },
      booleans: [true, false],
    },
    {
      nullInEmpty: false,
      emptyInEmpty: false,
      nullInNested: false,
      arrayInNested: true,
      objectInObjects: true,
      emptyInObjects: false,
      falseInBooleans: true,
    },
  ),
  recorded(
    'States.ArrayPartition of an empty array is empty; a chunk larger than the array holds it all',
    `${recordedSnapshot('test_array')} (test_array_partition, exec_hist_resp_0 and 24)`,
    {
      empty: 'States.ArrayPartition($.empty, 1)',
      whole: 'States.ArrayPartition($.four, 5)',
    },
    { empty: [], four: [0, 1, 2, 3] },
    { empty: [], whole: [[0, 1, 2, 3]] },
  ),
  recorded(
    'States.ArrayRange stops at the last step that does not pass the end',
    `${recordedSnapshot('test_array')} (test_array_range, exec_hist_resp_1 and 2)`,
    { byThree: 'States.ArrayRange(0, 10, 3)', byNine: 'States.ArrayRange(1, 9, 9)' },
    {},
    { byThree: [0, 3, 6, 9], byNine: [1] },
  ),
  recorded(
    "States.MathAdd rounds each operand half up, as Java's Math.round does",
    `${recordedSnapshot('test_math_operations')} (test_math_add, exec_hist_resp_4, 12, 14, 16, 17, 19)`,
    {
      negatives: 'States.MathAdd(-1.5, -1.51)',
      half: 'States.MathAdd(0.5, 0)',
      twoAndHalf: 'States.MathAdd(2.5, 0)',
      halves: 'States.MathAdd(-0.5, 0.5)',
      minusHalf: 'States.MathAdd(-0.5, 0)',
      minusTwoAndHalf: 'States.MathAdd(-2.5, 0)',
    },
    {},
    { negatives: -3, half: 1, twoAndHalf: 3, halves: 1, minusHalf: 0, minusTwoAndHalf: -2 },
  ),
  recorded(
    'States.StringSplit drops empty parts but keeps whitespace and newlines',
    `${recordedSnapshot('test_string_operations')} (test_string_split exec_hist_resp_0 to 3, test_string_split_context_object)`,
    {
      space: "States.StringSplit($.space, ',')",
      spaced: "States.StringSplit($.spaced, ',')",
      commas: "States.StringSplit($.commas, ',')",
      lines: "States.StringSplit($$.Execution.Input.lines, ',')",
    },
    {
      space: ' ',
      spaced: ', , ,',
      commas: ',,,,',
      lines: "Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n",
    },
    {
      space: [' '],
      spaced: [' ', ' '],
      commas: [],
      lines: [
        'Value1',
        'Value2',
        'Value3\nValue4',
        'Value5',
        'Value6\n',
        '\ntrue',
        '1',
        "'HelloWorld'\nNull",
        'None',
        '\n   \n',
      ],
    },
  ),
  recorded(
    'States.Hash with SHA-384 and SHA-512',
    `${recordedSnapshot('test_hash_calculations')} (test_hash, exec_hist_resp_3 and 4)`,
    { sha384: "States.Hash($.data, 'SHA-384')", sha512: "States.Hash($.data, 'SHA-512')" },
    { data: 'input data' },
    {
      sha384:
        'd28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562',
      sha512:
        '6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4',
    },
  ),
  recorded(
    'States.Base64Encode and States.Base64Decode of an empty string are empty',
    `${recordedSnapshot('test_encode_decode')} (test_base_64_encode and test_base_64_decode, exec_hist_resp_0)`,
    { encoded: 'States.Base64Encode($.empty)', decoded: 'States.Base64Decode($.empty)' },
    { empty: '' },
    { encoded: '', decoded: '' },
  ),
  recorded(
    'States.Array() is empty; States.Array keeps null, decimals and JSON text as given',
    `${recordedSnapshot('test_array')} (test_array_0, test_array_2)`,
    { none: 'States.Array()', values: 'States.Array($.none, $.decimal, $.text)' },
    { none: null, decimal: 1.1, text: '{"Arg1": 1, "Arg2": []}' },
    { none: [], values: [null, 1.1, '{"Arg1": 1, "Arg2": []}'] },
  ),
  {
    name: 'States.MathRandom accepts decimal bounds and a seed, returning an integer in the range',
    source: `${recordedSnapshot('test_math_operations')} (test_math_random exec_hist_resp_0, test_math_random_seeded)`,
    definition: single({
      Type: 'Pass',
      Parameters: {
        'decimal.$': 'States.MathRandom($.start, $.end)',
        'seeded.$': 'States.MathRandom(0, 999, 3)',
      },
    }),
    input: { start: 12.5, end: 44.51 },
    expect: {
      status: 'SUCCEEDED',
      check: (output) => {
        const { decimal, seeded } = output as { decimal: number; seeded: number };
        check(Number.isInteger(decimal) && decimal >= 12 && decimal < 45, `decimal out of range: ${decimal}`);
        check(Number.isInteger(seeded) && seeded >= 0 && seeded < 999, `seeded out of range: ${seeded}`);
      },
    },
  },
];

import type { ExecutionCase } from './case.ts';

const CHOICE = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html';
/** AWS-recorded outcomes of each comparison operator over operands of every JSON type. */
const RECORDED =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/choice_operators';
const RECORDED_BOOLEAN = `${RECORDED}/test_boolean_equals.snapshot.json`;
const RECORDED_IS = `${RECORDED}/test_is_operators.snapshot.json`;
const RECORDED_NUMERIC = `${RECORDED}/test_numeric.snapshot.json`;
const RECORDED_STRING = `${RECORDED}/test_string_operators.snapshot.json`;
const RECORDED_TIMESTAMP = `${RECORDED}/test_timestamp_operators.snapshot.json`;

/** A Choice with `rule` -> Pass Result 'matched', Default -> Pass Result 'default'. */
function choose(
  name: string,
  rule: Record<string, unknown>,
  input: unknown,
  matched: boolean,
  source = CHOICE,
): ExecutionCase {
  return {
    name,
    source,
    definition: {
      StartAt: 'Choose',
      States: {
        Choose: { Type: 'Choice', Choices: [{ ...rule, Next: 'Matched' }], Default: 'Other' },
        Matched: { Type: 'Pass', Result: 'matched', End: true },
        Other: { Type: 'Pass', Result: 'default', End: true },
      },
    },
    input,
    expect: { status: 'SUCCEEDED', output: matched ? 'matched' : 'default' },
  };
}

/**
 * As the recorded operator tests run them: `{ Variable, Value }` input, `Variable: '$.Variable'` compared
 * with the operator's `Value` (or, for a `...Path` operator, with `'$.Value'`).
 */
function recorded(
  source: string,
  operator: string,
  variable: unknown,
  value: unknown,
  matched: boolean,
): ExecutionCase {
  const comparand = operator.endsWith('Path') ? '$.Value' : value;
  return choose(
    `${operator} ${JSON.stringify(variable)} against ${JSON.stringify(value)} is ${matched} (recorded)`,
    { Variable: '$.Variable', [operator]: comparand },
    { Variable: variable, Value: value },
    matched,
    source,
  );
}

/** Choice rules: comparison operators, Boolean combinations, type tests, Default and no match. */
export const choiceCases: ExecutionCase[] = [
  recorded(RECORDED_BOOLEAN, 'BooleanEquals', 0, false, false),
  recorded(RECORDED_BOOLEAN, 'BooleanEquals', null, false, false),
  recorded(RECORDED_BOOLEAN, 'BooleanEquals', 'HelloWorld', true, false),
  recorded(RECORDED_BOOLEAN, 'BooleanEqualsPath', false, false, true),
  recorded(RECORDED_BOOLEAN, 'BooleanEqualsPath', [], false, false),
  recorded(RECORDED_NUMERIC, 'NumericEquals', true, 1, false),
  recorded(RECORDED_NUMERIC, 'NumericEquals', null, 0, false),
  recorded(RECORDED_NUMERIC, 'NumericEqualsPath', '', 0, false),
  recorded(RECORDED_NUMERIC, 'NumericEqualsPath', { A: 0 }, 0, false),
  recorded(RECORDED_NUMERIC, 'NumericEqualsPath', 2.22, 2.22, true),
  recorded(RECORDED_NUMERIC, 'NumericLessThanEqualsPath', 1, 0, false),
  recorded(RECORDED_STRING, 'StringEquals', null, 'HelloWorld', false),
  recorded(RECORDED_STRING, 'StringEquals', ' ', '     ', false),
  recorded(RECORDED_STRING, 'StringEqualsPath', '\t\n', '\t\r\n', false),
  recorded(RECORDED_STRING, 'StringGreaterThan', 'A', 'A ', false),
  recorded(RECORDED_STRING, 'StringGreaterThanPath', 'AB', 'ABC', false),
  recorded(RECORDED_STRING, 'StringGreaterThanEquals', '', '', true),
  recorded(RECORDED_STRING, 'StringLessThanPath', 'A', 'AB', true),
  recorded(RECORDED_STRING, 'StringLessThanEqualsPath', 'AB', 'A', false),
  recorded(
    RECORDED_TIMESTAMP,
    'TimestampEquals',
    '2023-02-24 12:15:56.832957',
    '2012-10-09T19:00:55Z',
    false,
  ),
  recorded(RECORDED_TIMESTAMP, 'TimestampEquals', 0, '2012-10-09T19:00:55Z', false),
  recorded(RECORDED_TIMESTAMP, 'TimestampEqualsPath', '2012-10-09T19:00:55Z', '2012-10-09T19:00:55Z', true),
  recorded(
    RECORDED_TIMESTAMP,
    'TimestampGreaterThanEquals',
    '2012-10-09T19:00:56Z',
    '2012-10-09T19:00:55Z',
    true,
  ),
  recorded(
    RECORDED_TIMESTAMP,
    'TimestampGreaterThanPath',
    '2012-10-09T19:00:55Z',
    '2012-10-09T19:00:56Z',
    false,
  ),
  recorded(
    RECORDED_TIMESTAMP,
    'TimestampLessThanPath',
    '2012-10-09T19:00:56Z',
    '2012-10-09T19:00:55Z',
    false,
  ),
  recorded(
    RECORDED_TIMESTAMP,
    'TimestampLessThanEquals',
    '2012-10-09T19:00:55Z',
    '2012-10-09T19:00:56Z',
    true,
  ),
  recorded(RECORDED_IS, 'IsNull', null, false, false),
  recorded(RECORDED_IS, 'IsNull', false, true, false),
  recorded(RECORDED_IS, 'IsBoolean', [], false, true),
  recorded(RECORDED_IS, 'IsNumeric', null, false, true),
  recorded(RECORDED_IS, 'IsString', '2012-10-09T19:00:55', true, true),
  recorded(RECORDED_IS, 'IsString', { A: 0 }, false, true),
  recorded(RECORDED_IS, 'IsPresent', false, true, true),
  recorded(RECORDED_IS, 'IsPresent', '', false, false),
  choose(
    'NumericEquals matches an equal number',
    { Variable: '$.value', NumericEquals: 0 },
    { value: 0 },
    true,
  ),
  choose(
    'NumericEquals does not match another number',
    { Variable: '$.value', NumericEquals: 0 },
    { value: 1 },
    false,
  ),
  choose('NumericLessThan', { Variable: '$.value', NumericLessThan: 10 }, { value: 9.5 }, true),
  choose(
    'NumericGreaterThanEquals on the bound',
    { Variable: '$.value', NumericGreaterThanEquals: 20 },
    { value: 20 },
    true,
  ),
  choose(
    'NumericEqualsPath compares two fields',
    { Variable: '$.a', NumericEqualsPath: '$.b' },
    { a: 3, b: 3 },
    true,
  ),
  choose('StringEquals', { Variable: '$.type', StringEquals: 'Private' }, { type: 'Private' }, true),
  choose(
    'StringEquals is case sensitive',
    { Variable: '$.type', StringEquals: 'Private' },
    { type: 'private' },
    false,
  ),
  choose('StringLessThan compares lexically', { Variable: '$.s', StringLessThan: 'b' }, { s: 'abc' }, true),
  choose(
    'StringMatches with a wildcard',
    { Variable: '$.file', StringMatches: '*.log' },
    { file: 'app.log' },
    true,
  ),
  choose(
    'StringMatches with an escaped asterisk',
    { Variable: '$.s', StringMatches: 'a\\*b' },
    { s: 'a*b' },
    true,
  ),
  choose(
    'StringMatches escaped asterisk is literal',
    { Variable: '$.s', StringMatches: 'a\\*b' },
    { s: 'axxb' },
    false,
  ),
  choose('BooleanEquals', { Variable: '$.ok', BooleanEquals: true }, { ok: true }, true),
  choose(
    'TimestampGreaterThan',
    { Variable: '$.at', TimestampGreaterThan: '2001-01-01T12:00:00Z' },
    { at: '2016-03-14T01:59:00Z' },
    true,
  ),
  choose(
    'TimestampLessThanEqualsPath',
    { Variable: '$.at', TimestampLessThanEqualsPath: '$.limit' },
    { at: '2016-03-14T01:59:00Z', limit: '2016-03-14T01:59:00Z' },
    true,
  ),
  choose(
    'And: all must match',
    {
      And: [
        { Variable: '$.value', NumericGreaterThanEquals: 20 },
        { Variable: '$.value', NumericLessThan: 30 },
      ],
    },
    { value: 25 },
    true,
  ),
  choose(
    'And: one false makes it false',
    {
      And: [
        { Variable: '$.value', NumericGreaterThanEquals: 20 },
        { Variable: '$.value', NumericLessThan: 30 },
      ],
    },
    { value: 31 },
    false,
  ),
  choose(
    'Or: one true makes it true',
    {
      Or: [
        { Variable: '$.a', StringEquals: 'x' },
        { Variable: '$.b', StringEquals: 'y' },
      ],
    },
    { a: 'no', b: 'y' },
    true,
  ),
  choose('Not negates', { Not: { Variable: '$.type', StringEquals: 'Private' } }, { type: 'Public' }, true),
  choose('IsPresent true for an existing field', { Variable: '$.a', IsPresent: true }, { a: null }, true),
  choose('IsPresent false for a missing field', { Variable: '$.missing', IsPresent: false }, { a: 1 }, true),
  choose('IsNull matches null', { Variable: '$.a', IsNull: true }, { a: null }, true),
  choose('IsNumeric', { Variable: '$.a', IsNumeric: true }, { a: 1.5 }, true),
  choose('IsString does not match a number', { Variable: '$.a', IsString: true }, { a: 1 }, false),
  choose('IsBoolean', { Variable: '$.a', IsBoolean: true }, { a: false }, true),
  choose(
    'IsTimestamp accepts an RFC 3339 string',
    { Variable: '$.a', IsTimestamp: true },
    { a: '2016-03-14T01:59:00Z' },
    true,
  ),
  choose(
    'IsTimestamp rejects another string',
    { Variable: '$.a', IsTimestamp: true },
    { a: 'yesterday' },
    false,
  ),
  choose(
    'A comparison against a field of another type is false',
    { Variable: '$.a', NumericEquals: 1 },
    { a: '1' },
    false,
  ),
  {
    name: 'The first matching rule wins',
    source: CHOICE,
    definition: {
      StartAt: 'Choose',
      States: {
        Choose: {
          Type: 'Choice',
          Choices: [
            { Variable: '$.n', NumericGreaterThan: 1, Next: 'First' },
            { Variable: '$.n', NumericGreaterThan: 0, Next: 'Second' },
          ],
        },
        First: { Type: 'Pass', Result: 'first', End: true },
        Second: { Type: 'Pass', Result: 'second', End: true },
      },
    },
    input: { n: 5 },
    expect: { status: 'SUCCEEDED', output: 'first' },
    history: [
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ],
  },
  {
    name: 'No matching rule and no Default fails with States.NoChoiceMatched',
    source: CHOICE,
    definition: {
      StartAt: 'Choose',
      States: {
        Choose: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'One' }] },
        One: { Type: 'Succeed' },
      },
    },
    input: { n: 2 },
    expect: { status: 'FAILED', error: 'States.NoChoiceMatched' },
  },
  {
    name: 'Choice applies InputPath and OutputPath to the data it passes on',
    source: CHOICE,
    definition: {
      StartAt: 'Choose',
      States: {
        Choose: {
          Type: 'Choice',
          InputPath: '$.inner',
          OutputPath: '$.keep',
          Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'Done' }],
        },
        Done: { Type: 'Succeed' },
      },
    },
    input: { inner: { n: 1, keep: { v: 'x' } } },
    expect: { status: 'SUCCEEDED', output: { v: 'x' } },
  },
  {
    name: 'A Choice loop counts to three',
    source: CHOICE,
    definition: {
      StartAt: 'Init',
      States: {
        Init: { Type: 'Pass', Result: 0, ResultPath: '$.i', Next: 'Check' },
        Check: {
          Type: 'Choice',
          Choices: [{ Variable: '$.i', NumericLessThan: 3, Next: 'Increment' }],
          Default: 'Done',
        },
        Increment: { Type: 'Pass', Parameters: { 'i.$': 'States.MathAdd($.i, 1)' }, Next: 'Check' },
        Done: { Type: 'Succeed' },
      },
    },
    input: {},
    expect: { status: 'SUCCEEDED', output: { i: 3 } },
    historyCounts: { ChoiceStateEntered: 4, PassStateEntered: 4 },
  },
];

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateChoiceRule, matchesWildcard, selectChoice } from '#local/asl/choice.ts';
import { StatesError } from '#local/asl/errors.ts';
import type { ChoiceRule, ChoiceState } from '#local/asl/types.ts';

const rule = (fields: Record<string, unknown>) => fields as unknown as ChoiceRule;
const holds = (fields: Record<string, unknown>, input: unknown) => evaluateChoiceRule(rule(fields), input);

function statesErrorOf(action: () => unknown): StatesError {
  try {
    action();
  } catch (error) {
    if (error instanceof StatesError) return error;
    throw error;
  }
  throw new Error('expected a StatesError');
}

/** The Choice state of the developer guide's "Choice" page. */
const guideChoice = (): ChoiceState => ({
  Type: 'Choice',
  Choices: [
    { Not: { Variable: '$.type', StringEquals: 'Private' }, Next: 'Public' },
    { Variable: '$.value', NumericEquals: 0, Next: 'ValueIsZero' },
    {
      And: [
        { Variable: '$.value', NumericGreaterThanEquals: 20 },
        { Variable: '$.value', NumericLessThan: 30 },
      ],
      Next: 'ValueInTwenties',
    },
  ],
  Default: 'DefaultState',
});

/** The state a Choice goes to: its first matching rule's `Next`, else its `Default`. */
const nextOf = (state: ChoiceState, input: unknown) => selectChoice(state, input)?.Next ?? state.Default;

describe('selectChoice', () => {
  it('follows the developer guide example', () => {
    expect(nextOf(guideChoice(), { type: 'Public', value: 22 })).toBe('Public');
    expect(nextOf(guideChoice(), { type: 'Private', value: 0 })).toBe('ValueIsZero');
    expect(nextOf(guideChoice(), { type: 'Private', value: 22 })).toBe('ValueInTwenties');
    expect(nextOf(guideChoice(), { type: 'Private', value: 50 })).toBe('DefaultState');
  });

  it('takes the first matching rule', () => {
    const state: ChoiceState = {
      Type: 'Choice',
      Choices: [
        { Variable: '$.n', NumericGreaterThan: 1, Next: 'First' },
        { Variable: '$.n', NumericGreaterThan: 0, Next: 'Second' },
      ],
    };
    expect(nextOf(state, { n: 5 })).toBe('First');
  });

  it('raises States.NoChoiceMatched without a Default', () => {
    const state: ChoiceState = {
      Type: 'Choice',
      Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'One' }],
    };
    expect(statesErrorOf(() => nextOf(state, { n: 2 })).name).toBe('States.NoChoiceMatched');
  });
});

describe('evaluateChoiceRule: comparisons', () => {
  it.each([
    ['StringEquals', 'abc', 'abc', true],
    ['StringEquals', 'abc', 'abd', false],
    ['StringLessThan', 'abc', 'abd', true],
    ['StringGreaterThan', 'b', 'a', true],
    ['StringLessThanEquals', 'a', 'a', true],
    ['StringGreaterThanEquals', 'a', 'b', false],
    ['NumericEquals', 10, 10.0, true],
    ['NumericLessThan', 1.5, 2, true],
    ['NumericGreaterThan', -1, 0, false],
    ['NumericLessThanEquals', 3, 3, true],
    ['NumericGreaterThanEquals', 2, 3, false],
    ['BooleanEquals', false, false, true],
    ['BooleanEquals', true, false, false],
    ['TimestampEquals', '2016-03-14T01:59:00Z', '2016-03-14T02:59:00+01:00', true],
    ['TimestampLessThan', '2016-03-14T01:59:00Z', '2016-03-14T01:59:00.001Z', true],
    ['TimestampGreaterThan', '2016-03-14T01:59:00.000000002Z', '2016-03-14T01:59:00.000000001Z', true],
    ['TimestampLessThanEquals', '2016-03-14T01:59:00Z', '2016-03-13T23:59:00-02:00', true],
    ['TimestampGreaterThanEquals', '2020-01-01T00:00:00Z', '2021-01-01T00:00:00Z', false],
  ])('%s(%j, %j) is %s', (operator, value, comparand, expected) => {
    expect(holds({ Variable: '$.v', [operator]: comparand }, { v: value })).toBe(expected);
  });

  it('is false, not an error, when the types do not match', () => {
    expect(holds({ Variable: '$.v', StringEquals: '1' }, { v: 1 })).toBe(false);
    expect(holds({ Variable: '$.v', NumericEquals: 1 }, { v: '1' })).toBe(false);
    expect(holds({ Variable: '$.v', BooleanEquals: true }, { v: 'true' })).toBe(false);
    expect(holds({ Variable: '$.v', TimestampEquals: '2016-03-14T01:59:00Z' }, { v: 'yesterday' })).toBe(
      false,
    );
    expect(holds({ Variable: '$.v', NumericLessThan: 1 }, { v: null })).toBe(false);
  });

  it('rejects timestamps that are not RFC3339 as AWS does', () => {
    const equalsTimestamp = (value: string) =>
      holds({ Variable: '$.v', TimestampEquals: '2016-03-14T01:59:00Z' }, { v: value });
    expect(equalsTimestamp('2016-03-14t01:59:00z')).toBe(false);
    expect(equalsTimestamp('2016-03-14 01:59:00Z')).toBe(false);
    expect(equalsTimestamp('2016-03-14T01:59:00')).toBe(false);
    expect(equalsTimestamp('2016-02-30T01:59:00Z')).toBe(false);
    expect(equalsTimestamp('2016-03-14T01:59:00.000Z')).toBe(true);
  });

  it('compares against another input value with the ...Path forms', () => {
    const input = {
      a: 'x',
      b: 'x',
      n: 3,
      limit: 5,
      flag: true,
      t: '2020-01-01T00:00:00Z',
      later: '2021-01-01T00:00:00Z',
    };
    expect(holds({ Variable: '$.a', StringEqualsPath: '$.b' }, input)).toBe(true);
    expect(holds({ Variable: '$.n', NumericLessThanPath: '$.limit' }, input)).toBe(true);
    expect(holds({ Variable: '$.n', NumericGreaterThanEqualsPath: '$.limit' }, input)).toBe(false);
    expect(holds({ Variable: '$.flag', BooleanEqualsPath: '$.flag' }, input)).toBe(true);
    expect(holds({ Variable: '$.t', TimestampLessThanPath: '$.later' }, input)).toBe(true);
    expect(holds({ Variable: '$.a', NumericEqualsPath: '$.n' }, input)).toBe(false);
  });

  it('matches StringMatches wildcards, with \\* as a literal star', () => {
    expect(holds({ Variable: '$.f', StringMatches: 'log-*.txt' }, { f: 'log-2024-01.txt' })).toBe(true);
    expect(holds({ Variable: '$.f', StringMatches: 'log-*.txt' }, { f: 'log-1.txtx' })).toBe(false);
    expect(holds({ Variable: '$.f', StringMatches: '*' }, { f: '' })).toBe(true);
    expect(holds({ Variable: '$.f', StringMatches: 'a\\*b' }, { f: 'a*b' })).toBe(true);
    expect(holds({ Variable: '$.f', StringMatches: 'a\\*b' }, { f: 'axxb' })).toBe(false);
    expect(holds({ Variable: '$.f', StringMatches: 'a.(b)?' }, { f: 'a.(b)?' })).toBe(true);
    expect(holds({ Variable: '$.f', StringMatches: 'a*' }, { f: 1 })).toBe(false);
  });

  it('agrees with a regular expression of the same pattern on every value and pattern tried', () => {
    // A backtracking regular expression: the definition of the match, for short inputs only.
    const asRegExp = (pattern: string) =>
      new RegExp(
        `^${[...pattern.matchAll(/\\[*\\]|\*|[^*]/g)]
          .map(([token]) =>
            token === '*'
              ? '[\\s\\S]*'
              : (token.length === 2 ? token[1]! : token).replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'),
          )
          .join('')}$`,
      );
    fc.assert(
      fc.property(
        fc.stringMatching(/^[ab*\\]{0,8}$/),
        fc.stringMatching(/^[ab*\\]{0,10}$/),
        (pattern, value) => matchesWildcard(value, pattern) === asRegExp(pattern).test(value),
      ),
      { numRuns: 5000 },
    );
  });

  it('answers a pattern of many stars that does not match without backtracking', () => {
    // Backtracking, this took minutes, blocking every execution and the API (8 stars, 60 characters).
    const pattern = `${'*a'.repeat(20)}*b`;
    // Act
    const matched = holds({ Variable: '$.s', StringMatches: pattern }, { s: 'a'.repeat(10_000) });
    const matchedAtEnd = holds({ Variable: '$.s', StringMatches: pattern }, { s: `${'a'.repeat(10_000)}b` });
    // Assess
    expect([matched, matchedAtEnd]).toEqual([false, true]);
  });
});

describe('evaluateChoiceRule: type tests and presence', () => {
  const input = { nul: null, num: 1.5, str: 'text', bool: false, ts: '2016-03-14T01:59:00Z', obj: {} };

  it.each([
    ['IsNull', 'nul', true],
    ['IsNull', 'num', false],
    ['IsNumeric', 'num', true],
    ['IsNumeric', 'str', false],
    ['IsString', 'str', true],
    ['IsString', 'ts', true],
    ['IsBoolean', 'bool', true],
    ['IsBoolean', 'nul', false],
    ['IsTimestamp', 'ts', true],
    ['IsTimestamp', 'str', false],
    ['IsPresent', 'obj', true],
    ['IsPresent', 'nul', true],
  ])('%s on $.%s is %s', (operator, field, expected) => {
    expect(holds({ Variable: `$.${field}`, [operator]: true }, input)).toBe(expected);
    expect(holds({ Variable: `$.${field}`, [operator]: false }, input)).toBe(!expected);
  });

  it('IsPresent is false for a missing variable, not an error', () => {
    expect(holds({ Variable: '$.missing.deeper', IsPresent: true }, input)).toBe(false);
    expect(holds({ Variable: '$.missing', IsPresent: false }, input)).toBe(true);
  });

  it('raises States.Runtime when the variable is missing for any other operator', () => {
    // Act
    const error = statesErrorOf(() => holds({ Variable: '$.missing', StringEquals: 'x' }, input));
    // Assess
    expect(error.name).toBe('States.Runtime');
    expect(error.causeText).toBe(
      "Invalid path '$.missing': The choice state's condition path references an invalid value.",
    );
    expect(() => holds({ Variable: '$.missing', IsNull: true }, input)).toThrow(StatesError);
  });

  it('guards against a missing value with And + IsPresent', () => {
    const guarded = {
      And: [
        { Variable: '$.missing', IsPresent: true },
        { Variable: '$.missing', StringEquals: 'x' },
      ],
    };
    expect(holds(guarded, input)).toBe(false);
  });
});

describe('evaluateChoiceRule: the AWS-recorded operator tables', () => {
  // tests/aws/services/stepfunctions/v2/choice_operators/utils.py TYPE_COMPARISONS in localstack/localstack:
  // each `[Variable, Value]` pair runs `{ Variable: '$.Variable', <operator>: Value }` (or, for a ...Path
  // operator, `'$.Value'`) on the input `{ Variable, Value }`.
  const typeComparisons: [unknown, boolean][] = [
    [null, true],
    [null, false],
    [0, true],
    [0, false],
    [1, true],
    [1, false],
    [1.1, true],
    [1.1, false],
    ['', true],
    ['', false],
    [' ', true],
    [' ', false],
    ['HelloWorld', true],
    ['HelloWorld', false],
    ['2012-10-09T19:00:55', true],
    ['2012-10-09T19:00:55', false],
    ['2012-10-09T19:00:55Z', true],
    ['2012-10-09T19:00:55Z', false],
    ['2012-10-09T19:00:55+01:00', true],
    ['2012-10-09T19:00:55+01:00', false],
    ['2023-02-24', true],
    ['2023-02-24', false],
    [[], true],
    [[], false],
    [[''], true],
    [[''], false],
    [{}, true],
    [{}, false],
    [{ A: 0 }, true],
    [{ A: 0 }, false],
    [true, true],
    [false, true],
    [false, false],
  ];
  const outcomes = (operator: string) =>
    typeComparisons
      .map(([variable, value]) => {
        const comparand = operator.endsWith('Path') ? '$.Value' : value;
        const matched = holds(
          { Variable: '$.Variable', [operator]: comparand },
          { Variable: variable, Value: value },
        );
        return matched ? 'T' : 'F';
      })
      .join('');

  // The snapshot's ConditionTrue/ConditionFalse per pair (test_is_operators and test_boolean_equals).
  it.each([
    ['IsBoolean', 'FTFTFTFTFTFTFTFTFTFTFTFTFTFTFTTTF'],
    ['IsNull', 'TFFTFTFTFTFTFTFTFTFTFTFTFTFTFTFFT'],
    ['IsNumeric', 'FTTFTFTFFTFTFTFTFTFTFTFTFTFTFTFFT'],
    ['IsPresent', 'TFTFTFTFTFTFTFTFTFTFTFTFTFTFTFTTF'],
    ['IsString', 'FTFTFTFTTFTFTFTFTFTFTFFTFTFTFTFFT'],
    ['BooleanEquals', 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFTFT'],
    ['BooleanEqualsPath', 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFTFT'],
  ])('%s gives the recorded outcome for every type', (operator, recorded) => {
    expect(outcomes(operator)).toBe(recorded);
  });
});

describe('evaluateChoiceRule: And, Or, Not', () => {
  it('nests Boolean operators', () => {
    const nested = {
      Or: [
        { And: [{ Variable: '$.a', NumericEquals: 1 }, { Not: { Variable: '$.b', StringEquals: 'no' } }] },
        { Variable: '$.c', BooleanEquals: true },
      ],
    };
    expect(holds(nested, { a: 1, b: 'yes', c: false })).toBe(true);
    expect(holds(nested, { a: 1, b: 'no', c: false })).toBe(false);
    expect(holds(nested, { a: 2, b: 'no', c: true })).toBe(true);
  });

  it('rejects a rule without exactly one operator', () => {
    expect(() => holds({ Variable: '$.a' }, { a: 1 })).toThrow(/exactly one comparison operator/);
    expect(() => holds({ Variable: '$.a', NumericEquals: 1, StringEquals: 'x' }, { a: 1 })).toThrow(
      StatesError,
    );
  });
});

/**
 * Choice state rules: every comparison operator with its `...Path` form, the `Is*` type tests and
 * And/Or/Not, with AWS's semantics (a type mismatch is `false`, a missing Variable is `States.Runtime`).
 */
import type { ContextSource } from './context-object.ts';
import { STATES_ERRORS, StatesError } from './errors.ts';
import { compareInstants, type Instant, parseTimestamp } from './expressions/timestamps.ts';
import { readPath, tryReadPath } from './jsonpath.ts';
import type { StateRun } from './state-run.ts';
import {
  type ChoiceRule,
  type ChoiceState,
  COMPARISON_OPERATORS,
  type ComparisonOperator,
  type JsonataChoiceRule,
  type TopLevelChoiceRule,
} from './types.ts';
import type { VariableReader } from './variables.ts';

type Ordering = 'Equals' | 'LessThan' | 'GreaterThan' | 'LessThanEquals' | 'GreaterThanEquals';

const ORDERINGS: Record<Ordering, (sign: number) => boolean> = {
  Equals: (sign) => sign === 0,
  LessThan: (sign) => sign < 0,
  GreaterThan: (sign) => sign > 0,
  LessThanEquals: (sign) => sign <= 0,
  GreaterThanEquals: (sign) => sign >= 0,
};

/** Every operator key a comparison rule may carry (`StringEquals`, `StringEqualsPath`, ...). */
const OPERATOR_KEYS: ReadonlySet<string> = new Set(
  COMPARISON_OPERATORS.flatMap((operator) =>
    operator.startsWith('Is') || operator === 'StringMatches' ? [operator] : [operator, `${operator}Path`],
  ),
);

/**
 * Evaluates one Choice rule against the state's (effective) input; `$$...` paths read the context object,
 * `$name...` paths the workflow variables.
 *
 * @throws StatesError `States.Runtime` when `Variable` (or a `...Path` operand) selects nothing, except for
 * `IsPresent`, which is then simply false.
 * @example
 * evaluateChoiceRule({ Variable: '$.weight', NumericGreaterThanEquals: 50 }, { weight: 60 }); // true
 */
export function evaluateChoiceRule(
  rule: ChoiceRule,
  input: unknown,
  context?: ContextSource,
  variables?: VariableReader,
): boolean {
  if ('And' in rule) return rule.And.every((inner) => evaluateChoiceRule(inner, input, context, variables));
  if ('Or' in rule) return rule.Or.some((inner) => evaluateChoiceRule(inner, input, context, variables));
  if ('Not' in rule) return !evaluateChoiceRule(rule.Not, input, context, variables);
  const operatorKeys = Object.keys(rule).filter((key) => OPERATOR_KEYS.has(key));
  const [operatorKey] = operatorKeys;
  if (operatorKeys.length !== 1 || operatorKey === undefined || typeof rule.Variable !== 'string') {
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `A Choice rule needs a Variable and exactly one comparison operator, got ${JSON.stringify(rule)}`,
    );
  }
  const expected = (rule as Record<string, unknown>)[operatorKey];
  const lookup = tryReadPath(rule.Variable, input, context, variables);
  if (operatorKey === 'IsPresent') return lookup.found === expected;
  if (!lookup.found) {
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `Invalid path '${rule.Variable}': The choice state's condition path references an invalid value.`,
    );
  }
  const isPathForm = operatorKey.endsWith('Path');
  const operator = (isPathForm ? operatorKey.slice(0, -4) : operatorKey) as ComparisonOperator;
  const comparand = isPathForm ? readPath(expected as string, input, context, variables) : expected;
  return compare(operator, lookup.value, comparand);
}

/**
 * The first matching rule, or undefined when none matches and the state has a `Default`.
 *
 * @throws StatesError `States.NoChoiceMatched` when no rule matches and there is no `Default`.
 */
export function selectChoice(
  state: ChoiceState,
  input: unknown,
  context?: ContextSource,
  variables?: VariableReader,
): TopLevelChoiceRule | undefined {
  const match = state.Choices.find((rule) => evaluateChoiceRule(rule, input, context, variables));
  if (match || state.Default !== undefined) return match;
  throw noChoiceMatched();
}

/**
 * The first rule of a JSONata Choice state whose `Condition` is true, with the prefix of its fields in
 * errors (`Choices[1]/`), or undefined when none is and the state has a `Default`.
 *
 * @throws StatesError `States.QueryEvaluationError` when a Condition gives no boolean;
 * `States.NoChoiceMatched` when no rule matches and there is no `Default`.
 */
export async function selectJsonataChoice(
  run: StateRun<ChoiceState>,
): Promise<{ rule: JsonataChoiceRule; field: string } | undefined> {
  const states = run.states();
  const rules = run.state.Choices as unknown as JsonataChoiceRule[];
  for (const [index, rule] of rules.entries()) {
    if (await run.evaluate(rule.Condition, `Choices[${index}]/Condition`, states, 'boolean')) {
      return { rule, field: `Choices[${index}]/` };
    }
  }
  if (run.state.Default !== undefined) return undefined;
  throw noChoiceMatched();
}

function noChoiceMatched(): StatesError {
  return new StatesError(
    STATES_ERRORS.NoChoiceMatched,
    'No Choice rule matched the input and the Choice state has no Default',
  );
}

function compare(operator: ComparisonOperator, value: unknown, comparand: unknown): boolean {
  switch (operator) {
    case 'IsNull':
      return (value === null) === comparand;
    case 'IsNumeric':
      return (typeof value === 'number') === comparand;
    case 'IsString':
      return (typeof value === 'string') === comparand;
    case 'IsBoolean':
      return (typeof value === 'boolean') === comparand;
    case 'IsTimestamp':
      return (parseTimestamp(value) !== undefined) === comparand;
    case 'IsPresent':
      return comparand === true;
    case 'StringMatches':
      return typeof value === 'string' && typeof comparand === 'string' && matchesWildcard(value, comparand);
    case 'BooleanEquals':
      return typeof value === 'boolean' && value === comparand;
  }
  const [, family, ordering] = /^(String|Numeric|Timestamp)(.+)$/.exec(operator) as unknown as [
    string,
    'String' | 'Numeric' | 'Timestamp',
    Ordering,
  ];
  const sign = orderingSign(family, value, comparand);
  return sign !== undefined && ORDERINGS[ordering](sign);
}

/** Negative/zero/positive when both values have the family's type, else undefined (the rule is false). */
function orderingSign(family: 'String' | 'Numeric' | 'Timestamp', value: unknown, comparand: unknown) {
  if (family === 'Numeric') {
    return typeof value === 'number' && typeof comparand === 'number'
      ? Math.sign(value - comparand)
      : undefined;
  }
  if (family === 'String') {
    if (typeof value !== 'string' || typeof comparand !== 'string') return undefined;
    return value < comparand ? -1 : value > comparand ? 1 : 0;
  }
  const [left, right]: (Instant | undefined)[] = [parseTimestamp(value), parseTimestamp(comparand)];
  return left && right ? compareInstants(left, right) : undefined;
}

/**
 * Whether `value` matches a `StringMatches` pattern: `*` matches any run of characters; `\*` is a literal
 * star and `\\` a literal backslash. Without backtracking: each run of text between stars is searched for
 * once, at its first place after the previous one, which is enough, as a star matches anything (a
 * backtracking regular expression took exponential time on `*a*a*a*a*a*a*a*a*b`, blocking the runtime).
 */
export function matchesWildcard(value: string, pattern: string): boolean {
  const runs = literalRuns(pattern);
  if (runs.length === 1) return value === runs[0];
  const first = runs[0]!;
  const last = runs[runs.length - 1]!;
  const end = value.length - last.length;
  if (end < first.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  let position = first.length;
  for (const run of runs.slice(1, -1)) {
    const found = value.indexOf(run, position);
    if (found < 0 || found + run.length > end) return false;
    position = found + run.length;
  }
  return true;
}

/** The literal text between a pattern's unescaped stars, unescaped: `a*b\\*c` is `['a', 'b*c']`. */
function literalRuns(pattern: string): string[] {
  const runs = [''];
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index]!;
    if (char === '\\' && (pattern[index + 1] === '*' || pattern[index + 1] === '\\')) {
      index += 1;
      runs[runs.length - 1] += pattern[index]!;
    } else if (char === '*') {
      runs.push('');
    } else {
      runs[runs.length - 1] += char;
    }
  }
  return runs;
}

/**
 * Intrinsic function evaluation for payload templates (`"key.$": "States.Format('{}', $.name)"`).
 */
import { type ContextSource, describePathSource } from './context-object.ts';
import { STATES_ERRORS, StatesError } from './errors.ts';
import { IntrinsicBudget, IntrinsicBudgetExceededError } from './expressions/intrinsic-budget.ts';
import { INTRINSIC_FUNCTIONS, type IntrinsicArgument } from './expressions/intrinsic-functions.ts';
import { type IntrinsicNode, IntrinsicSyntaxError, parseIntrinsic } from './expressions/intrinsic-syntax.ts';
import { isStringTooLong } from './expressions/json-values.ts';
import { memoize } from './expressions/memoize.ts';
import { tryReadPath } from './jsonpath.ts';
import type { VariableReader } from './variables.ts';

/** Deepest nesting of intrinsic calls Step Functions allows in one field. */
export const MAX_INTRINSIC_NESTING = 10;

/** True when `value` is written as an intrinsic function call (`States.Xxx(...)`), well-formed or not. */
export function isIntrinsic(value: string): boolean {
  return /^\s*States\.[A-Za-z0-9]+\s*\(/.test(value);
}

/**
 * Evaluates an intrinsic call; paths in its arguments read `$...` from `input` and `$$...` from `context`
 * (the context object, or a function that builds it) and `$name...` from `variables`. What its calls make
 * is charged to `budget`, shared by the calls of one payload template.
 *
 * @throws StatesError `States.Runtime`, as AWS raises it, when the expression is malformed, names an
 * unknown function, a function rejects its arguments (`Invalid arguments in States.MathAdd: ...`) or an
 * argument's path selects nothing (AWS's wording: `The function 'States.Format($.a)' had the following error: The JsonPath argument for the
 * field '$.a' could not be found in the input '{}'`), or the calls take `budget` past its limit.
 * @example
 * evaluateIntrinsic("States.Format('Hello, my name is {}.', $.name)", { name: 'Arnav' }, {});
 * // 'Hello, my name is Arnav.'
 */
export function evaluateIntrinsic(
  expression: string,
  input: unknown,
  context: ContextSource,
  variables?: VariableReader,
  budget = new IntrinsicBudget(),
): unknown {
  const call = parseOrThrow(expression);
  try {
    return evaluateNode(call, input, context, variables, budget).value;
  } catch (error) {
    if (!(error instanceof MissingArgumentError || error instanceof IntrinsicBudgetExceededError))
      throw error;
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `The function '${expression}' had the following error: ${error.message}`,
      { cause: error },
    );
  }
}

/** An argument's path selected nothing (worded into the call's error by {@link evaluateIntrinsic}). */
class MissingArgumentError extends Error {}

/** Why `expression` is not a valid intrinsic call (syntax, unknown function, nesting), or undefined. */
export function intrinsicSyntaxProblem(expression: string): string | undefined {
  try {
    parseOrThrow(expression);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const parseOrThrow = memoize(parseChecked);

function parseChecked(expression: string): IntrinsicNode & { kind: 'call' } {
  let call: IntrinsicNode & { kind: 'call' };
  try {
    call = parseIntrinsic(expression);
  } catch (error) {
    if (!(error instanceof IntrinsicSyntaxError)) throw error;
    throw new StatesError(STATES_ERRORS.Runtime, `Invalid intrinsic function: ${error.message}`, {
      cause: error,
    });
  }
  checkCalls(call, 1);
  return call;
}

function checkCalls(node: IntrinsicNode, depth: number): void {
  if (node.kind !== 'call') return;
  if (!(node.name in INTRINSIC_FUNCTIONS)) {
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `Unknown intrinsic function ${node.name}; allowed: ${Object.keys(INTRINSIC_FUNCTIONS).join(', ')}`,
    );
  }
  if (depth > MAX_INTRINSIC_NESTING) {
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `Intrinsic functions are nested more than ${MAX_INTRINSIC_NESTING} deep`,
    );
  }
  for (const arg of node.args) checkCalls(arg, depth + 1);
}

function evaluateNode(
  node: IntrinsicNode,
  input: unknown,
  context: ContextSource,
  variables: VariableReader | undefined,
  budget: IntrinsicBudget,
): IntrinsicArgument {
  switch (node.kind) {
    case 'string':
      return { value: node.value, raw: node.raw };
    case 'literal':
      return { value: node.value };
    case 'path':
      return { value: readArgumentPath(node.path, input, context, variables) };
    case 'call': {
      const args = node.args.map((arg) => evaluateNode(arg, input, context, variables, budget));
      let value: unknown;
      try {
        value = INTRINSIC_FUNCTIONS[node.name]!(args, node.name);
      } catch (error) {
        // A string past V8's longest is far past the budget too.
        if (isStringTooLong(error)) throw new IntrinsicBudgetExceededError();
        throw error;
      }
      budget.charge(node.name, args, value);
      return { value };
    }
  }
}

function readArgumentPath(
  path: string,
  input: unknown,
  context: ContextSource,
  variables: VariableReader | undefined,
): unknown {
  const lookup = tryReadPath(path, input, context, variables);
  if (!lookup.found) {
    throw new MissingArgumentError(
      `The JsonPath argument for the field '${path}' could not be found in the ${describePathSource(path, input, context, variables)}`,
    );
  }
  return lookup.value;
}

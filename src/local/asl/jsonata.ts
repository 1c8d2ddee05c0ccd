/**
 * JSONata states (`QueryLanguage: "JSONata"`, a state's own or its definition's): which states use it, and
 * the evaluation of their fields, where a string `"{% expression %}"` is a JSONata 2.0.6 expression (the
 * version Step Functions runs) with `$states` and the workflow variables bound.
 */
import { randomUUID } from 'node:crypto';
import jsonata from 'jsonata';
import { EvaluationError } from './errors.ts';
import { isPlainObject } from './expressions/json-values.ts';
import { visitJsonataTree } from './expressions/jsonata-references.ts';
import { memoize } from './expressions/memoize.ts';
import { STEP_FUNCTIONS_FUNCTIONS } from './jsonata-functions.ts';
import { JSONATA_LIMITS, JsonataLimitError, LIMIT_EXCEEDED } from './jsonata-limits.ts';
import type { State, StateMachineDefinition } from './types.ts';
import type { VariableReader } from './variables.ts';

/** What `$states` holds while a state runs (members absent where a field may not read them). */
export interface StatesBinding {
  input: unknown;
  context: Record<string, unknown>;
  result?: unknown;
  errorOutput?: unknown;
}

const EXPRESSION_START = '{%';
const EXPRESSION_END = '%}';

/** Whether `value` is a JSONata expression: a string that starts with `{%` and ends with `%}`. */
export function isJsonataExpression(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= EXPRESSION_START.length + EXPRESSION_END.length &&
    value.startsWith(EXPRESSION_START) &&
    value.endsWith(EXPRESSION_END)
  );
}

/** The states that use JSONata, found when their definition is loaded ({@link markJsonataStates}). */
const jsonataStates = new WeakSet<State>();

/**
 * Records which states of `definition` (its Parallel branches and Map item processors too) use JSONata:
 * those whose own `QueryLanguage` says so, or that leave it out in a definition whose top level says so.
 */
export function markJsonataStates(definition: StateMachineDefinition, topLevelJsonata?: boolean): void {
  const byDefault = topLevelJsonata ?? definition.QueryLanguage === 'JSONata';
  for (const state of Object.values(definition.States)) {
    if ((state.QueryLanguage ?? (byDefault ? 'JSONata' : 'JSONPath')) === 'JSONata') jsonataStates.add(state);
    if (state.Type === 'Parallel') for (const branch of state.Branches) markJsonataStates(branch, byDefault);
    if (state.Type === 'Map') {
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) markJsonataStates(processor, byDefault);
    }
  }
}

/** Whether `state` uses JSONata (see {@link markJsonataStates}). */
export function usesJsonata(state: State): boolean {
  return jsonataStates.has(state);
}

interface CompiledExpression {
  readonly expression: jsonata.Expression;
  /** The workflow variables it reads (`$name`), which are bound before it runs. */
  readonly variables: readonly string[];
}

/** The binding that carries one evaluation's budget (no variable name can start with `_`). */
const BUDGET = '__budget';

interface Budget {
  readonly deadline: number;
  depth: number;
}

interface JsonataEnvironment {
  lookup(name: string): unknown;
}

/** Counts an evaluation step in or out of its budget; throws once the expression is past it. */
function spend(environment: JsonataEnvironment, step: 1 | -1): void {
  const budget = environment.lookup(BUDGET) as Budget;
  budget.depth += step;
  if (budget.depth > JSONATA_LIMITS.depth) throw new JsonataLimitError('depth');
  if (Date.now() > budget.deadline) throw new JsonataLimitError('time');
}

/** Throws if a step's value is larger than {@link JSONATA_LIMITS}' `valueBytes`: 8 bytes a member, 1 a character. */
function checkValueSize(value: unknown): void {
  const bytes = typeof value === 'string' ? value.length : Array.isArray(value) ? value.length * 8 : 0;
  if (bytes > JSONATA_LIMITS.valueBytes) throw new JsonataLimitError('memory');
}

/**
 * What a failed evaluation says after the expression and its field, as AWS words it: a JSONata error with its
 * code, a limit's error after a colon. A string or array too long for V8 itself (`$pad('a', 1e9)`) is far past
 * the memory limit, and says so. Anything else thrown is not JSONata's: AWS answers such an error (measured for
 * `$base64decode('!!!')`, floci-io/floci issue 2736) as an internal error followed by a fresh id.
 */
function evaluationProblem(thrown: unknown): string {
  if (thrown instanceof RangeError && /^Invalid (string|array) length$/.test(thrown.message)) {
    return `threw an error during evaluation: ${LIMIT_EXCEEDED.memory}`;
  }
  if (thrown instanceof JsonataLimitError) return `threw an error during evaluation: ${thrown.message}`;
  // JSONata's codes are strings (`T2002`); a DOMException's is a number.
  const { code, message } = thrown as { code?: unknown; message?: string };
  if (typeof code === 'string') return `threw an error during evaluation. ${code}: ${message}`;
  return `threw an internal error during evaluation. ${randomUUID()}`;
}

/** Parses the text between `{%` and `%}`; throws JSONata's error (with `code` and `position`). */
export const compileJsonata = memoize((text: string): CompiledExpression => {
  const expression = jsonata(text);
  for (const [name, [implementation, signature]] of Object.entries(STEP_FUNCTIONS_FUNCTIONS)) {
    expression.registerFunction(name, implementation, signature);
  }
  expression.assign(
    Symbol.for('jsonata.__evaluate_entry') as never,
    (_node: unknown, _input: unknown, environment: JsonataEnvironment) => spend(environment, 1),
  );
  expression.assign(
    Symbol.for('jsonata.__evaluate_exit') as never,
    (_node: unknown, _input: unknown, environment: JsonataEnvironment, value: unknown) => {
      spend(environment, -1);
      checkValueSize(value);
    },
  );
  return { expression, variables: [...referencedVariables(expression.ast())] };
});

/** The `$name` references of a JSONata syntax tree, `$states` and `$` excluded. */
function referencedVariables(ast: unknown): Set<string> {
  const found = new Set<string>();
  visitJsonataTree(ast, (node) => {
    if (node.type !== 'variable' || typeof node.value !== 'string') return;
    if (node.value !== '' && node.value !== 'states') found.add(node.value);
  });
  return found;
}

/** The JSON type a field's expression must give, as AWS names it in its errors. */
export type JsonType = 'array' | 'boolean' | 'integer' | 'number' | 'string';

/**
 * Evaluates a JSONata field: a `"{% %}"` string is evaluated, an object or array is evaluated member by
 * member at any depth, other values are kept. `field` is the field's path in errors (`Output/a/b`,
 * `Output/items[0]`, `Choices[1]/Condition`); an expression that is the whole field must give `expected`.
 *
 * @throws StatesError `States.QueryEvaluationError` when an expression fails, gives nothing (undefined),
 * or gives a value of another type than `expected`.
 */
export async function evaluateJsonataField(
  template: unknown,
  field: string,
  states: StatesBinding,
  variables: VariableReader,
  expected?: JsonType,
): Promise<unknown> {
  if (isJsonataExpression(template)) {
    const value = await evaluateExpression(template, field, states, variables);
    if (
      expected !== undefined &&
      jsonType(value) !== expected &&
      !(expected === 'integer' && Number.isInteger(value))
    ) {
      throw expressionError(
        template,
        field,
        `returned an unexpected result type. Expected '${expected}', but was '${jsonType(value)}' for value: ${JSON.stringify(value)}`,
      );
    }
    return value;
  }
  if (Array.isArray(template)) {
    const items: unknown[] = [];
    for (const [index, item] of template.entries()) {
      items.push(await evaluateJsonataField(item, `${field}[${index}]`, states, variables));
    }
    return items;
  }
  if (!isPlainObject(template)) return template;
  const evaluated: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    evaluated[key] = await evaluateJsonataField(value, `${field}/${key}`, states, variables);
  }
  return evaluated;
}

/** A `States.QueryEvaluationError` of the expression `source` of `field`, in AWS's words. */
export function expressionError(source: string, field: string, problem: string): EvaluationError {
  return new EvaluationError(
    `The JSONata expression '${expressionText(source)}' specified for the field '${field}' ${problem}`,
    field,
  );
}

/** The expression of a `{% %}` string: the text between its delimiters. */
export function expressionBody(source: string): string {
  return source.slice(EXPRESSION_START.length, -EXPRESSION_END.length);
}

/** The expression of a `{% %}` string, as AWS quotes it (without the delimiters and the spaces inside). */
function expressionText(source: string): string {
  return expressionBody(source).trim();
}

async function evaluateExpression(
  source: string,
  field: string,
  states: StatesBinding,
  variables: VariableReader,
): Promise<unknown> {
  let value: unknown;
  try {
    const { expression, variables: names } = compileJsonata(expressionBody(source));
    // `$eval` is not offered (Step Functions has `$parse`): unbound, calling it is JSONata's T1006.
    const budget: Budget = { deadline: Date.now() + JSONATA_LIMITS.milliseconds, depth: 0 };
    const bindings: Record<string, unknown> = { states, eval: undefined, [BUDGET]: budget };
    for (const name of names) {
      // An unassigned name stays unbound: it may be a function ($sum), or gives undefined as JSONata has it.
      const assigned = variables.readVariable(name);
      if (assigned !== undefined) bindings[name] = assigned;
    }
    value = await expression.evaluate(undefined, bindings);
  } catch (thrown) {
    throw expressionError(source, field, evaluationProblem(thrown));
  }
  if (value === undefined) throw expressionError(source, field, 'returned nothing (undefined).');
  return toJson(value, source, field);
}

/** The JSON type of a value, as AWS names it. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * A JSONata value as plain JSON: sequences become arrays, and Infinity and NaN their names as strings (as
 * Step Functions writes them); a function is not a JSON value.
 */
function toJson(value: unknown, source: string, field: string): unknown {
  if (typeof value === 'function' || (isPlainObject(value) && value._jsonata_lambda === true)) {
    throw expressionError(source, field, 'returned an unsupported result type.');
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return value.map((item) => toJson(item, source, field));
  if (isPlainObject(value)) {
    const object: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      if (member !== undefined) object[key] = toJson(member, source, field);
    }
    return object;
  }
  return value;
}

/**
 * Workflow variables of JSONPath states: the `Assign` field (of a state, a Choice rule or a Catcher) and
 * the `$name` paths that read them. A state's assignments are all evaluated with the values from before
 * the state and take effect as it exits; a Parallel branch or Map iteration reads the variables of the
 * scopes enclosing it and keeps its own assignments to itself.
 */
import { exceedsPayloadLimit, PAYLOAD_LIMIT_BYTES } from '#core/payload-limit.ts';
import type { ContextSource } from './context-object.ts';
import { resolvePayloadTemplate } from './data-flow.ts';
import { STATES_ERRORS, StatesError } from './errors.ts';
import { isVariableName } from './expressions/path-syntax.ts';
import type { JsonObject } from './types.ts';

/** Reads workflow variables by name. */
export interface VariableReader {
  /** The variable's value, undefined when no scope the reader sees has assigned it. */
  readVariable(name: string): unknown;
}

/** What one `Assign` gives: the new values, and each one's JSON for the state's exit event. */
export interface Assignment {
  readonly values: Readonly<Record<string, unknown>>;
  readonly json: Readonly<Record<string, string>>;
}

/** Longest variable name Step Functions accepts. */
export const MAX_VARIABLE_NAME_LENGTH = 80;

/** The name Step Functions reserves (`$states`); no state may assign it. */
export const RESERVED_VARIABLE_NAME = 'states';

/** Why `name` cannot be assigned (syntax, length, reserved), or undefined. */
export function variableNameProblem(name: string): string | undefined {
  if (!isVariableName(name)) {
    return `'${name}' is not a valid variable name: it must start with a letter and go on with letters, digits or '_'`;
  }
  if (name.length > MAX_VARIABLE_NAME_LENGTH) {
    return `The variable name '${name}' is longer than ${MAX_VARIABLE_NAME_LENGTH} characters`;
  }
  if (name === RESERVED_VARIABLE_NAME) return `The variable name '${name}' is reserved`;
  return undefined;
}

/** The variable a key of `Assign` assigns (`name` or `name.$`). */
export function assignedName(key: string): string {
  return key.endsWith('.$') ? key.slice(0, -2) : key;
}

/**
 * Evaluates an `Assign` field like a payload template: `name.$` values are paths (`$` reads `value`, `$$`
 * the context object, `$other` a variable as it was before the state) or intrinsic functions, other
 * values are literal JSON (with `.$` keys resolved at any depth).
 *
 * @throws StatesError `States.Runtime` when a path selects nothing (or names an unassigned variable);
 * `States.DataLimitExceeded` when the assigned values take more than 256 KiB of JSON together.
 * @example
 * evaluateAssign({ 'total.$': '$.sum', unit: 'ms' }, { sum: 3 }, {}, undefined);
 * // { values: { total: 3, unit: 'ms' }, json: { total: '3', unit: '"ms"' } }
 */
export function evaluateAssign(
  assign: JsonObject,
  value: unknown,
  context: ContextSource,
  variables: VariableReader | undefined,
): Assignment {
  return assignmentOf(resolvePayloadTemplate(assign, value, context, variables) as Record<string, unknown>);
}

/**
 * The assignment of `values` (of a JSONPath or JSONata `Assign`), with each value's JSON.
 *
 * @throws StatesError `States.DataLimitExceeded` when the values take more than 256 KiB of JSON together.
 */
export function assignmentOf(values: Record<string, unknown>): Assignment {
  const json: Record<string, string> = {};
  let length = 0;
  for (const [name, assigned] of Object.entries(values)) {
    json[name] = JSON.stringify(assigned);
    length += json[name].length;
  }
  if (length * 3 > PAYLOAD_LIMIT_BYTES && exceedsPayloadLimit(Object.values(json).join(''))) {
    throw new StatesError(
      STATES_ERRORS.DataLimitExceeded,
      `The variables assigned by the state exceed the maximum number of bytes service limit (${PAYLOAD_LIMIT_BYTES}).`,
    );
  }
  return { values, json };
}

/**
 * The JSONPath data flow of a state, in AWS's order: InputPath -> Parameters / ItemSelector ->
 * (task) -> ResultSelector -> ResultPath (`writeResultPath` in jsonpath.ts) -> OutputPath.
 */
import { type ContextSource, describePathSource } from './context-object.ts';
import { STATES_ERRORS, StatesError } from './errors.ts';
import { IntrinsicBudget } from './expressions/intrinsic-budget.ts';
import { isPlainObject } from './expressions/json-values.ts';
import { evaluateIntrinsic, isIntrinsic } from './intrinsics.ts';
import { endsPastArrayEnd, readPath, tryReadPath } from './jsonpath.ts';
import type { VariableReader } from './variables.ts';

/**
 * Builds a payload from a template (Parameters, ItemSelector, ResultSelector): at any depth, including
 * inside arrays, a key ending in `.$` loses the suffix and its value is resolved: `$...` from `input`,
 * `$$...` from the context object, `States.Xxx(...)` as an intrinsic function. The payload shares the
 * values it selects and the template's constants (the interpreter never changes a value in place).
 * `context` may be a function that builds the context object: it is called only if a field reads `$$`.
 * The intrinsic calls of all its fields share one `budget` (see INTRINSIC_BUDGET_BYTES).
 *
 * @throws StatesError `States.Runtime` when a path selects nothing (AWS's wording: `The JSONPath '$.a'
 * specified for the field 'b.$' could not be found in the input '{...}'`), a `.$` value is neither a
 * path nor an intrinsic, or an intrinsic function fails (`Invalid arguments in States.MathAdd: ...`).
 * `$name...` paths read the workflow variables of `variables`.
 * @example
 * resolvePayloadTemplate({ 'id.$': '$.order.id', 'execution.$': '$$.Execution.Id', fixed: 1 },
 *   { order: { id: 'o-1' } }, { Execution: { Id: 'arn:...' } });
 * // { id: 'o-1', execution: 'arn:...', fixed: 1 }
 */
export function resolvePayloadTemplate(
  template: unknown,
  input: unknown,
  context: ContextSource,
  variables?: VariableReader,
  budget = new IntrinsicBudget(),
): unknown {
  if (Array.isArray(template))
    return template.map((item) => resolvePayloadTemplate(item, input, context, variables, budget));
  if (!isPlainObject(template)) return template;
  const payload: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$'))
      payload[key.slice(0, -2)] = resolveDynamicField(key, value, input, context, variables, budget);
    else payload[key] = resolvePayloadTemplate(value, input, context, variables, budget);
  }
  return payload;
}

/**
 * Applies a state's InputPath or OutputPath to `value`: `undefined` keeps it, `null` gives `{}`, a path
 * selects from it (`$$...` from the context object, which `context` may build on demand). The result
 * shares its objects with `value`: the interpreter never changes a value in place, and values are copied
 * where they reach task code (see invokeLambda).
 *
 * @throws StatesError `States.Runtime` when the path selects nothing.
 */
export function applyPath(
  value: unknown,
  path: string | null | undefined,
  context?: ContextSource,
  variables?: VariableReader,
): unknown {
  if (path === undefined) return value;
  if (path === null) return {};
  return readPath(path, value, context, variables);
}

/**
 * The value of a dynamic field (a `.$` key of a payload template, a Fail state's `ErrorPath` or `CausePath`):
 * `value` is a path or an intrinsic function call, whose calls are charged to `budget`; `key` names the
 * field in the errors.
 *
 * @throws StatesError `States.Runtime` when a path selects nothing, `value` is neither a path nor an
 * intrinsic, or an intrinsic function fails (`Invalid arguments in States.MathAdd: ...`).
 */
export function resolveDynamicField(
  key: string,
  value: unknown,
  input: unknown,
  context: ContextSource,
  variables: VariableReader | undefined,
  budget = new IntrinsicBudget(),
): unknown {
  if (typeof value !== 'string') {
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `The value for the field '${key}' must be a valid JSONPath or a valid intrinsic function call, got ${JSON.stringify(value)}`,
    );
  }
  if (value.startsWith('$')) {
    const lookup = tryReadPath(value, input, context, variables);
    // Measured on AWS: `"idx.$": "$.items[5]"` past the array's end is null (floci-io/floci's
    // AslExecutorUnresolvableJsonPathTest); as an intrinsic's argument, or in ErrorPath, it fails.
    if (!lookup.found && key.endsWith('.$') && endsPastArrayEnd(value, input, context, variables))
      return null;
    if (!lookup.found) {
      throw new StatesError(
        STATES_ERRORS.Runtime,
        `The JSONPath '${value}' specified for the field '${key}' could not be found in the ${describePathSource(value, input, context, variables)}`,
      );
    }
    return lookup.value;
  }
  if (isIntrinsic(value)) return evaluateIntrinsic(value, input, context, variables, budget);
  throw new StatesError(
    STATES_ERRORS.Runtime,
    `The value for the field '${key}' must be a valid JSONPath or a valid intrinsic function call, got '${value}'`,
  );
}

/**
 * JSONPath as Step Functions evaluates it (Jayway JsonPath semantics): `readPath` for InputPath, OutputPath,
 * ItemsPath, `.$` fields, Choice variables and the other `...Path` fields (`$$...` reads the context
 * object, `$name...` the workflow variable `name`); `writeResultPath` for ResultPath.
 */
import { type ContextSource, readContext } from './context-object.ts';
import { STATES_ERRORS, StatesError } from './errors.ts';
import { isDeepEqual, isPlainObject, setMember } from './expressions/json-values.ts';
import { memoize } from './expressions/memoize.ts';
import {
  type FilterExpression,
  type FilterOperand,
  isDefiniteStep,
  normalizedPath,
  type ParsedPath,
  PathSyntaxError,
  parsePath,
  type Segment,
} from './expressions/path-syntax.ts';
import { withinRegexTimeLimit } from './regex-time-limit.ts';
import type { VariableReader } from './variables.ts';

export { type ParsedPath, PathSyntaxError, parsePath } from './expressions/path-syntax.ts';

/**
 * The outcome of {@link tryReadPath}: `found` is false when the path selects nothing, with Jayway's reason
 * when a step before its last found no node to read (`Missing property in path $['items']`).
 */
export type PathLookup = { found: true; value: unknown } | { found: false; missing?: string };

/**
 * Reads `path` from `data`, a `$$...` path from the context object (`context`, built on demand), or a
 * `$name...` path from the workflow variables (`variables`; an unassigned one selects nothing). A
 * definite path (names and single indexes only, or a union of names last, which reads one object of those
 * members) returns the one node it selects; any other path returns the array of every node it selects
 * (possibly empty). As Jayway JsonPath, a step reached through definite steps only that finds no node to
 * read fails the path, definite or not (`$.items[*].id` on `{}`). The result shares its objects with `data`
 * (the interpreter never changes a value in place): a path read thousands of times costs no copies.
 *
 * @throws StatesError `States.Runtime` when the path is invalid or selects nothing where it must, with
 * AWS's wording: `Invalid path '$.a' : No results for path: $['a']`, `Invalid path '$.a.b' : Missing
 * property in path $['a']`.
 * @example
 * readPath('$.items[0].id', { items: [{ id: 7 }] }); // 7
 * readPath('$.items[*].id', { items: [{ id: 7 }, { id: 8 }] }); // [7, 8]
 * readPath('$$.Execution.Name', {}, { Execution: { Name: 'e-1' } }); // 'e-1'
 */
export function readPath(
  path: string,
  data: unknown,
  context?: ContextSource,
  variables?: VariableReader,
): unknown {
  const parsed = parseOrThrow(path);
  const lookup = lookupPath(path, parsed, data, context, variables);
  if (!lookup.found) {
    const reason =
      lookup.missing ?? `No results for path: ${normalizedPath(parsed.segments, parsed.variable)}`;
    throw new StatesError(STATES_ERRORS.Runtime, `Invalid path '${path}' : ${reason}`);
  }
  return lookup.value;
}

/**
 * Like {@link readPath}, but reports a definite path that selects nothing as `{ found: false }` instead of
 * throwing (Choice `IsPresent`, payload templates that word their own error).
 *
 * @throws StatesError `States.Runtime` when the path is not valid JSONPath.
 */
export function tryReadPath(
  path: string,
  data: unknown,
  context?: ContextSource,
  variables?: VariableReader,
): PathLookup {
  return lookupPath(path, parseOrThrow(path), data, context, variables);
}

/** {@link lookupParsed} of `path`, within the time limit of its regular expressions when it has some. */
function lookupPath(
  path: string,
  parsed: ParsedPath,
  data: unknown,
  context: ContextSource | undefined,
  variables: VariableReader | undefined,
): PathLookup {
  if (!parsed.regex) return lookupParsed(parsed, data, context, variables);
  return withinRegexTimeLimit(() => lookupParsed(parsed, data, context, variables), path);
}

/**
 * Whether a Reference Path's last step is one array index past either end of the array the steps before it
 * reach (`$.items[5]` on `{"items": [1, 2]}`): the one path that selects nothing which a payload template's
 * `.$` field reads as null on AWS.
 *
 * @throws StatesError `States.Runtime` when the path is not valid JSONPath.
 */
export function endsPastArrayEnd(
  path: string,
  data: unknown,
  context?: ContextSource,
  variables?: VariableReader,
): boolean {
  const parsed = parseOrThrow(path);
  const last = parsed.segments.at(-1);
  if (!parsed.reference || last?.kind !== 'indexes') return false;
  const parent = lookupParsed(
    { ...parsed, segments: parsed.segments.slice(0, -1) },
    data,
    context,
    variables,
  );
  return (
    parent.found && Array.isArray(parent.value) && arrayIndex(parent.value, last.indexes[0]!) === undefined
  );
}

/** True when `path` is a JSONPath this runtime can evaluate. */
export function isValidPath(path: string): boolean {
  try {
    parsePath(path);
    return true;
  } catch {
    return false;
  }
}

/** True when `path` is a Reference Path: it can only select one node (`$`, `$.a.b`, `$['a'][0]`). */
export function isReferencePath(path: string): boolean {
  try {
    return parsePath(path).reference;
  } catch {
    return false;
  }
}

/**
 * Places `result` into `input` at `resultPath`, as a state's ResultPath does: `undefined` (or `'$'`)
 * returns the result, `null` returns the input, `'$.a.b'` returns the input with `a.b` set (creating
 * missing objects on the way). `input` is never changed: the objects on the path are copied, the rest is
 * shared (the interpreter never changes a value in place).
 *
 * @throws StatesError `States.ResultPathMatchFailure` when the path runs into a value that is not an object
 * (or an array index that does not exist), `States.Runtime` when it is not a Reference Path.
 * @example
 * writeResultPath({ a: 1 }, '$.out.sum', 3); // { a: 1, out: { sum: 3 } }
 */
export function writeResultPath(
  input: unknown,
  resultPath: string | null | undefined,
  result: unknown,
): unknown {
  if (resultPath === null) return input;
  if (resultPath === undefined) return result;
  const parsed = parseOrThrow(resultPath);
  if (!parsed.reference || parsed.root !== '$') {
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `Invalid ResultPath '${resultPath}': it must be a Reference Path into the state's data`,
    );
  }
  const { segments } = parsed;
  if (segments.length === 0) return result;
  if (typeof input !== 'object' || input === null) throw resultPathFailure(resultPath, input);
  const output = shallowCopy(input);
  let container: object = output;
  for (let position = 0; position < segments.length; position++) {
    const segment = segments[position]!;
    const key =
      segment.kind === 'names' && isPlainObject(container)
        ? segment.names[0]!
        : segment.kind === 'indexes' && Array.isArray(container)
          ? arrayIndex(container, segment.indexes[0]!)
          : undefined;
    if (key === undefined) throw resultPathFailure(resultPath, input);
    let value: unknown = result;
    if (position < segments.length - 1) {
      const child = Object.hasOwn(container, key)
        ? (container as Record<string | number, unknown>)[key]
        : undefined;
      if (child !== undefined && (typeof child !== 'object' || child === null)) {
        throw resultPathFailure(resultPath, input);
      }
      value = child === undefined ? {} : shallowCopy(child);
    }
    setMember(container, key, value);
    container = value as object;
  }
  return output;
}

/** A copy of an object or array whose members are shared with it. */
function shallowCopy(value: object): object {
  if (Array.isArray(value)) return value.slice();
  // `Object.assign` sets members, so an own `__proto__` key needs the spread, which defines them.
  return Object.hasOwn(value, '__proto__') ? { ...value } : Object.assign({}, value);
}

function resultPathFailure(resultPath: string, input: unknown): StatesError {
  return new StatesError(
    STATES_ERRORS.ResultPathMatchFailure,
    `Unable to apply ReferencePath ${resultPath} to input ${JSON.stringify(input ?? null)}`,
  );
}

/**
 * A deep copy of a JSON value (`undefined` stays `undefined`): plain objects and arrays are copied
 * directly (an own `__proto__` key stays a key), any other object (a Date a handler returned) goes
 * through `structuredClone`.
 */
export function copyJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyJson) as T;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return structuredClone(value);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    setMember(copy, key, copyJson((value as Record<string, unknown>)[key]));
  }
  return copy as T;
}

const parsePathOnce = memoize(parsePath);

function parseOrThrow(path: string): ParsedPath {
  if (typeof path !== 'string') {
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `Invalid path ${JSON.stringify(path)}: a path must be a string`,
    );
  }
  try {
    return parsePathOnce(path);
  } catch (error) {
    if (!(error instanceof PathSyntaxError)) throw error;
    throw new StatesError(STATES_ERRORS.Runtime, `Invalid path '${path}': ${error.message}`, {
      cause: error,
    });
  }
}

function lookupParsed(
  parsed: ParsedPath,
  input: unknown,
  context: ContextSource,
  variables: VariableReader | undefined,
): PathLookup {
  let data = input;
  if (parsed.root === '$$') data = readContext(context);
  else if (parsed.root === 'variable') {
    data = variables?.readVariable(parsed.variable!);
    if (data === undefined) return { found: false }; // not assigned
  }
  if (parsed.reference) {
    const lookup = lookupReference(parsed.segments, data);
    return lookup.found ? lookup : selectChecked(parsed, data); // the reason it selects nothing
  }
  return selectChecked(parsed, data);
}

/** A Reference Path's one node: each segment is a single name or a single index. */
function lookupReference(segments: readonly Segment[], data: unknown): PathLookup {
  let node = data;
  for (const segment of segments) {
    if (segment.kind === 'names' && isPlainObject(node) && Object.hasOwn(node, segment.names[0]!)) {
      node = node[segment.names[0]!];
      continue;
    }
    const position =
      segment.kind === 'indexes' && Array.isArray(node) ? arrayIndex(node, segment.indexes[0]!) : undefined;
    if (position === undefined) return { found: false };
    node = (node as unknown[])[position];
  }
  return node === undefined ? { found: false } : { found: true, value: node };
}

/**
 * What a path selects, step by step as Jayway evaluates it: while every step so far was definite, a step
 * whose node has no member to read (a name missing with more steps after it, a name on a value that is no
 * object, an index, slice or filter on a value it cannot apply to) fails the path with Jayway's reason.
 * A definite path's one node (a union of names last merges those members into one object).
 */
function selectChecked(parsed: ParsedPath, root: unknown): PathLookup {
  const { segments } = parsed;
  let nodes = [root];
  let upstreamDefinite = true;
  for (let at = 0; at < segments.length; at++) {
    const segment = segments[at]!;
    const last = at === segments.length - 1;
    if (upstreamDefinite && nodes.length === 1) {
      const missing = missingStep(segment, nodes[0], last, () =>
        normalizedPath(segments.slice(0, at), parsed.variable),
      );
      if (missing) return { found: false, missing };
    }
    nodes =
      last && segment.kind === 'names' && segment.names.length > 1
        ? nodes.flatMap((node) => (isPlainObject(node) ? [mergedMembers(node, segment.names)] : []))
        : nodes.flatMap((node) => step(segment, node, root));
    upstreamDefinite &&= isDefiniteStep(segment, last);
  }
  if (!parsed.definite) return { found: true, value: nodes };
  return nodes.length === 0 ? { found: false } : { found: true, value: nodes[0] };
}

/** Why `segment` cannot be read from `node` on a path definite up to it (Jayway's words), if it cannot. */
function missingStep(
  segment: Segment,
  node: unknown,
  last: boolean,
  where: () => string,
): string | undefined {
  const fragment = () => normalizedPath([segment]).slice(1);
  switch (segment.kind) {
    case 'names':
      if (!isPlainObject(node)) {
        return `Expected to find an object with property ${fragment()} in path ${where()} but found '${jsonTypeOf(node)}'`;
      }
      if (segment.names.length === 1 && !last && !Object.hasOwn(node, segment.names[0]!)) {
        return `Missing property in path ${where()}${fragment()}`;
      }
      return undefined;
    case 'indexes':
    case 'slice':
      if (node === null) return `The path ${where()} is null`;
      return Array.isArray(node)
        ? undefined
        : `Filter: ${fragment()} can only be applied to arrays. Current context is: ${JSON.stringify(node)}`;
    case 'filter':
      return node !== null && typeof node === 'object'
        ? undefined
        : `Filter: ${fragment()} can not be applied to primitives. Current context is: ${JSON.stringify(node)}`;
    default:
      return undefined;
  }
}

/** `object`, `array`, `string`, `number`, `boolean` or `null`: what a JSON value is. */
function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** The members `names` of `node` that it has, as one object (Jayway's union of names as a path's last step). */
function mergedMembers(node: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const name of names) {
    if (Object.hasOwn(node, name)) setMember(merged, name, node[name]);
  }
  return merged;
}

function select(segments: readonly Segment[], start: unknown[], root: unknown): unknown[] {
  return segments.reduce<unknown[]>(
    (nodes, segment) => nodes.flatMap((node) => step(segment, node, root)),
    start,
  );
}

function step(segment: Segment, node: unknown, root: unknown): unknown[] {
  switch (segment.kind) {
    case 'names':
      return isPlainObject(node)
        ? segment.names.filter((name) => Object.hasOwn(node, name)).map((name) => node[name])
        : [];
    case 'indexes':
      return Array.isArray(node)
        ? segment.indexes.flatMap((index) => {
            const position = arrayIndex(node, index);
            return position === undefined ? [] : [node[position]];
          })
        : [];
    case 'wildcard':
      return children(node);
    case 'slice':
      return Array.isArray(node) ? slice(node, segment.start, segment.end) : [];
    case 'filter':
      // As AWS documents, `@` matches objects only: a filter keeps no number, string, boolean, null or array.
      if (Array.isArray(node)) {
        return node.filter((item) => isPlainObject(item) && matchesFilter(segment.filter, item, root));
      }
      return isPlainObject(node) && matchesFilter(segment.filter, node, root) ? [node] : [];
    case 'deepScan':
      return descendantsAndSelf(node).flatMap((descendant) => step(segment.segment, descendant, root));
  }
}

function children(node: unknown): unknown[] {
  if (Array.isArray(node)) return node;
  return isPlainObject(node) ? Object.values(node) : [];
}

/** `node` and every value under it, depth first, in document order; in time linear in their number. */
function descendantsAndSelf(node: unknown, into: unknown[] = []): unknown[] {
  into.push(node);
  for (const child of children(node)) descendantsAndSelf(child, into);
  return into;
}

function arrayIndex(array: readonly unknown[], index: number): number | undefined {
  const position = index < 0 ? array.length + index : index;
  return position >= 0 && position < array.length ? position : undefined;
}

/**
 * `[start:end]` as Jayway evaluates it: `[start:]` and `[:end]` count a negative bound from the end, as
 * `Array.prototype.slice` does; with both bounds, the indexes from `start` up to below `min(length, end)`
 * as given, each negative one read from the end (`[1:-1]` is empty, `[-1:2]` is the last item, then the
 * first two).
 */
function slice(array: readonly unknown[], start?: number, end?: number): unknown[] {
  if (start === undefined || end === undefined) return array.slice(start, end);
  const items: unknown[] = [];
  // Indexes below -length read nothing: starting at -length keeps a huge negative start from looping.
  for (let index = Math.max(start, -array.length); index < Math.min(array.length, end); index++) {
    items.push(array[index < 0 ? array.length + index : index]);
  }
  return items;
}

function matchesFilter(expression: FilterExpression, item: unknown, root: unknown): boolean {
  switch (expression.kind) {
    case 'or':
      return matchesFilter(expression.left, item, root) || matchesFilter(expression.right, item, root);
    case 'and':
      return matchesFilter(expression.left, item, root) && matchesFilter(expression.right, item, root);
    case 'not':
      return !matchesFilter(expression.operand, item, root);
    case 'exists':
      return operandValues(expression.operand, item, root).length > 0;
    case 'compare':
      return compareOperands(expression, item, root);
  }
}

function operandValues(operand: FilterOperand, item: unknown, root: unknown): unknown[] {
  if (operand.kind === 'literal') return [operand.value];
  if (operand.kind === 'regex') return [operand.regex];
  return select(operand.segments, [operand.from === '@' ? item : root], root).filter(
    (value) => value !== undefined,
  );
}

function compareOperands(
  expression: Extract<FilterExpression, { kind: 'compare' }>,
  item: unknown,
  root: unknown,
): boolean {
  const [left] = operandValues(expression.left, item, root);
  const [right] = operandValues(expression.right, item, root);
  if (left === undefined || right === undefined) return expression.operator === '!=' && left !== right;
  switch (expression.operator) {
    case '==':
      return isDeepEqual(left, right);
    case '!=':
      return !isDeepEqual(left, right);
    case '=~':
      return right instanceof RegExp && typeof left === 'string' && right.test(left);
    default:
      return orderedComparison(expression.operator, left, right);
  }
}

function orderedComparison(operator: '<' | '<=' | '>' | '>=', left: unknown, right: unknown): boolean {
  const comparable =
    (typeof left === 'number' && typeof right === 'number') ||
    (typeof left === 'string' && typeof right === 'string');
  if (!comparable) return false;
  const [a, b] = [left as number | string, right as number | string];
  if (operator === '<') return a < b;
  if (operator === '<=') return a <= b;
  if (operator === '>') return a > b;
  return a >= b;
}

/** Small predicates on JSON values shared by the expression modules, the validator and the service's argument checks. */

/**
 * The deepest nesting of arrays and objects the local runtime takes in an execution input, a task output or
 * a definition: its engine and validator copy, walk and serialize them recursively (`JSON.stringify`), which a
 * much deeper document overflows.
 */
export const MAX_JSON_DEPTH = 1000;

/**
 * True for the error V8 throws when a string would pass its longest (about 512 MiB): `JSON.stringify` or a
 * join of a value that shares one large object thousands of times.
 */
export function isStringTooLong(error: unknown): boolean {
  return error instanceof RangeError && error.message === 'Invalid string length';
}

/** True for a JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality of two JSON values (key order does not matter). */
export function isDeepEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, index) => isDeepEqual(item, right[index]));
  }
  if (isPlainObject(left) && isPlainObject(right)) {
    const keys = Object.keys(left);
    return (
      keys.length === Object.keys(right).length &&
      keys.every((key) => key in right && isDeepEqual(left[key], right[key]))
    );
  }
  return false;
}

/**
 * A text that two JSON values share exactly when {@link isDeepEqual} takes them as equal (object members in
 * any order): a key for sets and maps of values.
 *
 * @example
 * canonicalJson({ b: 1, a: [2] }) === canonicalJson({ a: [2], b: 1 }); // true
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    isPlainObject(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

/** An array or object met by {@link deeperThan}: how many others enclose it, and where it is in its parent. */
interface Nested {
  readonly value: object;
  readonly depth: number;
  readonly parent?: Nested;
  readonly key?: string | number;
}

/**
 * Where arrays and objects nest more than `limit` deep in the JSON value `value`: the JSON pointer (`/a/0/b`,
 * `''` for `value` itself) of the first array or object, in document order, enclosed by `limit` others;
 * undefined when there is none. Walks with a stack of its own rather than recursion, so any depth is read.
 *
 * @example
 * deeperThan({ a: [[1]] }, 2); // '/a/0'
 */
export function deeperThan(value: unknown, limit: number): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const pending: Nested[] = [{ value, depth: 0 }];
  for (let nested = pending.pop(); nested !== undefined; nested = pending.pop()) {
    if (nested.depth >= limit) return pointerOf(nested);
    const container = nested.value as Record<string | number, unknown>;
    const keys = Array.isArray(container) ? [...container.keys()] : Object.keys(container);
    // Pushed last to first, so that the first is read first.
    for (let index = keys.length - 1; index >= 0; index--) {
      const key = keys[index]!;
      const child = container[key];
      if (typeof child === 'object' && child !== null) {
        pending.push({ value: child, depth: nested.depth + 1, parent: nested, key });
      }
    }
  }
  return undefined;
}

function pointerOf(nested: Nested): string {
  const keys: (string | number)[] = [];
  for (let at: Nested | undefined = nested; at?.key !== undefined; at = at.parent) keys.push(at.key);
  return keys
    .reverse()
    .map((key) => `/${key}`)
    .join('');
}

/**
 * Sets the member `key` of `container` to `value`; an own `__proto__` key stays a key, as JSON has it
 * (assignment would set the prototype).
 */
export function setMember(container: object, key: string | number, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(container, key, { value, enumerable: true, writable: true, configurable: true });
  else (container as Record<string | number, unknown>)[key] = value;
}

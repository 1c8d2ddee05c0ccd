/**
 * A frozen table for looking up names that come from outside (a definition's state type, a hash algorithm,
 * a resource): it has no prototype, so `__proto__`, `constructor` or `toString` find nothing, as any other
 * name the table does not hold.
 *
 * @example
 * const ALGORITHMS = lookupTable({ MD5: 'md5' });
 * ALGORITHMS.constructor; // undefined
 */
export function lookupTable<T>(entries: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

/**
 * Memoizes a pure parser of strings from state machine definitions (paths, intrinsic calls): each is
 * parsed once, not on every state run. Past `limit` entries the memo starts over, so odd inputs cannot
 * grow it without bound. A parse that throws is not remembered.
 *
 * @example
 * const parse = memoize(parsePath);
 * parse('$.a') === parse('$.a'); // true
 */
export function memoize<T>(parse: (source: string) => T, limit = 4096): (source: string) => T {
  const parsed = new Map<string, T>();
  return (source) => {
    let result = parsed.get(source);
    if (result === undefined) {
      result = parse(source);
      if (parsed.size >= limit) parsed.clear();
      parsed.set(source, result);
    }
    return result;
  };
}

/**
 * Memoizes a pure parser of strings from state machine definitions (paths, intrinsic calls): each is
 * parsed once, not on every state run. Past `limit` entries, or `maxCharacters` of sources (a parse takes
 * memory in proportion to its source, and a definition may hold expressions of hundreds of KB), the memo
 * starts over, so odd inputs cannot grow it without bound. A parse that throws is not remembered.
 *
 * @example
 * const parse = memoize(parsePath);
 * parse('$.a') === parse('$.a'); // true
 */
export function memoize<T>(
  parse: (source: string) => T,
  limit = 4096,
  maxCharacters = 1024 * 1024,
): (source: string) => T {
  const parsed = new Map<string, T>();
  let characters = 0;
  return (source) => {
    let result = parsed.get(source);
    if (result === undefined) {
      result = parse(source);
      if (parsed.size >= limit || characters + source.length > maxCharacters) {
        parsed.clear();
        characters = 0;
      }
      parsed.set(source, result);
      characters += source.length;
    }
    return result;
  };
}

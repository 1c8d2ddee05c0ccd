/**
 * State names given twice in one `States` object of a definition's text. `JSON.parse` keeps the last of a
 * repeated member and says nothing, so only the text shows them; AWS refuses such a definition
 * (`DUPLICATE_STATE_NAME`).
 */

/** A state name given again, and where (`/States/A`, `/States/P/Branches[0]/States/B`). */
export interface DuplicateStateName {
  readonly name: string;
  readonly location: string;
}

/** Where a member named `States` holds states: at the top, in a branch, an Iterator or an ItemProcessor. */
function holdsStates(location: string): boolean {
  return location === '' || location.endsWith(']') || /\/(Iterator|ItemProcessor)$/.test(location);
}

/**
 * Each state name that comes again in its `States` object, in order. `text` must be JSON (`JSON.parse`
 * took it) nested no deeper than the validator allows: the scan recurses.
 *
 * @example
 * duplicateStateNames('{"StartAt":"A","States":{"A":{"Type":"Succeed"},"A":{"Type":"Fail"}}}');
 * // [{ name: 'A', location: '/States/A' }]
 */
export function duplicateStateNames(text: string): DuplicateStateName[] {
  const found: DuplicateStateName[] = [];
  let at = 0;
  const skipWhitespace = (): void => {
    while (/[ \t\r\n]/.test(text[at] ?? '')) at++;
  };
  const readString = (): string => {
    const start = at++;
    while (text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const readValue = (location: string, statesObject: boolean): void => {
    skipWhitespace();
    const first = text[at];
    if (first === '{') {
      at++;
      const names = new Set<string>();
      skipWhitespace();
      if (text[at] === '}') {
        at++;
        return;
      }
      for (;;) {
        skipWhitespace();
        const key = readString();
        const keyLocation = `${location}/${key}`;
        if (statesObject && names.has(key)) found.push({ name: key, location: keyLocation });
        names.add(key);
        skipWhitespace();
        at++; // the colon
        readValue(keyLocation, key === 'States' && holdsStates(location));
        skipWhitespace();
        if (text[at++] === '}') return;
      }
    }
    if (first === '[') {
      at++;
      skipWhitespace();
      if (text[at] === ']') {
        at++;
        return;
      }
      for (let index = 0; ; index++) {
        readValue(`${location}[${index}]`, false);
        skipWhitespace();
        if (text[at++] === ']') return;
      }
    }
    if (first === '"') {
      readString();
      return;
    }
    while (at < text.length && !/[,\]} \t\r\n]/.test(text[at]!)) at++; // a number, true, false or null
  };
  readValue('', false);
  return found;
}

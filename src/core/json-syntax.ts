/** `JSON.parse`'s offset of a syntax error (`... in JSON at position 165`). */
const POSITION = /\bat position (\d+)\b/;
/** The line and column Node 21 and later add themselves (` (line 6 column 19)`), counted here on every version. */
const NODE_LINE_AND_COLUMN = /\s*\(line \d+ column \d+\)/;

/** The 1-based line and column of a UTF-16 offset in `text`, as an editor shows them. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

/**
 * What is wrong with JSON `text` that `JSON.parse` refused with `error`, for a message that names the
 * input first: `not valid JSON at line 6, column 19 (Expected double-quoted property name in JSON at
 * position 165)`; `is empty` for a text of white space only; without a position in the parser's message
 * (`Unexpected end of JSON input`), or with a line and column already in it, the parser's message alone.
 *
 * @example
 * try { JSON.parse(text); } catch (error) { throw new Error(`-f ${path}: ${notValidJson(text, error)}`); }
 */
export function notValidJson(text: string, error: unknown): string {
  if (text.trim() === '') return 'is empty: it must hold a JSON object';
  const reason = (error instanceof Error ? error.message : String(error)).replace(NODE_LINE_AND_COLUMN, '');
  const position = POSITION.exec(reason)?.[1];
  if (position === undefined) return `not valid JSON (${reason})`;
  const { line, column } = lineAndColumn(text, Number(position));
  return `not valid JSON at line ${line}, column ${column} (${reason})`;
}

/**
 * The items of a JSON or JSON Lines object read by a Distributed Map's `ItemReader` (`ReaderConfig.InputType`
 * JSON, with an optional `ItemsPointer`, or JSONL).
 */
import { itemReaderFailed } from '../errors.ts';

/**
 * The elements of the JSON array in `text` (read from `where`), or of the array `pointer` (a JSON Pointer)
 * selects in it.
 *
 * @throws StatesError `States.ItemReaderFailed` when the text is not JSON or selects no array.
 * @example
 * jsonItems('{"orders":[1,2]}', 's3://bucket/orders.json', '/orders'); // [1, 2]
 */
export function jsonItems(text: string, where: string, pointer: string | undefined): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw itemReaderFailed(`${where} is not JSON: ${(error as Error).message}`);
  }
  if (pointer) value = resolvePointer(value, pointer);
  if (!Array.isArray(value)) throw itemReaderFailed('Attempting to map over non-iterable node.');
  return value;
}

/** What the JSON Pointer `pointer` (RFC 6901) selects in `value`. */
function resolvePointer(value: unknown, pointer: string): unknown {
  let selected = value;
  for (const token of pointer.slice(1).split('/')) {
    const name = token.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof selected !== 'object' || selected === null || !Object.hasOwn(selected, name)) {
      throw itemReaderFailed(
        'The provided ReaderConfig.ItemsPointer does not match any valid path in the JSON structure.',
      );
    }
    selected = (selected as Record<string, unknown>)[name];
  }
  return selected;
}

/**
 * One item per line of JSON Lines text (read from `where`); blank lines are skipped.
 *
 * @throws StatesError `States.ItemReaderFailed` naming the first line that is not JSON.
 */
export function jsonLinesItems(text: string, where: string): unknown[] {
  const items: unknown[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    try {
      items.push(JSON.parse(line));
    } catch (error) {
      throw itemReaderFailed(`Line ${index + 1} of ${where} is not JSON: ${(error as Error).message}`);
    }
  }
  return items;
}

/** Rows per multi-row statement, largest first: n rows run as slices of 32, then 8, then 1. */
const SLICE_ROWS = [32, 8, 1] as const;

const placeholderCache = new Map<string, string>();

/** `(?, ?), (?, ?)`: the VALUES placeholders of `rows` rows of `width` values each. */
export function placeholders(rows: number, width: number): string {
  const key = `${rows}x${width}`;
  let text = placeholderCache.get(key);
  if (text === undefined) {
    text = Array(rows)
      .fill(`(${Array(width).fill('?').join(', ')})`)
      .join(', ');
    placeholderCache.set(key, text);
  }
  return text;
}

/**
 * Runs a multi-row statement over `rows` (each the values of one row), up to 32 rows per statement:
 * `run(count, values)` runs the statement for `count` rows with their values flattened. With a few
 * statement shapes per table, SQLite's per-statement cost is paid once per slice instead of per row.
 *
 * @example
 * runInSlices(frames, (count, values) =>
 *   sql(`INSERT INTO frames VALUES ${placeholders(count, 4)}`).run(values));
 */
export function runInSlices<T>(
  rows: readonly (readonly unknown[])[],
  run: (count: number, values: unknown[]) => T,
): T[] {
  const results: T[] = [];
  let start = 0;
  for (const size of SLICE_ROWS) {
    for (; start + size <= rows.length; start += size) results.push(run(size, flatten(rows, start, size)));
  }
  return results;
}

/** The values of `count` rows from `start`, in one array (faster than `slice().flat()`). */
function flatten(rows: readonly (readonly unknown[])[], start: number, count: number): unknown[] {
  const values: unknown[] = [];
  for (let index = start; index < start + count; index++) {
    const row = rows[index]!;
    for (let column = 0; column < row.length; column++) values.push(row[column]);
  }
  return values;
}

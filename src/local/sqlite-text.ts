/**
 * Text columns that may hold a NUL character. libsql cuts a TEXT value at its first NUL when it reads it,
 * though SQLite stores it whole: such columns are read as bytes and decoded here.
 */

/**
 * Reads `column`, text as its writer gave it, as bytes (see {@link decodeTextColumns}): libsql cuts a TEXT
 * value at its first NUL character, which an error, a cause or a trace header may hold.
 */
export function asBytes(column: string, field = column): string {
  return `CAST(${column} AS BLOB) AS ${field}`;
}

/**
 * `row` with its `fields` read by {@link asBytes} decoded back to text (UTF-8, as SQLite stored it), in place.
 *
 * @example
 * decodeTextColumns(statement.get(arn), ['error', 'cause']);
 */
export function decodeTextColumns<T extends object>(row: T, fields: readonly (keyof T)[]): T {
  for (const field of fields) {
    const value: unknown = row[field];
    // libsql answers a blob as an ArrayBuffer.
    if (value instanceof ArrayBuffer) row[field] = Buffer.from(value).toString('utf8') as T[keyof T];
  }
  return row;
}

/** The fields of an execution row read {@link asBytes}: what a caller or a definition wrote. */
export const EXECUTION_TEXT_FIELDS = ['error', 'cause', 'traceHeader'] as const;

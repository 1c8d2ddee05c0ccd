/**
 * The items of a CSV file read by a Distributed Map's `ItemReader`, parsed by the rules Step Functions
 * documents (https://docs.aws.amazon.com/step-functions/latest/dg/example-csv-parse-dist-map.html) and the
 * answers AWS recorded (LocalStack's `test_map_item_reader_base_csv_*` snapshots).
 */
import { itemReaderFailed } from '../errors.ts';

/** The `CSVDelimiter` values and the character each stands for. */
export const CSV_DELIMITERS = { COMMA: ',', PIPE: '|', SEMICOLON: ';', SPACE: ' ', TAB: '\t' } as const;

/** How an `ItemReader` reads a CSV file. */
export interface CsvReading {
  /** The field separator (a value of {@link CSV_DELIMITERS}). */
  readonly delimiter: string;
  /** The column names (`CSVHeaderLocation: GIVEN`); undefined takes them from the first row. */
  readonly headers?: readonly string[];
}

/**
 * One item per row: an object of the header names in order, each mapped to its field as a string (`""` for
 * a field the row lacks; fields beyond the headers are skipped).
 *
 * @throws StatesError `States.ItemReaderFailed` when a header name repeats.
 * @example
 * csvItems('id,name\n1,"Smith, J"\n', { delimiter: ',' }); // [{ id: '1', name: 'Smith, J' }]
 */
export function csvItems(text: string, reading: CsvReading): Record<string, string>[] {
  const rows = csvRows(text, reading.delimiter);
  const headers = reading.headers ?? rows.shift() ?? [];
  if (new Set(headers).size !== headers.length) {
    throw itemReaderFailed('CSV headers cannot contain duplicates.');
  }
  return rows.map((row) => Object.fromEntries(headers.map((header, index) => [header, row[index] ?? ''])));
}

/**
 * The rows of `text`, each an array of fields. A newline (or CRLF) ends a row except inside double quotes,
 * which open a field; `""` is one quote, inside quotes or not; a backslash keeps a following backslash, quote
 * or delimiter and is dropped before any other character. Lines with no character at all are skipped, the
 * last newline included; a line of spaces is a row, as AWS records.
 */
function csvRows(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let fieldStarted = false;
  let quoted = false;
  let lineIsEmpty = true;
  const endField = () => {
    row.push(field);
    field = '';
    fieldStarted = false;
  };
  const endRow = () => {
    endField();
    if (!lineIsEmpty) rows.push(row);
    row = [];
    lineIsEmpty = true;
  };
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    const next = text[index + 1];
    if (!quoted && (char === '\n' || (char === '\r' && next === '\n'))) {
      if (char === '\r') index++;
      endRow();
      continue;
    }
    lineIsEmpty = false;
    if (char === '\\') {
      if (next === '\\' || next === '"' || next === delimiter) {
        field += next;
        index++;
      }
    } else if (char === '"' && next === '"' && (quoted || fieldStarted)) {
      field += '"';
      index++;
    } else if (char === '"' && (quoted || !fieldStarted)) {
      quoted = !quoted;
    } else if (char === delimiter && !quoted) {
      endField();
      continue;
    } else {
      field += char;
    }
    fieldStarted = true;
  }
  endRow();
  return rows;
}

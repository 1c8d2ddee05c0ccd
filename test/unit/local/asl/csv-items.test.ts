import { describe, expect, it } from 'vitest';
import { StatesError } from '#local/asl/errors.ts';
import { csvItems } from '#local/asl/states/csv-items.ts';

const CSV_RULES = 'https://docs.aws.amazon.com/step-functions/latest/dg/example-csv-parse-dist-map.html';

describe(`csvItems: the CSV rules of Step Functions (${CSV_RULES})`, () => {
  it('keeps delimiters and newlines inside double quotes, and reads "" as one quote inside quotes or not', () => {
    // Act
    const items = csvItems('a,b\n"x, ""y""\nz",{""k"":1}\n', { delimiter: ',' });
    // Assess
    expect(items).toEqual([{ a: 'x, "y"\nz', b: '{"k":1}' }]);
  });

  it('keeps a backslash before a backslash, a quote or the delimiter, and drops it before anything else', () => {
    // Act
    const items = csvItems('path|note\nC:\\\\Apps\\\\x.exe|a\\|b \\"c\\" \\d\n', { delimiter: '|' });
    // Assess
    expect(items).toEqual([{ path: 'C:\\Apps\\x.exe', note: 'a|b "c" d' }]);
  });

  it('gives "" for the fields a row lacks and skips those beyond the headers', () => {
    // Act
    const items = csvItems('1\n1,2,3,4\n', { delimiter: ',', headers: ['a', 'b', 'c'] });
    // Assess
    expect(items).toEqual([
      { a: '1', b: '', c: '' },
      { a: '1', b: '2', c: '3' },
    ]);
  });

  it('ends rows at LF or CRLF, skips lines with no character, and keeps a line of spaces as a row', () => {
    // Act
    const items = csvItems('a\r\n1\r\n\r\n\n2\n   \n', { delimiter: ',' });
    // Assess
    expect(items).toEqual([{ a: '1' }, { a: '2' }, { a: '   ' }]);
  });

  it('splits on a tab or a space delimiter and never on a comma then', () => {
    expect(csvItems('a\tb\n1,2\t3\n', { delimiter: '\t' })).toEqual([{ a: '1,2', b: '3' }]);
    expect(csvItems('a b\n1 2\n', { delimiter: ' ' })).toEqual([{ a: '1', b: '2' }]);
  });

  it('reads no item from an empty file or a header alone', () => {
    expect(csvItems('', { delimiter: ',' })).toEqual([]);
    expect(csvItems('a,b\n', { delimiter: ',' })).toEqual([]);
  });

  it('refuses repeated headers, given or read, with the cause AWS records', () => {
    for (const reading of [{ headers: ['a', 'a'] }, {}]) {
      const read = () => csvItems('a,a\n1,2\n', { delimiter: ',', ...reading });
      expect(read).toThrow(StatesError);
      expect(read).toThrow('CSV headers cannot contain duplicates.');
    }
  });
});

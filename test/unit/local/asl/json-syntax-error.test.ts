import { describe, expect, it } from 'vitest';
import { jsonSyntaxError } from '#local/asl/json-syntax-error.ts';

const VALUE_EXPECTED = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

/** The reason and the line and column of the error of `text`, as `reason @ line:column`. */
function reasonAt(text: string): string | undefined {
  const error = jsonSyntaxError(text);
  if (!error) return undefined;
  const [, line, column] = /; line: (\d+), column: (\d+)\]$/.exec(error.location)!;
  return `${error.message.slice(0, error.message.lastIndexOf('\n at '))} @ ${line}:${column}`;
}

describe('jsonSyntaxError', () => {
  it('words a bare word as Jackson did for AWS, at the column past it', () => {
    // Assess (localstack tests/aws/services/stepfunctions/v2/test_sfn_api_validation.snapshot.json,
    // test_validate_state_machine_definition_not_a_definition[NOT_A_DEF], recorded against AWS)
    expect(jsonSyntaxError('not a definition')).toEqual({
      message: `Unrecognized token 'not': was expecting ${VALUE_EXPECTED}\n at [Source: (String)"not a definition"; line: 1, column: 4]`,
      location: '[Source: (String)"not a definition"; line: 1, column: 4]',
    });
  });

  it.each([
    ['{"a":}', "Unexpected character ('}' (code 125)): expected a value @ 1:7"],
    ['[1,]', `Unexpected character (']' (code 93)): expected a valid value ${VALUE_EXPECTED} @ 1:5`],
    ['{"a":tru}', `Unrecognized token 'tru': was expecting ${VALUE_EXPECTED} @ 1:9`],
    ['{"a":nullx}', `Unrecognized token 'nullx': was expecting ${VALUE_EXPECTED} @ 1:11`],
    [
      '{"a":NaN}',
      "Non-standard token 'NaN': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow @ 1:9",
    ],
    ['{a:1}', "Unexpected character ('a' (code 97)): was expecting double-quote to start field name @ 1:3"],
    [
      '{"a":1,}',
      "Unexpected character ('}' (code 125)): was expecting double-quote to start field name @ 1:9",
    ],
    [
      '{"a" 1}',
      "Unexpected character ('1' (code 49)): was expecting a colon to separate field name and value @ 1:7",
    ],
    [
      '{"a":1 "b":2}',
      "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries @ 1:9",
    ],
    ['[1 2]', "Unexpected character ('2' (code 50)): was expecting comma to separate Array entries @ 1:5"],
    ['{"a":1,', 'Unexpected end-of-input within/between Object entries @ 1:8'],
    [
      '{"a":"x\ny"}',
      'Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value @ 1:9',
    ],
    ['{"a":"\\q"}', "Unrecognized character escape 'q' (code 113) @ 1:9"],
    [
      '{"a":"\\u12G4"}',
      "Unexpected character ('G' (code 71)): expected a hex-digit for character escape sequence @ 1:12",
    ],
    ['{"a":"abc', 'Unexpected end-of-input: was expecting closing quote for a string value @ 1:10'],
    ['{"abc', 'Unexpected end-of-input in field name @ 1:6'],
    ['{"a":01}', 'Invalid numeric value: Leading zeroes not allowed @ 1:7'],
    [
      '{"a":-x}',
      "Unexpected character ('x' (code 120)) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value @ 1:8",
    ],
    [
      '{"a":1.}',
      "Unexpected character ('}' (code 125)) in numeric value: Decimal point not followed by a digit @ 1:9",
    ],
    [
      '{"a":1e}',
      "Unexpected character ('}' (code 125)) in numeric value: Exponent indicator not followed by a digit @ 1:9",
    ],
    [
      '{/* no */}',
      "Unexpected character ('/' (code 47)): maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser) @ 1:3",
    ],
    [
      '{\u0001}',
      'Illegal character ((CTRL-CHAR, code 1)): only regular white space (\\r, \\n, \\t) is allowed between tokens @ 1:3',
    ],
    [
      '{"a":1}}',
      "Unexpected character ('}' (code 125)): expected the end of the input after the JSON value @ 1:9",
    ],
  ])('words %j as Jackson does', (text, expected) => {
    expect(reasonAt(text)).toBe(expected);
  });

  it('counts lines at LF, CR LF and CR, and places an unclosed bracket where it opened', () => {
    // Act
    const unclosed = jsonSyntaxError('{\r\n  "States": [\r  1,\n  2\n');
    const mismatched = jsonSyntaxError('{\n  "a": [1, 2}\n}');
    // Assess
    expect(unclosed?.message).toBe(
      'Unexpected end-of-input: expected close marker for Array (start marker at [Source: (String)"{\r\n  "States": [\r  1,\n  2\n"; line: 2, column: 13])' +
        '\n at [Source: (String)"{\r\n  "States": [\r  1,\n  2\n"; line: 5, column: 1]',
    );
    expect(mismatched?.message.split('\n at ')[0]).toBe(
      'Unexpected close marker \'}\': expected \']\' (for Array starting at [Source: (String)"{\n  "a": [1, 2}\n}"; line: 2, column: 8])',
    );
  });

  it('shows the first 500 characters of a longer text, its control characters but CR and LF escaped', () => {
    // Act
    const long = jsonSyntaxError(`{\t"a":"${'x'.repeat(600)}",}`);
    // Assess
    expect(long?.location).toBe(
      `[Source: (String)"{\\u0009"a":"${'x'.repeat(493)}"[truncated 110 chars]; line: 1, column: 611]`,
    );
  });

  it('finds nothing wrong in JSON, nor in white space alone', () => {
    expect(jsonSyntaxError('{"a": [1, -2.5e+3, true, false, null, "\\u00e9\\n"], "b": {}}')).toBeUndefined();
    expect(jsonSyntaxError(' \n')).toBeUndefined();
  });
});

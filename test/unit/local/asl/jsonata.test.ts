import { describe, expect, it } from 'vitest';
import { StatesError } from '#local/asl/errors.ts';
import { evaluateJsonataField, type StatesBinding } from '#local/asl/jsonata.ts';

const states: StatesBinding = { input: { xs: [1, 2, 3] }, context: {} };
const noVariables = { readVariable: () => undefined };

/** Evaluates `template` as the field `Output` of a state with `states`; the error it fails with, if any. */
async function evaluate(template: unknown): Promise<unknown> {
  return evaluateJsonataField(template, 'Output', states, noVariables).catch((error: unknown) => error);
}

describe('JSONata evaluation', () => {
  it('stops an endless loop after its time and an endless recursion at its depth, not a long or wide one', async () => {
    // Act
    const started = Date.now();
    const loop = await evaluate('{% ($f := function($x){ $f($x + 1) }; $f(1)) %}');
    const elapsed = Date.now() - started;
    const recursion = await evaluate('{% ($f := function($x){ 1 + $f($x + 1) }; $f(1)) %}');
    const wide = await evaluate("{% $count($map([1..5000], function($v){ [[$v, 1], {'a': [2]}] })) %}");
    const deepEnough = await evaluate('{% ($f := function($x){ $x >= 30 ? $x : 1 + $f($x + 1) }; $f(1)) %}');
    // Assess
    expect(loop).toBeInstanceOf(StatesError);
    expect(loop).toMatchObject({
      error: 'States.QueryEvaluationError',
      causeText:
        "The JSONata expression '($f := function($x){ $f($x + 1) }; $f(1))' specified for the field 'Output' threw an error during evaluation: Expression evaluation timeout: Check for infinite loop",
    });
    expect(elapsed).toBeLessThan(10_000);
    expect([wide, deepEnough]).toEqual([5000, 59]);
    expect((recursion as StatesError).causeText).toContain(
      'threw an error during evaluation: Stack overflow error: Check for non-terminating recursive function. Consider',
    );
  });

  it('fails past the depth and the value sizes AWS refuses, and not at them', async () => {
    // Arrange: the boundaries measured on AWS (floci-io/floci issue 2737)
    const terms = (count: number) => `{% ${Array.from({ length: count }, () => '1').join(' + ')} %}`;
    const doubled = (times: number) =>
      `{% ($p := function($s, $n) { $n = 0 ? $s : $p($s & $s, $n - 1) }; $length($p('x', ${times}))) %}`;
    // Act
    const accepted = [
      await evaluate(terms(100)),
      await evaluate('{% [1..873782] ~> $count() %}'),
      await evaluate(doubled(22)),
    ];
    const refused = [
      await evaluate(terms(101)),
      await evaluate('{% [1..873783] ~> $count() %}'),
      await evaluate(doubled(23)),
      await evaluate("{% $pad('a', 1e9) %}"),
    ];
    // Assess
    expect(accepted).toEqual([100, 873_782, 4_194_304]);
    expect(
      refused.map((error) => (error as StatesError).causeText?.replace(/^.* during evaluation: /, '')),
    ).toEqual([
      'Stack overflow error: Check for non-terminating recursive function. Consider rewriting as tail-recursive',
      'Expression evaluation memory limit exceeded: Check for excessive memory usage',
      'Expression evaluation memory limit exceeded: Check for excessive memory usage',
      'Expression evaluation memory limit exceeded: Check for excessive memory usage',
    ]);
  });

  it('gives plain JSON: sequences as arrays, Infinity and NaN as strings, undefined members left out', async () => {
    // Act
    const value = await evaluate({
      doubled: '{% $states.input.xs.($ * 2) %}',
      infinite: '{% [1 / 0, 0 / 0] %}',
      object: "{% { 'kept': 1, 'dropped': $states.input.missing } %}",
    });
    // Assess
    expect(JSON.stringify(value)).toBe(
      '{"doubled":[2,4,6],"infinite":["Infinity","NaN"],"object":{"kept":1}}',
    );
  });

  it("adds Step Functions' functions: $range and $partition give nothing where they cannot, $hash names the algorithms", async () => {
    // Act
    const ranges = await evaluate({
      up: '{% $range(0, 10, 4) %}',
      down: '{% $range(3, 1, -1) %}',
      one: '{% $range(5, 5, 1) %}',
    });
    const unreachable = await evaluate('{% $range(0, 10, -1) %}');
    const emptyPartition = await evaluate('{% $partition([], 2) %}');
    const badHash = await evaluate("{% $hash('x', 'SHA-3') %}");
    // Assess
    expect(ranges).toEqual({ up: [0, 4, 8], down: [3, 2, 1], one: 5 });
    expect((unreachable as StatesError).causeText).toContain('returned nothing (undefined)');
    expect((emptyPartition as StatesError).causeText).toContain('returned nothing (undefined)');
    expect((badHash as StatesError).causeText).toContain(
      "The hashing algorithm 'SHA-3' is not supported; allowed: MD5, SHA-1, SHA-256, SHA-384, SHA-512",
    );
  });

  it('refuses a $formatNumber picture without a digit by the rule it breaks, as AWS does, and formats the others', async () => {
    // Act
    const refusals = [
      await evaluate('{% $formatNumber(1, "x") %}'),
      await evaluate('{% $formatNumber(1, "") %}'),
      await evaluate('{% $formatNumber(1, "e") %}'),
      await evaluate('{% $formatNumber(-1, "#;x") %}'),
      await evaluate('{% $formatNumber(-1, "#,;x") %}'),
    ];
    const formatted = await evaluate({
      grouped: '{% $formatNumber(1234.5, "#,##0.00") %}',
      negative: '{% $formatNumber(-1, "#;(#)") %}',
      options:
        '{% $formatNumber(1234.5, "#.##0,00", { "decimal-separator": ",", "grouping-separator": "." }) %}',
    });
    // Assess: D3086 for "x" as measured on AWS (floci-io/floci issue 2737); the first sub-picture's error first
    expect(
      refusals.map((error) => (error as StatesError).causeText?.replace(/^.* during evaluation\. /, '')),
    ).toEqual([
      'D3086: The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character',
      "D3085: The mantissa part of a sub-picture must contain at least one character that is either an 'optional digit character' or a member of the 'decimal digit family'",
      "D3093: The exponent part of the sub-picture must comprise only of one or more characters that are members of the 'decimal digit family'",
      'D3086: The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character',
      "D3088: The sub-picture must not contain a 'grouping-separator' at the end of the integer part",
    ]);
    expect(formatted).toEqual({ grouped: '1,234.50', negative: '(1)', options: '1.234,50' });
  });

  it('decodes Base64 as atob does, padded or not, and fails on what is not Base64 as an internal error with a fresh id', async () => {
    // Act
    const decoded = await evaluate({
      padded: "{% $base64decode('SGVsbG8=') %}",
      unpadded: "{% $base64decode('SGVsbG8') %}",
      spaced: "{% $base64decode(' SGVs bG8= ') %}",
    });
    const refusals = [
      await evaluate("{% $base64decode('!!!') %}"),
      await evaluate("{% $base64decode('!!!') %}"),
      await evaluate("{% $base64decode('a') %}"),
    ];
    // Assess
    expect(decoded).toEqual({ padded: 'Hello', unpadded: 'Hello', spaced: 'Hello' });
    const causes = refusals.map((error) => (error as StatesError).causeText ?? '');
    for (const cause of causes) {
      expect(cause).toMatch(
        /^The JSONata expression '\$base64decode\('(!!!|a)'\)' specified for the field 'Output' threw an internal error during evaluation\. [0-9a-f-]{36}$/,
      );
    }
    expect(causes[0]).not.toBe(causes[1]);
  });
});

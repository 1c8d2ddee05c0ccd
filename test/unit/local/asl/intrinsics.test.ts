import { describe, expect, it } from 'vitest';
import { StatesError } from '#local/asl/errors.ts';
import { evaluateIntrinsic, intrinsicSyntaxProblem, isIntrinsic } from '#local/asl/intrinsics.ts';

const evaluate = (expression: string, input: unknown = {}, context: unknown = {}) =>
  evaluateIntrinsic(expression, input, context);

function failureOf(expression: string, input: unknown = {}): StatesError {
  try {
    evaluate(expression, input);
  } catch (error) {
    if (error instanceof StatesError) return error;
    throw error;
  }
  throw new Error(`expected ${expression} to fail`);
}

const nineItems = { inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9] };

describe('isIntrinsic', () => {
  it('recognises intrinsic calls and nothing else', () => {
    expect(isIntrinsic("States.Format('x')")).toBe(true);
    expect(isIntrinsic('States.UUID()')).toBe(true);
    expect(isIntrinsic('$.a')).toBe(false);
    expect(isIntrinsic('States.Format')).toBe(false);
    expect(isIntrinsic('Hello States.Format(1)')).toBe(false);
  });
});

describe('evaluateIntrinsic: developer guide examples', () => {
  it('States.Format with a literal template and with a template from the input', () => {
    const input = { name: 'Arnav', template: 'Hello, my name is {}.' };
    expect(evaluate("States.Format('Hello, my name is {}.', $.name)", input)).toBe(
      'Hello, my name is Arnav.',
    );
    expect(evaluate('States.Format($.template, $.name)', input)).toBe('Hello, my name is Arnav.');
  });

  it('States.StringToJson and States.JsonToString', () => {
    expect(
      evaluate('States.StringToJson($.escapedJsonString)', { escapedJsonString: '{"foo": "bar"}' }),
    ).toEqual({
      foo: 'bar',
    });
    expect(evaluate('States.JsonToString($.unescapedJson)', { unescapedJson: { foo: 'bar' } })).toBe(
      '{"foo":"bar"}',
    );
  });

  it('States.Array', () => {
    expect(evaluate("States.Array('Foo', 2020, $.Id)", { Id: 123456 })).toEqual(['Foo', 2020, 123456]);
    expect(evaluate('States.Array()')).toEqual([]);
  });

  it('States.ArrayPartition, ArrayContains, ArrayRange, ArrayGetItem, ArrayLength, ArrayUnique', () => {
    expect(evaluate('States.ArrayPartition($.inputArray, 4)', nineItems)).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9],
    ]);
    expect(
      evaluate('States.ArrayContains($.inputArray, $.lookingFor)', { ...nineItems, lookingFor: 5 }),
    ).toBe(true);
    expect(evaluate('States.ArrayRange(1, 9, 2)')).toEqual([1, 3, 5, 7, 9]);
    expect(evaluate('States.ArrayGetItem($.inputArray, $.index)', { ...nineItems, index: 5 })).toBe(6);
    expect(evaluate('States.ArrayLength($.inputArray)', nineItems)).toBe(9);
    expect(evaluate('States.ArrayUnique($.inputArray)', { inputArray: [1, 2, 3, 3, 3, 3, 3, 3, 4] })).toEqual(
      [1, 2, 3, 4],
    );
  });

  it('States.ArrayUnique keeps the first of equal values, objects equal whatever their member order', () => {
    // Prepare
    const inputArray = [
      { a: 1, b: [2, { c: 3 }] },
      '1',
      1,
      { b: [2, { c: 3 }], a: 1 },
      [1, 2],
      [2, 1],
      null,
      1,
      { a: 1, b: [2, { c: 4 }] },
      null,
      '1',
    ];
    // Act
    const unique = evaluate('States.ArrayUnique($.inputArray)', { inputArray });
    // Assess
    expect(unique).toEqual([
      { a: 1, b: [2, { c: 3 }] },
      '1',
      1,
      [1, 2],
      [2, 1],
      null,
      { a: 1, b: [2, { c: 4 }] },
    ]);
  });

  it('States.Base64Encode and States.Base64Decode', () => {
    expect(evaluate('States.Base64Encode($.input)', { input: 'Data to encode' })).toBe(
      'RGF0YSB0byBlbmNvZGU=',
    );
    expect(evaluate('States.Base64Decode($.base64)', { base64: 'RGF0YSB0byBlbmNvZGU=' })).toBe(
      'Data to encode',
    );
  });

  it('States.Hash with every algorithm', () => {
    const input = { Data: 'input data' };
    expect(evaluate("States.Hash($.Data, 'SHA-1')", input)).toBe('aaff4a450a104cd177d28d18d74485e8cae074b7');
    expect(evaluate("States.Hash('', 'MD5')")).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(evaluate("States.Hash('', 'SHA-256')")).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(evaluate("States.Hash('abc', 'SHA-384')")).toMatch(
      /^cb00753f45a35e8bb5a03d699ac65007[0-9a-f]{64}$/,
    );
    expect(evaluate("States.Hash('abc', 'SHA-512')")).toMatch(/^ddaf35a193617aba[0-9a-f]{112}$/);
  });

  it('States.JsonMerge merges shallowly, the second object winning', () => {
    const input = { json1: { a: { a1: 1, a2: 2 }, b: 2 }, json2: { a: { a3: 1, a4: 2 }, c: 3 } };
    expect(evaluate('States.JsonMerge($.json1, $.json2, false)', input)).toEqual({
      a: { a3: 1, a4: 2 },
      b: 2,
      c: 3,
    });
    expect(input.json1).toEqual({ a: { a1: 1, a2: 2 }, b: 2 });
  });

  it('States.MathRandom stays in [start, end) and repeats for one seed', () => {
    const input = { start: 1, end: 999 };
    for (let draw = 0; draw < 50; draw += 1) {
      const value = evaluate('States.MathRandom($.start, $.end)', input) as number;
      expect(Number.isInteger(value) && value >= 1 && value < 999).toBe(true);
    }
    const seeded = evaluate('States.MathRandom($.start, $.end, 1234)', input);
    expect(evaluate('States.MathRandom($.start, $.end, 1234)', input)).toBe(seeded);
    expect(evaluate('States.MathRandom(5, 6, 42)')).toBe(5);
  });

  it('States.MathRandom with a seed follows java.util.Random', () => {
    // new java.util.Random(42).nextInt(10) == 0 and new Random(0).nextInt(100) == 60;
    // new Random(1).nextInt() == -1155869325, so nextInt(16) == (16 * (0xBB1AD573 >>> 1)) >> 31 == 11.
    expect(evaluate('States.MathRandom(0, 10, 42)')).toBe(0);
    expect(evaluate('States.MathRandom(0, 100, 0)')).toBe(60);
    expect(evaluate('States.MathRandom(0, 16, 1)')).toBe(11);
    expect(evaluate('States.MathRandom(100, 116, 1)')).toBe(111);
  });

  it('States.MathAdd adds, rounding operands to the nearest integer', () => {
    expect(evaluate('States.MathAdd($.value1, $.step)', { value1: 111, step: -1 })).toBe(110);
    expect(evaluate('States.MathAdd(1.6, 2.2)')).toBe(4);
    expect(evaluate('States.MathAdd(-2.5, 0)')).toBe(-2);
  });

  it('States.StringSplit splits on every delimiter character and drops empty parts', () => {
    expect(
      evaluate('States.StringSplit($.inputString, $.splitter)', { inputString: '1,2,3,4,5', splitter: ',' }),
    ).toEqual(['1', '2', '3', '4', '5']);
    expect(
      evaluate('States.StringSplit($.inputString, $.splitter)', {
        inputString: 'This.is+a,test=string',
        splitter: '.+,=',
      }),
    ).toEqual(['This', 'is', 'a', 'test', 'string']);
    expect(evaluate("States.StringSplit(',a,,b,', ',')")).toEqual(['a', 'b']);
  });

  it('States.UUID returns a version 4 UUID', () => {
    const uuid = evaluate('States.UUID()') as string;
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(evaluate('States.UUID()')).not.toBe(uuid);
  });

  it('evaluates the nested example of the developer guide (whose template has one {} too many)', () => {
    // Prepare
    const input = {
      ImageRecipe: { Arn: 'arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/my-recipe.v1/1.0.3' },
    };
    const part = (index: number) =>
      `States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), ${index})`;
    // Act / Assess
    expect(() => evaluate(`States.Format('{}.{}.{}', ${part(0)}, ${part(1)})`, input)).toThrow(
      /3 placeholder\(s\) \{\} but 2 argument/,
    );
    expect(evaluate(`States.Format('{}.{}', ${part(0)}, ${part(1)})`, input)).toBe('1.0');
  });
});

describe('evaluateIntrinsic: arguments and escapes', () => {
  it('reads $$ paths from the context object', () => {
    expect(
      evaluate("States.Format('run {}', $$.Execution.Name)", {}, { Execution: { Name: 'exec-1' } }),
    ).toBe('run exec-1');
  });

  it('handles escaped quotes, braces and backslashes in string literals', () => {
    expect(evaluate("States.Format('It\\'s {} \\{not a placeholder\\} \\\\', 'ok')")).toBe(
      "It's ok {not a placeholder} \\",
    );
    expect(evaluate("States.Array('a, b', 'c)d')")).toEqual(['a, b', 'c)d']);
  });

  it('formats numbers, booleans and null', () => {
    expect(evaluate("States.Format('{} {} {} {}', 1.5, true, null, -3)")).toBe('1.5 true null -3');
  });

  it('reads paths with brackets, quotes and commas as one argument', () => {
    const input = { 'a,b': [10, 20], list: [{ x: 1 }] };
    expect(evaluate("States.Array($['a,b'][1], $.list[0].x)", input)).toEqual([20, 1]);
  });

  it('accepts spaces around arguments', () => {
    expect(evaluate('States.MathAdd(  1 ,2  )')).toBe(3);
  });
});

describe('evaluateIntrinsic: failures', () => {
  it.each([
    ["States.Format('{} and {}', 1)", /2 placeholder\(s\) \{\} but 1 argument/],
    ["States.Format('{}', 1, 2)", /1 placeholder\(s\) \{\} but 2 argument/],
    ["States.StringToJson('{bad')", /not valid JSON/],
    ['States.ArrayPartition(States.Array(1), 0)', /positive integer/],
    ['States.ArrayRange(1, 2000, 1)', /more than the 1000 allowed/],
    ['States.ArrayRange(1, 5, 0)', /cannot be 0/],
    ['States.ArrayGetItem(States.Array(1, 2), 2)', /out of bounds/],
    ["States.ArrayLength('text')", /must be an array, got string/],
    ["States.Base64Decode('not base64!')", /not valid Base64/],
    [
      "States.Hash('x', 'SHA-999')",
      /unsupported algorithm 'SHA-999'; allowed: MD5, SHA-1, SHA-256, SHA-384, SHA-512/,
    ],
    ["States.Hash('x', 'constructor')", /unsupported algorithm 'constructor'; allowed: MD5, SHA-1/],
    ['States.JsonMerge($.obj, $.obj, true)', /deep merge is not supported/],
    ["States.JsonMerge($.obj, 'x', false)", /must be a JSON object/],
    ['States.MathRandom(5, 5)', /must be greater than the start/],
    ['States.MathAdd(2147483648, 1)', /outside -2147483648\.\.2147483647/],
    ['States.MathAdd(2147483647, 1)', /the sum 2147483648 is outside -2147483648\.\.2147483647/],
    ["States.MathAdd('1', 1)", /must be a number/],
    ['States.UUID(1)', /takes 0 argument/],
    ['States.Nope(1)', /Unknown intrinsic function States\.Nope/],
    ["States.Format('unterminated)", /unterminated string literal/],
    ["States.Format('a\\nb {}', 'x')", /'\\n' escapes nothing/],
    ['States.Array(1 2)', /expected ',' or '\)'/],
    [
      "States.Format('Hello {{}}', 'x')",
      /'\{' at 7 is not part of a \{\} placeholder; write \\\{ for the character/,
    ],
    ["States.Format('}')", /'\}' at 1 is not part of a \{\} placeholder/],
  ])('%s fails with States.Runtime, as on AWS, which no Catch takes', (expression, message) => {
    // Act
    const error = failureOf(expression, { obj: { a: 1 } });
    // Assess
    expect(error.name).toBe('States.Runtime');
    expect(error.causeText).toMatch(message);
  });

  it('names the function whose arguments it refused, in AWS words', () => {
    expect(failureOf("States.MathAdd(1, 'NOT A NUMBER')", {}).causeText).toBe(
      'Invalid arguments in States.MathAdd: argument 2 must be a number, got string "NOT A NUMBER"',
    );
  });

  it('rounds a number with a fraction where an integer is wanted, as AWS does', () => {
    expect(evaluate('States.ArrayRange(1.4, 5.6, 2.2)', {})).toEqual([1, 3, 5]);
    expect(evaluate('States.ArrayPartition(States.Array(1, 2, 3, 4, 5), 2.4)', {})).toEqual([
      [1, 2],
      [3, 4],
      [5],
    ]);
    expect(evaluate('States.ArrayGetItem(States.Array(10, 20, 30), 1.2)', {})).toBe(20);
    expect(failureOf('States.ArrayPartition(States.Array(1), 0.49)', {}).causeText).toMatch(
      /positive integer/,
    );
  });

  it('refuses a Format template from a path with a backslash that escapes nothing, or a trailing one', () => {
    for (const template of ['a\\nb {}', 'a {}\\']) {
      // Act
      const error = failureOf('States.Format($.template, 1)', { template });
      // Assess
      expect(error.name, template).toBe('States.Runtime');
      expect(error.causeText).toMatch(/escapes nothing/);
    }
  });

  it('limits strings to 10,000 characters for Base64 and Hash', () => {
    const input = { long: 'x'.repeat(10_001), limit: 'x'.repeat(10_000) };
    expect(failureOf('States.Base64Encode($.long)', input).causeText).toMatch(/more than the 10000 allowed/);
    expect(failureOf("States.Hash($.long, 'MD5')", input).name).toBe('States.Runtime');
    expect(typeof evaluate('States.Base64Encode($.limit)', input)).toBe('string');
  });

  it('fails with States.Runtime when an argument path matches nothing', () => {
    const error = failureOf('States.Array($.missing)', { other: 1 });
    expect(error.name).toBe('States.Runtime');
    expect(error.causeText).toContain("'$.missing'");
  });

  it("fails the calls of one payload past the local runtime's 16 MiB, counting what each call made", () => {
    // Prepare: each split makes 240,000 characters and 120,000 members (1.2 MB as counted)
    const input = { a: 'x,'.repeat(120_000) };
    const splits = (count: number) =>
      Array.from({ length: count }, () => "States.StringSplit($.a, ',')").join(', ');
    const budgetText =
      "had the following error: the intrinsic functions of this payload made more than 16,777,216 bytes, the local runtime's limit";
    // Act + Assess
    expect(evaluate(`States.ArrayLength(States.Array(${splits(13)}))`, input)).toBe(13);
    expect(failureOf(`States.ArrayLength(States.Array(${splits(14)}))`, input).causeText).toContain(
      budgetText,
    );
    // A string past V8's longest (2 x 2^28 characters) is past the budget too.
    const long = failureOf("States.Format('{}{}', $.s, $.s)", { s: 'x'.repeat(2 ** 28) });
    expect(long.causeText).toBe(`The function 'States.Format('{}{}', $.s, $.s)' ${budgetText}`);
    // Reading a value makes nothing: 4,000 references to one 240 KB string.
    expect(evaluate(`States.ArrayLength(States.Array(${Array(4000).fill('$.a').join(', ')}))`, input)).toBe(
      4000,
    );
  });

  it('rejects nesting deeper than 10 calls', () => {
    const deep = `${'States.Array('.repeat(11)}1${')'.repeat(11)}`;
    expect(failureOf(deep).causeText).toMatch(/nested more than 10 deep/);
    expect(evaluate(`${'States.Array('.repeat(10)}1${')'.repeat(10)}`)).toEqual([[[[[[[[[[1]]]]]]]]]]);
  });
});

describe('intrinsicSyntaxProblem', () => {
  it('explains a malformed call and accepts a valid one', () => {
    expect(intrinsicSyntaxProblem("States.Format('{}', $.a)")).toBeUndefined();
    expect(intrinsicSyntaxProblem('States.Format(')).toMatch(/expected/);
    expect(intrinsicSyntaxProblem('States.Foo()')).toMatch(/Unknown intrinsic function/);
    expect(intrinsicSyntaxProblem("States.Format('a\\nb {}', 'x')")).toMatch(
      /'\\n' escapes nothing: only \\', \\\{, \\\} and \\\\ are escapes/,
    );
  });
});

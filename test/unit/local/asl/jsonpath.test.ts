import { describe, expect, it } from 'vitest';
import { StatesError } from '#local/asl/errors.ts';
import {
  copyJson,
  isReferencePath,
  isValidPath,
  readPath,
  tryReadPath,
  writeResultPath,
} from '#local/asl/jsonpath.ts';
import { deepFreeze } from '#test/support/deep-freeze.ts';

/** The input of the "Paths" examples in the Step Functions developer guide. */
const pathsExample = () => ({ foo: 123, bar: ['a', 'b', 'c'], car: { cdr: true } });

const store = () => ({
  store: {
    book: [
      { category: 'reference', author: 'Nigel Rees', price: 8.95 },
      { category: 'fiction', author: 'Evelyn Waugh', price: 12.99 },
      { category: 'fiction', author: 'Herman Melville', price: 8.99, isbn: '0-553-21311-3' },
      { category: 'fiction', author: 'J. R. R. Tolkien', price: 22.99, isbn: '0-395-19395-8' },
    ],
    bicycle: { color: 'red', price: 19.95 },
  },
  'odd key': { 'a.b': 1 },
});

function statesErrorOf(action: () => unknown): StatesError {
  try {
    action();
  } catch (error) {
    if (error instanceof StatesError) return error;
    throw error;
  }
  throw new Error('expected a StatesError');
}

describe('readPath', () => {
  it('reads the developer guide examples of reference paths', () => {
    // Prepare
    const input = pathsExample();
    // Act / Assess
    expect(readPath('$.foo', input)).toBe(123);
    expect(readPath('$.bar', input)).toEqual(['a', 'b', 'c']);
    expect(readPath('$.car.cdr', input)).toBe(true);
    expect(readPath('$', input)).toEqual(input);
  });

  it('reads the ASL specification Parameters example paths', () => {
    const input = { flagged: 7, vals: [0, 10, 20, 30, 40, 50] };
    expect(readPath('$.vals[0]', input)).toBe(0);
    expect(readPath('$.vals[3:]', input)).toEqual([30, 40, 50]);
  });

  it('reads bracket names, quoted keys with dots and spaces, negative indexes', () => {
    const input = store();
    expect(readPath("$['store']['bicycle']['color']", input)).toBe('red');
    expect(readPath('$["store"].bicycle.price', input)).toBe(19.95);
    expect(readPath("$['odd key']['a.b']", input)).toBe(1);
    expect(readPath('$.store.book[-1].author', input)).toBe('J. R. R. Tolkien');
  });

  it('returns an array for wildcards, unions of indexes, slices, deep scans and filters', () => {
    const input = store();
    expect(readPath('$.store.book[*].author', input)).toEqual([
      'Nigel Rees',
      'Evelyn Waugh',
      'Herman Melville',
      'J. R. R. Tolkien',
    ]);
    expect(readPath('$.store.book[0,2].price', input)).toEqual([8.95, 8.99]);
    expect(readPath('$.store.book[1:3].price', input)).toEqual([12.99, 8.99]);
    expect(readPath('$.store.book[-1:].price', input)).toEqual([22.99]);
    expect(readPath('$.store.book[:2].price', input)).toEqual([8.95, 12.99]);
    expect(readPath('$.store.book[0:3:2].price', input)).toEqual([8.95, 12.99, 8.99]); // Jayway ignores a step
    expect(readPath('$..price', input)).toEqual([8.95, 12.99, 8.99, 22.99, 19.95]);
    expect(readPath('$.store.*.color', input)).toEqual(['red']);
    expect(readPath('$..book[?(@.isbn)].author', input)).toEqual(['Herman Melville', 'J. R. R. Tolkien']);
  });

  it('slices with both bounds as Jayway does: the indexes from start to below min(length, end), each negative one from the end', () => {
    const items = { items: ['a', 'b', 'c', 'd'] };
    expect(readPath('$.items[1:-1]', items)).toEqual([]);
    expect(readPath('$.items[-1:2]', items)).toEqual(['d', 'a', 'b']);
    expect(readPath('$.items[-3:3]', items)).toEqual(['b', 'c', 'd', 'a', 'b', 'c']);
    expect(readPath('$.items[-9:1]', items)).toEqual(['a', 'b', 'c', 'd', 'a']);
    expect(readPath('$.items[2:99]', items)).toEqual(['c', 'd']);
    expect(readPath('$.items[-2147483648:0]', items)).toEqual(['a', 'b', 'c', 'd']);
    expect(readPath('$.items[:-1]', items)).toEqual(['a', 'b', 'c']);
    expect(readPath('$.items[-2:]', items)).toEqual(['c', 'd']);
  });

  it('evaluates filter comparisons, boolean operators, regexes and root references', () => {
    const input = { ...store(), limit: 10 };
    const authors = (filter: string) => readPath(`$.store.book[?(${filter})].author`, input);
    expect(authors('@.price < 10')).toEqual(['Nigel Rees', 'Herman Melville']);
    expect(authors("@.category == 'reference'")).toEqual(['Nigel Rees']);
    expect(authors('@.category != "fiction"')).toEqual(['Nigel Rees']);
    expect(authors('@.price >= 12.99 && @.price <= 20')).toEqual(['Evelyn Waugh']);
    expect(authors("@.price > 20 || @.category == 'reference'")).toEqual(['Nigel Rees', 'J. R. R. Tolkien']);
    expect(authors('!(@.isbn)')).toEqual(['Nigel Rees', 'Evelyn Waugh']);
    expect(authors('@.author =~ /.*REES/i')).toEqual(['Nigel Rees']);
    expect(authors('@.price < $.limit')).toEqual(['Nigel Rees', 'Herman Melville']);
    expect(authors("@.price > 'text'")).toEqual([]);
  });

  it('reads a union of names as the last step as one object of those members, as Jayway merges them', () => {
    const input = store();
    expect(readPath("$.store.bicycle['color','price']", input)).toEqual({ color: 'red', price: 19.95 });
    expect(readPath("$.store.bicycle['color','gears']", input)).toEqual({ color: 'red' });
    expect(readPath("$.store.book[0,1]['author','price']", input)).toEqual([
      { author: 'Nigel Rees', price: 8.95 },
      { author: 'Evelyn Waugh', price: 12.99 },
    ]);
  });

  it('matches a filter regex against the whole string, as Java does', () => {
    const names = { svcs: [{ name: 'app-v2-canary' }, { name: 'v2' }, { name: 'v1' }] };
    expect(readPath('$.svcs[?(@.name =~ /v2/)].name', names)).toEqual(['v2']);
    expect(readPath('$.svcs[?(@.name =~ /.*v2.*/)].name', names)).toEqual(['app-v2-canary', 'v2']);
    expect(readPath('$.svcs[?(@.name =~ /V1/mi)].name', names)).toEqual(['v1']);
  });

  it('fails a read whose filter regex backtracks past the time limit with States.Runtime, naming the path', () => {
    // Prepare: (a+)+$ against a's then a b backtracks exponentially in a backtracking engine
    const input = { items: [{ s: 'aaa' }, { s: `${'a'.repeat(40)}b` }] };
    const path = '$.items[?(@.s =~ /(a+)+$/)].s';
    // Act
    const error = (() => {
      try {
        readPath(path, input);
      } catch (thrown) {
        return thrown;
      }
    })();
    // Assess
    expect(error).toBeInstanceOf(StatesError);
    expect(error).toMatchObject({
      error: 'States.Runtime',
      causeText: `Invalid path '${path}' : its regular expressions ran over 1000 ms, the local runtime's limit`,
    });
    expect(readPath(path, { items: input.items.slice(0, 1) })).toEqual(['aaa']);
  });

  it('deep-scans a deeply nested document to every value in document order', () => {
    // Prepare: 500 levels of arrays, the innermost holding 20,000 numbers
    let nested: unknown = Array.from({ length: 20_000 }, (_, index) => index);
    for (let level = 0; level < 500; level++) nested = [nested];
    // Act
    const all = readPath('$..*', { a: nested }) as unknown[];
    // Assess: 500 arrays (the outermost is a's value), then the innermost's numbers
    expect(all).toHaveLength(1 + 500 + 20_000);
    expect(all.slice(-2)).toEqual([19_998, 19_999]);
  });

  it('filters objects only: @ matches no number, string, boolean, null or array, as AWS documents', () => {
    const input = { mixed: [1, 5, 'a', true, null, [7], { a: 5 }, { a: 1 }] };
    expect(readPath('$.mixed[?(@ > 2)]', input)).toEqual([]);
    expect(readPath("$.mixed[?(@ == 'a')]", input)).toEqual([]);
    expect(readPath('$.mixed[?(!(@.b))]', input)).toEqual([{ a: 5 }, { a: 1 }]);
    expect(readPath('$.mixed[?(@.a >= 5)]', input)).toEqual([{ a: 5 }]);
  });

  it('returns an empty array when an indefinite path matches nothing past its first indefinite step', () => {
    expect(readPath('$.items[*].x', { items: [{ y: 1 }] })).toEqual([]);
    expect(readPath('$.items[*].a.b[*]', { items: [{ y: 1 }] })).toEqual([]);
    expect(readPath('$.items[?(@.x > 5)]', { items: [{ x: 1 }] })).toEqual([]);
    expect(readPath('$.items[5][*]', { items: [] })).toEqual([]);
  });

  it('fails an indefinite path whose definite steps before it find nothing, with Jayway reasons', () => {
    const causeOf = (path: string, data: unknown) => statesErrorOf(() => readPath(path, data)).causeText;
    expect(causeOf('$.items[*].id', {})).toBe(
      "Invalid path '$.items[*].id' : Missing property in path $['items']",
    );
    expect(causeOf('$.a.b[?(@.ok)]', { a: {} })).toBe(
      "Invalid path '$.a.b[?(@.ok)]' : Missing property in path $['a']['b']",
    );
    expect(causeOf('$.a.b[*]', { a: 5 })).toBe(
      "Invalid path '$.a.b[*]' : Expected to find an object with property ['b'] in path $['a'] but found 'number'",
    );
    expect(causeOf('$.a[0:2]', { a: { x: 1 } })).toBe(
      'Invalid path \'$.a[0:2]\' : Filter: [0:2] can only be applied to arrays. Current context is: {"x":1}',
    );
    expect(causeOf('$.a[0:2]', { a: null })).toBe("Invalid path '$.a[0:2]' : The path $['a'] is null");
    expect(causeOf("$.o['a','b']", {})).toBe("Invalid path '$.o['a','b']' : Missing property in path $['o']");
  });

  it('keeps null values and falsy values', () => {
    expect(readPath('$.a', { a: null })).toBeNull();
    expect(readPath('$.a', { a: 0 })).toBe(0);
    expect(readPath('$.a', { a: '' })).toBe('');
  });

  it('throws States.Runtime with AWS wording when a definite path matches nothing', () => {
    // Act
    const leaf = statesErrorOf(() => readPath('$.foo', { other: 1 }));
    const before = statesErrorOf(() => readPath('$.foo.bar', { other: 1 }));
    // Assess
    expect(leaf.name).toBe('States.Runtime');
    expect(leaf.error).toBe('States.Runtime');
    expect(leaf.causeText).toBe("Invalid path '$.foo' : No results for path: $['foo']");
    expect(before.causeText).toBe("Invalid path '$.foo.bar' : Missing property in path $['foo']");
  });

  it('throws for an index out of range, a name on an array and an index on an object', () => {
    expect(() => readPath('$.a[3]', { a: [1] })).toThrow(StatesError);
    expect(() => readPath('$.a.b', { a: [1] })).toThrow(StatesError);
    expect(() => readPath('$.a[0]', { a: { 0: 1 } })).toThrow(StatesError);
    expect(() => readPath('$.a.b', { a: 'text' })).toThrow(StatesError);
  });

  it('finds only members of the data itself, never those every object inherits', () => {
    expect(() => readPath('$.constructor', {})).toThrow(StatesError);
    expect(() => readPath('$.a.toString', { a: {} })).toThrow(StatesError);
    expect(readPath("$['constructor','x']", { x: 1 })).toEqual({ x: 1 });
  });

  it('rejects malformed paths with States.Runtime naming the path', () => {
    for (const path of [
      'foo',
      '$.',
      '$[',
      '$.a[',
      "$['a",
      '$.a[?(@.x >)]',
      '$.a[:]',
      '$.a[::2]',
      '$..',
      '$.my key',
    ]) {
      const error = statesErrorOf(() => readPath(path, { a: 1 }));
      expect(error.name, path).toBe('States.Runtime');
      expect(error.causeText, path).toContain(`Invalid path '${path}'`);
    }
  });

  it('shares the nodes it selects with the data, and never changes the data', () => {
    // Prepare: a frozen input throws on any change
    const input = deepFreeze({ a: { b: [1, 2] }, list: [{ id: 1 }, { id: 2 }] });
    // Act
    const definite = readPath('$.a', input);
    const filtered = readPath('$.list[?(@.id > 1)]', input) as unknown[];
    // Assess
    expect(definite).toBe(input.a);
    expect(filtered).toEqual([{ id: 2 }]);
    expect(filtered[0]).toBe(input.list[1]);
  });
});

describe('tryReadPath', () => {
  it('reports a missing definite path as not found instead of throwing', () => {
    expect(tryReadPath('$.a.b', { a: {} })).toEqual({ found: false });
    expect(tryReadPath('$.a.b', { a: { b: null } })).toEqual({ found: true, value: null });
  });
});

describe('isValidPath and isReferencePath', () => {
  it('tells paths from reference paths', () => {
    expect(isValidPath('$.a[*].b')).toBe(true);
    expect(isReferencePath('$.a[*].b')).toBe(false);
    expect(isReferencePath('$.a[0].b')).toBe(true);
    expect(isReferencePath("$['a']")).toBe(true);
    expect(isReferencePath('$')).toBe(true);
    expect(isValidPath('a.b')).toBe(false);
    expect(isReferencePath('$..a')).toBe(false);
  });
});

describe('writeResultPath', () => {
  /** The input of the ResultPath examples in the Step Functions developer guide. */
  const guideInput = () => ({
    comment: 'This is a test of the input and output of a Task state.',
    details: 'Default example',
    who: 'AWS Step Functions',
  });

  it('replaces the input with the result when ResultPath is absent or $', () => {
    expect(writeResultPath(guideInput(), undefined, 'Hello, AWS Step Functions!')).toBe(
      'Hello, AWS Step Functions!',
    );
    expect(writeResultPath(guideInput(), '$', { x: 1 })).toEqual({ x: 1 });
  });

  it('keeps the input and discards the result when ResultPath is null', () => {
    expect(writeResultPath(guideInput(), null, 'ignored')).toEqual(guideInput());
  });

  it('adds the result next to the input (developer guide $.taskresult example)', () => {
    expect(writeResultPath(guideInput(), '$.taskresult', 'Hello, AWS Step Functions!')).toEqual({
      ...guideInput(),
      taskresult: 'Hello, AWS Step Functions!',
    });
  });

  it('creates missing objects on the way and overwrites existing values', () => {
    expect(writeResultPath(guideInput(), '$.strings.lambdaresult', 'Hi')).toEqual({
      ...guideInput(),
      strings: { lambdaresult: 'Hi' },
    });
    expect(writeResultPath({ a: { b: 1, c: 2 } }, '$.a.b', [9])).toEqual({ a: { b: [9], c: 2 } });
    expect(writeResultPath({ a: [{ b: 1 }, { b: 2 }] }, '$.a[1].b', 5)).toEqual({ a: [{ b: 1 }, { b: 5 }] });
  });

  it('never changes the input, and copies only the objects on the path', () => {
    // Prepare
    const input = { a: { b: 1 }, other: { deep: [1] } };
    const result = { r: [1] };
    // Act
    const output = writeResultPath(input, '$.a.c', result) as Record<string, Record<string, unknown>>;
    // Assess
    expect(input).toEqual({ a: { b: 1 }, other: { deep: [1] } });
    expect(output).toEqual({ a: { b: 1, c: { r: [1] } }, other: { deep: [1] } });
    expect(output.a).not.toBe(input.a);
    expect(output.other).toBe(input.other);
  });

  it('keeps a __proto__ key a member on the path and at its end', () => {
    // Act
    const output = writeResultPath(JSON.parse('{"__proto__":{"x":1}}'), '$.__proto__.y', 2) as object;
    // Assess
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(JSON.stringify(output)).toBe('{"__proto__":{"x":1,"y":2}}');
  });

  it('raises States.ResultPathMatchFailure when the path runs into a non-object', () => {
    // Act
    const error = statesErrorOf(() => writeResultPath('just a string', '$.result', 1));
    // Assess
    expect(error.name).toBe('States.ResultPathMatchFailure');
    expect(error.causeText).toBe('Unable to apply ReferencePath $.result to input "just a string"');
    expect(() => writeResultPath({ a: 5 }, '$.a.b', 1)).toThrow(/Unable to apply ReferencePath/);
    expect(() => writeResultPath({ a: [1] }, '$.a.b', 1)).toThrow(/Unable to apply ReferencePath/);
    expect(() => writeResultPath({ a: [1] }, '$.a[4]', 1)).toThrow(/Unable to apply ReferencePath/);
  });

  it('rejects a ResultPath that is not a reference path', () => {
    expect(statesErrorOf(() => writeResultPath({}, '$.a[*]', 1)).name).toBe('States.Runtime');
  });
});

describe('copyJson', () => {
  it('copies nested objects and arrays so that changing the copy leaves the original as it was', () => {
    // Prepare
    const original = { a: [1, { b: 'x' }, null], c: { d: true, e: 1.5 } };
    // Act
    const copy = copyJson(original);
    (copy.a[1] as { b: string }).b = 'changed';
    copy.c.d = false;
    // Assess
    expect(original).toEqual({ a: [1, { b: 'x' }, null], c: { d: true, e: 1.5 } });
    expect(copy).toEqual({ a: [1, { b: 'changed' }, null], c: { d: false, e: 1.5 } });
  });

  it('keeps primitives, undefined and an own __proto__ key of parsed JSON', () => {
    // Prepare
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "n": 1}') as Record<string, unknown>;
    // Act
    const copy = copyJson(parsed);
    // Assess
    expect(Object.keys(copy)).toEqual(['__proto__', 'n']);
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"polluted":true},"n":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect([copyJson('s'), copyJson(2), copyJson(null), copyJson(undefined)]).toEqual([
      's',
      2,
      null,
      undefined,
    ]);
  });

  it('copies other objects (a Date a handler returned) like structuredClone', () => {
    // Prepare
    const date = new Date(Date.UTC(2026, 0, 1));
    // Act
    const copy = copyJson({ at: date });
    // Assess
    expect(copy.at).toBeInstanceOf(Date);
    expect(copy.at).not.toBe(date);
    expect(copy.at.getTime()).toBe(date.getTime());
  });
});

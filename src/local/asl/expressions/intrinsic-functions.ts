/**
 * The 18 intrinsic functions of JSONPath ASL, each taking already-evaluated arguments. Failures are
 * `States.Runtime` errors, as AWS raises them (no `Catch` takes them): `Invalid arguments in
 * States.MathAdd: ...`, naming the argument and what it accepts.
 */
import { createHash, randomUUID } from 'node:crypto';
import { lookupTable } from '#core/lookup-table.ts';
import { STATES_ERRORS, StatesError } from '../errors.ts';
import { escapeProblem } from './intrinsic-syntax.ts';
import { JAVA_INT_MAX, JAVA_INT_MIN } from './java-int.ts';
import { JavaRandom } from './java-random.ts';
import { canonicalJson, isDeepEqual, isPlainObject } from './json-values.ts';

/** An evaluated argument; `raw` keeps a string literal's escapes for `States.Format` templates. */
export interface IntrinsicArgument {
  value: unknown;
  raw?: string;
}

type IntrinsicFunction = (args: IntrinsicArgument[], name: string) => unknown;

/** Longest string `States.Base64Encode`, `Base64Decode` and `Hash` accept. */
export const MAX_INTRINSIC_STRING_LENGTH = 10_000;
/** Most items `States.ArrayRange` may return. */
export const MAX_ARRAY_RANGE_ITEMS = 1000;
/** The algorithms `States.Hash` and JSONata's `$hash` take, by their Node names. */
export const HASH_ALGORITHMS: Readonly<Record<string, string>> = lookupTable({
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
});

/** The `States.Runtime` error of a call of `name` its arguments do not suit, and why (`detail`). */
export function intrinsicFailure(name: string, detail: string): StatesError {
  return new StatesError(STATES_ERRORS.Runtime, `Invalid arguments in ${name}: ${detail}`);
}

/** The functions by name (`States.Format`, ...). */
export const INTRINSIC_FUNCTIONS: Readonly<Record<string, IntrinsicFunction>> = {
  'States.Format': (args, name) => {
    expectCount(name, args, 1, Number.POSITIVE_INFINITY);
    const template = expectString(name, args, 0);
    return formatTemplate(name, args[0]!.raw ?? template, args.slice(1));
  },
  'States.StringToJson': (args, name) => {
    expectCount(name, args, 1);
    const text = expectString(name, args, 0);
    // As AWS records it: an empty or blank text is null, not a failure.
    if (text.trim() === '') return null;
    try {
      return JSON.parse(text);
    } catch {
      throw intrinsicFailure(name, `argument 1 is not valid JSON text: ${text}`);
    }
  },
  'States.JsonToString': (args, name) => {
    expectCount(name, args, 1);
    return JSON.stringify(args[0]!.value);
  },
  'States.Array': (args) => args.map((arg) => arg.value),
  'States.ArrayPartition': (args, name) => {
    expectCount(name, args, 2);
    const array = expectArray(name, args, 0);
    const size = expectInteger(name, args, 1);
    if (size <= 0)
      throw intrinsicFailure(name, `the chunk size (argument 2) must be a positive integer, got ${size}`);
    const chunks: unknown[][] = [];
    for (let start = 0; start < array.length; start += size) chunks.push(array.slice(start, start + size));
    return chunks;
  },
  'States.ArrayContains': (args, name) => {
    expectCount(name, args, 2);
    return expectArray(name, args, 0).some((item) => isDeepEqual(item, args[1]!.value));
  },
  'States.ArrayRange': (args, name) => {
    expectCount(name, args, 3);
    const [start, end, step] = [0, 1, 2].map((index) => expectInteger(name, args, index)) as [
      number,
      number,
      number,
    ];
    if (step === 0) throw intrinsicFailure(name, `the step (argument 3) cannot be 0`);
    const count = Math.max(0, Math.floor((end - start) / step) + 1);
    if (count > MAX_ARRAY_RANGE_ITEMS) {
      throw intrinsicFailure(
        name,
        `the range has ${count} items, more than the ${MAX_ARRAY_RANGE_ITEMS} allowed`,
      );
    }
    return Array.from({ length: count }, (_, index) => start + index * step);
  },
  'States.ArrayGetItem': (args, name) => {
    expectCount(name, args, 2);
    const array = expectArray(name, args, 0);
    const index = expectInteger(name, args, 1);
    if (index < 0 || index >= array.length) {
      throw intrinsicFailure(name, `index ${index} is out of bounds for an array of ${array.length} items`);
    }
    return array[index];
  },
  'States.ArrayLength': (args, name) => {
    expectCount(name, args, 1);
    return expectArray(name, args, 0).length;
  },
  'States.ArrayUnique': (args, name) => {
    expectCount(name, args, 1);
    // By a key per value, not by comparing each with those kept: quadratic on a long array.
    const seen = new Set<string>();
    return expectArray(name, args, 0).filter((item) => {
      const key = canonicalJson(item);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  },
  'States.Base64Encode': (args, name) => {
    expectCount(name, args, 1);
    return Buffer.from(expectBoundedString(name, args, 0), 'utf8').toString('base64');
  },
  'States.Base64Decode': (args, name) => {
    expectCount(name, args, 1);
    const encoded = expectBoundedString(name, args, 0);
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(encoded)) {
      throw intrinsicFailure(name, `argument 1 is not valid Base64: ${encoded}`);
    }
    return Buffer.from(encoded, 'base64').toString('utf8');
  },
  'States.Hash': (args, name) => {
    expectCount(name, args, 2);
    const data = expectBoundedString(name, args, 0);
    const algorithm = expectString(name, args, 1);
    const nodeAlgorithm = HASH_ALGORITHMS[algorithm];
    if (!nodeAlgorithm) {
      throw intrinsicFailure(
        name,
        `unsupported algorithm '${algorithm}'; allowed: ${Object.keys(HASH_ALGORITHMS).join(', ')}`,
      );
    }
    return createHash(nodeAlgorithm).update(data, 'utf8').digest('hex');
  },
  'States.JsonMerge': (args, name) => {
    expectCount(name, args, 3);
    const [left, right] = [0, 1].map((index) => {
      const value = args[index]!.value;
      if (!isPlainObject(value)) throw typeFailure(name, index, 'a JSON object', value);
      return value;
    });
    if (args[2]!.value !== false) {
      throw intrinsicFailure(name, `deep merge is not supported; argument 3 must be false`);
    }
    return { ...left, ...right };
  },
  'States.MathRandom': (args, name) => {
    expectCount(name, args, 2, 3);
    const start = expectInteger(name, args, 0);
    const end = expectInteger(name, args, 1);
    if (end <= start)
      throw intrinsicFailure(name, `the end (${end}) must be greater than the start (${start})`);
    const seed = args[2] === undefined ? undefined : expectInteger(name, args, 2);
    const offset =
      seed === undefined
        ? Math.floor(Math.random() * (end - start))
        : new JavaRandom(seed).nextInt(end - start);
    return start + offset;
  },
  'States.MathAdd': (args, name) => {
    expectCount(name, args, 2);
    const [left, right] = [0, 1].map((index) => {
      const value = expectInteger(name, args, index);
      if (value < JAVA_INT_MIN || value > JAVA_INT_MAX) {
        throw intrinsicFailure(
          name,
          `argument ${index + 1} (${value}) is outside ${JAVA_INT_MIN}..${JAVA_INT_MAX}`,
        );
      }
      return value;
    }) as [number, number];
    const sum = left + right;
    if (sum < JAVA_INT_MIN || sum > JAVA_INT_MAX)
      throw intrinsicFailure(name, `the sum ${sum} is outside ${JAVA_INT_MIN}..${JAVA_INT_MAX}`);
    return sum;
  },
  'States.StringSplit': (args, name) => {
    expectCount(name, args, 2);
    const text = expectString(name, args, 0);
    const delimiters = new Set(expectString(name, args, 1));
    const parts: string[] = [];
    let current = '';
    for (const char of text) {
      if (delimiters.has(char)) {
        if (current) parts.push(current);
        current = '';
      } else {
        current += char;
      }
    }
    if (current) parts.push(current);
    return parts;
  },
  'States.UUID': (args, name) => {
    expectCount(name, args, 0);
    return randomUUID();
  },
};

function formatTemplate(name: string, template: string, values: IntrinsicArgument[]): string {
  let output = '';
  let used = 0;
  for (let index = 0; index < template.length; index += 1) {
    const char = template[index]!;
    if (char === '\\') {
      const problem = escapeProblem(template[index + 1]);
      if (problem) throw intrinsicFailure(name, `in the template, ${problem}`);
      index += 1;
      output += template[index];
    } else if (char === '{' && template[index + 1] === '}') {
      const value = values[used];
      used += 1;
      if (value !== undefined) output += formatValue(value.value);
      index += 1;
    } else if (char === '{' || char === '}') {
      // As AWS-run templates show: a brace is a placeholder's, or escaped.
      throw intrinsicFailure(
        name,
        `in the template, '${char}' at ${index + 1} is not part of a {} placeholder; write \\${char} for the character`,
      );
    } else {
      output += char;
    }
  }
  if (used !== values.length) {
    throw intrinsicFailure(
      name,
      `the template has ${used} placeholder(s) {} but ${values.length} argument(s) follow it`,
    );
  }
  return output;
}

/**
 * A value as `States.Format` writes it. An object or array is written as AWS's Java runtime prints its
 * map or list (AWS-recorded: `{Arg1=1, Arg2=[]}`), strings in it without quotes.
 */
function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, item]) => `${key}=${formatValue(item)}`)
      .join(', ')}}`;
  }
  return String(value);
}

function describe(value: unknown): string {
  return `${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value} ${JSON.stringify(value)}`;
}

function typeFailure(name: string, index: number, expected: string, value: unknown): StatesError {
  return intrinsicFailure(name, `argument ${index + 1} must be ${expected}, got ${describe(value)}`);
}

function expectCount(name: string, args: IntrinsicArgument[], min: number, max = min): void {
  if (args.length >= min && args.length <= max) return;
  const expected =
    min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
  throw intrinsicFailure(name, `it takes ${expected} argument(s), got ${args.length}`);
}

function expectString(name: string, args: IntrinsicArgument[], index: number): string {
  const value = args[index]!.value;
  if (typeof value !== 'string') throw typeFailure(name, index, 'a string', value);
  return value;
}

function expectBoundedString(name: string, args: IntrinsicArgument[], index: number): string {
  const value = expectString(name, args, index);
  if (value.length > MAX_INTRINSIC_STRING_LENGTH) {
    throw intrinsicFailure(
      name,
      `argument ${index + 1} has ${value.length} characters, more than the ${MAX_INTRINSIC_STRING_LENGTH} allowed`,
    );
  }
  return value;
}

function expectNumber(name: string, args: IntrinsicArgument[], index: number): number {
  const value = args[index]!.value;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw typeFailure(name, index, 'a number', value);
  return value;
}

/** An integer argument; a number with a fraction is rounded to one, as AWS does (`ArrayRange(1.4, 5.6, 2.2)`). */
function expectInteger(name: string, args: IntrinsicArgument[], index: number): number {
  return Math.round(expectNumber(name, args, index));
}

function expectArray(name: string, args: IntrinsicArgument[], index: number): unknown[] {
  const value = args[index]!.value;
  if (!Array.isArray(value)) throw typeFailure(name, index, 'an array', value);
  return value;
}

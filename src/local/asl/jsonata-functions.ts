/**
 * The functions Step Functions adds to JSONata: `$partition`, `$range`, `$hash`, `$random` (with an
 * optional seed), `$uuid` and `$parse`. Integer arguments drop their fraction; a result of nothing
 * (an empty partition, a range that cannot reach its end, a hash without its algorithm) is undefined,
 * which fails the field. And two of JSONata's own as AWS answers them: `$formatNumber`, checking its
 * picture, and `$base64decode`, refusing what is not Base64. Where AWS's answers were measured
 * (floci-io/floci issues 2736 and 2737 and the tests of its JSONata evaluator), these give them.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Expression } from 'jsonata';
import { HASH_ALGORITHMS } from './expressions/intrinsic-functions.ts';
import { JavaRandom } from './expressions/java-random.ts';
import { formatNumber } from './jsonata-format-number.ts';
import { JSONATA_LIMITS, JsonataLimitError } from './jsonata-limits.ts';

/** An error JSONata reports as its own (`code: message`). */
function functionError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function partition(array: unknown[], size: number): unknown[][] | undefined {
  const chunkSize = Math.trunc(size);
  if (chunkSize < 0) throw functionError('D3137', 'Second argument must be zero or greater');
  if (chunkSize === 0 || array.length === 0) return undefined;
  const chunks: unknown[][] = [];
  for (let start = 0; start < array.length; start += chunkSize)
    chunks.push(array.slice(start, start + chunkSize));
  return chunks;
}

function range(start: number, end: number, step: number | undefined): number[] | number | undefined {
  const [from, to, by] = [start, end, step ?? 0].map(Math.trunc) as [number, number, number];
  if (by === 0 || Math.sign(to - from) === -Math.sign(by)) return undefined;
  if (Math.floor((to - from) / by) + 1 > JSONATA_LIMITS.rangeMembers) throw new JsonataLimitError('memory');
  const values: number[] = [];
  for (let value = from; by > 0 ? value <= to : value >= to; value += by) values.push(value);
  // One value is that value, as a JSONata sequence of one is.
  return values.length === 1 ? values[0] : values;
}

function hash(data: string, algorithm: string | undefined): string | undefined {
  if (algorithm === undefined) return undefined;
  const nodeAlgorithm = HASH_ALGORITHMS[algorithm];
  if (nodeAlgorithm === undefined) {
    throw functionError(
      'D3137',
      `The hashing algorithm '${algorithm}' is not supported; allowed: ${Object.keys(HASH_ALGORITHMS).join(', ')}`,
    );
  }
  return createHash(nodeAlgorithm).update(data, 'utf8').digest('hex');
}

function random(seed?: number): number {
  return seed === undefined ? Math.random() : new JavaRandom(seed).nextDouble();
}

/**
 * JSON text parsed. Text that is not JSON, repeats a key in an object, or holds a number too large for a
 * double is `D3137: Invalid JSON`, as AWS answers it.
 */
function parse(json: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw functionError('D3137', 'Invalid JSON');
  }
  const members = { keys: 0 };
  if (!isStrictJson(parsed, members) || members.keys !== keysWritten(json)) {
    throw functionError('D3137', 'Invalid JSON');
  }
  return parsed;
}

/** Whether every number of `value` is finite; counts its objects' keys into `members`. */
function isStrictJson(value: unknown, members: { keys: number }): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === null || typeof value !== 'object') return true;
  if (!Array.isArray(value)) members.keys += Object.keys(value).length;
  return Object.values(value).every((member) => isStrictJson(member, members));
}

/** How many object keys valid JSON `text` writes: its strings followed by a colon. */
function keysWritten(text: string): number {
  let keys = 0;
  for (let at = 0; at < text.length; at++) {
    if (text[at] !== '"') continue;
    for (at++; text[at] !== '"'; at++) if (text[at] === '\\') at++;
    let next = at + 1;
    while (/\s/.test(text[next] ?? '')) next++;
    if (text[next] === ':') keys++;
  }
  return keys;
}

/** Base64 decoded as the WHATWG `atob` decodes it; what it refuses fails as AWS's own decoder does. */
function base64decode(text: string | undefined): string | undefined {
  return text === undefined ? undefined : atob(text);
}

/** Each added or replaced function with its JSONata signature (which checks the argument types). */
export const STEP_FUNCTIONS_FUNCTIONS: Record<
  string,
  [Parameters<Expression['registerFunction']>[1], string]
> = {
  partition: [partition, '<an:a>'],
  range: [range, '<nnn?:a>'],
  hash: [hash, '<ss?:s>'],
  random: [random, '<n?:n>'],
  uuid: [randomUUID, '<:s>'],
  parse: [parse, '<s:x>'],
  formatNumber: [formatNumber, '<n-so?:s>'],
  base64decode: [base64decode, '<s-:s>'],
};

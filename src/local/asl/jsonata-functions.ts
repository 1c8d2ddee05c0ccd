/**
 * The functions Step Functions adds to JSONata: `$partition`, `$range`, `$hash`, `$random` (with an
 * optional seed), `$uuid` and `$parse`. Integer arguments drop their fraction; a result of nothing
 * (an empty partition, a range that cannot reach its end) is undefined, which fails the field. And
 * JSONata's `$formatNumber`, checking its picture as AWS does.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Expression } from 'jsonata';
import { HASH_ALGORITHMS } from './expressions/intrinsic-functions.ts';
import { JavaRandom } from './expressions/java-random.ts';
import { formatNumber } from './jsonata-format-number.ts';

/** An error JSONata reports as its own (`code: message`). */
function functionError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function partition(array: unknown[], size: number): unknown[][] | undefined {
  const chunkSize = Math.trunc(size);
  if (chunkSize <= 0 || array.length === 0) return undefined;
  const chunks: unknown[][] = [];
  for (let start = 0; start < array.length; start += chunkSize)
    chunks.push(array.slice(start, start + chunkSize));
  return chunks;
}

function range(start: number, end: number, step: number | undefined): number[] | number | undefined {
  const [from, to, by] = [start, end, step ?? 0].map(Math.trunc) as [number, number, number];
  if (by === 0 || Math.sign(to - from) === -Math.sign(by)) return undefined;
  const values: number[] = [];
  for (let value = from; by > 0 ? value <= to : value >= to; value += by) values.push(value);
  // One value is that value, as a JSONata sequence of one is.
  return values.length === 1 ? values[0] : values;
}

function hash(data: string, algorithm: string): string {
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

/** JSON text parsed; text that is not JSON is `D3137: Invalid JSON`, as AWS answers it. */
function parse(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw functionError('D3137', 'Invalid JSON');
  }
}

/** Each added or replaced function with its JSONata signature (which checks the argument types). */
export const STEP_FUNCTIONS_FUNCTIONS: Record<
  string,
  [Parameters<Expression['registerFunction']>[1], string]
> = {
  partition: [partition, '<an:a>'],
  range: [range, '<nnn?:a>'],
  hash: [hash, '<ss:s>'],
  random: [random, '<n?:n>'],
  uuid: [randomUUID, '<:s>'],
  parse: [parse, '<s:x>'],
  formatNumber: [formatNumber, '<n-so?:s>'],
};

import { randomFillSync } from 'node:crypto';

/** Random bytes drawn in blocks, so a name costs no call into the system's random source. */
const randomPool = Buffer.alloc(4096);
let poolOffset = randomPool.length;

/** `bytes` random bytes as lowercase hex. */
function randomHex(bytes: number): string {
  if (poolOffset + bytes > randomPool.length) {
    randomFillSync(randomPool);
    poolOffset = 0;
  }
  const hex = randomPool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/**
 * The name StartExecution gives an execution started without one: a UUID, as AWS gives, but of version 7
 * (RFC 9562): its first 48 bits are the start time in milliseconds, the other 74 random. Names generated
 * later sort later, so the durable store's index of execution ARNs grows at its end instead of taking each
 * new ARN at a random place (a page written per start).
 *
 * @example
 * generatedExecutionName(Date.parse('2026-01-01T00:00:00Z')); // '019b76da-a800-7xxx-yxxx-xxxxxxxxxxxx'
 */
export function generatedExecutionName(now: number): string {
  const time = Math.max(0, Math.floor(now)).toString(16).padStart(12, '0');
  const random = randomHex(10);
  // The variant (RFC 9562: binary 10) takes the top two bits of the fourth group.
  const variant = (8 | (Number.parseInt(random[3]!, 16) & 3)).toString(16);
  // Joined into one flat string (a template would leave a chain of pieces behind the name).
  return [
    time.slice(0, 8),
    time.slice(8),
    `7${random.slice(0, 3)}`,
    variant + random.slice(4, 7),
    random.slice(7, 19),
  ].join('-');
}

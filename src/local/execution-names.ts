import { randomUUID } from 'node:crypto';

/**
 * The name StartExecution gives an execution started without one: a UUID, as AWS gives, but of version 7
 * (RFC 9562): its first 48 bits are the start time in milliseconds, the rest random. Names generated later
 * sort later, so the durable store's index of execution ARNs grows at its end instead of taking each new
 * ARN at a random place (a page written per start).
 *
 * @example
 * generatedExecutionName(Date.parse('2026-01-01T00:00:00Z')); // '019b76da-a800-7xxx-yxxx-xxxxxxxxxxxx'
 */
export function generatedExecutionName(now: number): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx: the variant bits are in place
  const time = Math.max(0, Math.floor(now)).toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15, 18)}-${random.slice(19)}`;
}

import { randomUUID } from 'node:crypto';

/** Two UUID-sized halves (hex digits and dashes) around a colon, as {@link newTaskToken} encodes them. */
const TOKEN_SHAPE = /^[0-9a-f-]{36}:[0-9a-f-]{36}$/i;

/**
 * A new task token: two UUIDs, base64url-encoded.
 *
 * @example
 * const token = newTaskToken(); // 'MWY0...'
 * isWellFormedTaskToken(token); // true
 */
export function newTaskToken(): string {
  return Buffer.from(`${randomUUID()}:${randomUUID()}`).toString('base64url');
}

/**
 * Whether `token` has the shape of a token from {@link newTaskToken} (it may still name no task). AWS
 * answers a malformed token with `InvalidToken`, a well-formed one whose task is not open with `TaskTimedOut`.
 *
 * @example
 * isWellFormedTaskToken('garbage'); // false
 */
export function isWellFormedTaskToken(token: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(token) && TOKEN_SHAPE.test(Buffer.from(token, 'base64url').toString());
}

/**
 * The headers a webhook's `headersSecretArn` names: checked, and hidden again in any text that might quote
 * them (a failing answer's body, a socket error). The secret is read with the others (`hook-secrets.ts`).
 */
import { ValidationError } from '#core/errors.ts';
import { type HookSecret, redactor } from './hook-secrets.ts';

/** The header naming a hook's call, the same on each retry of it (`deliveryId` in webhooks.ts). */
export const DELIVERY_HEADER = 'x-cutover-delivery';
/** The header counting the task's attempts at a phase's hooks: 1, then 2 on its first retry. */
export const ATTEMPT_HEADER = 'x-cutover-attempt';
/** The header saying when a signed POST was sent, in unix seconds (`signing.ts`). */
export const TIMESTAMP_HEADER = 'x-cutover-timestamp';
/** The header holding a signed POST's signature, `v1=<hex HMAC-SHA256>` (`signing.ts`). */
export const SIGNATURE_HEADER = 'x-cutover-signature';
/**
 * Headers Cutover sets itself (the body's type and length, the URL's host, its own name, which call and
 * attempt a POST is, when it was signed and its signature).
 */
const CUTOVER_HEADERS = [
  'content-type',
  'content-length',
  'host',
  'user-agent',
  DELIVERY_HEADER,
  ATTEMPT_HEADER,
  TIMESTAMP_HEADER,
  SIGNATURE_HEADER,
];
/** Connection headers the HTTP client manages, and refuses to be given. */
const CONNECTION_HEADERS = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect'];
const RESERVED_HEADERS = new Set([...CUTOVER_HEADERS, ...CONNECTION_HEADERS]);
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A header value the HTTP client sends as is: no line break or NUL, Latin-1 only. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The headers a hook sends besides Cutover's, and how to hide their values in a text. */
export interface HookHeaders {
  readonly values: Readonly<Record<string, string>>;
  readonly redact: (text: string) => string;
}

export const NO_HEADERS: HookHeaders = { values: {}, redact: (text) => text };

/**
 * The headers a `headersSecretArn` holds, read with `readHookSecrets` (hook-secrets.ts): a `ValidationError` naming the
 * secret and its hooks, never a value, when it is not a JSON object of header names to string values.
 *
 * @example
 * const headers = headersOf((await readHookSecrets(hooks)).get(hook.headersSecretArn)!);
 */
export function headersOf(secret: HookSecret): HookHeaders {
  return parseHeaders(secret.text, secret.subject('headers'));
}

/**
 * The headers a secret holds: a JSON object of header names to string values, none of which Cutover or
 * the HTTP client sets. Its problems are named without a value (nor the parser's message, which quotes
 * the text).
 */
function parseHeaders(secret: string | undefined, subject: string): HookHeaders {
  const refuse = (problem: string) =>
    new ValidationError(
      `the ${subject} ${problem}: it must hold a JSON object of header names to string values, ` +
        `e.g. {"authorization": "Bearer ..."}, with any header but ${CUTOVER_HEADERS.join(', ')} ` +
        `(Cutover sets them) and ${CONNECTION_HEADERS.join(', ')}`,
    );
  if (secret === undefined) throw refuse('holds no SecretString');
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    throw refuse('is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw refuse('is not a JSON object');
  }
  const problems: string[] = [];
  const entries = Object.entries(parsed);
  const badNames = entries.filter(([name]) => !HEADER_NAME.test(name)).length;
  if (badNames > 0) {
    problems.push(
      `has ${badNames} ${badNames === 1 ? 'name that is not' : 'names that are not'} an HTTP header name`,
    );
  }
  const seen = new Set<string>();
  const values: Record<string, string> = {};
  for (const [name, value] of entries.filter(([name]) => HEADER_NAME.test(name))) {
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower)) problems.push(`sets ${lower}`);
    else if (seen.has(lower)) problems.push(`sets ${lower} twice (header names are case-insensitive)`);
    else if (typeof value !== 'string') problems.push(`sets ${lower} to a value that is not a string`);
    else if (!HEADER_VALUE.test(value)) {
      problems.push(`sets ${lower} to a value with a line break, a NUL or a character outside Latin-1`);
    } else values[lower] = value.replace(/^[\t ]+|[\t ]+$/g, '');
    seen.add(lower);
  }
  if (problems.length > 0) throw refuse(problems.join('; '));
  return { values, redact: redactor(Object.values(values)) };
}

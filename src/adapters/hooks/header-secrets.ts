/**
 * The headers a webhook's `headersSecretArn` names: read from Secrets Manager, checked, and hidden again in
 * any text that might quote them (a failing answer's body, a socket error).
 */
import { ValidationError } from '#core/errors.ts';
import type { Hook } from '#core/schemas/index.ts';
import { asAdapterError } from '../aws-errors.ts';
import { readSecretString } from '../secrets.ts';

/** The header naming a hook's call, the same on each retry of it (`deliveryId` in webhooks.ts). */
export const DELIVERY_HEADER = 'x-cutover-delivery';
/** The header counting the task's attempts at a phase's hooks: 1, then 2 on its first retry. */
export const ATTEMPT_HEADER = 'x-cutover-attempt';
/**
 * Headers Cutover sets itself (the body's type and length, the URL's host, its own name, which call and
 * attempt a POST is).
 */
const CUTOVER_HEADERS = [
  'content-type',
  'content-length',
  'host',
  'user-agent',
  DELIVERY_HEADER,
  ATTEMPT_HEADER,
];
/** Connection headers the HTTP client manages, and refuses to be given. */
const CONNECTION_HEADERS = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect'];
const RESERVED_HEADERS = new Set([...CUTOVER_HEADERS, ...CONNECTION_HEADERS]);
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A header value the HTTP client sends as is: no line break or NUL, Latin-1 only. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Parts of a header value at least this long are hidden too (`Bearer <token>` hides the token alone). */
const SECRET_PART = 8;
/**
 * Whole values shorter than this are not hidden: a `1` or an `on` would mask every such character in a
 * text, and no credential is that short.
 */
const SHORTEST_HIDDEN = 4;

/** The headers a hook sends besides Cutover's, and how to hide their values in a text. */
export interface HookHeaders {
  readonly values: Readonly<Record<string, string>>;
  readonly redact: (text: string) => string;
}

export const NO_HEADERS: HookHeaders = { values: {}, redact: (text) => text };

/** The headers of each secret the hooks name, each read once. */
export async function readHeaderSecrets(hooks: readonly Hook[]): Promise<Map<string, HookHeaders>> {
  const users = new Map<string, string[]>();
  for (const { name, headersSecretArn } of hooks) {
    if (headersSecretArn !== undefined)
      users.set(headersSecretArn, [...(users.get(headersSecretArn) ?? []), name]);
  }
  const headers = new Map<string, HookHeaders>();
  for (const [secretArn, names] of users) {
    const subject = `headers secret ${secretArn} of ${names.length === 1 ? 'hook' : 'hooks'} ${names.join(', ')}`;
    const text = await readSecretString(secretArn, { unreadable: (error) => unreadable(error, subject) });
    headers.set(secretArn, parseHeaders(text, subject));
  }
  return headers;
}

/**
 * A secret that could not be read: `TransientAdapterError` when Secrets Manager throttles or fails (the
 * state machine retries it), else the AWS error (missing secret, access denied, no credentials), which the
 * state machine does not retry, with a message naming the secret and who may read it.
 */
function unreadable(error: unknown, subject: string): unknown {
  const transient = asAdapterError(error, `secretsmanager:GetSecretValue of the ${subject}`);
  if (transient !== error || !(error instanceof Error)) return transient;
  error.message =
    `cannot read the ${subject} (secretsmanager:GetSecretValue): ${error.message}. On AWS, RunHooks may ` +
    'read the secrets of the hookSecretArns context key; locally, the tasks read Secrets Manager with the ' +
    'default AWS credential chain';
  return error;
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

/**
 * Replaces each header value in a text with `***`: whole (from {@link SHORTEST_HIDDEN} characters),
 * JSON-escaped or URL-encoded, and each of its parts of {@link SECRET_PART} characters or more (the token
 * of `Bearer <token>`), longest first.
 */
function redactor(values: readonly string[]): (text: string) => string {
  const hidden = new Set<string>();
  for (const value of values) {
    const parts = value.split(/[\s,;]+/).filter((part) => part.length >= SECRET_PART);
    const forms = value.length >= SHORTEST_HIDDEN ? [value, ...parts] : parts;
    for (const form of forms) {
      for (const encoded of [form, JSON.stringify(form).slice(1, -1), encodeURIComponent(form)]) {
        if (encoded !== '') hidden.add(encoded);
      }
    }
  }
  const longestFirst = [...hidden].sort((a, b) => b.length - a.length);
  return (text) => longestFirst.reduce((redacted, secret) => redacted.replaceAll(secret, '***'), text);
}

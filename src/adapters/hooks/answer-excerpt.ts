/**
 * What of a hook's answer may go into an error message, which the execution's history, the logs and the
 * notifications keep: the start of the answer as one line of printable text, with what may be a secret
 * masked as `***`.
 */

import { oneLine } from '../one-line.ts';

/** The first characters of an answer kept. */
const EXCERPT_LENGTH = 300;

/** The shortest query-string value masked where the answer repeats it (shorter ones are ids, not tokens). */
const SHORTEST_QUERY_SECRET = 6;

/**
 * Shapes of well-known credentials, masked wherever an answer shows them: GitHub and Slack tokens, AWS
 * access key ids, JSON Web Tokens.
 */
const CREDENTIAL_SHAPES: readonly RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}/g,
];

/**
 * A name that says its value is a secret: one ending in password, passwd, secret, token, api key, access
 * key or private key, in any case, the words joined by `_`, `-` or nothing (`db_password`, `clientSecret`,
 * `accessToken`, `x-api-key`, `PRIVATE_KEY`), and then its closing quote, if any.
 */
const SECRET_NAME = String.raw`(?:password|passwd|secret|token|(?:api|access|private)[_-]?key)["']?\s*`;

/**
 * The values that follow a {@link SECRET_NAME} or an `Authorization` scheme, each masked whole, the text
 * before it (group 1) kept:
 * - quoted, after `:` or `=` (`"password": "…"`, `token='…'`): up to the closing quote, `\"` and `\'`
 *   included, or to the end of the answer when it has none;
 * - unquoted after `=` (`password=…`): up to white space, `&`, `,`, `;` or a quote;
 * - unquoted after `:` (`token: …`), only when it looks like a token: 8 characters or more of
 *   `A-Z a-z 0-9 . _ ~ + / = -`, not counting a final `.`, so prose (`invalid token: expired`,
 *   `password: must be 8 chars`) stays readable;
 * - after `Bearer` or `Basic` (any of their usual cases), the characters of a token (as above), unless they
 *   are a lower-case word of up to 7 letters (`missing bearer token`, `Bearer realm`): a longer one may be
 *   a token.
 *
 * Each runs in time linear in the answer: no repetition competes with another for the same characters
 * (the two alternatives of a quoted value start with different ones), so an attempt that fails has read at
 * most the white space and the one value after a name or scheme, which no other attempt reads again.
 */
const SECRET_VALUES: readonly RegExp[] = [
  new RegExp(String.raw`(${SECRET_NAME}[:=]\s*(["']))(?:(?!\2)[^\\]|\\[\s\S])+`, 'gi'),
  new RegExp(String.raw`(${SECRET_NAME}=\s*)[^\s"'&,;]+`, 'gi'),
  new RegExp(String.raw`(${SECRET_NAME}:\s*)[\w.~+/=-]{7,}[\w~+/=-]`, 'gi'),
  /\b((?:Bearer|bearer|BEARER|Basic|basic|BASIC) +)(?![a-z]{1,7}(?![\w.~+/=-]))[\w.~+/=-]+/g,
];

/**
 * The values of `url`'s query string long enough to be tokens, as given and URL-decoded, for masking
 * where an answer repeats the request (`url=/hook?api_key=…`).
 */
function queryValues(url: string): string[] {
  const values = new Set<string>();
  for (const [, value] of new URL(url).searchParams) {
    if (value.length < SHORTEST_QUERY_SECRET) continue;
    values.add(value);
    values.add(encodeURIComponent(value));
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * The start of a failing hook's answer for its error message: `redact` applied (the values of the hook's
 * secrets: its header values and its signing key), the hook URL's query values, well-known credential shapes
 * and the values of secret-named fields ({@link SECRET_VALUES}) masked, control characters and runs of white
 * space made one space, cut to {@link EXCERPT_LENGTH} characters (`...` when cut).
 *
 * @example
 * answerExcerpt('denied: token=ghp_…\n', 'https://ci.example/hook?key=abc123', (text) => text); // 'denied: token=***'
 */
export function answerExcerpt(text: string, hookUrl: string, redact: (text: string) => string): string {
  let masked = redact(text);
  for (const value of queryValues(hookUrl)) masked = masked.replaceAll(value, '***');
  for (const shape of CREDENTIAL_SHAPES) masked = masked.replace(shape, '***');
  for (const value of SECRET_VALUES) masked = masked.replace(value, '$1***');
  return oneLine(masked, EXCERPT_LENGTH);
}

/**
 * What of a hook's answer may go into an error message, which the execution's history, the logs and the
 * notifications keep: the start of the answer as one line of printable text, with what may be a secret
 * masked as `***`.
 */

/** The first characters of an answer kept. */
const EXCERPT_LENGTH = 300;

/** The shortest query-string value masked where the answer repeats it (shorter ones are ids, not tokens). */
const SHORTEST_QUERY_SECRET = 6;

/**
 * Shapes of well-known credentials, masked wherever an answer shows them: GitHub and Slack tokens, AWS
 * access key ids, JSON Web Tokens, and the value of `password=`, `secret=`, `token=` or `api_key=` (also as
 * `"password": "…"`).
 */
const CREDENTIAL_SHAPES: readonly RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}/g,
];
const SECRET_ASSIGNMENT =
  /\b((?:[\w-]*_)?(?:password|passwd|secret|token|api[_-]?key|access[_-]?key)["']?\s*[:=]\s*["']?)[^\s"'&,;]+/gi;

/** Terminal control sequences and other non-printing characters, which must not reach a terminal. */
const CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b\[[0-9;?]*[ -/]*[@-~]|[\u0000-\u001f\u007f-\u009f]/g;

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
 * secrets: its header values and its signing key), the hook URL's query values and well-known credential shapes masked, control characters and
 * runs of white space made one space, cut to {@link EXCERPT_LENGTH} characters (`...` when cut).
 *
 * @example
 * answerExcerpt('denied: token=ghp_…\n', 'https://ci.example/hook?key=abc123', (text) => text); // 'denied: token=***'
 */
export function answerExcerpt(text: string, hookUrl: string, redact: (text: string) => string): string {
  let masked = redact(text);
  for (const value of queryValues(hookUrl)) masked = masked.replaceAll(value, '***');
  for (const shape of CREDENTIAL_SHAPES) masked = masked.replace(shape, '***');
  masked = masked.replace(SECRET_ASSIGNMENT, '$1***');
  const line = masked.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
  return line.length > EXCERPT_LENGTH ? `${line.slice(0, EXCERPT_LENGTH)}...` : line;
}

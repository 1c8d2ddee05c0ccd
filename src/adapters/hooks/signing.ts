/**
 * Signing a webhook's POSTs with the key of its `signingSecretArn`, as GitHub and Stripe sign theirs: the
 * receiver recomputes the signature over the body it got and so knows the POST is Cutover's, unchanged and
 * recent. The key is checked, and hidden again in any text that might quote it.
 */
import { createHmac } from 'node:crypto';
import { ValidationError } from '#core/errors.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './header-secrets.ts';
import { type HookSecret, redactor } from './hook-secrets.ts';

/** The shortest key taken, in bytes: as long as the HMAC-SHA256 it makes. */
const MIN_KEY_BYTES = 32;

/** How a hook's POSTs are signed, and how to hide the key in a text. */
export interface SigningKey {
  /**
   * The headers signing one POST of `body` (its exact bytes) sent at `timestamp` (unix seconds): none for
   * a hook without a signing key.
   */
  readonly sign: (body: Uint8Array, timestamp: number) => Readonly<Record<string, string>>;
  /** `text` with the key (as given, JSON-escaped or URL-encoded) replaced by `***`. */
  readonly redact: (text: string) => string;
}

/** A hook without `signingSecretArn`: its POSTs carry no signature. */
export const UNSIGNED: SigningKey = { sign: () => ({}), redact: (text) => text };

/**
 * The signing key a `signingSecretArn` holds, read with `readHookSecrets` (hook-secrets.ts): its SecretString's
 * UTF-8 bytes, as they are. A `ValidationError` naming the secret and its hooks, never the key, when it is
 * binary, empty or shorter than {@link MIN_KEY_BYTES} bytes.
 *
 * @example
 * const key = signingKeyOf((await readHookSecrets(hooks)).get(hook.signingSecretArn)!);
 * const headers = key.sign(body, Math.floor(Date.now() / 1000)); // x-cutover-timestamp, x-cutover-signature
 */
export function signingKeyOf(secret: HookSecret): SigningKey {
  const text = checkedKey(secret.text, secret.subject('signing'));
  const key = Buffer.from(text, 'utf8');
  return { sign: (body, timestamp) => signatureHeaders(key, body, timestamp), redact: redactor([text]) };
}

/** The key a secret holds, checked; its problems named without it. */
function checkedKey(secret: string | undefined, subject: string): string {
  const refuse = (problem: string) =>
    new ValidationError(
      `the ${subject} ${problem}: its SecretString must be a key of at least ${MIN_KEY_BYTES} bytes, ` +
        'e.g. the output of `openssl rand -hex 32`',
    );
  if (secret === undefined) throw refuse('holds no SecretString');
  if (secret === '') throw refuse('is empty');
  if (Buffer.byteLength(secret, 'utf8') < MIN_KEY_BYTES)
    throw refuse(`is shorter than ${MIN_KEY_BYTES} bytes`);
  return secret;
}

/**
 * `x-cutover-timestamp: <timestamp>` and `x-cutover-signature: v1=<hex HMAC-SHA256(key, "<timestamp>.<body>")>`.
 */
function signatureHeaders(key: Buffer, body: Uint8Array, timestamp: number): Record<string, string> {
  const hmac = createHmac('sha256', key).update(`${timestamp}.`).update(body).digest('hex');
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: `v1=${hmac}` };
}

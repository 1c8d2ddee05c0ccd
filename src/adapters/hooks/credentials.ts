/**
 * What a webhook's secrets add to its POSTs: the headers of its `headersSecretArn` and the signature of its
 * `signingSecretArn`, with one way to hide every value of them in a text.
 */
import type { Hook } from '#core/schemas/index.ts';
import { headersOf, NO_HEADERS } from './header-secrets.ts';
import { type HookSecret, readHookSecrets, type SecretUse } from './hook-secrets.ts';
import { type SigningKey, signingKeyOf, UNSIGNED } from './signing.ts';

/** A hook's headers, how its POSTs are signed, and how to hide the values of its secrets in a text. */
export interface HookCredentials {
  readonly headers: Readonly<Record<string, string>>;
  readonly sign: SigningKey['sign'];
  readonly redact: (text: string) => string;
}

/**
 * Each hook's credentials, by hook name: every secret the hooks name read once (`readHookSecrets`) and
 * checked (`headersOf`, `signingKeyOf`) before the first POST, so one bad secret stops every hook.
 *
 * @example
 * const credentials = await readCredentials(hooks);
 * const { headers, sign, redact } = credentials.get(hook.name)!;
 */
export async function readCredentials(hooks: readonly Hook[]): Promise<Map<string, HookCredentials>> {
  const secrets = await readHookSecrets(hooks);
  const headers = checkedFor(secrets, 'headers', headersOf);
  const keys = checkedFor(secrets, 'signing', signingKeyOf);
  return new Map(
    hooks.map((hook) => {
      const own = hook.headersSecretArn === undefined ? NO_HEADERS : headers.get(hook.headersSecretArn)!;
      const key = hook.signingSecretArn === undefined ? UNSIGNED : keys.get(hook.signingSecretArn)!;
      const redact = (text: string) => own.redact(key.redact(text));
      return [hook.name, { headers: own.values, sign: key.sign, redact }];
    }),
  );
}

/** The secrets of one use, each checked by `check`, by ARN. */
function checkedFor<T>(
  secrets: ReadonlyMap<string, HookSecret>,
  use: SecretUse,
  check: (secret: HookSecret) => T,
): Map<string, T> {
  const used = [...secrets].filter(([, secret]) => secret.uses.includes(use));
  return new Map(used.map(([secretArn, secret]) => [secretArn, check(secret)]));
}

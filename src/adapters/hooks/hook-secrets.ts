/**
 * The Secrets Manager secrets a phase's webhooks name (`headersSecretArn`, `signingSecretArn`): each read once
 * per task, in the region its ARN names, and hidden again in any text that might quote them (a failing
 * answer's body, a socket error).
 */
import type { Hook } from '#core/schemas/index.ts';
import { asAdapterError } from '../aws-errors.ts';
import { readSecretString } from '../secrets.ts';

/** What a hook uses a secret for: the headers of its POST, or the key that signs it. */
export type SecretUse = 'headers' | 'signing';

/** The hook field naming the secret of each use. */
const SECRET_FIELDS = {
  headers: 'headersSecretArn',
  signing: 'signingSecretArn',
} as const satisfies Record<SecretUse, keyof Hook>;
type SecretField = (typeof SECRET_FIELDS)[SecretUse];

/** Parts of a secret value at least this long are hidden too (`Bearer <token>` hides the token alone). */
const SECRET_PART = 8;
/**
 * Whole values shorter than this are not hidden: a `1` or an `on` would mask every such character in a
 * text, and no credential is that short.
 */
const SHORTEST_HIDDEN = 4;

/** A secret the hooks name, as read. */
export interface HookSecret {
  /** Its SecretString; undefined for a binary secret. */
  readonly text: string | undefined;
  /** What the hooks use it for, in the order of the hooks. */
  readonly uses: readonly SecretUse[];
  /** How errors name it for one use: `signing secret <arn> of hooks smoke, load`. */
  readonly subject: (use: SecretUse) => string;
}

/**
 * Reads each secret the hooks name once (GetSecretValue, in the ARN's region), however many hooks name it
 * and for whichever use, before anything is POSTed. A secret that cannot be read keeps the AWS error's name
 * (`TransientAdapterError` when throttled or unreachable), with a message naming the secret and its hooks.
 *
 * @example
 * const secrets = await readHookSecrets(hooks);
 * const text = secrets.get(hook.signingSecretArn)?.text;
 */
export async function readHookSecrets(hooks: readonly Hook[]): Promise<Map<string, HookSecret>> {
  const secrets = new Map<string, HookSecret>();
  for (const [secretArn, users] of usersOf(hooks)) {
    const subject = (use: SecretUse) => subjectOf(secretArn, [use], users.get(use) ?? []);
    const everyUse = subjectOf(secretArn, [...users.keys()], [...new Set([...users.values()].flat())]);
    const text = await readSecretString(secretArn, { unreadable: (error) => unreadable(error, everyUse) });
    secrets.set(secretArn, { text, uses: [...users.keys()], subject });
  }
  return secrets;
}

/** The names of the hooks naming each secret, by use, in the order of the hooks. */
function usersOf(hooks: readonly Hook[]): Map<string, Map<SecretUse, string[]>> {
  const users = new Map<string, Map<SecretUse, string[]>>();
  for (const hook of hooks) {
    for (const [use, field] of Object.entries(SECRET_FIELDS) as [SecretUse, SecretField][]) {
      const secretArn = hook[field];
      if (secretArn === undefined) continue;
      const uses = users.get(secretArn) ?? new Map<SecretUse, string[]>();
      uses.set(use, [...(uses.get(use) ?? []), hook.name]);
      users.set(secretArn, uses);
    }
  }
  return users;
}

/** A secret as errors name it: `headers and signing secret <arn> of hook smoke`. */
function subjectOf(secretArn: string, uses: readonly SecretUse[], names: readonly string[]): string {
  return `${uses.join(' and ')} secret ${secretArn} of ${names.length === 1 ? 'hook' : 'hooks'} ${names.join(', ')}`;
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
    'read the secrets of the hookSecrets context key; locally, the tasks read Secrets Manager with the ' +
    'default AWS credential chain';
  return error;
}

/**
 * Replaces each secret value in a text with `***`: whole (from {@link SHORTEST_HIDDEN} characters),
 * JSON-escaped or URL-encoded, and each of its parts of {@link SECRET_PART} characters or more (the token
 * of `Bearer <token>`), longest first.
 *
 * @example
 * redactor(['Bearer s3cr3t-t0ken'])('denied: s3cr3t-t0ken'); // 'denied: ***'
 */
export function redactor(values: readonly string[]): (text: string) => string {
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

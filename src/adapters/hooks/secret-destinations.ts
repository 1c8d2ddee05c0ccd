/**
 * Where the webhooks' secrets may be sent. On AWS, the CDK app's `hookSecrets` bind each secret RunHooks
 * may read to the URL prefixes it may be sent to, and give them to RunHooks and ValidateRequest as
 * {@link HOOK_SECRETS_VARIABLE}: a hook naming a secret they do not list, or naming one for a URL outside
 * its prefixes, is refused before any secret is read. Without the variable (the local runtime, which reads
 * the secrets with the user's own credentials), a hook may send any secret anywhere.
 */
import { ValidationError } from '#core/errors.ts';
import type { Hook, HookPhase } from '#core/schemas/index.ts';
import { isUnderPrefix, withoutSecrets } from './hook-url.ts';

/**
 * The environment variable naming the secrets hooks may name, each with its URL prefixes, as JSON:
 * `{"<secret ARN or pattern>": ["https://ci.example.com/hooks/", ...]}`.
 */
export const HOOK_SECRETS_VARIABLE = 'CUTOVER_HOOK_SECRETS';

/**
 * A secret hooks may name, by its ARN as IAM matches it (complete, or ending in `-??????` or `*`), and the
 * URL prefixes it may be sent to (`isUnderPrefix` in hook-url.ts).
 */
export interface HookSecretGrant {
  readonly arn: string;
  readonly urlPrefixes: readonly string[];
}

/** Webhooks by phase, as a request holds them. */
export type HooksByPhase = Partial<Record<HookPhase, readonly Hook[]>>;

/** The hook fields naming a secret. */
const SECRET_FIELDS = ['headersSecretArn', 'signingSecretArn'] as const;

/** One secret a hook names. */
interface NamedSecret {
  readonly at: string;
  readonly hook: Hook;
  readonly field: (typeof SECRET_FIELDS)[number];
  readonly arn: string;
}

/**
 * The value of {@link HOOK_SECRETS_VARIABLE} for `grants`: each ARN once, with the URL prefixes of all its
 * grants, in order.
 *
 * @example
 * hookSecretsVariable([{ arn, urlPrefixes: ['https://ci.example.com/hooks/'] }]);
 */
export function hookSecretsVariable(grants: readonly HookSecretGrant[]): string {
  const prefixes = new Map<string, string[]>();
  for (const { arn, urlPrefixes } of grants) {
    prefixes.set(arn, [...new Set([...(prefixes.get(arn) ?? []), ...urlPrefixes])]);
  }
  return JSON.stringify(Object.fromEntries(prefixes));
}

/**
 * Refuses, with one `ValidationError` naming each, the hooks that name a secret {@link HOOK_SECRETS_VARIABLE}
 * does not list (`hooks.<phase>[i].<field>`), or name one for a URL outside its prefixes
 * (`hooks.<phase>[i].url`, naming the secret and its prefixes). A secret's prefixes are those of every ARN or
 * pattern that matches the ARN the hook names, as IAM matches them. Without the variable (the local
 * runtime), every hook passes; with one that is not what the CDK app writes, every secret is refused.
 *
 * @example
 * refuseSecretsOutsideTheirUrls({ [release.phase]: hooks });
 */
export function refuseSecretsOutsideTheirUrls(
  hooks: HooksByPhase,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const variable = env[HOOK_SECRETS_VARIABLE];
  if (variable === undefined) return;
  const named = namedSecrets(hooks);
  if (named.length === 0) return;
  const grants = parseGrants(variable);
  const problems = named.flatMap((secret) => problemOf(secret, grants) ?? []);
  if (problems.length > 0) throw new ValidationError(problems.join('\n'));
}

/** Every secret the hooks name, with where the request names it. */
function namedSecrets(hooks: HooksByPhase): NamedSecret[] {
  return Object.entries(hooks).flatMap(([phase, phaseHooks]) =>
    (phaseHooks ?? []).flatMap((hook, index) =>
      SECRET_FIELDS.flatMap((field) => {
        const arn = hook[field];
        return arn === undefined ? [] : [{ at: `hooks.${phase}[${index}]`, hook, field, arn }];
      }),
    ),
  );
}

/** The grants of {@link HOOK_SECRETS_VARIABLE}: URL prefixes by secret ARN or pattern. */
function parseGrants(variable: string): Map<string, readonly string[]> {
  const malformed = () =>
    new Error(
      `${HOOK_SECRETS_VARIABLE} must be a JSON object of Secrets Manager ARNs to arrays of URL prefixes, as ` +
        'the CDK app writes it from hookSecrets: no hook secret is read until the stack is deployed again',
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(variable);
  } catch {
    throw malformed();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw malformed();
  const grants = Object.entries(parsed);
  const isPrefixList = (value: unknown): value is string[] =>
    Array.isArray(value) && value.every((prefix) => typeof prefix === 'string');
  if (!grants.every(([, prefixes]) => isPrefixList(prefixes))) throw malformed();
  return new Map(grants as [string, string[]][]);
}

/** Why a hook may not send a secret, or undefined when it may. */
function problemOf(
  { at, hook, field, arn }: NamedSecret,
  grants: ReadonlyMap<string, readonly string[]>,
): string | undefined {
  const matching = [...grants].filter(([pattern]) => iamMatches(pattern, arn));
  if (matching.length === 0) {
    return (
      `${at}.${field}: hook ${hook.name} names ${arn}, which is not one of the hookSecrets of this Cutover ` +
      'deployment: its hooks may name only those, by the ARN the hookSecrets give or one their pattern matches'
    );
  }
  const prefixes = [...new Set(matching.flatMap(([, urlPrefixes]) => urlPrefixes))];
  if (prefixes.some((prefix) => isUnderPrefix(hook.url, prefix))) return undefined;
  const shown = URL.canParse(hook.url) ? withoutSecrets(new URL(hook.url)) : hook.url;
  return (
    `${at}.url: hook ${hook.name} names ${field} ${arn}, which the hookSecrets of this Cutover deployment ` +
    `let go only to URLs under ${prefixes.join(', ')} (got ${shown})`
  );
}

/** Whether an ARN matches an IAM resource pattern: `*` any characters, `?` any one, case-sensitive. */
function iamMatches(pattern: string, arn: string): boolean {
  const source = [...pattern]
    .map((character) => {
      if (character === '*') return '.*';
      if (character === '?') return '.';
      return character.replace(/[.+^${}()|[\]\\]/, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`, 's').test(arn);
}

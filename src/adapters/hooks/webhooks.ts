/**
 * Runs a release's webhooks: each is POSTed a JSON description of the release and passes with a 2xx
 * answer within its timeout, as Flagger's webhooks and CodeDeploy's lifecycle hooks gate a rollout. A hook
 * with `headersSecretArn` is POSTed the headers its Secrets Manager secret holds, one with
 * `signingSecretArn` is signed with the key its secret holds; their values, and the URL's query string,
 * stay out of every error message.
 */
import { createHash } from 'node:crypto';
import { HookFailedError, TransientAdapterError } from '#core/errors.ts';
import type { Hook, HookPhase } from '#core/schemas/index.ts';
import { answerExcerpt } from './answer-excerpt.ts';
import { type HookCredentials, readCredentials } from './credentials.ts';
import { ATTEMPT_HEADER, DELIVERY_HEADER } from './header-secrets.ts';
import { withoutSecrets } from './hook-url.ts';
import { refuseSecretsOutsideTheirUrls } from './secret-destinations.ts';

/** What each hook is POSTed, besides its own name and metadata. */
export interface HookRelease {
  readonly phase: HookPhase;
  readonly strategy: string;
  readonly service: { readonly name: string; readonly namespace: string };
  readonly release: { readonly version: string; readonly image?: string };
  /** The track the release runs on: not yet taking traffic before it, taking all of it after. */
  readonly track: string;
  readonly executionArn: string;
}

/**
 * What one POST tells a hook besides the release: its own name, metadata and `timeoutSeconds`, and the
 * `deadline` (ISO 8601) by which Cutover stops waiting for its answer.
 */
interface HookBody extends HookRelease {
  readonly hook: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly deadline: string;
}

/** How one hook answered. */
export interface HookOutcome {
  readonly name: string;
  readonly status: number;
  readonly ms: number;
}

/**
 * Answers that say "not now" rather than "no": a request timeout, rate limiting, a gateway without its
 * upstream, a service unavailable. The state machine retries them, as an unreachable hook.
 */
const RETRYABLE_STATUS: ReadonlySet<number> = new Set([408, 429, 502, 503, 504]);
/** How TLS says it refused the hook's certificate (Node's error codes), a failure no retry mends. */
const CERTIFICATE_REFUSED = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;
/**
 * The bytes of an answer read at most: the excerpt in any UTF-8 and more, so a longer answer shows it was
 * cut; the rest is never downloaded.
 */
const BODY_READ_LIMIT = 4096;

/**
 * POSTs `release` to each hook in order and stops at the first that fails: `HookFailed` for an answer
 * other than 2xx or none within `timeoutSeconds` (the start of its body included, secrets masked: see
 * {@link answerExcerpt}), or a certificate TLS refuses; `TransientAdapterError` when the endpoint cannot
 * be reached, breaks off its answer or answers 408, 429, 502, 503 or 504 (the state machine retries it). Hooks that passed before a retry are POSTed again: a hook must be safe to repeat, and each
 * POST says which call it is ({@link DELIVERY_HEADER}, the same on every retry) and the task's `attempt`
 * ({@link ATTEMPT_HEADER}, 1 unless retried). Each POST of a hook with `signingSecretArn` is signed anew
 * over its exact body (`x-cutover-timestamp`, `x-cutover-signature`: `signing.ts`). On AWS, a hook naming a
 * secret the deployment's `hookSecrets` do not list, or naming one for a URL outside its prefixes, is a
 * `ValidationError` before any secret is read (`secret-destinations.ts`). Before the first POST,
 * each secret the hooks name is read once (GetSecretValue, in the ARN's region): a `headersSecretArn` that
 * is not a JSON object of header names to string values, or a `signingSecretArn` shorter than 32 bytes, is
 * a `ValidationError`; a secret that cannot be read keeps the AWS error's name (`TransientAdapterError`
 * when throttled or unreachable).
 *
 * @example
 * await runHooks(request.hooks.beforeTraffic, { phase: 'beforeTraffic', strategy, service, release, track, executionArn }, retryCount + 1);
 */
export async function runHooks(
  hooks: readonly Hook[],
  release: HookRelease,
  attempt = 1,
): Promise<HookOutcome[]> {
  refuseSecretsOutsideTheirUrls({ [release.phase]: hooks });
  const credentials = await readCredentials(hooks);
  const outcomes: HookOutcome[] = [];
  for (const hook of hooks) {
    outcomes.push(await runHook(hook, release, attempt, credentials.get(hook.name)!));
  }
  return outcomes;
}

/**
 * The id of one hook's call in one phase of one execution: the hex SHA-256 of
 * `<executionArn>|<phase>|<hook name>`, the same on every retry, for the receiver to de-duplicate.
 */
function deliveryId(release: HookRelease, hook: Hook): string {
  return createHash('sha256').update(`${release.executionArn}|${release.phase}|${hook.name}`).digest('hex');
}

/** The body of one POST to `hook`, started at `started` (ms since the epoch). */
function hookBody(hook: Hook, release: HookRelease, started: number): HookBody {
  return {
    hook: hook.name,
    ...release,
    metadata: hook.metadata ?? {},
    timeoutSeconds: hook.timeoutSeconds,
    deadline: new Date(started + hook.timeoutSeconds * 1000).toISOString(),
  };
}

/**
 * POSTs to one hook: its body as bytes, signed over exactly those bytes when the hook has a signing key, with
 * its secret headers and Cutover's.
 */
async function runHook(
  hook: Hook,
  release: HookRelease,
  attempt: number,
  credentials: HookCredentials,
): Promise<HookOutcome> {
  const started = Date.now();
  const body = new TextEncoder().encode(JSON.stringify(hookBody(hook, release, started)));
  let response: Response;
  try {
    response = await fetch(hook.url, {
      method: 'POST',
      headers: {
        ...credentials.headers,
        'content-type': 'application/json',
        'user-agent': 'cutover',
        [DELIVERY_HEADER]: deliveryId(release, hook),
        [ATTEMPT_HEADER]: String(attempt),
        ...credentials.sign(body, Math.floor(started / 1000)),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(hook.timeoutSeconds * 1000),
    });
  } catch (error) {
    throw unanswered(hook, error, credentials, 'cannot be reached');
  }
  let text: string;
  try {
    // The fetch's timeout aborts this read too.
    text = await readStart(response);
  } catch (error) {
    throw unanswered(hook, error, credentials, 'broke off its answer');
  }
  if (!response.ok) {
    throw refusal(hook, response, answerExcerpt(text, hook.url, credentials.redact), credentials.redact);
  }
  return { name: hook.name, status: response.status, ms: Date.now() - started };
}

/**
 * The error for a hook's answer other than 2xx: `TransientAdapterError` for a status worth retrying
 * ({@link RETRYABLE_STATUS}), else `HookFailed`; a redirect names where it points as a hook's URL is named
 * ({@link withoutSecrets}), its secrets' values masked by `redact`.
 */
function refusal(hook: Hook, response: Response, excerpt: string, redact: (text: string) => string): Error {
  const location = response.headers.get('location');
  const redirect =
    location && URL.canParse(location, hook.url)
      ? ` (to ${redact(withoutSecrets(new URL(location, hook.url)))})`
      : '';
  const message = `${named(hook)} answered ${response.status}${redirect}${excerpt ? `: ${excerpt}` : ''}`;
  return RETRYABLE_STATUS.has(response.status)
    ? new TransientAdapterError(message)
    : new HookFailedError(message);
}

/**
 * The first {@link BODY_READ_LIMIT} bytes of an answer's body, as text; the rest is cancelled, which
 * closes the connection. Rejects when the body cannot be read to there (timeout, dropped connection).
 */
async function readStart(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    while (bytes < BODY_READ_LIMIT) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      const kept = value.subarray(0, BODY_READ_LIMIT - bytes);
      bytes += kept.byteLength;
      text += decoder.decode(kept, { stream: true });
    }
    return text;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * A hook that gave no whole answer: too slow (a failure), or not reachable or cut off (worth retrying),
 * as `failure` says.
 */
function unanswered(hook: Hook, error: unknown, credentials: HookCredentials, failure: string): Error {
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new HookFailedError(`${named(hook)} did not answer within ${hook.timeoutSeconds} s`, {
      cause: error,
    });
  }
  const reason = (error as { cause?: { code?: string; message?: string } }).cause;
  const detail = credentials.redact(reason?.code ?? reason?.message ?? String(error));
  if (CERTIFICATE_REFUSED.test(reason?.code ?? '')) {
    return new HookFailedError(`${named(hook)}: TLS refused its certificate: ${detail}`, { cause: error });
  }
  return new TransientAdapterError(`${named(hook)} ${failure}: ${detail}`, { cause: error });
}

/**
 * A hook as its errors name it: `hook smoke (https://ci.example/hook?…)`, the URL without its query
 * string or fragment, which may hold a token.
 */
function named(hook: Hook): string {
  return `hook ${hook.name} (${withoutSecrets(new URL(hook.url))})`;
}

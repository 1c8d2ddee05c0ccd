import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isUnderPrefix } from '#adapters/hooks/hook-url.ts';
import { type HookRelease, runHooks } from '#adapters/hooks/webhooks.ts';
import type { Hook } from '#core/schemas/index.ts';
import { type HookServer, startHookServer } from '#test/support/hook-server.ts';

const RELEASE: HookRelease = {
  phase: 'beforeTraffic',
  strategy: 'canary',
  service: { name: 'checkout', namespace: 'shop' },
  release: { version: 'v2' },
  track: 'canary',
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:canary:v2',
};
const HEADERS_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hooks/ci-AbCdEf';
const SIGNING_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hooks/signing-MnOpQr';
const UNLISTED_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-GhIjKl';
/** The signing key the signing secret holds (40 bytes). */
const KEY = 'k3y-5f0c1e8d2b7a4963-e1d0c9b8a7f6e5d4c3b2';

const hook = (name: string, url: string, extra: Partial<Hook> = {}): Hook => ({
  name,
  url,
  timeoutSeconds: 5,
  ...extra,
});

/** The `CUTOVER_HOOK_SECRETS` the CDK app gives RunHooks: each secret ARN (or pattern) and its URL prefixes. */
const allowing = (grants: Record<string, string[]>) =>
  vi.stubEnv('CUTOVER_HOOK_SECRETS', JSON.stringify(grants));

describe('isUnderPrefix', () => {
  it.each([
    ['https://ci.example.com/hooks/smoke', 'https://ci.example.com/hooks/'],
    ['https://ci.example.com/hooks/smoke', 'https://ci.example.com/hooks'],
    ['https://ci.example.com/hooks', 'https://ci.example.com/hooks'],
    ['https://ci.example.com/hooks/smoke?suite=checkout#top', 'https://ci.example.com/hooks/'],
    ['https://CI.Example.com:443/hooks/smoke', 'https://ci.example.com/'],
    ['https://ci.example.com/anything', 'https://ci.example.com'],
    ['https://ci.example.com:8443/hooks/smoke', 'https://ci.example.com:8443/hooks/'],
  ])('puts %s under %s', (url, prefix) => {
    // Act + Assess
    expect(isUnderPrefix(url, prefix)).toBe(true);
  });

  it.each([
    ['a longer host', 'https://ci.example.com.evil.net/hooks/smoke', 'https://ci.example.com/'],
    ['the prefix as user info', 'https://ci.example.com@evil.net/hooks/smoke', 'https://ci.example.com/'],
    ['the prefix as user and password', 'https://ci.example.com:443@evil.net/', 'https://ci.example.com/'],
    ['the prefix in the path', 'https://evil.net/https://ci.example.com/hooks/', 'https://ci.example.com/'],
    ['the prefix in the query', 'https://evil.net/?to=https://ci.example.com/', 'https://ci.example.com/'],
    ['a subdomain', 'https://evil.ci.example.com/hooks/', 'https://ci.example.com/'],
    ['a trailing dot', 'https://ci.example.com./hooks/', 'https://ci.example.com/'],
    ['another scheme', 'http://ci.example.com/hooks/smoke', 'https://ci.example.com/'],
    ['another port', 'https://ci.example.com:8443/hooks/smoke', 'https://ci.example.com/'],
    ['a path that only starts alike', 'https://ci.example.com/hooksevil', 'https://ci.example.com/hooks'],
    ['a path that climbs out', 'https://ci.example.com/hooks/../admin', 'https://ci.example.com/hooks/'],
    ['an encoded climb', 'https://ci.example.com/hooks/%2e%2e/admin', 'https://ci.example.com/hooks/'],
    ['an encoded slash', 'https://ci.example.com/hooks/..%2Fadmin', 'https://ci.example.com/hooks/'],
    ['an encoded backslash', 'https://ci.example.com/hooks/..%5cadmin', 'https://ci.example.com/hooks/'],
    ['not a URL', 'ci.example.com/hooks/smoke', 'https://ci.example.com/'],
  ])('does not put %s under the prefix: %s', (_case, url, prefix) => {
    // Act + Assess
    expect(isUnderPrefix(url, prefix)).toBe(false);
  });
});

describe('runHooks with the hookSecrets of a deployment (CUTOVER_HOOK_SECRETS)', () => {
  const secrets = mockClient(SecretsManagerClient);
  let server: HookServer | undefined;
  beforeEach(() => {
    secrets.reset();
    secrets
      .on(GetSecretValueCommand, { SecretId: HEADERS_SECRET })
      .resolves({ SecretString: JSON.stringify({ authorization: 'Bearer ci-t0ken-4d3c2b1a' }) })
      .on(GetSecretValueCommand, { SecretId: SIGNING_SECRET })
      .resolves({ SecretString: KEY });
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await server?.close();
  });
  afterAll(() => secrets.restore());

  async function endpoint() {
    server = await startHookServer((_hook, response) => response.writeHead(204).end());
    return server;
  }

  it("refuses a hook sending a secret outside the secret's URL prefixes, naming the hook, the secret and the prefixes, before reading any secret", async () => {
    // Prepare
    const { url, received } = await endpoint();
    allowing({ [HEADERS_SECRET]: [url('/hooks/'), 'https://ci.example.com/hooks/'] });
    const hooks = [
      hook('smoke', url('/hooks/smoke'), { headersSecretArn: HEADERS_SECRET }),
      hook('exfil', 'https://attacker.example/x?to=me', { headersSecretArn: HEADERS_SECRET }),
    ];
    // Act
    const error = await runHooks(hooks, { ...RELEASE, phase: 'afterTraffic' }).catch(
      (thrown: Error) => thrown,
    );
    // Assess
    expect(error).toMatchObject({ name: 'ValidationError' });
    expect((error as Error).message).toBe(
      `hooks.afterTraffic[1].url: hook exfil names headersSecretArn ${HEADERS_SECRET}, which the hookSecrets ` +
        `of this Cutover deployment let go only to URLs under ${url('/hooks/')}, https://ci.example.com/hooks/ ` +
        '(got https://attacker.example/x?…)',
    );
    expect(secrets.commandCalls(GetSecretValueCommand)).toEqual([]);
    expect(received).toEqual([]);
  });

  it('binds a signing secret to its URLs as well, naming every hook refused', async () => {
    // Prepare
    allowing({ [SIGNING_SECRET]: ['https://ci.example.com/hooks/'] });
    const hooks = [
      hook('smoke', 'https://ci.example.com/hooks/smoke', { signingSecretArn: SIGNING_SECRET }),
      hook('replay', 'https://qa.example.com/hooks/smoke', { signingSecretArn: SIGNING_SECRET }),
      hook('load', 'https://ci.example.com/hooksevil', { signingSecretArn: SIGNING_SECRET }),
    ];
    // Act
    const error = await runHooks(hooks, RELEASE).catch((thrown: Error) => thrown);
    // Assess
    expect(error).toMatchObject({ name: 'ValidationError' });
    expect((error as Error).message.split('\n')).toEqual([
      `hooks.beforeTraffic[1].url: hook replay names signingSecretArn ${SIGNING_SECRET}, which the hookSecrets of this Cutover deployment let go only to URLs under https://ci.example.com/hooks/ (got https://qa.example.com/hooks/smoke)`,
      `hooks.beforeTraffic[2].url: hook load names signingSecretArn ${SIGNING_SECRET}, which the hookSecrets of this Cutover deployment let go only to URLs under https://ci.example.com/hooks/ (got https://ci.example.com/hooksevil)`,
    ]);
    expect(secrets.commandCalls(GetSecretValueCommand)).toEqual([]);
  });

  it.each([
    'https://ci.example.com.evil.net/hooks/smoke',
    'https://ci.example.com@evil.net/hooks/smoke',
    'https://evil.net/https://ci.example.com/hooks/smoke',
    'https://ci.example.com:8443/hooks/smoke',
    'https://ci.example.com/hooks/..%2Fadmin',
  ])('refuses the lookalike URL %s without reading the secret', async (lookalike) => {
    // Prepare
    allowing({ [HEADERS_SECRET]: ['https://ci.example.com/hooks/'] });
    // Act
    const error = await runHooks(
      [hook('smoke', lookalike, { headersSecretArn: HEADERS_SECRET })],
      RELEASE,
    ).catch((thrown: Error) => thrown);
    // Assess
    expect(error).toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining(
        `hook smoke names headersSecretArn ${HEADERS_SECRET}, which the hookSecrets of this Cutover deployment let go only to URLs under https://ci.example.com/hooks/`,
      ),
    });
    expect(secrets.commandCalls(GetSecretValueCommand)).toEqual([]);
  });

  it('refuses a secret the hookSecrets do not list, before reading any secret', async () => {
    // Prepare
    const { url, received } = await endpoint();
    allowing({ [HEADERS_SECRET]: [url('/hooks/')] });
    const hooks = [
      hook('smoke', url('/hooks/smoke'), { headersSecretArn: HEADERS_SECRET }),
      hook('load', url('/hooks/load'), { signingSecretArn: UNLISTED_SECRET }),
    ];
    // Act
    const error = await runHooks(hooks, RELEASE).catch((thrown: Error) => thrown);
    // Assess
    expect(error).toMatchObject({ name: 'ValidationError' });
    expect((error as Error).message).toBe(
      `hooks.beforeTraffic[1].signingSecretArn: hook load names ${UNLISTED_SECRET}, which is not one of the ` +
        'hookSecrets of this Cutover deployment: its hooks may name only those, by the ARN the hookSecrets ' +
        'give or one their pattern matches',
    );
    expect(secrets.commandCalls(GetSecretValueCommand)).toEqual([]);
    expect(received).toEqual([]);
  });

  it("sends a secret to a URL under its prefixes, matching the hook's ARN as IAM matches the hookSecrets' patterns", async () => {
    // Prepare
    const { url, received } = await endpoint();
    allowing({
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hooks/ci-??????': [url('/hooks')],
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hooks/sign*': [url('/hooks/smoke')],
    });
    const hooks = [
      hook('smoke', url('/hooks/smoke?suite=checkout'), {
        headersSecretArn: HEADERS_SECRET,
        signingSecretArn: SIGNING_SECRET,
      }),
      hook('load', url('/hooks/load'), { headersSecretArn: HEADERS_SECRET }),
    ];
    // Act
    const outcomes = await runHooks(hooks, RELEASE);
    // Assess
    expect(outcomes.map((outcome) => outcome.status)).toEqual([204, 204]);
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId)).toEqual([
      HEADERS_SECRET,
      SIGNING_SECRET,
    ]);
    expect(received.map(({ path, headers }) => [path, headers.authorization])).toEqual([
      ['/hooks/smoke?suite=checkout', 'Bearer ci-t0ken-4d3c2b1a'],
      ['/hooks/load', 'Bearer ci-t0ken-4d3c2b1a'],
    ]);
    expect(received[0]!.headers['x-cutover-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
  });

  it('matches no more ARNs than IAM does: ? is one character, . is a dot', async () => {
    // Prepare
    const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}`;
    allowing({
      [arn('hooks/ci-??????')]: ['https://ci.example.com/'],
      [arn('hooks.e2e-*')]: ['https://ci.example.com/'],
    });
    const hooks = [
      hook('smoke', 'https://ci.example.com/smoke', { headersSecretArn: arn('hooks/ci-AbCdEfG') }),
      hook('e2e', 'https://ci.example.com/e2e', { headersSecretArn: arn('hooksXe2e-AbCdEf') }),
    ];
    // Act
    const error = await runHooks(hooks, RELEASE).catch((thrown: Error) => thrown);
    // Assess
    expect((error as Error).message.split('\n').map((line) => line.split(':')[0])).toEqual([
      'hooks.beforeTraffic[0].headersSecretArn',
      'hooks.beforeTraffic[1].headersSecretArn',
    ]);
    expect(secrets.commandCalls(GetSecretValueCommand)).toEqual([]);
  });

  it('runs hooks that name no secret wherever they are', async () => {
    // Prepare
    const { url, received } = await endpoint();
    allowing({});
    // Act
    await runHooks([hook('smoke', url('/anywhere'))], RELEASE);
    // Assess
    expect(received.map(({ path }) => path)).toEqual(['/anywhere']);
  });

  it('refuses every hook secret, reading none, when CUTOVER_HOOK_SECRETS is not a JSON object of ARNs to URL prefixes', async () => {
    // Prepare
    vi.stubEnv('CUTOVER_HOOK_SECRETS', '["https://ci.example.com/"]');
    // Act
    const error = await runHooks(
      [hook('smoke', 'https://ci.example.com/hooks/smoke', { headersSecretArn: HEADERS_SECRET })],
      RELEASE,
    ).catch((thrown: Error) => thrown);
    // Assess
    expect((error as Error).message).toBe(
      'CUTOVER_HOOK_SECRETS must be a JSON object of Secrets Manager ARNs to arrays of URL prefixes, as the ' +
        'CDK app writes it from hookSecrets: no hook secret is read until the stack is deployed again',
    );
    expect(secrets.commandCalls(GetSecretValueCommand)).toEqual([]);
  });

  it('lets hooks send any secret anywhere without CUTOVER_HOOK_SECRETS: the local runtime, with its own credentials', async () => {
    // Prepare
    const { url, received } = await endpoint();
    vi.stubEnv('CUTOVER_HOOK_SECRETS', undefined);
    // Act
    await runHooks([hook('smoke', url('/smoke'), { headersSecretArn: UNLISTED_SECRET })], RELEASE).catch(
      () => undefined,
    );
    await runHooks([hook('smoke', url('/smoke'), { headersSecretArn: HEADERS_SECRET })], RELEASE);
    // Assess
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId)).toEqual([
      UNLISTED_SECRET,
      HEADERS_SECRET,
    ]);
    expect(received.map(({ path }) => path)).toEqual(['/smoke']);
  });
});

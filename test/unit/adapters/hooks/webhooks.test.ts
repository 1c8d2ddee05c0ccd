import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  GetSecretValueCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type HookRelease, runHooks } from '#adapters/hooks/webhooks.ts';
import type { Hook } from '#core/schemas/index.ts';
import { type HookServer, startHookServer, verifyCutoverSignature } from '#test/support/hook-server.ts';
import { selfSignedCertificate } from '#test/support/self-signed-certificate.ts';

const RELEASE: HookRelease = {
  phase: 'beforeTraffic',
  strategy: 'canary',
  service: { name: 'checkout', namespace: 'shop' },
  release: { version: 'v2', image: 'registry.example/checkout:v2' },
  track: 'canary',
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:canary:v2',
};

let server: HookServer | undefined;
afterEach(() => server?.close());

async function hookServer(answer: Parameters<typeof startHookServer>[0]) {
  server = await startHookServer(answer);
  return { base: server.url(''), received: server.received };
}

/** An answer far bigger than what a hook's answer may hold in memory: 64 MiB. */
const BIG_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * Writes `text` as the body of `response` in 64 KiB chunks, as fast as the client reads; resolves once the
 * connection closes, saying whether the whole body was sent and how many bytes were written.
 */
function streamAnswer(response: ServerResponse, text: string) {
  const chunkBytes = 64 * 1024;
  let bytes = 0;
  const write = () => {
    while (bytes < text.length) {
      const chunk = text.slice(bytes, bytes + chunkBytes);
      bytes += chunk.length;
      if (!response.write(chunk)) return void response.once('drain', write);
    }
    response.end();
  };
  write();
  return new Promise<{ finished: boolean; bytes: number }>((resolve) =>
    response.on('close', () => resolve({ finished: response.writableFinished, bytes })),
  );
}

const hook = (name: string, url: string, extra: Partial<Hook> = {}): Hook => ({
  name,
  url,
  timeoutSeconds: 5,
  ...extra,
});

describe('runHooks', () => {
  it('POSTs the release to each hook in order and reports each 2xx answer', async () => {
    // Prepare
    const { base, received } = await hookServer((_hook, response) => response.writeHead(204).end());
    const hooks = [
      hook('smoke', `${base}/smoke`, { metadata: { suite: 'checkout' } }),
      hook('load', `${base}/load`),
    ];
    // Act
    const outcomes = await runHooks(hooks, RELEASE);
    // Assess
    expect(outcomes.map(({ name, status }) => ({ name, status }))).toEqual([
      { name: 'smoke', status: 204 },
      { name: 'load', status: 204 },
    ]);
    expect(received).toMatchObject([
      { path: '/smoke', body: { hook: 'smoke', ...RELEASE, metadata: { suite: 'checkout' } } },
      { path: '/load', body: { hook: 'load', ...RELEASE, metadata: {} } },
    ]);
  });

  it('says which call each POST is, the same on each attempt of an execution and phase, and its attempt', async () => {
    // Prepare
    const { base, received } = await hookServer((_hook, response) => response.writeHead(204).end());
    const hooks = [hook('smoke', `${base}/smoke`), hook('load', `${base}/load`)];
    const delivery = (phase: string, name: string) =>
      createHash('sha256').update(`${RELEASE.executionArn}|${phase}|${name}`).digest('hex');
    // Act
    await runHooks(hooks, RELEASE);
    await runHooks(hooks, RELEASE, 2);
    await runHooks(hooks, { ...RELEASE, phase: 'afterTraffic' });
    // Assess
    expect(
      received.map(({ path, headers }) => [
        path,
        headers['x-cutover-delivery'],
        headers['x-cutover-attempt'],
      ]),
    ).toEqual([
      ['/smoke', delivery('beforeTraffic', 'smoke'), '1'],
      ['/load', delivery('beforeTraffic', 'load'), '1'],
      ['/smoke', delivery('beforeTraffic', 'smoke'), '2'],
      ['/load', delivery('beforeTraffic', 'load'), '2'],
      ['/smoke', delivery('afterTraffic', 'smoke'), '1'],
      ['/load', delivery('afterTraffic', 'load'), '1'],
    ]);
  });

  it('fails with HookFailed naming the hook, its status and its answer, and calls no later hook', async () => {
    // Prepare
    const { base, received } = await hookServer((_hook, response) =>
      response.writeHead(500).end('GET /cart answered 502'),
    );
    // Act
    const attempt = runHooks([hook('smoke', `${base}/smoke`), hook('load', `${base}/load`)], RELEASE);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'HookFailed',
      message: `hook smoke (${base}/smoke) answered 500: GET /cart answered 502`,
    });
    expect(received.map((r) => r.path)).toEqual(['/smoke']);
  });

  it('fails with HookFailed when a hook does not answer within its timeout', async () => {
    // Prepare
    const { base } = await hookServer((_hook, response) => setTimeout(() => response.end(), 3000));
    // Act
    const attempt = runHooks([hook('slow', `${base}/slow`, { timeoutSeconds: 1 })], RELEASE);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'HookFailed',
      message: `hook slow (${base}/slow) did not answer within 1 s`,
    });
  });

  it("fails with HookFailed when a 2xx answer's body does not end within the timeout", async () => {
    // Prepare
    const { base } = await hookServer((_hook, response) => response.writeHead(200).write('x'));
    // Act
    const attempt = runHooks([hook('trickle', `${base}/trickle`, { timeoutSeconds: 1 })], RELEASE);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'HookFailed',
      message: `hook trickle (${base}/trickle) did not answer within 1 s`,
    });
  });

  it('fails with TransientAdapterError, which the state machine retries, when a hook breaks off its answer', async () => {
    // Prepare
    const { base } = await hookServer((_hook, response) => {
      response.writeHead(200).write('x');
      setTimeout(() => response.destroy(), 50);
    });
    // Act
    const attempt = runHooks([hook('smoke', `${base}/smoke`)], RELEASE);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'TransientAdapterError',
      message: `hook smoke (${base}/smoke) broke off its answer: UND_ERR_SOCKET`,
    });
  });

  it.each([200, 500])(
    'reads the start of a big %i answer only, closing the connection before the rest is sent',
    async (status) => {
      // Prepare
      const text = `GET /cart answered 502 ${'x'.repeat(BIG_ANSWER_BYTES)}`;
      let sent: Promise<{ finished: boolean; bytes: number }> | undefined;
      const { base } = await hookServer((_hook, response) => {
        sent = streamAnswer(response.writeHead(status), text);
      });
      // Act
      const outcome = await runHooks([hook('smoke', `${base}/smoke`)], RELEASE).catch((e: Error) => e);
      // Assess
      if (status === 200) expect(outcome).toMatchObject([{ name: 'smoke', status: 200 }]);
      else {
        expect(outcome).toMatchObject({
          name: 'HookFailed',
          message: `hook smoke (${base}/smoke) answered 500: ${text.slice(0, 300)}...`,
        });
      }
      const { finished, bytes } = await sent!;
      expect(finished).toBe(false);
      expect(bytes).toBeLessThan(text.length / 4);
    },
  );

  it('fails with TransientAdapterError, which the state machine retries, when a hook cannot be reached', async () => {
    // Prepare
    const { base } = await hookServer((_hook, response) => response.end());
    await server!.close();
    // Act
    const attempt = runHooks([hook('smoke', `${base}/smoke`)], RELEASE);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'TransientAdapterError',
      message: `hook smoke (${base}/smoke) cannot be reached: ECONNREFUSED`,
    });
  });

  it.each([
    ['answers 500', 'HookFailed', 'answered 500: build failed'],
    ['does not answer in time', 'HookFailed', 'did not answer within 1 s'],
    ['cannot be reached', 'TransientAdapterError', 'cannot be reached: ECONNREFUSED'],
  ])(
    "names a hook that %s without its URL's query string, which may hold a token",
    async (answer, name, failure) => {
      // Prepare
      const { base } = await hookServer((_hook, response) => {
        if (answer === 'answers 500') response.writeHead(500).end('build failed');
      });
      if (answer === 'cannot be reached') await server!.close();
      const url = `${base}/hook?token=glptt-SECRET123&ref=main#top`;
      // Act
      const attempt = runHooks([hook('ci', url, { timeoutSeconds: 1 })], RELEASE);
      // Assess
      await expect(attempt).rejects.toMatchObject({ name, message: `hook ci (${base}/hook?…) ${failure}` });
    },
  );

  it.each([429, 503])(
    'fails with TransientAdapterError, which the state machine retries, when a hook answers %i',
    async (status) => {
      // Prepare
      const { base } = await hookServer((_hook, response) =>
        response.writeHead(status, { 'retry-after': '5' }).end('overloaded, try later'),
      );
      // Act
      const attempt = runHooks([hook('smoke', `${base}/smoke`)], RELEASE);
      // Assess
      await expect(attempt).rejects.toMatchObject({
        name: 'TransientAdapterError',
        message: `hook smoke (${base}/smoke) answered ${status}: overloaded, try later`,
      });
    },
  );

  it("masks the URL's query values, credentials and terminal escapes its failing answer repeats", async () => {
    // Prepare
    const answer = [
      '\u001b]0;pwned\u0007<html>\n\n   denied for /secret?api_key=QSECRET999',
      'token=ghp_abcdefghijklmnopqrstuvwxyz0123 key AKIAIOSFODNN7EXAMPLE "password": "hunter2!"',
    ].join('\n');
    const { base } = await hookServer((_hook, response) => response.writeHead(500).end(answer));
    // Act
    const attempt = runHooks([hook('ci', `${base}/secret?api_key=QSECRET999`)], RELEASE);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'HookFailed',
      message:
        `hook ci (${base}/secret?…) answered 500: <html> denied for /secret?api_key=*** ` +
        'token=*** key *** "password": "***"',
    });
  });

  it.each([
    ['a quoted value with spaces', '"password": "correct horse battery"', '"password": "***"'],
    ['a quoted value with a comma', '{"client_secret":"a,b"}', '{"client_secret":"***"}'],
    ['the value of a camelCase name', '"accessToken": "abc123def456"', '"accessToken": "***"'],
    ['an unquoted camelCase value', 'clientSecret=s3cr3t&region=eu', 'clientSecret=***&region=eu'],
    ['a bearer token', 'Authorization: Bearer abc.def', 'Authorization: Bearer ***'],
    ['a bearer token of lower-case letters', 'got Bearer abcdefghijklmnop', 'got Bearer ***'],
    [
      'no short word after bearer',
      'missing bearer token; Bearer realm',
      'missing bearer token; Bearer realm',
    ],
    ['basic credentials', 'Authorization: Basic dXNlcjpwYXNz', 'Authorization: Basic ***'],
    [
      'no prose after a secret name',
      'invalid token: expired; password: must be 8 chars',
      'invalid token: expired; password: must be 8 chars',
    ],
  ])('masks %s in a failing answer', async (_case, answer, excerpt) => {
    // Prepare
    const { base } = await hookServer((_hook, response) => response.writeHead(500).end(answer));
    // Act
    const attempt = runHooks([hook('ci', `${base}/ci`)], RELEASE);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'HookFailed',
      message: `hook ci (${base}/ci) answered 500: ${excerpt}`,
    });
  });

  it("fails with HookFailed, not retried, when TLS refuses the hook's certificate", async () => {
    // Prepare
    const tls = createHttpsServer(await selfSignedCertificate(), (_request, response) => response.end());
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/smoke`;
    // Act
    const attempt = runHooks([hook('smoke', url)], RELEASE);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'HookFailed',
      message: `hook smoke (${url}): TLS refused its certificate: DEPTH_ZERO_SELF_SIGNED_CERT`,
    });
    tls.close();
  });

  it('does not follow a redirect: a hook must answer itself', async () => {
    // Prepare
    const { base, received } = await hookServer(({ path }, response) =>
      path === '/moved' ? response.writeHead(307, { location: `${base}/smoke` }).end() : response.end(),
    );
    // Act
    const attempt = runHooks([hook('moved', `${base}/moved`)], RELEASE);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'HookFailed',
      message: `hook moved (${base}/moved) answered 307 (to ${base}/smoke)`,
    });
    expect(received.map((r) => r.path)).toEqual(['/moved']);
  });

  it("names a redirect's target without its credentials or query string", async () => {
    // Prepare
    const { base } = await hookServer((_hook, response) =>
      response.writeHead(302, { location: 'https://user:pa55@other.example/x?token=abc' }).end(),
    );
    // Act
    const attempt = runHooks([hook('moved', `${base}/moved`)], RELEASE);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'HookFailed',
      message: `hook moved (${base}/moved) answered 302 (to https://other.example/x?…)`,
    });
  });
});

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hooks/ci-AbCdEf';
const OTHER_SECRET_ARN = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:hooks/e2e-GhIjKl';
/** Part of every header value below: no error message may hold it. */
const TOKEN = 's3cr3t-t0ken-9f8e7d';

/** A webhook endpoint on 127.0.0.1 that records the path and headers of each POST. */
async function headerServer(answer: (response: ServerResponse) => void = (response) => response.end()) {
  const received: { path: string; headers: IncomingHttpHeaders }[] = [];
  const http = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers });
      answer(response);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      http.closeAllConnections();
      http.close(() => resolve());
    });
  return { base, received, close };
}

const awsError = (name: string, message: string, httpStatusCode = 400) =>
  new SecretsManagerServiceException({ name, $fault: 'client', $metadata: { httpStatusCode }, message });

describe('runHooks (headersSecretArn)', () => {
  const secrets = mockClient(SecretsManagerClient);
  let endpoint: Awaited<ReturnType<typeof headerServer>> | undefined;
  beforeEach(() => secrets.reset());
  afterEach(() => endpoint?.close());
  afterAll(() => secrets.restore());

  async function endpointAnswering(answer?: (response: ServerResponse) => void) {
    endpoint = await headerServer(answer);
    return endpoint;
  }

  it("POSTs the secret's headers with each hook naming it, reading each secret once in its ARN's region", async () => {
    // Prepare
    const { base, received } = await endpointAnswering();
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({
      SecretString: JSON.stringify({ Authorization: `Bearer ${TOKEN}`, 'x-ci-project': 'shop' }),
    });
    const hooks = [
      hook('smoke', `${base}/smoke`, { headersSecretArn: SECRET_ARN }),
      hook('plain', `${base}/plain`),
      hook('load', `${base}/load`, { headersSecretArn: SECRET_ARN }),
    ];
    // Act
    const outcomes = await runHooks(hooks, RELEASE);
    // Assess
    expect(outcomes.map((outcome) => outcome.status)).toEqual([200, 200, 200]);
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([
      { SecretId: SECRET_ARN },
    ]);
    const client = secrets.commandCalls(GetSecretValueCommand)[0]!.thisValue as SecretsManagerClient;
    expect(await client.config.region()).toBe('eu-west-1');
    expect(
      received.map(({ path, headers }) => [path, headers.authorization, headers['x-ci-project']]),
    ).toEqual([
      ['/smoke', `Bearer ${TOKEN}`, 'shop'],
      ['/plain', undefined, undefined],
      ['/load', `Bearer ${TOKEN}`, 'shop'],
    ]);
    expect(received[0]!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'cutover',
    });
  });

  it('reads each secret in its own region before the first POST: one that is refused stops every hook', async () => {
    // Prepare
    const { base, received } = await endpointAnswering();
    secrets
      .on(GetSecretValueCommand, { SecretId: SECRET_ARN })
      .resolves({ SecretString: JSON.stringify({ authorization: `Bearer ${TOKEN}` }) })
      .on(GetSecretValueCommand, { SecretId: OTHER_SECRET_ARN })
      .rejects(awsError('AccessDeniedException', `not authorized to perform: secretsmanager:GetSecretValue`));
    const hooks = [
      hook('smoke', `${base}/smoke`, { headersSecretArn: SECRET_ARN }),
      hook('e2e', `${base}/e2e`, { headersSecretArn: OTHER_SECRET_ARN }),
    ];
    // Act
    const attempt = runHooks(hooks, RELEASE);
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId)).toEqual([
      SECRET_ARN,
      OTHER_SECRET_ARN,
    ]);
    const other = secrets.commandCalls(GetSecretValueCommand)[1]!.thisValue as SecretsManagerClient;
    expect(await other.config.region()).toBe('us-west-2');
    expect(received).toEqual([]);
  });

  it("keeps the header values out of a failing hook's error, even when its answer repeats them", async () => {
    // Prepare
    const { base } = await endpointAnswering((response) =>
      response
        .writeHead(401)
        .end(`token ${TOKEN} expired; got {"authorization":"Bearer ${TOKEN}"} for project shop-eu, region 1`),
    );
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ authorization: `Bearer ${TOKEN}`, 'x-region': '1' }),
    });
    // Act
    const attempt = runHooks([hook('smoke', `${base}/smoke`, { headersSecretArn: SECRET_ARN })], RELEASE);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'HookFailed',
      // A value as short as `1` is no credential, and hiding it would hide every 1 in the answer.
      message: `hook smoke (${base}/smoke) answered 401: token *** expired; got {"authorization":"***"} for project shop-eu, region 1`,
    });
  });

  it("keeps the header values out of a redirect's target", async () => {
    // Prepare
    const { base } = await endpointAnswering((response) =>
      response.writeHead(307, { location: `/${TOKEN}/next` }).end(),
    );
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ authorization: `Bearer ${TOKEN}` }),
    });
    // Act
    const attempt = runHooks([hook('smoke', `${base}/smoke`, { headersSecretArn: SECRET_ARN })], RELEASE);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'HookFailed',
      message: `hook smoke (${base}/smoke) answered 307 (to ${base}/***/next)`,
    });
  });

  it.each([
    ['not JSON', `Bearer ${TOKEN}`, 'is not JSON'],
    ['not an object', JSON.stringify([`Bearer ${TOKEN}`]), 'is not a JSON object'],
    [
      'a value that is not a string',
      JSON.stringify({ authorization: { bearer: TOKEN } }),
      'sets authorization to a value that is not a string',
    ],
    [
      'a value with a line break',
      JSON.stringify({ authorization: `Bearer ${TOKEN}\r\nx-admin: 1` }),
      'sets authorization to a value with a line break',
    ],
    [
      'a value outside Latin-1',
      JSON.stringify({ authorization: `Bearer ${TOKEN}€` }),
      'sets authorization to a value with a line break',
    ],
    [
      'a name that is not a header name',
      JSON.stringify({ [`Bearer ${TOKEN}`]: 'x' }),
      '1 name that is not an HTTP header name',
    ],
    [
      'a name twice',
      JSON.stringify({ Authorization: TOKEN, authorization: TOKEN }),
      'sets authorization twice',
    ],
  ])(
    'refuses a secret holding %s, naming the hook and the secret but no value',
    async (_case, SecretString, problem) => {
      // Prepare
      const { base, received } = await endpointAnswering();
      secrets.on(GetSecretValueCommand).resolves({ SecretString });
      // Act
      const error = await runHooks(
        [hook('smoke', `${base}/smoke`, { headersSecretArn: SECRET_ARN })],
        RELEASE,
      ).catch((thrown: Error) => thrown);
      // Assess
      expect(error).toMatchObject({ name: 'ValidationError' });
      const { message } = error as Error;
      expect(message).toContain(`headers secret ${SECRET_ARN} of hook smoke`);
      expect(message).toContain(problem);
      expect(message).toContain('must hold a JSON object of header names to string values');
      expect(message).not.toContain(TOKEN);
      expect(received).toEqual([]);
    },
  );

  it('refuses a binary secret', async () => {
    // Prepare
    const { base } = await endpointAnswering();
    secrets.on(GetSecretValueCommand).resolves({ SecretBinary: new TextEncoder().encode(TOKEN) });
    // Act
    const attempt = runHooks([hook('smoke', `${base}/smoke`, { headersSecretArn: SECRET_ARN })], RELEASE);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining(`headers secret ${SECRET_ARN} of hook smoke holds no SecretString`),
    });
  });

  it.each([
    'content-type',
    'Content-Length',
    'host',
    'User-Agent',
    'x-cutover-delivery',
    'X-Cutover-Signature',
    'x-cutover-timestamp',
    'transfer-encoding',
  ])('refuses a secret setting %s, which Cutover sets, naming what is allowed', async (header) => {
    // Prepare
    const { base, received } = await endpointAnswering();
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ authorization: `Bearer ${TOKEN}`, [header]: `${TOKEN}-value` }),
    });
    const hooks = [
      hook('smoke', `${base}/smoke`, { headersSecretArn: SECRET_ARN }),
      hook('load', `${base}/load`, { headersSecretArn: SECRET_ARN }),
    ];
    // Act
    const error = await runHooks(hooks, RELEASE).catch((thrown: Error) => thrown);
    // Assess
    expect(error).toMatchObject({ name: 'ValidationError' });
    const { message } = error as Error;
    expect(message).toContain(
      `headers secret ${SECRET_ARN} of hooks smoke, load sets ${header.toLowerCase()}`,
    );
    expect(message).toContain(
      'any header but content-type, content-length, host, user-agent, x-cutover-delivery, x-cutover-attempt, x-cutover-timestamp, x-cutover-signature (Cutover sets them) and connection, keep-alive, transfer-encoding, upgrade, expect',
    );
    expect(message).not.toContain(TOKEN);
    expect(received).toEqual([]);
  });

  it.each([
    [
      'AccessDeniedException',
      `User: arn:aws:sts::123456789012:assumed-role/run-hooks is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SECRET_ARN}`,
    ],
    ['ResourceNotFoundException', "Secrets Manager can't find the specified secret."],
  ])('fails without a retry, naming the secret and the IAM action, on %s', async (name, awsMessage) => {
    // Prepare
    const { base, received } = await endpointAnswering();
    secrets.on(GetSecretValueCommand).rejects(awsError(name, awsMessage));
    // Act
    const error = await runHooks(
      [hook('smoke', `${base}/smoke`, { headersSecretArn: SECRET_ARN })],
      RELEASE,
    ).catch((thrown: Error) => thrown);
    // Assess
    expect(error).toMatchObject({ name });
    expect((error as Error).message).toContain(
      `cannot read the headers secret ${SECRET_ARN} of hook smoke (secretsmanager:GetSecretValue): ${awsMessage}`,
    );
    expect((error as Error).message).toContain('hookSecrets context key');
    expect(received).toEqual([]);
  });

  it.each([
    ['throttled', awsError('ThrottlingException', 'Rate exceeded'), 'Rate exceeded'],
    ['unavailable', awsError('InternalServiceError', 'internal error', 500), 'internal error'],
  ])(
    'fails with TransientAdapterError, which the state machine retries, when Secrets Manager is %s',
    async (_case, thrown, reason) => {
      // Prepare
      const { base, received } = await endpointAnswering();
      secrets.on(GetSecretValueCommand).rejects(thrown);
      // Act
      const attempt = runHooks([hook('smoke', `${base}/smoke`, { headersSecretArn: SECRET_ARN })], RELEASE);
      // Assess
      await expect(attempt).rejects.toMatchObject({
        name: 'TransientAdapterError',
        message: expect.stringMatching(
          new RegExp(
            `^secretsmanager:GetSecretValue of the headers secret ${SECRET_ARN} of hook smoke failed, retry later: .*${reason}`,
          ),
        ),
      });
      expect(received).toEqual([]);
    },
  );
});

const SIGNING_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hooks/signing-MnOpQr';
/** The signing key the secret holds (40 bytes): no error message may hold it. */
const KEY = 'k3y-5f0c1e8d2b7a4963-e1d0c9b8a7f6e5d4c3b2';
/** When the tests below POST: Date is faked to this instant. */
const NOW = Date.parse('2030-03-14T09:26:40.000Z');

/** The receiver of docs/strategies.md ("Signed webhooks"): the module its first `js` block is. */
async function documentedReceiver() {
  const docs = await readFile(join(import.meta.dirname, '../../../../docs/strategies.md'), 'utf8');
  const section = docs.slice(docs.indexOf('**Signed webhooks**'));
  const code = /```js\n([\s\S]*?)```/.exec(section)![1]!;
  const dir = await mkdtemp(join(tmpdir(), 'cutover-receiver-'));
  try {
    await writeFile(join(dir, 'receiver.mjs'), code);
    return (await import(/* @vite-ignore */ pathToFileURL(join(dir, 'receiver.mjs')).href)) as {
      verifiedBody: (key: string, headers: IncomingHttpHeaders, raw: Buffer, now?: number) => unknown;
      deliveryId: (body: unknown) => string;
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('runHooks (signingSecretArn)', () => {
  let secrets: ReturnType<typeof mockClient>;
  beforeAll(() => {
    secrets = mockClient(SecretsManagerClient);
  });
  beforeEach(() => {
    secrets.reset();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  afterEach(() => vi.useRealTimers());
  afterAll(() => secrets.restore());

  const signed = (name: string, url: string, extra: Partial<Hook> = {}) =>
    hook(name, url, { signingSecretArn: SIGNING_SECRET_ARN, ...extra });

  it('signs the exact body of each POST with the key, and tells every hook its timeout and deadline', async () => {
    // Prepare
    const { base, received } = await hookServer((_hook, response) => response.writeHead(204).end());
    secrets.on(GetSecretValueCommand, { SecretId: SIGNING_SECRET_ARN }).resolves({ SecretString: KEY });
    const hooks = [
      signed('smoke', `${base}/smoke`, { metadata: { suite: 'caisse — ✓' } }),
      hook('plain', `${base}/plain`, { timeoutSeconds: 30 }),
      signed('load', `${base}/load`, { timeoutSeconds: 120 }),
    ];
    // Act
    await runHooks(hooks, RELEASE);
    // Assess
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([
      { SecretId: SIGNING_SECRET_ARN },
    ]);
    const client = secrets.commandCalls(GetSecretValueCommand)[0]!.thisValue as SecretsManagerClient;
    expect(await client.config.region()).toBe('eu-west-1');
    expect(received.map((post) => verifyCutoverSignature(KEY, post, NOW))).toEqual([true, false, true]);
    expect(received.map(({ headers }) => headers['x-cutover-timestamp'])).toEqual([
      String(NOW / 1000),
      undefined,
      String(NOW / 1000),
    ]);
    expect(received[0]!.headers['x-cutover-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(received[1]!.headers['x-cutover-signature']).toBeUndefined();
    expect(received.map(({ body }) => body)).toMatchObject([
      {
        hook: 'smoke',
        metadata: { suite: 'caisse — ✓' },
        timeoutSeconds: 5,
        deadline: '2030-03-14T09:26:45.000Z',
      },
      { hook: 'plain', timeoutSeconds: 30, deadline: '2030-03-14T09:27:10.000Z' },
      { hook: 'load', timeoutSeconds: 120, deadline: '2030-03-14T09:28:40.000Z' },
    ]);
  });

  it('makes a signature no receiver accepts for a tampered body, another timestamp, another key or a stale POST', async () => {
    // Prepare
    const { base, received } = await hookServer((_hook, response) => response.writeHead(204).end());
    secrets.on(GetSecretValueCommand).resolves({ SecretString: KEY });
    // Act
    await runHooks([signed('smoke', `${base}/smoke`)], RELEASE);
    // Assess
    const post = received[0]!;
    const tampered = Buffer.from(post.raw.toString('utf8').replace('"version":"v2"', '"version":"v3"'));
    const timestamp = Number(post.headers['x-cutover-timestamp']);
    expect(verifyCutoverSignature(KEY, post, NOW)).toBe(true);
    expect(tampered.equals(post.raw)).toBe(false);
    expect(verifyCutoverSignature(KEY, { ...post, raw: tampered }, NOW)).toBe(false);
    expect(
      verifyCutoverSignature(
        KEY,
        { ...post, headers: { ...post.headers, 'x-cutover-timestamp': String(timestamp + 1) } },
        NOW,
      ),
    ).toBe(false);
    expect(verifyCutoverSignature(`${KEY}x`, post, NOW)).toBe(false);
    expect(verifyCutoverSignature(KEY, post, NOW + 301_000)).toBe(false);
  });

  it('signs a retry again, with a fresh timestamp and deadline and the same delivery id', async () => {
    // Prepare: the first attempt is answered 503, which the state machine retries 40 s later
    let busy = true;
    const { base, received } = await hookServer((_hook, response) => {
      response.writeHead(busy ? 503 : 204).end();
      busy = false;
    });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: KEY });
    const hooks = [signed('smoke', `${base}/smoke`)];
    // Act
    const first = await runHooks(hooks, RELEASE, 1).catch((error: Error) => error);
    vi.setSystemTime(NOW + 40_000);
    await runHooks(hooks, RELEASE, 2);
    // Assess
    expect(first).toMatchObject({ name: 'TransientAdapterError' });
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    const [one, two] = received;
    expect(verifyCutoverSignature(KEY, one!, NOW)).toBe(true);
    expect(verifyCutoverSignature(KEY, two!, NOW + 40_000)).toBe(true);
    expect([one!.headers['x-cutover-attempt'], two!.headers['x-cutover-attempt']]).toEqual(['1', '2']);
    expect(two!.headers['x-cutover-delivery']).toBe(one!.headers['x-cutover-delivery']);
    expect(two!.headers['x-cutover-timestamp']).toBe(String(NOW / 1000 + 40));
    expect(two!.headers['x-cutover-signature']).not.toBe(one!.headers['x-cutover-signature']);
    expect(two!.body).toMatchObject({ deadline: '2030-03-14T09:27:25.000Z' });
  });

  it('reads a secret that is both the headers and the signing key of a hook once', async () => {
    // Prepare
    const { base, received } = await hookServer((_hook, response) => response.writeHead(204).end());
    const SecretString = JSON.stringify({ authorization: `Bearer ${TOKEN}-${KEY}` });
    secrets.on(GetSecretValueCommand).resolves({ SecretString });
    // Act
    await runHooks([signed('smoke', `${base}/smoke`, { headersSecretArn: SIGNING_SECRET_ARN })], RELEASE);
    // Assess
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(received[0]!.headers.authorization).toBe(`Bearer ${TOKEN}-${KEY}`);
    expect(verifyCutoverSignature(SecretString, received[0]!, NOW)).toBe(true);
  });

  it.each([
    ['an empty key', { SecretString: '' }, 'is empty'],
    ['a key of 31 bytes', { SecretString: KEY.slice(0, 31) }, 'is shorter than 32 bytes'],
    [
      'a key of 31 bytes in 20 characters',
      { SecretString: `${'é'.repeat(11)}${KEY.slice(0, 9)}` },
      'is shorter than 32 bytes',
    ],
    ['a binary secret', { SecretBinary: new TextEncoder().encode(KEY) }, 'holds no SecretString'],
  ])(
    'refuses %s, naming the hook and the secret but not the key, before any POST',
    async (_case, secret, problem) => {
      // Prepare
      const { base, received } = await hookServer((_hook, response) => response.writeHead(204).end());
      secrets.on(GetSecretValueCommand).resolves(secret);
      const hooks = [
        hook('plain', `${base}/plain`),
        signed('smoke', `${base}/smoke`),
        signed('load', `${base}/load`),
      ];
      // Act
      const error = await runHooks(hooks, RELEASE).catch((thrown: Error) => thrown);
      // Assess
      expect(error).toMatchObject({ name: 'ValidationError' });
      const { message } = error as Error;
      expect(message).toContain(`the signing secret ${SIGNING_SECRET_ARN} of hooks smoke, load ${problem}`);
      expect(message).toContain('a key of at least 32 bytes');
      expect(message).not.toContain(KEY.slice(0, 9));
      expect(received).toEqual([]);
    },
  );

  it('is verified by the receiver docs/strategies.md shows, which refuses a tampered body', async () => {
    // Prepare: the documented receiver, as a module
    const { verifiedBody, deliveryId } = await documentedReceiver();
    const { base, received } = await hookServer((_hook, response) => response.writeHead(204).end());
    secrets.on(GetSecretValueCommand).resolves({ SecretString: KEY });
    // Act
    await runHooks([signed('smoke', `${base}/smoke`)], RELEASE);
    // Assess
    const { headers, raw } = received[0]!;
    const body = verifiedBody(KEY, headers, raw, NOW);
    expect(body).toMatchObject({ hook: 'smoke', timeoutSeconds: 5 });
    expect(deliveryId(body)).toBe(headers['x-cutover-delivery']);
    expect(verifiedBody(KEY, headers, Buffer.concat([raw, Buffer.from(' ')]), NOW)).toBeUndefined();
    expect(verifiedBody(KEY, headers, raw, NOW + 301_000)).toBeUndefined();
  });

  it("keeps the key out of a failing hook's error, even when its answer echoes it", async () => {
    // Prepare
    const { base } = await hookServer((_hook, response) =>
      response
        .writeHead(401)
        .end(`signature mismatch: expected key ${KEY}, {"key":"${KEY}"}, k=${encodeURIComponent(KEY)}`),
    );
    secrets.on(GetSecretValueCommand).resolves({ SecretString: KEY });
    // Act
    const attempt = runHooks([signed('smoke', `${base}/smoke`)], RELEASE);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'HookFailed',
      message: `hook smoke (${base}/smoke) answered 401: signature mismatch: expected key ***, {"key":"***"}, k=***`,
    });
  });

  it('fails naming the signing secret and who may read it when it cannot be read', async () => {
    // Prepare
    const { base, received } = await hookServer((_hook, response) => response.writeHead(204).end());
    secrets.on(GetSecretValueCommand).rejects(awsError('AccessDeniedException', 'not authorized'));
    // Act
    const error = await runHooks([signed('smoke', `${base}/smoke`)], RELEASE).catch(
      (thrown: Error) => thrown,
    );
    // Assess
    expect(error).toMatchObject({ name: 'AccessDeniedException' });
    expect((error as Error).message).toContain(
      `cannot read the signing secret ${SIGNING_SECRET_ARN} of hook smoke (secretsmanager:GetSecretValue): not authorized`,
    );
    expect((error as Error).message).toContain('hookSecrets context key');
    expect(received).toEqual([]);
  });
});

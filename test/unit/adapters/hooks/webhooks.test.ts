import { afterEach, describe, expect, it } from 'vitest';
import { type HookRelease, runHooks } from '#adapters/hooks/webhooks.ts';
import type { Hook } from '#core/schemas/index.ts';
import { type HookServer, startHookServer } from '#test/support/hook-server.ts';

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
    expect(received).toEqual([
      { path: '/smoke', body: { hook: 'smoke', ...RELEASE, metadata: { suite: 'checkout' } } },
      { path: '/load', body: { hook: 'load', ...RELEASE, metadata: {} } },
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
      message: `hook moved (${base}/moved) answered 307`,
    });
    expect(received.map((r) => r.path)).toEqual(['/moved']);
  });
});

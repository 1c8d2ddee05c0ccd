import { createHash } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceRef, Weights } from '#core/types.ts';
import { type HookServer, startHookServer, verifyCutoverSignature } from '#test/support/hook-server.ts';
import { executionHistory } from '#test/support/local-runtime.ts';
import {
  aBlueGreenRequest,
  aCanaryRequest,
  aRollingRequest,
  aTestService,
} from '#test/support/strategy-requests.ts';
import {
  aLiveTrack,
  anExampleRelease,
  liveWeights,
  serviceState,
  stateEntries,
  trackVersions,
  useStrategyRuntime,
} from '#test/support/strategy-runtime.ts';

describe('hooks.beforeTraffic and hooks.afterTraffic webhooks on the local runtime', () => {
  const context = useStrategyRuntime();
  let hooks: HookServer | undefined;
  afterEach(() => hooks?.close());

  /** What the service looked like each time a hook was called. */
  type Seen = { weights: Weights; tracks: Record<string, string> };

  /** A hook endpoint answering `status` (and `body`), which records the service's state at each call. */
  async function aHookEndpoint(service: ServiceRef, status: number, body = '') {
    const seen: Seen[] = [];
    hooks = await startHookServer(async (_hook, response) => {
      const adapters = context.runtime.adapters;
      seen.push({
        weights: await liveWeights(adapters, service),
        tracks: await trackVersions(adapters, service),
      });
      response.writeHead(status).end(body);
    });
    return {
      seen,
      beforeTraffic: [{ name: 'smoke', url: hooks.url('/smoke'), metadata: { suite: 'cart' } }],
      afterTraffic: [{ name: 'e2e', url: hooks.url('/e2e') }],
    };
  }

  async function aServiceOn(name: string, track: string, replicas = 1): Promise<ServiceRef> {
    const service = aTestService(name);
    await aLiveTrack(context.runtime.adapters, service, track, anExampleRelease('v1', {}, replicas));
    await context.sendTraffic(service);
    return service;
  }

  it('canary: calls each hook once the canary is ready and before it takes traffic, then releases', async () => {
    // Prepare
    const service = await aServiceOn('hooked', 'stable');
    const { seen, beforeTraffic } = await aHookEndpoint(service, 204);
    const request = aCanaryRequest(service, 'v2', { extra: { hooks: { beforeTraffic } } });
    // Act
    const execution = await context.runtime.run('canary', request, 'hooked-v2');
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(seen).toEqual([{ weights: { stable: 100 }, tracks: { stable: 'v1 x1', canary: 'v2 x1' } }]);
    expect(hooks!.received).toMatchObject([
      {
        path: '/smoke',
        body: {
          hook: 'smoke',
          phase: 'beforeTraffic',
          strategy: 'canary',
          service,
          release: { version: 'v2' },
          track: 'canary',
          executionArn: execution.executionArn,
          metadata: { suite: 'cart' },
        },
      },
    ]);
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    expect(stateEntries(history, 'RunHooks')).toBe(1);
  });

  it('canary: rolls back with HookFailed when a hook fails; the canary never takes traffic', async () => {
    // Prepare
    const service = await aServiceOn('hook-fails', 'stable');
    const { beforeTraffic } = await aHookEndpoint(service, 500, 'GET /cart answered 502');
    const request = aCanaryRequest(service, 'v2', { extra: { hooks: { beforeTraffic } } });
    // Act
    const execution = await context.runtime.run('canary', request, 'hook-fails-v2');
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('HookFailed');
    expect(execution.cause).toContain('hook smoke');
    expect(execution.cause).toContain('answered 500: GET /cart answered 502');
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    expect(stateEntries(history, 'SetStepWeights')).toBe(0);
    expect(stateEntries(history, 'Rollback')).toBe(1);
    expect(context.traffic!.stats.byTrack.canary ?? 0).toBe(0);
    expect(await serviceState(context.runtime.adapters, service)).toEqual({
      weights: { stable: 100 },
      tracks: { stable: 'v1 x1' },
      served: ['v1'],
    });
  });

  it('blue-green: rolls back with HookFailed before the switch when a hook fails', async () => {
    // Prepare
    const service = await aServiceOn('bg-hook-fails', 'blue');
    const { seen, beforeTraffic } = await aHookEndpoint(service, 500);
    const request = { ...aBlueGreenRequest(service, 'v2'), hooks: { beforeTraffic } };
    // Act
    const execution = await context.runtime.run('blue-green', request, 'bg-hook-fails-v2');
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('HookFailed');
    expect(seen).toEqual([{ weights: { blue: 100 }, tracks: { blue: 'v1 x1', green: 'v2 x1' } }]);
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    expect(stateEntries(history, 'SwitchTraffic')).toBe(0);
    expect(await serviceState(context.runtime.adapters, service)).toEqual({
      weights: { blue: 100 },
      tracks: { blue: 'v1 x1' },
      served: ['v1'],
    });
  });

  it('rolling: calls the hooks once, when the first batch is ready and before it takes traffic', async () => {
    // Prepare
    const service = await aServiceOn('rolling-hooked', 'blue', 2);
    const { seen, beforeTraffic } = await aHookEndpoint(service, 200);
    const request = { ...aRollingRequest(service, 'v2'), hooks: { beforeTraffic } };
    // Act
    const execution = await context.runtime.run('rolling', request, 'rolling-hooked-v2');
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.weights.green ?? 0).toBe(0);
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    expect(stateEntries(history, 'RunHooks')).toBe(1);
    expect(stateEntries(history, 'DeployBatch')).toBe(2);
  });

  it('rolling without surge: calls the hooks once the first batch with a new replica is ready', async () => {
    // Prepare: maxSurge 0, so the first batch only stops an old replica
    const service = await aServiceOn('rolling-no-surge', 'blue', 2);
    const { seen, beforeTraffic } = await aHookEndpoint(service, 204);
    const base = aRollingRequest(service, 'v2');
    const request = {
      ...base,
      rolling: { ...base.rolling, maxSurge: 0, maxUnavailable: 1 },
      hooks: { beforeTraffic },
    };
    // Act
    const execution = await context.runtime.run('rolling', request, 'rolling-no-surge-v2');
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(seen).toEqual([{ weights: { blue: 100 }, tracks: { blue: 'v1 x1', green: 'v2 x1' } }]);
  });

  it('canary: calls each afterTraffic hook once the release has all traffic, before the canary goes', async () => {
    // Prepare
    const service = await aServiceOn('after-hooked', 'stable');
    const { seen, afterTraffic } = await aHookEndpoint(service, 200);
    const request = aCanaryRequest(service, 'v2', { extra: { hooks: { afterTraffic } } });
    // Act
    const execution = await context.runtime.run('canary', request, 'after-hooked-v2');
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(seen).toEqual([{ weights: { stable: 100 }, tracks: { stable: 'v2 x1', canary: 'v2 x1' } }]);
    expect(hooks!.received).toMatchObject([
      {
        path: '/e2e',
        body: {
          hook: 'e2e',
          phase: 'afterTraffic',
          strategy: 'canary',
          service,
          release: { version: 'v2' },
          track: 'stable',
          executionArn: execution.executionArn,
          metadata: {},
        },
      },
    ]);
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    expect(stateEntries(history, 'RunHooks')).toBe(0);
    expect(stateEntries(history, 'RunAfterTrafficHooks')).toBe(1);
  });

  it('canary: rolls back to the previous version with HookFailed when an afterTraffic hook fails', async () => {
    // Prepare
    const service = await aServiceOn('after-fails', 'stable');
    const { afterTraffic } = await aHookEndpoint(service, 500, 'checkout e2e: 3 of 12 failed');
    const request = aCanaryRequest(service, 'v2', { extra: { hooks: { afterTraffic } } });
    // Act
    const execution = await context.runtime.run('canary', request, 'after-fails-v2');
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('HookFailed');
    expect(execution.cause).toContain('answered 500: checkout e2e: 3 of 12 failed');
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    expect(stateEntries(history, 'Rollback')).toBe(1);
    expect(stateEntries(history, 'Cleanup')).toBe(0);
    // The stable track ran v2 since DeployStable: the rollback ends once its v1 replicas serve again.
    expect(stateEntries(history, 'CheckRolledBack')).toBe(1);
    expect(await serviceState(context.runtime.adapters, service)).toEqual({
      weights: { stable: 100 },
      tracks: { stable: 'v1 x1' },
      served: ['v1'],
    });
  });

  it('blue-green: switches traffic back with HookFailed when an afterTraffic hook fails', async () => {
    // Prepare
    const service = await aServiceOn('bg-after-fails', 'blue');
    const { seen, afterTraffic } = await aHookEndpoint(service, 500);
    const request = { ...aBlueGreenRequest(service, 'v2'), hooks: { afterTraffic } };
    // Act
    const execution = await context.runtime.run('blue-green', request, 'bg-after-fails-v2');
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('HookFailed');
    expect(seen).toEqual([{ weights: { green: 100 }, tracks: { blue: 'v1 x1', green: 'v2 x1' } }]);
    expect(await serviceState(context.runtime.adapters, service)).toEqual({
      weights: { blue: 100 },
      tracks: { blue: 'v1 x1' },
      served: ['v1'],
    });
  });

  it('rolling: calls both phases once, the afterTraffic hooks when every batch has moved', async () => {
    // Prepare
    const service = await aServiceOn('rolling-both', 'blue', 2);
    const { seen, beforeTraffic, afterTraffic } = await aHookEndpoint(service, 204);
    const request = { ...aRollingRequest(service, 'v2'), hooks: { beforeTraffic, afterTraffic } };
    // Act
    const execution = await context.runtime.run('rolling', request, 'rolling-both-v2');
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(hooks!.received.map((call) => call.path)).toEqual(['/smoke', '/e2e']);
    expect(seen[1]!.weights).toEqual({ green: 100 });
    expect(seen[1]!.tracks.green).toBe('v2 x2');
  });

  it('retries a phase with the same delivery id for each hook and the next attempt number', async () => {
    // Prepare: flaky drops its first connection, which the task retries
    const service = await aServiceOn('hook-retried', 'stable');
    let drops = 1;
    hooks = await startHookServer(({ path }, response) => {
      if (path === '/flaky' && drops-- > 0) response.socket?.destroy();
      else response.writeHead(204).end();
    });
    const beforeTraffic = [
      { name: 'ok1', url: hooks.url('/ok1') },
      { name: 'flaky', url: hooks.url('/flaky') },
    ];
    const request = aCanaryRequest(service, 'v2', { extra: { hooks: { beforeTraffic } } });
    // Act
    const execution = await context.runtime.run('canary', request, 'hook-retried-v2');
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    const delivery = (name: string) =>
      createHash('sha256').update(`${execution.executionArn}|beforeTraffic|${name}`).digest('hex');
    expect(
      hooks.received.map(({ path, headers }) => [
        path,
        headers['x-cutover-delivery'],
        headers['x-cutover-attempt'],
      ]),
    ).toEqual([
      ['/ok1', delivery('ok1'), '1'],
      ['/flaky', delivery('flaky'), '1'],
      ['/ok1', delivery('ok1'), '2'],
      ['/flaky', delivery('flaky'), '2'],
    ]);
  });

  it('signs each POST of a hook with signingSecretArn, a retry again, for the receiver to verify', async () => {
    // Prepare: the hook drops its first connection, which the task retries
    const signingSecretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hooks/signing-MnOpQr';
    const key = 'k3y-5f0c1e8d2b7a4963-e1d0c9b8a7f6e5d4c3b2';
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand, { SecretId: signingSecretArn }).resolves({ SecretString: key });
    const service = await aServiceOn('hook-signed', 'stable');
    let drops = 1;
    const verified: boolean[] = [];
    hooks = await startHookServer((post, response) => {
      verified.push(verifyCutoverSignature(key, post));
      if (drops-- > 0) response.socket?.destroy();
      else response.writeHead(204).end();
    });
    const beforeTraffic = [
      { name: 'signed', url: hooks.url('/signed'), timeoutSeconds: 30, signingSecretArn },
    ];
    const request = aCanaryRequest(service, 'v2', { extra: { hooks: { beforeTraffic } } });
    // Act
    const execution = await context.runtime
      .run('canary', request, 'hook-signed-v2')
      .finally(() => secrets.restore());
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(verified).toEqual([true, true]);
    expect(hooks.received.map(({ headers }) => headers['x-cutover-attempt'])).toEqual(['1', '2']);
    for (const { headers, body } of hooks.received) {
      const { timeoutSeconds, deadline } = body as { timeoutSeconds: number; deadline: string };
      const sentAt = Number(headers['x-cutover-timestamp']) * 1000;
      expect(timeoutSeconds).toBe(30);
      expect(Date.parse(deadline) - sentAt).toBeGreaterThanOrEqual(30_000);
      expect(Date.parse(deadline) - sentAt).toBeLessThan(31_000);
    }
  });

  it('runs no webhook of either phase on a first release', async () => {
    // Prepare
    const service = aTestService('first-hooked');
    const { beforeTraffic, afterTraffic } = await aHookEndpoint(service, 500);
    const request = aCanaryRequest(service, 'v1', { extra: { hooks: { beforeTraffic, afterTraffic } } });
    // Act
    const execution = await context.runtime.run('canary', request, 'first-hooked-v1');
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(hooks!.received).toEqual([]);
  });
});

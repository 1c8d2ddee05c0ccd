import { beforeEach, describe, expect, it } from 'vitest';
import { clusters } from '#adapters/cluster/index.ts';
import { ValidationError } from '#core/errors.ts';
import { validateRequest as admit } from '#core/schemas/index.ts';
import { handler as backupState } from '#lambdas/backup-state/handler.ts';
import { handler as deployTrack } from '#lambdas/deploy-track/handler.ts';
import { handler as notify } from '#lambdas/notify/handler.ts';
import { handler as requestApproval } from '#lambdas/request-approval/handler.ts';
import { handler as restoreCapacity } from '#lambdas/restore-capacity/handler.ts';
import { handler as rollback } from '#lambdas/rollback/handler.ts';
import { handler as setWeights } from '#lambdas/set-weights/handler.ts';
import { handler as unlock } from '#lambdas/unlock/handler.ts';
import { handler as validateRequest } from '#lambdas/validate-request/handler.ts';
import { canaryInput } from '#test/builders/release-request.ts';
import { type FakeWorld, useFakeWorld } from './fakes.ts';

const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v2';
type Context = Parameters<typeof unlock>[1];
const context = {} as Context;
type Handler = (event: unknown, context: Context) => Promise<unknown>;
const errorOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: Error) => error,
  );

const QUERIES = {
  requestCount: 'sum(increase(http_requests_total{app="{{service}}",track="{{track}}"}[{{window}}]))',
  errorRate: 'sum(rate(http_requests_total{app="{{service}}",track="{{track}}",code=~"5.."}[{{window}}]))',
};
const EKS = { type: 'eks', name: 'prod', region: 'eu-west-1' };
const canary = { steps: [{ weight: 10, bakeSeconds: 600 }], approval: {} };

/** A canary request on EKS as the current admission takes it. */
const admissible = canaryInput(canary, {
  cluster: EKS,
  release: { version: 'v2', image: 'registry.example/checkout:v2', replicas: 2 },
  metrics: { type: 'prometheus', url: 'http://prometheus.monitoring:9090', queries: QUERIES },
  hooks: { beforeTraffic: [{ name: 'smoke', url: 'http://hooks.internal/smoke' }] },
});

/**
 * The same release as an earlier version admitted it, which the current admission refuses: a plain-text
 * image, a Prometheus URL with credentials, a query name no analysis reads and a hook URL without `//`.
 */
const earlierInput = {
  ...admissible,
  release: { ...admissible.release, image: 'Registry.Example/Checkout:V2 latest' },
  metrics: {
    type: 'prometheus',
    url: 'http://user:pass@prometheus.monitoring:9090',
    queries: { ...QUERIES, latencyP95Ms: 'histogram_quantile(0.95, sum by (le) (rate(x[{{window}}])))' },
  },
  hooks: { beforeTraffic: [{ name: 'smoke', url: 'http:/hooks.internal/smoke' }] },
};

/** The state's request of that release: normalized by the earlier version's ValidateRequest. */
function admittedEarlier(): Record<string, unknown> {
  const normalized = admit('canary', admissible);
  return {
    ...normalized,
    release: { ...normalized.release, image: earlierInput.release.image },
    metrics: earlierInput.metrics,
    hooks: { beforeTraffic: [{ ...earlierInput.hooks.beforeTraffic[0], timeoutSeconds: 60 }] },
  };
}

const task = (handler: Handler, event: Record<string, unknown>) =>
  handler({ strategy: 'canary', executionArn, request: admittedEarlier(), ...event }, context) as Promise<
    Record<string, unknown>
  >;

const currentWorld = useFakeWorld('cutover-admitted-');
let world: FakeWorld;
beforeEach(() => {
  world = currentWorld();
  clusters.register('eks', () => world.cluster);
});

describe('tasks of a release admitted by an earlier version, after an upgrade', () => {
  it('go on, roll the release back and unlock the service, although admission now refuses its request', async () => {
    // Prepare: the release deployed its canary, took 10% and waits for an approval; then a stop
    world.tracks.set('stable', { version: 'v1', image: 'registry.example/checkout:v1', replicas: 2 });
    world.statuses.set('stable', { desired: 2, updated: 2, ready: 2, available: 2, complete: true });
    world.lockHolder = executionArn;
    const { key } = await task(backupState, {});
    await task(deployTrack, { track: 'canary' });
    await task(setWeights, { weights: { stable: 90, canary: 10 } });
    await task(requestApproval, { taskToken: 'token-1', stage: 'promote', timeoutSeconds: 3600 });
    const aborted = { Error: 'Aborted', Cause: 'stopped by a person' };
    // Act: the rollback machine's tasks
    const capacity = await task(restoreCapacity, {});
    const rolledBack = await task(rollback, { error: aborted });
    const settled = await task(restoreCapacity, { afterRollback: true });
    const notified = await task(notify, { type: 'RolledBack', error: aborted });
    const unlocked = await task(unlock, {});
    // Assess
    expect(key).toBe('releases/shop/checkout/checkout-v2.json');
    expect(capacity).toMatchObject({ ready: true });
    expect(rolledBack).toMatchObject({ backupKey: key, weights: { stable: 100 }, tracks: 1 });
    expect(settled).toMatchObject({ ready: true });
    expect(world.weights).toEqual({ stable: 100 });
    expect([...world.tracks.keys()]).toEqual(['stable']);
    expect(notified).toEqual({ type: 'RolledBack', published: true });
    expect(world.events.map((event) => event.type)).toEqual(['ApprovalRequested', 'RolledBack']);
    expect(unlocked).toEqual({ unlocked: true });
    expect(world.lockHolder).toBeUndefined();
  });

  it('unlock releases the lock of such a release, for each field admission now refuses', async () => {
    // Prepare
    const request = admittedEarlier();
    const prometheus = (url: string, queries: Record<string, string>) => ({
      metrics: { type: 'prometheus', url, queries },
    });
    const variants = [
      { release: request.release },
      prometheus('https://user:pass@prometheus.monitoring:9090', QUERIES),
      prometheus('http://prometheus.monitoring:9090', { ...QUERIES, latencyP95Ms: 'x' }),
      prometheus('http://prometheus.monitoring:9090', { requestCount: QUERIES.requestCount }),
      { hooks: request.hooks },
    ];
    for (const variant of variants) {
      world.lockHolder = executionArn;
      // Act
      await unlock(
        { strategy: 'canary', executionArn, request: { ...admit('canary', admissible), ...variant } },
        context,
      );
      // Assess
      expect(world.lockHolder).toBeUndefined();
    }
  });
});

describe('validate-request of the same request', () => {
  it('refuses it as validateRequest does, naming every field, before locking or deploying anything', async () => {
    // Prepare
    let expected = '';
    try {
      admit('canary', earlierInput);
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expected = (error as Error).message;
    }
    // Act
    const error = await errorOf(
      validateRequest({ strategy: 'canary', request: earlierInput, executionArn }, context),
    );
    // Assess
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toBe(expected);
    expect(expected).toContain('release.image: must be an image reference');
    expect(expected).toContain('metrics.url: must not hold credentials (user:password@)');
    expect(expected).toContain(
      'metrics.queries: unknown field latencyP95Ms (allowed: requestCount, errorRate, latencyP99Ms)',
    );
    expect(expected).toContain(
      'hooks.beforeTraffic[0].url: must be an http:// or https:// URL (got "http:/hooks.internal/smoke")',
    );
    expect(world.lockHolder).toBeUndefined();
    expect(world.calls).toEqual([]);
  });

  it('refuses it also in the form an earlier version normalized it to', async () => {
    // Act
    const error = await errorOf(
      validateRequest({ strategy: 'canary', request: admittedEarlier(), executionArn }, context),
    );
    // Assess
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toContain('metrics.url: must not hold credentials');
    expect(world.lockHolder).toBeUndefined();
  });
});

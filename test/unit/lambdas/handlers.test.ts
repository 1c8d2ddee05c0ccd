import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clusters } from '#adapters/cluster/index.ts';
import { metricProviders } from '#adapters/metrics/index.ts';
import { LOCAL_DATA_DIR_FLAG_VARIABLE, localDataDirFlag } from '#core/cli-flags.ts';
import { UnknownAdapterTypeError } from '#core/errors.ts';
import { handler as analyze } from '#lambdas/analyze/handler.ts';
import { handler as backupState } from '#lambdas/backup-state/handler.ts';
import { handler as checkRollout } from '#lambdas/check-rollout/handler.ts';
import { handler as claimRollback } from '#lambdas/claim-rollback/handler.ts';
import { handler as cleanup } from '#lambdas/cleanup/handler.ts';
import { handler as deployTrack } from '#lambdas/deploy-track/handler.ts';
import { handler as notify } from '#lambdas/notify/handler.ts';
import { handler as promote } from '#lambdas/promote/handler.ts';
import { handler as requestApproval } from '#lambdas/request-approval/handler.ts';
import { handler as restoreCapacity } from '#lambdas/restore-capacity/handler.ts';
import { handler as rollback } from '#lambdas/rollback/handler.ts';
import { handler as runHooks } from '#lambdas/run-hooks/handler.ts';
import { handler as scaleTrack } from '#lambdas/scale-track/handler.ts';
import { handler as setWeights } from '#lambdas/set-weights/handler.ts';
import { handler as unlock } from '#lambdas/unlock/handler.ts';
import { handler as validateRequest } from '#lambdas/validate-request/handler.ts';
import { blueGreenInput, canaryInput, rollingInput } from '#test/builders/release-request.ts';
import { type FakeWorld, heldBy, useFakeWorld } from './fakes.ts';

const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:canary:run-1';
type Context = Parameters<typeof unlock>[1];
const context = {} as Context;
/** A track whose rollout is complete, every replica ready. */
const READY = { desired: 2, updated: 2, ready: 2, available: 2, complete: true };
type Handler = (event: unknown, context: Context) => Promise<unknown>;
const run = (handler: Handler, event: Record<string, unknown>) =>
  handler({ strategy: 'canary', executionArn, request: canaryInput(), ...event }, context) as Promise<
    Record<string, unknown>
  >;
const errorOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: Error) => error,
  );

const currentWorld = useFakeWorld('cutover-handlers-');
let world: FakeWorld;
beforeEach(() => {
  world = currentWorld();
});

describe('validate-request', () => {
  it('returns the normalized request, the plan and zeroed counters, and locks the service', async () => {
    // Act
    const state = await validateRequest(
      { strategy: 'canary', request: canaryInput(), executionArn },
      context,
    );
    // Assess
    expect(state).toMatchObject({
      executionArn,
      cursor: { index: 0 },
      analysis: { failures: 0, inconclusives: 0 },
      plan: { strategy: 'canary', stepCount: 1, tracks: { live: 'stable', next: 'canary' } },
      request: { scaleDownDelaySeconds: 30 },
    });
    expect(world.lockHolder).toBe(executionArn);
  });

  it('locks the service for as long as every wait for a person may last: each paused step and the approval', async () => {
    // Prepare: two paused steps and an approval, a day each at most (a pause on the last step would be the approval)
    const steps = [
      { weight: 10, bakeSeconds: 60, pause: true },
      { weight: 50, bakeSeconds: 60, pause: true },
      { weight: 80, bakeSeconds: 60 },
    ];
    const request = canaryInput({ steps, approval: { timeoutSeconds: 86_400 } });
    // Act
    const state = (await validateRequest({ strategy: 'canary', request, executionArn }, context)) as {
      plan: { expectedDurationSeconds: number };
    };
    // Assess: three days of waits, the release's own time, and a day of margin
    expect(world.lockSeconds).toBe(3 * 86_400 + state.plan.expectedDurationSeconds + 86_400);
  });

  it('fails with ValidationError naming the fields, and locks nothing', async () => {
    // Act
    const error = await errorOf(
      validateRequest(
        { strategy: 'canary', request: canaryInput({ steps: [{ weight: 150 }] }), executionArn },
        context,
      ),
    );
    // Assess
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toContain('canary.steps[0].weight: must be an integer 1-100 (got 150)');
    expect(world.lockHolder).toBeUndefined();
  });

  it('fails with ValidationError naming a misspelled placeholder of a metric query', async () => {
    // Prepare
    const queries = {
      requestCount: 'sum(increase(http_requests_total{app="{{servce}}"}[{{window}}])) or vector(0)',
      errorRate:
        '(sum(rate(http_requests_total{app="{{service}}",code=~"5.."}[{{window}}])) or vector(0)) / sum(rate(http_requests_total{app="{{service}}"}[{{window}}]))',
    };
    const request = canaryInput(undefined, {
      metrics: { type: 'prometheus', url: 'http://prometheus:9090', queries },
    });
    // Act
    const error = await errorOf(validateRequest({ strategy: 'canary', request, executionArn }, context));
    // Assess
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toContain('metrics.queries.requestCount: unknown placeholder {{servce}}');
    expect(world.lockHolder).toBeUndefined();
  });

  it('fails with ServiceLocked while another execution holds the service', async () => {
    // Prepare
    world.lockHolder = 'arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v7';
    // Act
    const error = await errorOf(
      validateRequest({ strategy: 'canary', request: canaryInput(), executionArn }, context),
    );
    // Assess
    expect(error?.name).toBe('ServiceLocked');
    expect(error?.message).toBe(
      'shop/checkout is locked by arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v7: ' +
        'wait for it to end (`cutover watch checkout-v7`) or stop it (`cutover abort checkout-v7`), then start again; ' +
        'if it was aborted, its rollback holds the lock until it has cleaned up (`cutover abort checkout-v7` names it)',
    );
  });

  it.each([
    ['RUNNING', undefined],
    ['ABORTED', 'Aborted'],
    ['PENDING_REDRIVE', undefined],
    ['FAILED', 'States.Runtime'],
    ['FAILED', 'States.DataLimitExceeded'],
    ['TIMED_OUT', undefined], // AWS gives a timed-out execution no error
  ])(
    'keeps refusing while the holder is %s %s (running, rolled back by its rollback, or ended with nothing rolled back)',
    async (status, failedWith) => {
      // Prepare
      const holder = 'arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v7';
      world.lockHolder = holder;
      world.executions.set(holder, { status, ...(failedWith ? { error: failedWith } : {}) });
      // Act
      const error = await errorOf(
        validateRequest({ strategy: 'canary', request: canaryInput(), executionArn }, context),
      );
      // Assess
      expect(error?.name).toBe('ServiceLocked');
      expect(world.lockHolder).toBe(holder);
      const ended = status === 'FAILED' || status === 'TIMED_OUT';
      expect(
        error?.message.startsWith(`shop/checkout is locked by ${holder}${ended ? ', which ended' : ':'}`),
      ).toBe(true);
    },
  );

  it('says a holder that ended without a rollback keeps the lock, and how to free it, not to wait or abort', async () => {
    // Prepare: a release that failed States.DataLimitExceeded after it locked the service
    const holder = 'arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v7';
    world.lockHolder = holder;
    world.executions.set(holder, { status: 'FAILED', error: 'States.DataLimitExceeded' });
    // Act
    const error = await errorOf(
      validateRequest({ strategy: 'canary', request: canaryInput(), executionArn }, context),
    );
    // Assess
    expect(error?.message).toBe(
      `shop/checkout is locked by ${holder}, which ended FAILED (States.DataLimitExceeded) holding it and ran no ` +
        'rollback: look at the service first, then wait for the lock to expire or remove it (the item ' +
        'lock#shop/checkout of the state table; under cutover local, its row of service_locks in cutover.db)',
    );
  });

  it('fails with DuplicateRelease when the running holder was started by the same machine with the same request', async () => {
    // Prepare: the holder's input is this execution's, its keys in another order and spaced
    const holder = 'arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v7';
    const request = canaryInput();
    world.lockHolder = holder;
    world.executions.set(executionArn, { status: 'RUNNING', input: JSON.stringify(request) });
    const reordered = Object.fromEntries(Object.entries(request).reverse());
    world.executions.set(holder, { status: 'RUNNING', input: JSON.stringify(reordered, null, 2) });
    // Act
    const error = await errorOf(validateRequest({ strategy: 'canary', request, executionArn }, context));
    // Assess
    expect(error?.name).toBe('DuplicateRelease');
    expect(error?.message).toBe(
      `the same request as ${holder}, which is running: this execution changed nothing (\`cutover watch checkout-v7\` follows it)`,
    );
    expect(world.lockHolder).toBe(holder);
  });

  it.each([
    ['another state machine with the same request', 'blue-green', canaryInput()],
    [
      'the same state machine with another request',
      'canary',
      canaryInput(undefined, { release: { version: 'v8' } }),
    ],
  ])(
    'fails with ServiceLocked when the running holder was started by %s',
    async (_case, machine, holderRequest) => {
      // Prepare
      const holder = `arn:aws:states:us-east-1:000000000000:execution:${machine}:checkout-v7`;
      const request = canaryInput();
      world.lockHolder = holder;
      world.executions.set(executionArn, { status: 'RUNNING', input: JSON.stringify(request) });
      world.executions.set(holder, { status: 'RUNNING', input: JSON.stringify(holderRequest) });
      // Act
      const error = await errorOf(validateRequest({ strategy: 'canary', request, executionArn }, context));
      // Assess
      expect(error?.name).toBe('ServiceLocked');
      expect(world.lockHolder).toBe(holder);
    },
  );

  it.each([
    ['SUCCEEDED', undefined],
    ['FAILED', 'AnalysisFailed'],
  ])('takes the lock over from a holder that ended %s %s without giving it back', async (status, error) => {
    // Prepare: the holder's Unlock failed, so it ended holding the lock
    const holder = 'arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v7';
    world.lockHolder = holder;
    world.executions.set(holder, { status, ...(error ? { error } : {}) });
    // Act
    const state = await validateRequest(
      { strategy: 'canary', request: canaryInput(), executionArn },
      context,
    );
    // Assess
    expect(state.executionArn).toBe(executionArn);
    expect(world.lockHolder).toBe(executionArn);
  });

  it('builds every adapter before locking, so an unusable one leaves the service free', async () => {
    // Prepare
    clusters.register('local', () => {
      throw new UnknownAdapterTypeError('cluster.type must be one of: eks, kubeconfig (got "local")');
    });
    // Act
    const error = await errorOf(
      validateRequest({ strategy: 'canary', request: canaryInput(), executionArn }, context),
    );
    // Assess
    expect(error?.name).toBe('UnknownAdapterType');
    expect(world.lockHolder).toBeUndefined();
  });
});

describe('validate-request with the allowed namespaces of a deployment (CUTOVER_ALLOWED_NAMESPACES)', () => {
  beforeEach(() => {
    vi.stubEnv('CUTOVER_ALLOWED_NAMESPACES', 'shop,billing');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('refuses a service in another namespace, naming the field and the allowed ones, before touching anything', async () => {
    // Prepare
    const request = { ...canaryInput(), service: { name: 'checkout', namespace: 'payments' } };
    // Act
    const error = await errorOf(validateRequest({ strategy: 'canary', request, executionArn }, context));
    // Assess
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toBe(
      'service.namespace: must be one of: shop, billing, the allowedNamespaces of this Cutover deployment, ' +
        'whose Kubernetes Roles exist only there (got "payments")',
    );
    expect(world.lockHolder).toBeUndefined();
    expect(world.calls).toEqual([]);
  });

  it('admits a service in an allowed namespace', async () => {
    // Act
    await validateRequest({ strategy: 'canary', request: canaryInput(), executionArn }, context);
    // Assess
    expect(world.lockHolder).toBe(executionArn);
  });
});

describe('validate-request with the hookSecrets of a deployment (CUTOVER_HOOK_SECRETS)', () => {
  const secret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hooks/ci-AbCdEf';
  const withHooks = (url: string) =>
    canaryInput(undefined, {
      hooks: {
        beforeTraffic: [{ name: 'smoke', url: 'https://ci.example.com/hooks/smoke' }],
        afterTraffic: [{ name: 'e2e', url, headersSecretArn: secret }],
      },
    });
  beforeEach(() => {
    vi.stubEnv('CUTOVER_HOOK_SECRETS', JSON.stringify({ [secret]: ['https://ci.example.com/hooks/'] }));
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('refuses a hook that would send a secret outside its URL prefixes, before touching anything', async () => {
    // Act
    const error = await errorOf(
      validateRequest(
        { strategy: 'canary', request: withHooks('https://attacker.example/x'), executionArn },
        context,
      ),
    );
    // Assess
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toBe(
      `hooks.afterTraffic[0].url: hook e2e names headersSecretArn ${secret}, which the hookSecrets of this ` +
        'Cutover deployment let go only to URLs under https://ci.example.com/hooks/ (got https://attacker.example/x)',
    );
    expect(world.lockHolder).toBeUndefined();
    expect(world.calls).toEqual([]);
  });

  it('admits a hook sending its secret under its URL prefixes', async () => {
    // Act
    await validateRequest(
      { strategy: 'canary', request: withHooks('https://ci.example.com/hooks/e2e'), executionArn },
      context,
    );
    // Assess
    expect(world.lockHolder).toBe(executionArn);
  });
});

describe('validate-request with CloudWatch metrics', () => {
  const cloudwatch = mockClient(CloudWatchClient);
  afterEach(() => cloudwatch.restore());
  const withTargetGroups = (targetGroups: Record<string, string>) => ({
    ...canaryInput(),
    metrics: { type: 'cloudwatch', loadBalancer: 'app/prod/50dc6c495c0c9188', targetGroups },
  });

  it('refuses a release whose analyses would query a track without a target group, and locks nothing', async () => {
    // Prepare: the target group given for the wrong track
    const request = withTargetGroups({ stable: 'targetgroup/checkout-stable/1f2e3d4c5b6a7980' });
    // Act
    const error = await errorOf(validateRequest({ strategy: 'canary', request, executionArn }, context));
    // Assess
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toBe('metrics.targetGroups has no target group for track "canary" (has: stable)');
    expect(world.lockHolder).toBeUndefined();
    expect(cloudwatch.calls()).toHaveLength(0);
  });

  it('admits it once the track the analyses judge has one', async () => {
    // Prepare
    const request = withTargetGroups({ canary: 'targetgroup/checkout-canary/73e2d6bc24d8a067' });
    // Act
    const state = await validateRequest({ strategy: 'canary', request, executionArn }, context);
    // Assess
    expect(state).toMatchObject({ plan: { tracks: { next: 'canary' } } });
    expect(world.lockHolder).toBe(executionArn);
  });
});

describe('validate-request without release.replicas', () => {
  const withoutReplicas = (request: ReturnType<typeof rollingInput>) => {
    const { replicas: _replicas, ...release } = request.release;
    return { ...request, release };
  };
  const live = (desired: number) => ({
    desired,
    updated: desired,
    ready: desired,
    available: desired,
    complete: true,
  });

  it('runs as many replicas as the live track, in batches from that count, and 1 for a first release', async () => {
    // Prepare: blue serves all traffic with 4 replicas
    world.weights = { blue: 100 };
    world.statuses.set('blue', live(4));
    const request = withoutReplicas(rollingInput({ maxSurge: 1, maxUnavailable: 1 }));
    // Act
    const state = (await validateRequest({ strategy: 'rolling', request, executionArn }, context)) as {
      request: { release: { replicas: number } };
      plan: { steps: readonly { newReplicas?: number; oldReplicas?: number }[] };
    };
    await unlock({ strategy: 'rolling', request: state.request, executionArn }, context);
    world.weights = {};
    world.statuses.clear();
    const first = (await validateRequest({ strategy: 'rolling', request, executionArn }, context)) as {
      request: { release: { replicas: number } };
    };
    // Assess
    expect(state.request.release.replicas).toBe(4);
    expect(state.plan.steps.map((step) => [step.newReplicas, step.oldReplicas])).toEqual([
      [1, 2],
      [3, 0],
      [4, 0],
    ]);
    expect(first.request.release.replicas).toBe(1);
  });

  it("says a live track's count does not fit the request, and to give release.replicas", async () => {
    // Prepare: 2 live replicas, and a rolling block that would stop both at once
    world.weights = { blue: 100 };
    world.statuses.set('blue', live(2));
    const request = withoutReplicas(rollingInput({ maxSurge: 0, maxUnavailable: 2 }));
    // Act
    const error = await errorOf(validateRequest({ strategy: 'rolling', request, executionArn }, context));
    // Assess
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toMatch(
      /^release\.replicas is not given, and as many as the live track blue runs \(2\) do not fit the request: give release\.replicas\n {2}- rolling\.maxUnavailable: with maxSurge 0 must leave a replica serving/,
    );
    expect(world.lockHolder).toBeUndefined();
  });
});

describe('backup-state and rollback', () => {
  it('keeps the first backup and restores weights before tracks', async () => {
    // Prepare
    world.tracks.set('stable', { version: 'v1', command: ['node'], replicas: 2 });
    const { key } = await run(backupState, {});
    world.weights = { stable: 90, canary: 10 };
    await run(deployTrack, { track: 'canary' });
    // a retry does not overwrite the first state, and reports the weights it holds
    expect(await run(backupState, {})).toEqual({ key, foundWeights: { stable: 100 } });
    world.calls.length = 0;
    // Act
    const result = await run(rollback, {
      backupKey: key,
      error: { Error: 'AnalysisFailed', Cause: 'errorRate 0.3 > 0.01' },
    });
    // Assess
    expect(key).toBe('releases/shop/checkout/run-1.json');
    expect(world.calls).toEqual(['weights {"stable":100}', 'restore 1 tracks']);
    expect(result).toEqual({ backupKey: key, weights: { stable: 100, canary: 0 }, tracks: 1, objects: 1 });
    expect([...world.tracks.keys()]).toEqual(['stable']);
  });

  it('moves the traffic back first and gives the new track the release’s scale-down delay to drain, then restores the tracks', async () => {
    // Prepare: a canary at 10%, released with scaleDownDelaySeconds 20
    world.tracks.set('stable', { version: 'v1', command: ['node'], replicas: 2 });
    const { key } = await run(backupState, {});
    world.weights = { stable: 90, canary: 10 };
    await run(deployTrack, { track: 'canary' });
    world.calls.length = 0;
    const request = canaryInput({ steps: [{ weight: 10, bakeSeconds: 60 }] }, { scaleDownDelaySeconds: 20 });
    // Act
    const traffic = await run(rollback, { request, backupKey: key, only: 'traffic' });
    const callsAfterTraffic = [...world.calls];
    const tracks = await run(rollback, { request, backupKey: key, trafficRestored: traffic.restored });
    // Assess
    // The weights it set, with the track that lost its traffic; the tracks' rollback set none
    expect(traffic).toEqual({ restored: true, drainSeconds: 20, weights: { stable: 100, canary: 0 } });
    expect(callsAfterTraffic).toEqual(['weights {"stable":100}']);
    expect(world.calls).toEqual(['weights {"stable":100}', 'restore 1 tracks']);
    expect(tracks).toEqual({ backupKey: key, tracks: 1, objects: 1 });
    expect([...world.tracks.keys()]).toEqual(['stable']);
  });

  it('drains at most 30 s, whatever the scale-down delay after a promotion', async () => {
    // Prepare
    const { key } = await run(backupState, {});
    world.weights = { stable: 50, canary: 50 };
    const request = canaryInput(
      { steps: [{ weight: 50, bakeSeconds: 60 }] },
      { scaleDownDelaySeconds: 3600 },
    );
    // Act
    const traffic = await run(rollback, { request, backupKey: key, only: 'traffic' });
    // Assess
    expect(traffic).toMatchObject({ restored: true, drainSeconds: 30 });
  });

  it('drains a rolling release, which has no scale-down delay of its own, 30 s', async () => {
    // Prepare: a rolling release with its new track at a third of the traffic
    const { key } = await run(backupState, {});
    world.weights = { stable: 67, canary: 33 };
    // Act
    const traffic = await run(rollback, {
      strategy: 'rolling',
      request: rollingInput({ maxSurge: 1, maxUnavailable: 0 }),
      backupKey: key,
      only: 'traffic',
    });
    // Assess
    expect(traffic).toMatchObject({ restored: true, drainSeconds: 30 });
  });

  it('drains nothing when the traffic never left the backup’s weights', async () => {
    // Prepare: the release failed before its first weight change
    const { key } = await run(backupState, {});
    world.calls.length = 0;
    // Act
    const traffic = await run(rollback, { backupKey: key, only: 'traffic' });
    // Assess
    expect(traffic).toEqual({ restored: true, drainSeconds: 0 });
    expect(world.calls).toEqual([]);
  });

  it("returns the router's weights it found as foundWeights, not as weights a task set", async () => {
    // Prepare: a blue-green's live colour serves everything
    world.weights = { green: 100, blue: 0 };
    // Act
    const result = await run(backupState, {});
    // Assess
    expect(result).toEqual({
      key: 'releases/shop/checkout/run-1.json',
      foundWeights: { green: 100, blue: 0 },
    });
  });

  it('scales a drained track back before its traffic returns, and checks it until ready or out of checks', async () => {
    // Prepare: stable serves everything with 2 replicas at the backup, then the release drains it
    world.tracks.set('stable', { version: 'v1', command: ['node'], replicas: 2 });
    world.weights = { stable: 100 };
    const { key } = await run(backupState, {});
    world.tracks.set('stable', { version: 'v1', command: ['node'], replicas: 0 });
    world.calls.length = 0;
    // Act
    const first = await run(restoreCapacity, { backupKey: key });
    world.statuses.set('stable', { desired: 2, updated: 2, ready: 1, available: 1, complete: false });
    const starting = await run(restoreCapacity, { backupKey: key, poll: first });
    const last = await run(restoreCapacity, { backupKey: key, poll: { attempt: 59, maxAttempts: 60 } });
    world.statuses.set('stable', { desired: 2, updated: 2, ready: 2, available: 2, complete: true });
    const ready = await run(restoreCapacity, { backupKey: key, poll: starting });
    // Assess
    expect(world.calls).toEqual(['scale stable 2']);
    expect(first).toEqual({ ready: false, waiting: ['stable 0/2 ready'], attempt: 1, maxAttempts: 60 });
    expect(starting).toEqual({ ready: false, waiting: ['stable 1/2 ready'], attempt: 2, maxAttempts: 60 });
    expect(last).toMatchObject({ ready: true, attempt: 60 }); // out of checks: the traffic returns anyway
    expect(ready).toEqual({ ready: true, waiting: [], attempt: 3, maxAttempts: 60 });
  });

  it('waits after a rollback until a track has rolled its release back, and before it only for ready replicas', async () => {
    // Prepare: stable rolls a release over its 2 ready replicas, not yet complete
    world.tracks.set('stable', { version: 'v1', command: ['node'], replicas: 2 });
    world.weights = { stable: 100 };
    const { key } = await run(backupState, {});
    world.statuses.set('stable', { desired: 2, updated: 1, ready: 2, available: 2, complete: false });
    // Act
    const before = await run(restoreCapacity, { backupKey: key });
    const after = await run(restoreCapacity, { backupKey: key, afterRollback: true });
    world.statuses.set('stable', { desired: 2, updated: 2, ready: 2, available: 2, complete: true });
    const rolledBack = await run(restoreCapacity, { backupKey: key, afterRollback: true, poll: after });
    // Assess
    expect(before).toMatchObject({ ready: true, waiting: [] });
    expect(after).toMatchObject({ ready: false, waiting: ['stable 2/2 ready'] });
    expect(rolledBack).toMatchObject({ ready: true, waiting: [] });
  });

  it('re-creates from the backup a track removed since, keeping the tracks that run, and waits for it', async () => {
    // Prepare: blue serves everything with 2 replicas at the backup; the release then replaced it by green
    world.tracks.set('blue', { version: 'v1', command: ['node'], replicas: 2 });
    world.weights = { blue: 100 };
    const { key } = await run(backupState, {});
    world.tracks = new Map([['green', { version: 'v2', command: ['node'], replicas: 2 }]]);
    world.calls.length = 0;
    // Act
    const first = await run(restoreCapacity, { backupKey: key });
    // Assess
    expect(world.calls).toEqual(['restore 2 tracks']);
    expect([...world.tracks]).toEqual([
      ['blue', { version: 'v1', command: ['node'], replicas: 2 }],
      ['green', { version: 'v2', command: ['node'], replicas: 2 }],
    ]);
    expect(first).toEqual({ ready: false, waiting: ['blue 0/2 ready'], attempt: 1, maxAttempts: 60 });
  });

  it('stops waiting for a track that fails to come back, or is not back when the checks run out, naming it', async () => {
    // Prepare: stable and canary serve at the backup; stable's new pods cannot pull its image
    world.tracks.set('stable', { version: 'v1', command: ['node'], replicas: 4 });
    world.tracks.set('canary', { version: 'v1', command: ['node'], replicas: 2 });
    world.weights = { stable: 50, canary: 50 };
    const { key } = await run(backupState, {});
    const failed = { reason: 'ImagePullBackOff', message: 'pod checkout-stable-x container checkout' };
    world.statuses.set('stable', { desired: 4, updated: 4, ready: 2, available: 2, complete: false, failed });
    world.statuses.set('canary', { desired: 2, updated: 2, ready: 1, available: 1, complete: false });
    // Act
    const checked = await run(restoreCapacity, { backupKey: key });
    const last = await run(restoreCapacity, { backupKey: key, poll: { attempt: 59, maxAttempts: 60 } });
    // Assess
    expect(checked).toEqual({
      ready: false,
      waiting: ['canary 1/2 ready'],
      shortfall: ['stable 2/4 ready: ImagePullBackOff'],
      attempt: 1,
      maxAttempts: 60,
    });
    expect(last).toMatchObject({
      ready: true,
      shortfall: ['stable 2/4 ready: ImagePullBackOff', 'canary 1/2 ready: not back after 120s of checks'],
    });
  });

  it('stops the rollback when the checks run out on a track with no ready replica, naming it and the new track it keeps', async () => {
    // Prepare: stable served everything with 2 replicas; the release drained it and gave the canary all
    world.tracks.set('stable', { version: 'v1', command: ['node'], replicas: 2 });
    world.weights = { stable: 100 };
    const { key } = await run(backupState, {});
    world.tracks.set('canary', { version: 'v2', command: ['node'], replicas: 2 });
    world.weights = { stable: 0, canary: 100 };
    world.statuses.set('canary', READY);
    world.statuses.set('stable', { desired: 2, updated: 2, ready: 0, available: 0, complete: false });
    world.calls.length = 0;
    // Act
    const checking = await run(restoreCapacity, { backupKey: key, poll: { attempt: 58, maxAttempts: 60 } });
    const stopped = await errorOf(
      run(restoreCapacity, { backupKey: key, poll: { attempt: 59, maxAttempts: 60 } }),
    );
    // Assess: no traffic moves back to stable, nothing is removed
    expect(checking).toMatchObject({ ready: false, waiting: ['stable 0/2 ready'] });
    expect(stopped?.name).toBe('RollbackStopped');
    expect(stopped?.message).toBe(
      'stable has no ready replica (0/2 ready after 120s of checks): its traffic was not given back; the weights ' +
        'stay as the release left them and canary (2/2 ready) is kept: make stable ready, then release again',
    );
    expect(world.calls).toEqual([]);
    expect(world.weights).toEqual({ stable: 0, canary: 100 });
  });

  it('stops the rollback at once on a failed track with no ready replica, and gives traffic back to one with some', async () => {
    // Prepare: stable and canary serve at the backup; stable cannot pull its image, canary has 1 of 2 ready
    world.tracks.set('stable', { version: 'v1', command: ['node'], replicas: 2 });
    world.tracks.set('canary', { version: 'v1', command: ['node'], replicas: 2 });
    world.weights = { stable: 50, canary: 50 };
    const { key } = await run(backupState, {});
    const failed = { reason: 'ImagePullBackOff', message: 'pod checkout-stable-x container checkout' };
    world.statuses.set('canary', { desired: 2, updated: 2, ready: 1, available: 1, complete: false, failed });
    world.statuses.set('stable', { desired: 2, updated: 2, ready: 0, available: 0, complete: false, failed });
    // Act
    const stopped = await errorOf(run(restoreCapacity, { backupKey: key }));
    world.statuses.set('stable', { desired: 2, updated: 2, ready: 1, available: 1, complete: false, failed });
    const partly = await run(restoreCapacity, { backupKey: key });
    // Assess: a backup that split the traffic has no new track to name
    expect(stopped?.name).toBe('RollbackStopped');
    expect(stopped?.message).toBe(
      'stable has no ready replica (0/2 ready: ImagePullBackOff): its traffic was not given back; the weights ' +
        'stay as the release left them: make stable ready, then release again',
    );
    expect(partly).toMatchObject({
      ready: true,
      shortfall: ['stable 1/2 ready: ImagePullBackOff', 'canary 1/2 ready: ImagePullBackOff'],
    });
  });

  it('only reports a track with no ready replica after Rollback: its traffic is back already', async () => {
    // Prepare
    world.tracks.set('stable', { version: 'v1', command: ['node'], replicas: 2 });
    world.weights = { stable: 100 };
    const { key } = await run(backupState, {});
    world.statuses.set('stable', { desired: 2, updated: 2, ready: 0, available: 0, complete: false });
    // Act
    const last = await run(restoreCapacity, {
      backupKey: key,
      afterRollback: true,
      poll: { attempt: 59, maxAttempts: 60 },
    });
    // Assess
    expect(last).toMatchObject({
      ready: true,
      shortfall: ['stable 0/2 ready: not back after 120s of checks'],
    });
  });

  it("counts after Rollback only a track's replicas of the release it put back, naming the release's that still serve", async () => {
    // Prepare: stable ran v1 at the backup and v2 since the promotion; Rollback put v1 back, which crash-loops,
    // so the rolling update keeps v2's 2 ready replicas
    world.tracks.set('stable', { version: 'v1', command: ['node'], replicas: 2 });
    world.weights = { stable: 100 };
    const { key } = await run(backupState, {});
    const failed = { reason: 'CrashLoopBackOff', message: 'replica checkout-stable-3 restarted 3 times' };
    const rollingBack = { desired: 2, updated: 1, ready: 2, available: 2, complete: false };
    world.statuses.set('stable', { ...rollingBack, updatedReady: 0, failed });
    // Act
    const before = await run(restoreCapacity, { backupKey: key });
    const after = await run(restoreCapacity, { backupKey: key, afterRollback: true });
    world.statuses.set('stable', { ...rollingBack, updatedReady: 1, failed });
    const partly = await run(restoreCapacity, { backupKey: key, afterRollback: true });
    // Assess: before Rollback any ready replica serves the traffic given back; after it, v1 is not back
    expect(before).toMatchObject({ ready: true, waiting: [] });
    expect(before.shortfall).toBeUndefined();
    expect(after).toMatchObject({
      ready: true,
      shortfall: ["stable 0/2 ready of v1: CrashLoopBackOff; v2's 2 replicas still serve"],
    });
    expect(partly).toMatchObject({
      ready: true,
      shortfall: ["stable 1/2 ready of v1: CrashLoopBackOff; v2's 1 replica still serves"],
    });
  });

  it('has nothing to wait for without a backup', async () => {
    expect(await run(restoreCapacity, { backupKey: 'releases/shop/checkout/none.json' })).toEqual({
      ready: true,
      waiting: [],
      attempt: 1,
      maxAttempts: 60,
    });
  });

  it('fails with BackupNotFound for a missing key', async () => {
    expect((await errorOf(run(rollback, { backupKey: 'releases/shop/checkout/none.json' })))?.name).toBe(
      'BackupNotFound',
    );
  });
});

describe('deploy-track and check-rollout', () => {
  it('counts attempts until ready', async () => {
    // Prepare
    const started = await run(deployTrack, { track: 'canary', replicas: 1 });
    // Act
    const waiting = await run(checkRollout, { track: 'canary', attempt: started.attempt, maxAttempts: 3 });
    world.statuses.set('canary', { desired: 1, updated: 1, ready: 1, available: 1, complete: true });
    const ready = await run(checkRollout, { track: 'canary', attempt: waiting.attempt, maxAttempts: 3 });
    // Assess
    expect(world.calls).toEqual(['apply canary v2 x1']);
    expect(waiting).toEqual({ track: 'canary', ready: false, reason: '0/1 ready, 0 updated', attempt: 1 });
    expect(ready).toMatchObject({ ready: true, attempt: 2, readyAt: expect.any(String) });
    expect(Date.parse(ready.readyAt as string)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('says what holds the rollout up while it waits and when its deadline passes', async () => {
    // Prepare
    const unschedulable = 'pod checkout-canary-1 not scheduled: Unschedulable: 0/3 nodes are available';
    world.statuses.set('canary', {
      ...{ desired: 1, updated: 1, ready: 0, available: 0, complete: false },
      waiting: unschedulable,
    });
    // Act
    const waiting = await run(checkRollout, { track: 'canary', attempt: 0, maxAttempts: 3 });
    const late = await errorOf(run(checkRollout, { track: 'canary', attempt: 2, maxAttempts: 3 }));
    // Assess
    expect(waiting.reason).toBe(`0/1 ready, 1 updated; ${unschedulable}`);
    expect(late?.message).toBe(
      `canary not ready within 600s (3 checks): 0/1 ready, 1 updated; ${unschedulable}`,
    );
  });

  it('throws RolloutDeadlineExceeded at the last attempt and RolloutFailed on a failed rollout', async () => {
    // Act
    const late = await errorOf(run(checkRollout, { track: 'canary', attempt: 2, maxAttempts: 3 }));
    world.statuses.set('canary', {
      desired: 1,
      updated: 1,
      ready: 0,
      available: 0,
      complete: false,
      failed: { reason: 'CrashLoop', message: 'exit 1' },
    });
    const failed = await errorOf(run(checkRollout, { track: 'canary', attempt: 0, maxAttempts: 3 }));
    // Assess
    expect(late?.name).toBe('RolloutDeadlineExceeded');
    expect(late?.message).toContain('not ready within 600s (3 checks)');
    expect(failed?.name).toBe('RolloutFailed');
    expect(failed?.message).toBe('canary: CrashLoop: exit 1');
  });

  it("asks the cluster at each check that nothing but Cutover sizes the strategy's tracks", async () => {
    // Prepare
    const status = vi.spyOn(world.cluster, 'status');
    const rolling = { strategy: 'rolling', request: rollingInput(), track: 'green' };
    // Act
    await run(checkRollout, { track: 'canary', attempt: 0, maxAttempts: 3 });
    await run(checkRollout, { ...rolling, attempt: 0, maxAttempts: 3 });
    // Assess
    expect(status.mock.calls.map(([, track, check]) => [track, check])).toEqual([
      ['canary', { tracks: ['stable', 'canary'] }],
      ['green', { tracks: ['blue', 'green'] }],
    ]);
  });
});

describe('analyze', () => {
  const thresholds = {
    maxErrorRate: 0.01,
    minRequests: 10,
    failureLimit: 1,
    inconclusiveLimit: 1,
    onInconclusive: 'fail',
    intervalSeconds: 30,
  };
  /** A bake of 60 s checked every 25 s: two checks, then the final analysis 10 s after the second. */
  const schedule = { checks: 2, checkSeconds: 25, finalSeconds: 10 };
  const finalAnalysis = { checksLeft: 0, waitSeconds: 0 };
  type BakeInput = { checksLeft: number; waitSeconds: number; checkedAt?: string };
  const analyzeInput = (counters = { failures: 0, inconclusives: 0 }, bake: BakeInput = finalAnalysis) => ({
    track: 'canary',
    windowSeconds: 60,
    thresholds,
    ...counters,
    bake,
    schedule,
  });
  const analyzeWith = (counters = { failures: 0, inconclusives: 0 }) => run(analyze, analyzeInput(counters));
  afterEach(() => vi.restoreAllMocks());

  it('continues on healthy numbers of the new track', async () => {
    // Prepare
    world.metrics = { requestCount: 100, errorRate: 0 };
    // Act
    const result = await analyzeWith();
    // Assess
    expect(result).toMatchObject({ verdict: 'pass', action: 'continue', failures: 0, inconclusives: 0 });
    expect(world.calls).toEqual(['query canary requestCount 60s', 'query canary errorRate 60s']);
  });

  it('looks back only to the shift of the weights, in whole seconds, at least one', async () => {
    // Prepare
    world.metrics = { requestCount: 100, errorRate: 0 };
    const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();
    // Act
    // A shift in the same millisecond has published nothing yet (inconclusive without asking).
    await run(analyze, { ...analyzeInput(), shiftedAt: secondsAgo(0.2) });
    await run(analyze, { ...analyzeInput(), shiftedAt: secondsAgo(4.5) });
    // Assess
    expect(world.calls).toEqual([
      'query canary requestCount 1s',
      'query canary errorRate 1s',
      'query canary requestCount 4s',
      'query canary errorRate 4s',
    ]);
  });

  it('checks the traffic since the check before during the bake, and bakes on to the next check', async () => {
    // Prepare
    world.metrics = { requestCount: 100, errorRate: 0 };
    // Act
    const first = await run(analyze, analyzeInput(undefined, { checksLeft: 2, waitSeconds: 25 }));
    const second = await run(analyze, analyzeInput(undefined, { checksLeft: 1, waitSeconds: 25 }));
    const final = await run(analyze, analyzeInput(undefined, { checksLeft: 0, waitSeconds: 10 }));
    // Assess
    expect([first, second, final]).toMatchObject([
      { verdict: 'pass', action: 'bake', bake: { checksLeft: 1, waitSeconds: 25 } },
      { verdict: 'pass', action: 'bake', bake: { checksLeft: 0, waitSeconds: 10 } },
      { verdict: 'pass', action: 'continue', bake: { checksLeft: 0, waitSeconds: 0 } },
    ]);
    // Each check judges its own 25 s; the final analysis the whole window
    expect(world.calls).toEqual([
      'query canary requestCount 25s',
      'query canary errorRate 25s',
      'query canary requestCount 25s',
      'query canary errorRate 25s',
      'query canary requestCount 60s',
      'query canary errorRate 60s',
    ]);
  });

  it('judges at a check only the traffic since the check before, in real time (waits compressed or late)', async () => {
    // Prepare
    world.metrics = { requestCount: 100, errorRate: 0 };
    const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();
    // Act
    const result = await run(analyze, {
      ...analyzeInput(undefined, { checksLeft: 1, waitSeconds: 25, checkedAt: secondsAgo(4.5) }),
      shiftedAt: secondsAgo(60),
    });
    // Assess
    expect(world.calls).toEqual(['query canary requestCount 4s', 'query canary errorRate 4s']);
    // The next check starts where this one ended
    const { checkedAt } = (result as { bake: { checkedAt: string } }).bake;
    expect(Date.now() - Date.parse(checkedAt)).toBeLessThan(1000);
  });

  it('gives the provider where the window starts: the check before, or the window back from its end', async () => {
    // Prepare
    world.metrics = { requestCount: 100, errorRate: 0 };
    const query = vi.spyOn(world.metricProvider, 'query');
    const now = Date.parse('2026-11-28T12:00:00.015Z');
    vi.spyOn(Date, 'now').mockReturnValue(now);
    const check = { checksLeft: 1, waitSeconds: 25, checkedAt: '2026-11-28T11:59:58.515Z' };
    // Act: a check 1.5 s after the one before; a final analysis of 60 s, 90 s after the shift
    await run(analyze, { ...analyzeInput(undefined, check), shiftedAt: '2026-11-28T11:58:30Z' });
    await run(analyze, { ...analyzeInput(), shiftedAt: '2026-11-28T11:58:30Z' });
    await run(analyze, analyzeInput());
    // Assess
    expect(
      query.mock.calls.map(([{ windowSeconds, windowStart, windowEnd }]) => [
        windowSeconds,
        windowStart,
        windowEnd,
      ]),
    ).toEqual([
      [1, Date.parse('2026-11-28T11:59:58.515Z'), now],
      [1, Date.parse('2026-11-28T11:59:58.515Z'), now],
      [60, now - 60_000, now],
      [60, now - 60_000, now],
      [60, undefined, now],
      [60, undefined, now],
    ]);
  });

  it('runs the final analysis for an execution of an earlier state machine, which gives no bake', async () => {
    // Prepare
    world.metrics = { requestCount: 100, errorRate: 0 };
    const { bake: _bake, schedule: _schedule, ...earlierInput } = analyzeInput();
    // Act
    const result = await run(analyze, earlierInput);
    // Assess
    expect(result).toMatchObject({ verdict: 'pass', action: 'continue' });
    expect(world.calls).toEqual(['query canary requestCount 60s', 'query canary errorRate 60s']);
  });

  it('fails fast when a check during the bake fails at the failure limit', async () => {
    // Prepare
    world.metrics = { requestCount: 100, errorRate: 0.3 };
    const duringBake = { checksLeft: 2, waitSeconds: 25 };
    // Act
    const error = await errorOf(run(analyze, analyzeInput(undefined, duringBake)));
    const belowLimit = await run(analyze, {
      ...analyzeInput(undefined, duringBake),
      thresholds: { ...thresholds, failureLimit: 2 },
    });
    // Assess
    expect(error?.name).toBe('AnalysisFailed');
    expect(error?.message).toBe(
      'analysis failed once (failureLimit 1), the last at a check during the bake: errorRate 0.3 > 0.01 (requestCount=100 errorRate=0.3)',
    );
    // Below the limit the failure counts, and the bake goes on
    expect(belowLimit).toMatchObject({ verdict: 'fail', action: 'bake', failures: 1, inconclusives: 0 });
  });

  it('names where it judged in its failure: the stage the state machine gives, and the weight of the track', async () => {
    // Prepare
    world.metrics = { requestCount: 100, errorRate: 0.3 };
    const atStep = { stage: 'step 2 of 3', weights: { stable: 75, canary: 25 } };
    // Act
    const failed = await errorOf(run(analyze, { ...analyzeInput(), ...atStep }));
    world.metrics = { requestCount: 100, errorRate: 0 };
    const inconclusive = await errorOf(
      run(analyze, {
        ...analyzeInput({ failures: 0, inconclusives: 1 }),
        stage: 'after the switch to canary',
        thresholds: { ...thresholds, minRequests: 500 },
      }),
    );
    // Assess
    expect(failed?.message).toBe(
      'step 2 of 3 (canary 25%): analysis failed once (failureLimit 1): errorRate 0.3 > 0.01 (requestCount=100 errorRate=0.3)',
    );
    expect(inconclusive?.name).toBe('AnalysisInconclusive');
    expect(inconclusive?.message).toMatch(
      /^after the switch to canary: analysis inconclusive 2 times in a row/,
    );
  });

  it('fails fast at a check with fewer requests than minRequests when its errors already exceed the limit', async () => {
    // Prepare: a canary answering 20% errors, 97 requests in the interval, minRequests 250
    world.metrics = { requestCount: 97, errorRate: 20 / 97 };
    const fewRequests = { ...thresholds, minRequests: 250 };
    const duringBake = { checksLeft: 2, waitSeconds: 25 };
    // Act
    const atCheck = await errorOf(
      run(analyze, { ...analyzeInput(undefined, duringBake), thresholds: fewRequests }),
    );
    const atEnd = await errorOf(run(analyze, { ...analyzeInput(), thresholds: fewRequests }));
    // Assess
    expect(atCheck?.name).toBe('AnalysisFailed');
    expect(atCheck?.message).toBe(
      'analysis failed once (failureLimit 1), the last at a check during the bake: errorRate: 20 errors in 97 requests already exceed 0.01 of minRequests 250 (errorRate 0.2062 > 0.01) (requestCount=97 errorRate=0.2062)',
    );
    // The analysis at the end of the bake too
    expect(atEnd?.name).toBe('AnalysisFailed');
    expect(atEnd?.message).toBe(
      'analysis failed once (failureLimit 1): errorRate: 20 errors in 97 requests already exceed 0.01 of minRequests 250 (errorRate 0.2062 > 0.01) (requestCount=97 errorRate=0.2062)',
    );
  });

  it('bakes on after an inconclusive check, counting nothing: the final analysis judges the whole bake', async () => {
    // Act
    const result = await run(
      analyze,
      analyzeInput({ failures: 0, inconclusives: 1 }, { checksLeft: 1, waitSeconds: 25 }),
    );
    // Assess
    expect(result).toMatchObject({ verdict: 'inconclusive', action: 'bake', failures: 0, inconclusives: 1 });
  });

  it('retries when there is no data, then throws AnalysisInconclusive', async () => {
    // Act
    const first = await analyzeWith();
    const second = await errorOf(analyzeWith({ failures: 0, inconclusives: Number(first.inconclusives) }));
    // Assess
    expect(first).toMatchObject({ verdict: 'inconclusive', action: 'retry', inconclusives: 1 });
    expect(second?.name).toBe('AnalysisInconclusive');
  });

  it.each([
    ['counted none', { requestCount: 0 }],
    ['has no data at all', {}],
  ])('says no request reached the track, and how to send some, when the provider %s', async (_, metrics) => {
    // Prepare
    world.metrics = metrics;
    // Act
    const { reason } = (await analyzeWith()) as { reason: string };
    // Assess
    const [judged, hint] = reason.split(': no request');
    expect(judged).toMatch(/^(requestCount 0 < minRequests 10|no data for requestCount)$/);
    expect(hint).toBe(
      " reached canary; send traffic to the service's proxy (`cutover traffic shop/checkout`, or your client at the proxy URL `cutover local` printed)",
    );
  });

  it('names the data dir of a cutover local started on another, in the command it suggests', async () => {
    // Prepare: cutover local --data-dir '/tmp/rehearsal 2' gives its tasks the flag
    vi.stubEnv(LOCAL_DATA_DIR_FLAG_VARIABLE, localDataDirFlag('/tmp/rehearsal 2', '/work/.cutover'));
    world.metrics = { requestCount: 0 };
    // Act
    const { reason } = (await analyzeWith()) as { reason: string };
    vi.unstubAllEnvs();
    // Assess
    expect(reason).toContain(
      "(`cutover traffic shop/checkout --data-dir '/tmp/rehearsal 2'`, or your client",
    );
    expect(localDataDirFlag('/work/.cutover', '/work/.cutover')).toBe('');
  });

  it('tells a blue-green preview without requests how to send its new colour some', async () => {
    // Prepare: no request named green before the switch
    world.metrics = { requestCount: 0 };
    // Act
    const analyzeGreen = async (preview: boolean) =>
      (
        (await run(analyze, {
          ...analyzeInput(),
          strategy: 'blue-green',
          request: blueGreenInput({ preview: { analysis: thresholds } }),
          track: 'green',
          ...(preview ? { preview } : {}),
        })) as { reason: string }
      ).reason;
    const reason = await analyzeGreen(true);
    const afterSwitch = await analyzeGreen(false);
    // Assess
    expect(reason).toContain(
      'before the switch green has no weight, so only requests naming it reach it ' +
        '(`cutover traffic shop/checkout --track green`, or the header `x-cutover-track: green`)',
    );
    expect(afterSwitch).not.toContain('before the switch'); // after it, green has the traffic
  });

  it('tells a blue-green preview on a cluster to give its new colour test traffic of its own', async () => {
    // Prepare: Prometheus counts no request of green before the switch (the Service routes none to it)
    metricProviders.register('prometheus', () => world.metricProvider);
    world.metrics = {};
    const request = blueGreenInput(
      { preview: { analysis: thresholds } },
      {
        metrics: {
          type: 'prometheus',
          url: 'http://127.0.0.1:9090',
          queries: { requestCount: 'requests {{track}}', errorRate: 'errors {{track}}' },
        },
      },
    );
    // Act
    const { reason } = (await run(analyze, {
      ...analyzeInput(),
      strategy: 'blue-green',
      request,
      track: 'green',
      preview: true,
    })) as { reason: string };
    // Assess
    expect(reason).toBe(
      'no data for requestCount: no request reached green; before the switch green has no weight: send it test ' +
        'traffic of its own (its Service checkout-green, as a preview service), or judge it after the switch (postSwitch)',
    );
  });

  it('throws AnalysisFailed with the reason at the failure limit', async () => {
    // Prepare
    world.metrics = { requestCount: 100, errorRate: 0.3 };
    // Act
    const error = await errorOf(analyzeWith());
    // Assess
    expect(error?.name).toBe('AnalysisFailed');
    expect(error?.message).toContain('errorRate 0.3 > 0.01');
  });

  describe('with a cloudwatch-alarms gate', () => {
    const cloudwatch = mockClient(CloudWatchClient);
    const alarmNames = ['checkout-5xx', 'checkout-p99'];
    const gated = (states: string[]) => {
      cloudwatch.reset();
      cloudwatch.on(DescribeAlarmsCommand).resolves({
        MetricAlarms: alarmNames.map((AlarmName, i) => ({ AlarmName, StateValue: states[i] as 'OK' })),
      });
      const request = { ...canaryInput(), metrics: { type: 'cloudwatch-alarms', alarmNames } };
      return run(analyze, { ...analyzeInput(), request });
    };
    afterEach(() => cloudwatch.restore());

    it('continues while no watched alarm is in ALARM', async () => {
      // Act
      const result = await gated(['OK', 'OK']);
      // Assess
      expect(result).toMatchObject({
        verdict: 'pass',
        action: 'continue',
        measurements: { alarmsInAlarm: 0 },
      });
    });

    it('continues while every watched alarm has insufficient data, as a 5XX alarm of a healthy service has', async () => {
      // Act
      const result = await gated(['INSUFFICIENT_DATA', 'INSUFFICIENT_DATA']);
      // Assess
      expect(result).toMatchObject({ verdict: 'pass', action: 'continue' });
    });

    it('throws AnalysisFailed naming the alarms in ALARM, not every alarm watched', async () => {
      // Act
      const error = await errorOf(gated(['OK', 'ALARM']));
      // Assess
      expect(error?.name).toBe('AnalysisFailed');
      expect(error?.message).toContain('alarmsInAlarm 1 > 0 (in ALARM: checkout-p99)');
      expect(error?.message).not.toContain('checkout-5xx');
    });
  });

  describe('with CloudWatch metrics, which an ALB publishes a minute late', () => {
    const cloudwatch = mockClient(CloudWatchClient);
    const metrics = {
      type: 'cloudwatch',
      loadBalancer: 'app/prod/50dc6c495c0c9188',
      targetGroups: { canary: 'targetgroup/checkout-canary/73e2d6bc24d8a067' },
    };
    const analyzeShiftedAt = (shiftedAt: string) => {
      cloudwatch.reset();
      cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'result', Values: [0] }] });
      const request = { ...canaryInput(), metrics };
      return run(analyze, { ...analyzeInput(), windowSeconds: 300, request, shiftedAt });
    };
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2026-11-28T12:35:17.900Z'));
    });
    afterEach(() => {
      vi.restoreAllMocks();
      vi.useRealTimers();
      cloudwatch.restore();
    });

    it('is inconclusive without asking while nothing since the shift can be published yet', async () => {
      // Act
      const result = await analyzeShiftedAt('2026-11-28T12:34:47.900Z');
      // Assess
      expect(result).toMatchObject({
        verdict: 'inconclusive',
        reason: 'no data since the shift yet: cloudwatch publishes 60s late',
        action: 'retry',
      });
      expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
    });

    it('checks a bake only on the minutes published since the check before, never one minute twice', async () => {
      // Prepare: the check before judged the data up to 12:34 (published at 12:35 + a minute's delay)
      cloudwatch.reset();
      cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'result', Values: [0] }] });
      const check = (checkedAt: string) =>
        run(analyze, {
          ...analyzeInput(undefined, { checksLeft: 2, waitSeconds: 60, checkedAt }),
          request: { ...canaryInput(), metrics },
          shiftedAt: '2026-11-28T12:30:00Z',
        });
      // Act
      const sameMinute = await check('2026-11-28T12:34:00.000Z');
      const nextMinute = await check('2026-11-28T12:33:00.000Z');
      // Assess
      expect(sameMinute).toMatchObject({
        verdict: 'inconclusive',
        reason: 'no data since the check before yet: cloudwatch publishes 60s late',
        action: 'bake',
      });
      expect(nextMinute).toMatchObject({ action: 'bake', bake: { checkedAt: '2026-11-28T12:34:00.000Z' } });
      // One query per metric, each of the one minute published since the check before (none for the first)
      const windows = cloudwatch
        .commandCalls(GetMetricDataCommand)
        .map(
          ({ args: [command] }) =>
            `${command.input.StartTime?.toISOString()} ${command.input.EndTime?.toISOString()}`,
        );
      expect(new Set(windows)).toEqual(new Set(['2026-11-28T12:33:00.000Z 2026-11-28T12:34:00.000Z']));
    });

    it('is inconclusive without asking while the minute of the shift did not end a minute ago', async () => {
      // Act
      const result = await analyzeShiftedAt('2026-11-28T12:34:05Z');
      // Assess
      expect(result).toMatchObject({ verdict: 'inconclusive', action: 'retry' });
      expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
    });

    it('asks for the whole minutes since the shift that are published, as one period', async () => {
      // Act
      await analyzeShiftedAt('2026-11-28T12:30:17.500Z');
      // Assess
      const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
      expect(input).toMatchObject({
        StartTime: new Date('2026-11-28T12:30:00Z'),
        EndTime: new Date('2026-11-28T12:34:00Z'),
      });
      expect(input.MetricDataQueries!.at(-1)!.Period).toBe(240);
    });

    it('asks for the window it judged, though a minute ends before the provider could read the clock', async () => {
      // Prepare: the handler's clock (Date.now) reads 12:35:59.9; the provider's (new Date()) already 12:36:00.1
      vi.setSystemTime(new Date('2026-11-28T12:36:00.100Z'));
      vi.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-11-28T12:35:59.900Z'));
      // Act
      await analyzeShiftedAt('2026-11-28T12:30:17.500Z');
      // Assess
      expect(cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input).toMatchObject({
        StartTime: new Date('2026-11-28T12:30:00Z'),
        EndTime: new Date('2026-11-28T12:34:00Z'),
      });
    });
  });
});

describe('claim-rollback', () => {
  const service = { name: 'checkout', namespace: 'shop' };
  const claim = (rollbackArn: string, ended?: 'cleanedUp' | 'failed') =>
    claimRollback({ executionArn, rollbackArn, service, ...(ended ? { ended } : {}) }, context);

  it('gives the clean-up to the first rollback, names it to a second, and frees it once the first failed', async () => {
    // Prepare: the stopped execution still holds its service's lock
    world.lockHolder = executionArn;
    // Act
    const first = await claim('rollback-1');
    const duplicate = await claim('rollback-2');
    await claim('rollback-1', 'failed');
    const givenUp = world.rollbackClaims.get(executionArn);
    const retry = await claim('rollback-2');
    // Assess
    expect([first, duplicate, retry]).toEqual([
      { claimed: true },
      { claimed: false, by: 'rollback-1' },
      { claimed: true },
    ]);
    expect(givenUp).toEqual({ rollbackArn: 'rollback-1', givenUp: true });
    expect(world.rollbackClaims.get(executionArn)).toEqual(heldBy('rollback-2'));
  });

  it('restores nothing over a release that has locked the service since, and keeps the claim so no later run does', async () => {
    // Prepare
    world.lockHolder = 'arn:aws:states:us-east-1:000000000000:execution:canary:run-2';
    // Act
    const answer = await claim('rollback-1');
    // Assess
    expect(answer).toEqual({
      claimed: false,
      refused:
        `shop/checkout is locked by ${world.lockHolder}, not by ${executionArn}: restoring the stopped ` +
        "execution's backup would undo what that one changes, so nothing was restored",
    });
    expect(world.rollbackClaims.get(executionArn)).toEqual(heldBy('rollback-1'));
    expect(await claim('rollback-2')).toEqual({ claimed: false, by: 'rollback-1' });
  });

  it("claims for a request that leaves the service's namespace to its default", async () => {
    // Prepare: the stopped execution's input as cutover run sent it, without a namespace
    world.lockHolder = executionArn;
    // Act
    const answer = await claimRollback(
      { executionArn, rollbackArn: 'rollback-1', service: { name: 'checkout' } },
      context,
    );
    // Assess
    expect(answer).toEqual({ claimed: true });
    expect(world.rollbackClaims.get(executionArn)).toEqual(heldBy('rollback-1'));
  });
});

describe("a stopped execution's tasks still in flight", () => {
  it('change nothing once a rollback claimed the execution, naming it', async () => {
    // Prepare
    world.tracks.set('canary', { version: 'v2', image: 'registry.example/checkout:v2', replicas: 1 });
    world.statuses.set('canary', READY);
    world.rollbackClaims.set(executionArn, heldBy('arn:rollback:abort-run-1'));
    const tasks: [Handler, Record<string, unknown>][] = [
      [setWeights, { weights: { stable: 50, canary: 50 } }],
      [deployTrack, { track: 'canary', replicas: 2 }],
      [scaleTrack, { track: 'canary', replicas: 3 }],
      [promote, { track: 'canary', tracks: { live: 'stable', next: 'canary' } }],
      [cleanup, { track: 'canary' }],
      [runHooks, { track: 'canary', phase: 'beforeTraffic' }],
    ];
    // Act
    const errors = [];
    for (const [task, event] of tasks) errors.push(await errorOf(run(task, event)));
    // Assess
    expect(errors.map((error) => error?.name)).toEqual(Array(tasks.length).fill('ExecutionStopped'));
    expect(errors[0]?.message).toBe(
      `set-weights changed nothing: ${executionArn} was stopped, and its rollback arn:rollback:abort-run-1 ` +
        'owns the clean-up',
    );
    expect(world.calls).toEqual([]);
    expect(world.weights).toEqual({ stable: 100 });
    expect(world.events).toEqual([]);
  });

  it('give the service lock back when the execution was stopped while ValidateRequest ran', async () => {
    // Prepare: the rollback found nothing locked yet and claimed the execution
    world.rollbackClaims.set(executionArn, heldBy('arn:rollback:abort-run-1'));
    // Act
    const error = await errorOf(
      validateRequest({ strategy: 'canary', request: canaryInput(), executionArn }, context),
    );
    // Assess
    expect(error?.name).toBe('ExecutionStopped');
    expect(world.lockHolder).toBeUndefined();
  });

  it('still fail ExecutionStopped, saying so, when giving the lock back fails', async () => {
    // Prepare: the rollback claimed the execution, and the lock table refuses the release
    world.rollbackClaims.set(executionArn, heldBy('arn:rollback:abort-run-1'));
    world.lock.release = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    // Act
    const error = await errorOf(
      validateRequest({ strategy: 'canary', request: canaryInput(), executionArn }, context),
    );
    // Assess
    expect(error?.name).toBe('ExecutionStopped');
    expect(error?.message).toContain(
      "giving shop/checkout's lock back failed too (ProvisionedThroughputExceededException): its rollback releases it",
    );
  });

  it('change nothing, rollback included, when another execution holds the service lock, naming it', async () => {
    // Prepare: this execution lost the lock (it expired, or it was redriven after giving it back)
    world.tracks.set('stable', { version: 'v1', command: ['node'], replicas: 2 });
    const { key } = await run(backupState, {});
    world.lockHolder = 'arn:aws:states:us-east-1:000000000000:execution:canary:run-2';
    world.calls.length = 0;
    const tasks: [Handler, Record<string, unknown>][] = [
      [setWeights, { weights: { stable: 50, canary: 50 } }],
      [deployTrack, { track: 'canary', replicas: 2 }],
      [restoreCapacity, { backupKey: key }],
      [rollback, { backupKey: key, error: { Error: 'AnalysisFailed' } }],
    ];
    // Act
    const errors = [];
    for (const [task, event] of tasks) errors.push(await errorOf(run(task, event)));
    // Assess
    expect(errors.map((error) => error?.name)).toEqual(Array(tasks.length).fill('ExecutionStopped'));
    expect(errors[3]?.message).toBe(
      `rollback changed nothing: shop/checkout is locked by ${world.lockHolder}, not by ${executionArn}, ` +
        "which lost the lock: what it would change is that execution's to change now",
    );
    expect(world.calls).toEqual([]);
    expect(world.weights).toEqual({ stable: 100 });
  });

  it('take a free lock back before changing the service (it expired while the execution waited for a redrive)', async () => {
    // Prepare
    world.lockHolder = undefined;
    // Act
    await run(setWeights, { weights: { stable: 50, canary: 50 } });
    // Assess
    expect(world.lockHolder).toBe(executionArn);
    expect(world.lockSeconds).toBe(86_400);
    expect(world.weights).toEqual({ stable: 50, canary: 50 });
  });

  it('let the rollback that claimed the execution restore it, and no other', async () => {
    // Prepare: the stopped execution still holds the lock; rollback-1 claimed its clean-up
    world.tracks.set('stable', { version: 'v1', command: ['node'], replicas: 2 });
    const { key } = await run(backupState, {});
    world.weights = { stable: 90, canary: 10 };
    world.lockHolder = executionArn;
    world.rollbackClaims.set(executionArn, heldBy('arn:rollback:rollback-1'));
    // Act
    const other = await errorOf(run(rollback, { backupKey: key, rollbackArn: 'arn:rollback:rollback-2' }));
    const claimed = await run(rollback, { backupKey: key, rollbackArn: 'arn:rollback:rollback-1' });
    // Assess
    expect(other?.name).toBe('ExecutionStopped');
    expect(claimed).toMatchObject({ weights: { stable: 100, canary: 0 } });
    expect(world.weights).toEqual({ stable: 100 });
  });

  it('change nothing once a rollback claimed the execution and failed, while the rollback machine may run again', async () => {
    // Prepare: rollback-1 failed and gave its claim up (an aborted release redriven since)
    world.tracks.set('stable', { version: 'v1', command: ['node'], replicas: 2 });
    const { key } = await run(backupState, {});
    world.weights = { stable: 90, canary: 10 };
    world.lockHolder = undefined;
    world.rollbackClaims.set(executionArn, { rollbackArn: 'arn:rollback:rollback-1', givenUp: true });
    // Act
    const release = await errorOf(run(setWeights, { weights: { stable: 50, canary: 50 } }));
    const redrivenRollback = await run(rollback, { backupKey: key, rollbackArn: 'arn:rollback:rollback-1' });
    // Assess
    expect(release?.name).toBe('ExecutionStopped');
    expect(release?.message).toBe(
      `set-weights changed nothing: ${executionArn} was stopped, and its rollback arn:rollback:rollback-1 ` +
        'ended without cleaning up: run the rollback machine again to clean up after it',
    );
    expect(redrivenRollback).toMatchObject({ weights: { stable: 100, canary: 0 } });
    expect(world.weights).toEqual({ stable: 100 });
  });

  it('go on for an execution no rollback claimed', async () => {
    // Prepare
    world.rollbackClaims.set(
      'arn:aws:states:us-east-1:000000000000:execution:canary:other',
      heldBy('arn:rollback:x'),
    );
    // Act
    await run(setWeights, { weights: { stable: 50, canary: 50 } });
    // Assess
    expect(world.weights).toEqual({ stable: 50, canary: 50 });
  });
});

describe('weights, promotion, approval, notification, unlock', () => {
  it('sets valid weights and refuses others', async () => {
    await run(setWeights, { weights: { stable: 80, canary: 20 } });
    expect(world.weights).toEqual({ stable: 80, canary: 20 });
    const error = await errorOf(run(setWeights, { weights: { stable: 80, canary: 30 } }));
    expect(error?.name).toBe('ValidationError');
    expect(world.weights).toEqual({ stable: 80, canary: 20 });
  });

  it('promotes a track to all traffic and says so', async () => {
    // Prepare
    world.statuses.set('stable', READY);
    // Act
    await run(promote, { track: 'stable', tracks: { live: 'stable', next: 'canary' } });
    // Assess
    expect(world.weights).toEqual({ stable: 100, canary: 0 });
    expect(world.events.map((event) => event.type)).toEqual(['Promoted']);
  });

  it.each([
    [
      'TrackNotReady',
      { desired: 2, updated: 2, ready: 1, available: 1, complete: false, waiting: 'pod restarting' },
      'stable is not ready to take all traffic: 1/2 ready; pod restarting',
    ],
    [
      'RolloutFailed',
      {
        ...READY,
        complete: false,
        failed: { reason: 'CrashLoopBackOff', message: 'pod checkout-stable-1 crash-looping' },
      },
      'stable: CrashLoopBackOff: pod checkout-stable-1 crash-looping',
    ],
  ])(
    'refuses to promote a track that cannot take all traffic: %s, weights unchanged',
    async (name, status, message) => {
      // Prepare
      world.weights = { stable: 90, canary: 10 };
      world.statuses.set('stable', status);
      // Act
      const error = await errorOf(
        run(promote, { track: 'stable', tracks: { live: 'stable', next: 'canary' } }),
      );
      // Assess
      expect(error?.name).toBe(name);
      expect(error?.message).toBe(message);
      expect(world.weights).toEqual({ stable: 90, canary: 10 });
      expect(world.events).toEqual([]);
    },
  );

  it('stores the task token with the approval timeout and notifies', async () => {
    // Act
    await run(requestApproval, { taskToken: 'token-1', stage: 'promote', timeoutSeconds: 3600 });
    // Assess
    expect(world.approvals.get(executionArn)).toMatchObject({
      taskToken: 'token-1',
      stage: 'promote',
      timeoutSeconds: 3600,
    });
    expect(world.events[0]).toMatchObject({
      type: 'ApprovalRequested',
      executionArn,
      version: 'v2',
      strategy: 'canary',
    });
  });

  it('says in the approval request how to approve, by the CLI and by the release API', async () => {
    // Act
    await run(requestApproval, { taskToken: 'token-1', stage: 'promote', timeoutSeconds: 3600 });
    // Assess
    expect(world.events[0]?.message).toMatch(
      /waits for approval before the promotion for up to 3600s, then rolls back: cutover approve run-1, or POST \/releases\/canary:run-1\/approve$/,
    );
  });

  it('names in the approval request the flags that reach the runtime it runs in', async () => {
    // Prepare: cutover local on another port than the default
    vi.stubEnv('CUTOVER_CLI_FLAGS', ' --endpoint http://127.0.0.1:8090');
    // Act
    await run(requestApproval, { taskToken: 'token-1', stage: 'promote', timeoutSeconds: 3600 });
    // Assess
    vi.unstubAllEnvs();
    expect(world.events[0]?.message).toMatch(
      /then rolls back: cutover approve run-1 --endpoint http:\/\/127\.0\.0\.1:8090, or POST \/releases\/canary:run-1\/approve$/,
    );
  });

  it('says in the approval request that the release goes on unanswered with onTimeout continue', async () => {
    // Act
    await run(requestApproval, {
      taskToken: 'token-1',
      stage: 'after step 1 of 3',
      timeoutSeconds: 600,
      onTimeout: 'continue',
    });
    // Assess
    expect(world.events[0]?.message).toContain(
      'waits for approval after step 1 of 3 for up to 600s, then goes on:',
    );
    expect(world.events[0]).toMatchObject({
      type: 'ApprovalRequested',
      detail: { stage: 'after step 1 of 3', timeoutSeconds: 600, onTimeout: 'continue' },
    });
  });

  it('promotes and asks for approval all the same when the notifier fails, returning its error', async () => {
    // Prepare
    const refused = Object.assign(new Error('not authorized to perform: events:PutEvents'), {
      name: 'AccessDeniedException',
    });
    vi.spyOn(world.notifier, 'publish').mockRejectedValue(refused);
    const notifyError = {
      Error: 'AccessDeniedException',
      Cause: 'not authorized to perform: events:PutEvents',
    };
    world.statuses.set('stable', READY);
    // Act
    const promoted = await run(promote, { track: 'stable', tracks: { live: 'stable', next: 'canary' } });
    const requested = await run(requestApproval, {
      taskToken: 'token-1',
      stage: 'promote',
      timeoutSeconds: 60,
    });
    // Assess
    expect(world.weights).toEqual({ stable: 100, canary: 0 });
    expect(promoted).toMatchObject({ type: 'Promoted', published: false, notifyError });
    expect(world.approvals.get(executionArn)).toMatchObject({ taskToken: 'token-1' });
    expect(requested).toMatchObject({ stage: 'promote', published: false, notifyError });
  });

  it('says a canary was promoted when only the removal of its canary track failed, naming that track', async () => {
    // Act
    await run(notify, {
      type: 'Failed',
      error: { Error: 'KubernetesApiError', Cause: 'delete Deployment shop/checkout-canary: forbidden' },
      leftover: 'canary',
    });
    // Assess
    expect(world.events.map((event) => [event.message, event.detail])).toEqual([
      [
        'canary release v2 of shop/checkout promoted (it serves all traffic), then its clean-up failed: ' +
          'KubernetesApiError (delete Deployment shop/checkout-canary: forbidden); track canary may still run: ' +
          'scale it down by hand, or release again',
        {
          error: 'KubernetesApiError',
          cause: 'delete Deployment shop/checkout-canary: forbidden',
          promoted: true,
          leftover: 'canary',
        },
      ],
    ]);
  });

  it("keeps only a Lambda error's message as the cause, not its JSON and stack trace", async () => {
    // Prepare
    const Cause = JSON.stringify({
      errorMessage: 'errorRate 0.3 > 0.01',
      errorType: 'AnalysisFailed',
      stackTrace: ['at decide'],
    });
    // Act
    await run(notify, { type: 'RolledBack', error: { Error: 'AnalysisFailed', Cause } });
    // Assess
    expect(world.events.map((event) => [event.message, event.detail])).toEqual([
      [
        'canary release v2 of shop/checkout rolled back: AnalysisFailed (errorRate 0.3 > 0.01)',
        { error: 'AnalysisFailed', cause: 'errorRate 0.3 > 0.01' },
      ],
    ]);
  });

  it('says who rejected an approval and why, not the reject body', async () => {
    // Prepare
    const Cause = JSON.stringify({ reason: 'p99 too high <script>', approver: 'ci' });
    // Act
    await run(notify, { type: 'RolledBack', error: { Error: 'ApprovalRejected', Cause } });
    await run(notify, { type: 'RolledBack', error: { Error: 'ApprovalRejected', Cause: '{}' } });
    // Assess
    expect(world.events.map((event) => event.message)).toEqual([
      'canary release v2 of shop/checkout rolled back: ApprovalRejected (rejected by ci: p99 too high <script>)',
      'canary release v2 of shop/checkout rolled back: ApprovalRejected (rejected (no reason given))',
    ]);
  });

  it('says which tracks a rollback did not bring back in full', async () => {
    // Act
    await run(notify, {
      type: 'RolledBack',
      error: { Error: 'RolloutFailed', Cause: 'canary: CrashLoopBackOff' },
      rolledBack: { ready: true, waiting: [], shortfall: ['stable 2/4 ready: ImagePullBackOff'] },
    });
    // Assess
    expect(world.events.map((event) => [event.message, event.detail])).toEqual([
      [
        'canary release v2 of shop/checkout rolled back: RolloutFailed (canary: CrashLoopBackOff); ' +
          'not restored in full: stable 2/4 ready: ImagePullBackOff',
        {
          error: 'RolloutFailed',
          cause: 'canary: CrashLoopBackOff',
          shortfall: ['stable 2/4 ready: ImagePullBackOff'],
        },
      ],
    ]);
  });

  it('says when the check after a rollback failed itself, so the previous version may not be ready', async () => {
    // Act
    await run(notify, {
      type: 'RolledBack',
      error: { Error: 'AnalysisFailed', Cause: 'errorRate 0.3 > 0.01' },
      rolledBack: { Error: 'TransientAdapterError', Cause: 'GET deployments/checkout-stable: HTTP 503' },
    });
    // Assess
    expect(world.events.map((event) => event.message)).toEqual([
      'canary release v2 of shop/checkout rolled back: AnalysisFailed (errorRate 0.3 > 0.01); ' +
        'the check after the rollback failed: TransientAdapterError (GET deployments/checkout-stable: HTTP 503)',
    ]);
  });

  it('names the cause in a failure event, and honours notifications.events', async () => {
    // Act
    await run(notify, {
      type: 'RolledBack',
      error: { Error: 'AnalysisFailed', Cause: 'errorRate 0.3 > 0.01' },
    });
    const skipped = await run(notify, {
      type: 'Started',
      request: canaryInput(undefined, { notifications: { events: ['RolledBack'] } }),
    });
    // Assess
    expect(world.events.map((event) => event.message)).toEqual([
      'canary release v2 of shop/checkout rolled back: AnalysisFailed (errorRate 0.3 > 0.01)',
    ]);
    expect(skipped).toEqual({ type: 'Started', published: false });
  });

  it('says which approval nobody answered, and refuses an ApprovalUnanswered event without it', async () => {
    // Act
    await run(notify, {
      type: 'ApprovalUnanswered',
      approval: { stage: 'after step 2 of 3', timeoutSeconds: 900 },
    });
    const error = await errorOf(run(notify, { type: 'ApprovalUnanswered' }));
    // Assess
    expect(world.events).toEqual([
      expect.objectContaining({
        type: 'ApprovalUnanswered',
        message:
          'canary release v2 of shop/checkout got no answer to its approval after step 2 of 3 within 900s: it goes on (approval.onTimeout continue)',
        detail: { stage: 'after step 2 of 3', timeoutSeconds: 900, onTimeout: 'continue' },
      }),
    ]);
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toBe('approval: is required with type ApprovalUnanswered');
  });

  it('publishes the Failed of a request that does not read as one, naming its service and version', async () => {
    // Prepare: started past the CLI and the API, ValidateRequest rejected it
    const request = { ...canaryInput(), canary: { steps: 'ten percent' } };
    const Cause = 'invalid canary request:\n  - canary.steps: expected array, received string';
    // Act
    const outcome = await run(notify, {
      type: 'Failed',
      request,
      error: { Error: 'ValidationError', Cause },
    });
    const unnamed = await errorOf(
      run(notify, { type: 'Failed', request: { canary: {} }, error: { Error: 'ValidationError', Cause } }),
    );
    // Assess
    expect(outcome).toMatchObject({ type: 'Failed', published: true });
    expect(world.events).toHaveLength(1);
    expect(world.events[0]).toMatchObject({
      type: 'Failed',
      service: { namespace: 'shop', name: 'checkout' },
    });
    expect(world.events[0]?.message).toMatch(
      /^canary release v\S+ of shop\/checkout failed: ValidationError/,
    );
    expect(unnamed?.name).toBe('ValidationError');
  });

  it('publishes Failed and RolledBack even when notifications.events leaves them out: the on-call acts on them', async () => {
    // Prepare
    const request = canaryInput(undefined, { notifications: { events: ['Succeeded'] } });
    // Act
    const outcomes = [
      await run(notify, { type: 'Failed', request, error: { Error: 'ServiceLocked', Cause: 'locked' } }),
      await run(notify, { type: 'RolledBack', request, error: { Error: 'AnalysisFailed', Cause: 'x' } }),
      await run(notify, { type: 'Promoted', request }),
    ];
    // Assess
    expect(outcomes.map((outcome) => outcome.published)).toEqual([true, true, false]);
    expect(world.events.map((event) => event.type)).toEqual(['Failed', 'RolledBack']);
  });

  it('releases only its own lock', async () => {
    world.lockHolder = 'arn:other';
    await run(unlock, {});
    expect(world.lockHolder).toBe('arn:other');
    world.lockHolder = executionArn;
    await run(unlock, {});
    expect(world.lockHolder).toBeUndefined();
  });
});

describe('validate-request with a live track that has no workload', () => {
  const notFound = {
    desired: 0,
    updated: 0,
    ready: 0,
    available: 0,
    complete: false,
    failed: { reason: 'DeploymentNotFound', message: 'Deployment shop/checkout-stable does not exist' },
  };

  it('refuses a release the router sends to a track that does not exist, naming it, before locking or deploying', async () => {
    // Prepare: the route sends everything to stable, and no stable track exists
    world.weights = { stable: 100, canary: 0 };
    world.statuses.set('stable', notFound);
    // Act
    const error = await errorOf(
      validateRequest({ strategy: 'canary', request: canaryInput(), executionArn }, context),
    );
    // Assess
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toBe(
      "traffic: the router sends 100% of shop/checkout's traffic to track stable, which has no workload " +
        '(Deployment shop/checkout-stable does not exist): deploy track stable, or scale it up, first',
    );
    expect(world.lockHolder).toBeUndefined();
    expect(world.calls).toEqual([]);
  });

  it('refuses a live track scaled to nothing, as the cluster reports it once settled', async () => {
    // Prepare: blue has all the traffic and runs no replica
    world.weights = { blue: 100, green: 0 };
    world.statuses.set('blue', { desired: 0, updated: 0, ready: 0, available: 0, complete: true });
    // Act
    const error = await errorOf(
      validateRequest({ strategy: 'rolling', request: rollingInput(), executionArn }, context),
    );
    // Assess
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toMatch(
      /^traffic: the router sends 100% of shop\/checkout's traffic to track blue, which has no workload \(no replica desired or running\): /,
    );
    expect(world.lockHolder).toBeUndefined();
  });

  it('plans a first release when the router weights every track 0, with no track deployed', async () => {
    // Prepare
    world.weights = { stable: 0, canary: 0 };
    world.statuses.set('stable', notFound);
    // Act
    const state = (await validateRequest(
      { strategy: 'canary', request: canaryInput(), executionArn },
      context,
    )) as { plan: { firstRelease: boolean; tracks: unknown } };
    // Assess
    expect(state.plan).toMatchObject({ firstRelease: true, tracks: { live: 'stable', next: 'canary' } });
    expect(world.lockHolder).toBe(executionArn);
  });
});

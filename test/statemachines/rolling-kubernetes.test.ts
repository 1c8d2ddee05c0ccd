import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubernetesObjectClient } from '#adapters/kubernetes/client.ts';
import { KubernetesCluster } from '#adapters/kubernetes/kubernetes-cluster.ts';
import { readableCause } from '#core/errors.ts';
import { useEmulatedClusterRuntime } from '#test/support/emulated-cluster-runtime.ts';
import { startHookServer } from '#test/support/hook-server.ts';
import type { KubeObject } from '#test/support/k8s-emulator/index.ts';
import {
  aCheckoutRoute,
  anAutoscaler,
  aRelease,
  aService,
  aTrackService,
} from '#test/support/kubernetes-fixtures.ts';
import { executionHistory } from '#test/support/local-runtime.ts';
import { formatProgress, ProgressReader } from '../../src/cli/progress.ts';

type Weighted = { spec?: { rules?: { backendRefs: { name: string; weight: number }[] }[] } };

describe('rolling state machine on Kubernetes (API emulator, Gateway API)', () => {
  const k8s = useEmulatedClusterRuntime('cutover-rolling-k8s-');
  /** Called after each object update the k8s.emulator stores, with the object as stored. */
  let onUpdate: ((plural: string, object: KubeObject) => void)[];
  const service = aService();
  const v1 = 'registry.example/checkout:v1';

  beforeEach(() => {
    k8s.emulator.reset();
    for (const track of ['blue', 'green']) {
      k8s.emulator.store.create('services', aTrackService(service, `checkout-${track}`, track) as KubeObject);
    }
    onUpdate = [];
    const update = k8s.emulator.store.update.bind(k8s.emulator.store);
    vi.spyOn(k8s.emulator.store, 'update').mockImplementation((plural, object, options) => {
      const stored = update(plural, object, options);
      for (const listener of onUpdate) listener(plural, stored);
      return stored;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Blue runs v1 on 4 replicas (paused, as `kubectl rollout pause` leaves it, if asked) with all the traffic. */
  async function blueServesV1({ paused = false } = {}) {
    const cluster = new KubernetesCluster(KubernetesObjectClient.fromKubeConfig(k8s.emulator.kubeConfig()));
    await cluster.apply(service, 'blue', aRelease({ version: 'v1', image: v1, replicas: 4 }));
    if (paused) {
      const blue = k8s.emulator.store.get('deployments', 'shop', 'checkout-blue')!;
      k8s.emulator.store.update('deployments', { ...blue, spec: { ...blue.spec, paused: true } });
    }
    k8s.emulator.controller.settle();
    k8s.emulator.store.create('httproutes', aCheckoutRoute({ blue: 100, green: 0 }) as KubeObject);
  }

  /** v2 on 4 replicas, one more and one fewer at a time: batches of green 1 / blue 2, 3 / 0, 4 / 0. */
  const aRequest = () => ({
    service,
    release: { version: 'v2', image: 'registry.example/checkout:v2', replicas: 4 },
    cluster: { type: 'kubeconfig', path: k8s.kubeconfig, context: 'emulator' },
    traffic: { type: 'gateway-api', httpRoute: 'checkout' },
    metrics: { type: 'cloudwatch-alarms', alarmNames: ['checkout-5xx'] },
    rolling: { maxSurge: 1, maxUnavailable: 1, bakeSeconds: 0 },
  });

  const run = (machine: 'rolling' | 'rollback', name: string, input: object) => k8s.run(machine, input, name);

  const releaseV2 = (name: string) => run('rolling', name, aRequest());

  /**
   * Green's pods crash from its second batch (3 replicas) on, before blue is drained; and, when given, new
   * pods of `unpullable` cannot pull it (an image deleted from the registry since its release).
   */
  function greenCrashesAtItsSecondBatch(unpullable?: string) {
    onUpdate.push((plural, object) => {
      if (plural !== 'deployments' || object.metadata.name !== 'checkout-green') return;
      if ((object.spec as { replicas: number }).replicas < 3) return;
      k8s.emulator.controller.failPods('shop', 'checkout-green', {
        reason: 'CrashLoopBackOff',
        message: 'back-off',
      });
      if (unpullable) {
        // As blue's pods would be once RestoreCapacity's checks ran 120 s on a clock not scaled down.
        k8s.emulator.controller.failImage(unpullable, {
          reason: 'ImagePullBackOff',
          message: 'manifest unknown',
          failingForSeconds: 120,
        });
      }
    });
  }

  /** From now on blue's new pods find no node to run on: blue gets no ready replica. */
  const blueCannotBeScheduled = () =>
    k8s.emulator.controller.failPods('shop', 'checkout-blue', {
      reason: 'Unschedulable',
      message: '0/3 nodes are available: 3 Insufficient cpu.',
    });

  /** Blue's ready replicas at each write of the route that gives blue all the traffic: `4/4 ready`. */
  function blueWhenItGetsAllTraffic(): string[] {
    const seen: string[] = [];
    onUpdate.push((plural, object) => {
      const refs = (object as Weighted).spec?.rules?.[0]?.backendRefs ?? [];
      if (plural !== 'httproutes' || refs.find((ref) => ref.name === 'checkout-blue')?.weight !== 100) return;
      const blue = k8s.emulator.store.get('deployments', 'shop', 'checkout-blue');
      const ready = (blue?.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0;
      seen.push(blue ? `${ready}/${(blue.spec as { replicas: number }).replicas} ready` : 'no Deployment');
    });
    return seen;
  }

  const routeWeights = () =>
    (
      (k8s.emulator.store.get('httproutes', 'shop', 'checkout') as Weighted).spec?.rules?.[0]?.backendRefs ??
      []
    ).map((ref) => `${ref.name}=${ref.weight}`);
  const track = (name: string) => {
    const deployment = k8s.emulator.store.get('deployments', 'shop', `checkout-${name}`);
    if (!deployment) return undefined;
    const ready = (deployment.status as { readyReplicas?: number }).readyReplicas ?? 0;
    return `${deployment.metadata.labels?.['cutover.dev/version']} ${ready} ready`;
  };
  const rolledBackMessage = (executionArn: string) =>
    k8s.runtime.runtime.adapters!.notifier.latestOf(executionArn, 1)[0]?.message;

  /**
   * Once green has its first batch's traffic, a HorizontalPodAutoscaler `checkout` (6-10 replicas) is created
   * for green, as a GitOps sync would; the emulator then holds green within its bounds, as the HPA controller does.
   */
  function anAutoscalerForGreenAfterTheFirstBatch() {
    onUpdate.push((plural, object) => {
      const refs = (object as Weighted).spec?.rules?.[0]?.backendRefs ?? [];
      const created = k8s.emulator.store.get('horizontalpodautoscalers', 'shop', 'checkout');
      if (
        plural !== 'httproutes' ||
        created ||
        !refs.some((r) => r.name === 'checkout-green' && r.weight > 0)
      )
        return;
      const autoscaler = anAutoscaler('checkout', 'checkout-green') as KubeObject;
      const spec = { ...autoscaler.spec, minReplicas: 6 };
      k8s.emulator.store.create('horizontalpodautoscalers', { ...autoscaler, spec });
    });
  }

  /** The emulator's requests as `METHOD path`, from the start of the release on. */
  function requestsFromNowOn(): () => string[] {
    const from = k8s.emulator.requests.length;
    return () => k8s.emulator.requests.slice(from).map((r) => `${r.method} ${r.path}`);
  }

  it('fails and rolls back to blue when a HorizontalPodAutoscaler starts scaling green after its first batch', async () => {
    // Prepare
    await blueServesV1();
    anAutoscalerForGreenAfterTheFirstBatch();
    // Act
    const execution = await releaseV2('autoscaled-green');
    // Assess: the second batch's check finds green held at 6 replicas against the 3 Cutover set
    const overridden =
      'checkout-green has 6 replicas, Cutover set 3: a HorizontalPodAutoscaler shop/checkout now scales it ' +
      '(delete it or point it at another workload)';
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RolloutFailed');
    expect(execution.cause).toContain(overridden);
    expect(routeWeights()).toEqual(['checkout-blue=100', 'checkout-green=0']);
    expect([track('blue'), track('green')]).toEqual(['v1 4 ready', undefined]);
    expect(rolledBackMessage(execution.executionArn!)).toContain(overridden);
  });

  it('lists the HorizontalPodAutoscalers once per batch, when its check finds it ready, in a release without any', async () => {
    // Prepare
    await blueServesV1();
    const requests = requestsFromNowOn();
    // Act
    const execution = await releaseV2('not-autoscaled');
    // Assess: ValidateRequest's list, then one for each of the 3 batches
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect([track('blue'), track('green')]).toEqual([undefined, 'v2 4 ready']);
    const lists = requests().filter((r) => r.endsWith('/horizontalpodautoscalers'));
    expect(lists).toEqual(Array(4).fill('GET /apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers'));
  });

  it('rolls back a release whose Cleanup removed blue: blue comes back from the backup, ready before its traffic', async () => {
    // Prepare: v2 released, blue removed; then the release is aborted late (or rolled back by hand)
    await blueServesV1();
    const released = await releaseV2('after-cleanup');
    const removed = track('blue');
    const seen = blueWhenItGetsAllTraffic();
    // Act
    const rollback = await run('rollback', 'abort-after-cleanup', {
      strategy: 'rolling',
      executionArn: released.executionArn,
      request: aRequest(),
      reason: 'late abort',
    });
    // Assess
    expect(released.status, released.cause).toBe('SUCCEEDED');
    expect(removed).toBeUndefined();
    expect(rollback.status, rollback.cause).toBe('SUCCEEDED');
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(['4/4 ready']));
    expect(routeWeights()).toEqual(['checkout-blue=100', 'checkout-green=0']);
    expect([track('blue'), track('green')]).toEqual(['v1 4 ready', undefined]);
    expect(rolledBackMessage(released.executionArn!)).toBe(
      'rolling release v2 of shop/checkout rolled back: Aborted (late abort)',
    );
  });

  it('names its own error in the Failed event when the rollback machine cannot put the release back', async () => {
    // Prepare: v2 released and blue removed; the task's Role may no longer delete Deployments
    await blueServesV1();
    const released = await releaseV2('rollback-forbidden');
    k8s.emulator.faults.inject(
      { status: 403, method: 'DELETE', message: 'deployments.apps is forbidden' },
      20,
    );
    // Act
    const rollback = await run('rollback', 'abort-rollback-forbidden', {
      strategy: 'rolling',
      executionArn: released.executionArn,
      request: aRequest(),
      reason: 'late abort',
    });
    // Assess
    expect(rollback.status).toBe('FAILED');
    expect(rolledBackMessage(released.executionArn!)).toMatch(
      /^rolling release v2 of shop\/checkout failed: Aborted \(late abort\); the rollback failed too: KubernetesApiError \(.*forbidden.*\): traffic and tracks may be as the release left them$/,
    );
  });

  it('waits for a paused blue to scale back up before it gets its traffic back', async () => {
    // Prepare: blue paused (kubectl rollout pause), which Kubernetes still scales
    await blueServesV1({ paused: true });
    greenCrashesAtItsSecondBatch();
    const seen = blueWhenItGetsAllTraffic();
    // Act
    const execution = await releaseV2('paused-blue');
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RolloutFailed');
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(['4/4 ready']));
    expect(routeWeights()).toEqual(['checkout-blue=100', 'checkout-green=0']);
    expect([track('blue'), track('green')]).toEqual(['v1 4 ready', undefined]);
    expect(rolledBackMessage(execution.executionArn!)).not.toContain('not restored in full');
  });

  it('says in its Failed notification that the rollback failed too, and why, when the rollback cannot remove green', async () => {
    // Prepare: green crashes at its second batch, and the task's Role may not delete Deployments
    await blueServesV1();
    greenCrashesAtItsSecondBatch();
    const forbidden = { status: 403, method: 'DELETE', message: 'deployments.apps is forbidden' };
    k8s.emulator.faults.inject(forbidden, 20);
    // Act
    const execution = await releaseV2('green-stays');
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RolloutFailed');
    const failed = k8s.runtime.runtime.adapters!.notifier.latestOf(execution.executionArn!, 1)[0];
    expect(failed?.type).toBe('Failed');
    expect(failed?.message).toMatch(
      /^rolling release v2 of shop\/checkout failed: RolloutFailed \(.+\); the rollback failed too: KubernetesApiError \(.*forbidden.*\): traffic and tracks may be as the release left them$/,
    );
    expect(JSON.parse(String(failed?.detail))).toMatchObject({
      rollbackError: { error: 'KubernetesApiError' },
    });
    expect(track('green')).toBeDefined();
  });

  it('gives the traffic back to a blue that cannot scale back up, and its RolledBack notification says so', async () => {
    // Prepare: when blue scales back up, its v1 image is gone from the registry
    await blueServesV1();
    greenCrashesAtItsSecondBatch(v1);
    // Act
    const execution = await releaseV2('blue-image-gone');
    // Assess: the traffic goes back all the same (v2 is the broken one), and the shortfall is said
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RolloutFailed');
    expect(routeWeights()).toEqual(['checkout-blue=100', 'checkout-green=0']);
    expect([track('blue'), track('green')]).toEqual(['v1 2 ready', undefined]);
    expect(rolledBackMessage(execution.executionArn!)).toMatch(
      /^rolling release v2 of shop\/checkout rolled back: RolloutFailed \(.+\); not restored in full: blue 2\/4 ready: ImagePullBackOff$/,
    );
  });

  it('stops its rollback before moving the traffic to a blue with no ready replica: green keeps it and is kept', async () => {
    // Prepare: v2 is healthy and has all the traffic, blue drained, when its afterTraffic hook fails; blue's
    // pods then find no node, so blue scaled back up never gets a ready replica
    await blueServesV1();
    const hooks = await startHookServer((_hook, response) => {
      blueCannotBeScheduled();
      response.writeHead(500).end('checkout e2e: 3 of 12 failed');
    });
    const afterTraffic = [{ name: 'e2e', url: hooks.url('/e2e') }];
    // Act
    const execution = await run('rolling', 'blue-never-ready', {
      ...aRequest(),
      hooks: { afterTraffic },
    }).finally(() => hooks.close());
    // Assess: the weights stay as the release left them, green is not removed, the on-call is told
    const stopped =
      'blue has no ready replica (0/4 ready after 120s of checks): its traffic was not given back; the ' +
      'weights stay as the release left them and green (4/4 ready) is kept: make blue ready, then release again';
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RollbackStopped');
    expect(readableCause(execution.cause)).toBe(stopped);
    expect(routeWeights()).toEqual(['checkout-blue=0', 'checkout-green=100']);
    expect([track('blue'), track('green')]).toEqual(['v1 0 ready', 'v2 4 ready']);
    const failed = k8s.runtime.runtime.adapters!.notifier.latestOf(execution.executionArn!, 1)[0];
    expect(failed?.type).toBe('Failed');
    expect(failed?.message).toContain('rolling release v2 of shop/checkout failed: HookFailed (');
    expect(failed?.message).toMatch(
      /^rolling release v2 of shop\/checkout failed: HookFailed \(.+\); the rollback stopped before moving the traffic: /,
    );
    expect(failed?.message.endsWith(`: ${stopped}`)).toBe(true);
    const states = (await executionHistory(k8s.runtime.client, execution.executionArn!)).flatMap(
      (event) => event.stateEnteredEventDetails?.name ?? [],
    );
    expect(states).toContain('UnlockAfterFailure');
    expect(states).not.toContain('RollbackTraffic');
    const reader = new ProgressReader();
    const watched = (await executionHistory(k8s.runtime.client, execution.executionArn!))
      .flatMap((event) => reader.linesOf(event))
      .map((line) => formatProgress(line));
    expect(watched.slice(-6)).toEqual([
      '→ NotifyRollbackFailed',
      '  notify   Failed published',
      '→ UnlockAfterFailure',
      '→ IsRollbackStopped',
      '→ RollbackStopped',
      `FAILED: RollbackStopped — ${stopped}`,
    ]);
  });

  it('stops a rollback of an aborted release before moving the traffic to a re-created blue with no ready replica', async () => {
    // Prepare: v2 released and blue removed; blue's pods then find no node
    await blueServesV1();
    const released = await releaseV2('late-abort-blue-never-ready');
    blueCannotBeScheduled();
    // Act
    const rollback = await run('rollback', 'abort-late-abort-blue-never-ready', {
      strategy: 'rolling',
      executionArn: released.executionArn,
      request: aRequest(),
      reason: 'late abort',
    });
    // Assess
    expect(released.status, released.cause).toBe('SUCCEEDED');
    expect(rollback.status).toBe('FAILED');
    expect(rollback.error).toBe('RollbackStopped');
    expect(readableCause(rollback.cause)).toMatch(
      /^blue has no ready replica \(0\/4 ready after 120s of checks\): its traffic was not given back; .* green \(4\/4 ready\) is kept: /,
    );
    expect(routeWeights()).toEqual(['checkout-blue=0', 'checkout-green=100']);
    expect([track('blue'), track('green')]).toEqual(['v1 0 ready', 'v2 4 ready']);
    expect(rolledBackMessage(released.executionArn!)).toMatch(
      /^rolling release v2 of shop\/checkout failed: Aborted \(late abort\); the rollback stopped before moving the traffic: blue has no ready replica .*$/,
    );
  });
});

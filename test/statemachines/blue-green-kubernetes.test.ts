import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesObjectClient } from '#adapters/kubernetes/client.ts';
import { KubernetesCluster } from '#adapters/kubernetes/kubernetes-cluster.ts';
import type { ServiceRef } from '#core/types.ts';
import { RealClock } from '#local/clock.ts';
import { useEmulatedClusterRuntime } from '#test/support/emulated-cluster-runtime.ts';
import type { KubeObject, KubernetesEmulator } from '#test/support/k8s-emulator/index.ts';
import { anAutoscaler, aRelease, aService, aTrackService } from '#test/support/kubernetes-fixtures.ts';
import { waitForExecution } from '#test/support/local-runtime.ts';
import { startPrometheusServer, vector } from '#test/support/prometheus-server.ts';
import { answerApproval, entered, historyUntil } from '#test/support/strategy-runtime.ts';
import { pendingTaskToken } from '../../src/cli/history.ts';
import { serviceReleases } from '../../src/cli/service-releases.ts';

/** Blue runs v1 of `target` on the emulator (as a release applied it), and `target`'s Service selects it. */
async function blueRunsV1(emulator: KubernetesEmulator, target: ServiceRef): Promise<void> {
  const cluster = new KubernetesCluster(KubernetesObjectClient.fromKubeConfig(emulator.kubeConfig()));
  const v1 = aRelease({ version: 'v1', image: `registry.example/${target.name}:v1` });
  await cluster.apply(target, 'blue', v1);
  emulator.controller.settle();
  emulator.store.create('services', aTrackService(target, target.name, 'blue') as KubeObject);
}

describe('blue-green state machine on Kubernetes (API emulator)', () => {
  const k8s = useEmulatedClusterRuntime('cutover-blue-green-k8s-');
  const service = aService();

  /**
   * Runs a blue-green release of `release` for `target` to its end, routed by its Service (named as it is)
   * unless `traffic` says otherwise.
   */
  async function releaseBlueGreen(
    name: string,
    target: ServiceRef,
    release: Record<string, unknown>,
    traffic: Record<string, unknown> = { type: 'service-selector', service: target.name },
  ) {
    const input = {
      service: target,
      release,
      cluster: { type: 'kubeconfig', path: k8s.kubeconfig, context: 'emulator' },
      traffic,
      metrics: { type: 'cloudwatch-alarms', alarmNames: [`${target.name}-5xx`] },
      blueGreen: {},
      scaleDownDelaySeconds: 0,
    };
    return k8s.run('blue-green', input, name);
  }

  it('deploys the idle colour, switches the Service selector to it and scales the old colour to 0', async () => {
    // Prepare: blue runs v1 and the Service selects it.
    await blueRunsV1(k8s.emulator, service);
    // Act
    const execution = await releaseBlueGreen('switch', service, {
      version: 'v2',
      image: 'registry.example/checkout:v2',
      replicas: 2,
    });
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(k8s.emulator.store.get('services', 'shop', 'checkout')?.spec?.selector).toEqual({
      app: 'checkout',
      'cutover.dev/track': 'green',
    });
    expect(
      k8s.emulator.store.get('deployments', 'shop', 'checkout-green')?.metadata.labels?.[
        'cutover.dev/version'
      ],
    ).toBe('v2');
    expect(k8s.emulator.store.get('deployments', 'shop', 'checkout-blue')?.spec?.replicas).toBe(0);
  });

  describe('with preview and post-switch analyses (Prometheus)', () => {
    let prometheus: Awaited<ReturnType<typeof startPrometheusServer>>;
    beforeAll(async () => {
      prometheus = await startPrometheusServer();
    });
    afterAll(() => prometheus?.close());

    it("judges the post-switch window by its own failureLimit, not counting the preview's failures", async () => {
      // Prepare: blue runs v1; analyses of green fail, pass, fail, pass (preview 1 and 2, post-switch 1 and 2)
      const stock = aService({ name: 'stock' });
      await blueRunsV1(k8s.emulator, stock);
      const errorRates = ['0.5', '0', '0.5', '0'];
      prometheus.patterns.push(
        [/^errors /, () => vector(errorRates.shift() ?? '0')],
        [/^requests /, vector('1000')],
      );
      const analysis = (failureLimit: number) => ({ maxErrorRate: 0.01, minRequests: 10, failureLimit });
      const input = {
        service: stock,
        release: { version: 'v2', image: 'registry.example/stock:v2', replicas: 2 },
        cluster: { type: 'kubeconfig', path: k8s.kubeconfig, context: 'emulator' },
        traffic: { type: 'service-selector', service: 'stock' },
        metrics: {
          type: 'prometheus',
          url: prometheus.url,
          queries: {
            requestCount: 'requests {{track}} {{window}}',
            errorRate: 'errors {{track}} {{window}}',
          },
        },
        blueGreen: {
          preview: { analysis: analysis(3) },
          postSwitch: { bakeSeconds: 60, analysis: analysis(2) },
        },
        scaleDownDelaySeconds: 0,
      };
      // Act
      const execution = await k8s.run('blue-green', input, 'windows-apart');
      // Assess: one failure in each window, under each limit
      expect(execution.status, execution.cause).toBe('SUCCEEDED');
      expect(errorRates).toEqual([]);
      expect(k8s.emulator.store.get('services', 'shop', 'stock')?.spec?.selector).toEqual({
        app: 'stock',
        'cutover.dev/track': 'green',
      });
    });
  });

  it('runs as many replicas as the live colour when the request gives none', async () => {
    // Prepare: blue runs v1, scaled to 5 by hand since its release (kubectl scale)
    const payments = aService({ name: 'payments' });
    const cluster = new KubernetesCluster(KubernetesObjectClient.fromKubeConfig(k8s.emulator.kubeConfig()));
    const v1 = aRelease({ version: 'v1', image: 'registry.example/payments:v1', replicas: 2 });
    await cluster.apply(payments, 'blue', v1);
    await cluster.scale(payments, 'blue', 5);
    k8s.emulator.controller.settle();
    k8s.emulator.store.create('services', aTrackService(payments, 'payments', 'blue') as KubeObject);
    // Act: no replicas in the request
    const execution = await releaseBlueGreen('as-live', payments, {
      version: 'v2',
      image: 'registry.example/payments:v2',
    });
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(k8s.emulator.store.get('deployments', 'shop', 'payments-green')?.spec?.replicas).toBe(5);
  });

  it('refuses, before deploying anything, an HTTPRoute with no backend for the colour it would switch to', async () => {
    // Prepare: stable runs v1 behind an HTTPRoute written for canary releases (stable and canary backends)
    const orders = aService({ name: 'orders' });
    const cluster = new KubernetesCluster(KubernetesObjectClient.fromKubeConfig(k8s.emulator.kubeConfig()));
    await cluster.apply(orders, 'stable', aRelease({ version: 'v1', image: 'registry.example/orders:v1' }));
    k8s.emulator.controller.settle();
    const backend = (track: string, weight: number) => ({ name: `orders-${track}`, port: 80, weight });
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'orders', namespace: 'shop' },
      spec: {
        parentRefs: [{ name: 'public' }],
        rules: [{ backendRefs: [backend('stable', 100), backend('canary', 0)] }],
      },
    };
    k8s.emulator.store.create('httproutes', route as KubeObject);
    const v2 = { version: 'v2', image: 'registry.example/orders:v2', replicas: 1 };
    // Act
    const refused = await releaseBlueGreen('no-blue-backend', orders, v2, {
      type: 'gateway-api',
      httpRoute: 'orders',
    });
    // Assess: refused at ValidateRequest, naming the route and the missing backend; nothing deployed
    expect(refused.status).toBe('FAILED');
    expect(refused.error).toBe('ValidationError');
    expect(refused.cause).toContain(
      "traffic.httpRoute: HTTPRoute shop/orders's split rule has no backend for track blue (backends for: stable): " +
        'add a backendRef to Service orders-blue, with weight 0, before the release',
    );
    expect(k8s.emulator.store.get('deployments', 'shop', 'orders-blue')).toBeUndefined();
    expect(k8s.emulator.store.get('httproutes', 'shop', 'orders')?.spec).toEqual(route.spec);

    // Act: the backend added, the same release again
    const fixed = k8s.emulator.store.get('httproutes', 'shop', 'orders')!;
    (fixed.spec!.rules as { backendRefs: unknown[] }[])[0]!.backendRefs.push(backend('blue', 0));
    k8s.emulator.store.update('httproutes', fixed);
    const released = await releaseBlueGreen('blue-backend', orders, v2, {
      type: 'gateway-api',
      httpRoute: 'orders',
    });
    // Assess
    expect(released.status, released.cause).toBe('SUCCEEDED');
    const weights = (
      k8s.emulator.store.get('httproutes', 'shop', 'orders')!.spec!.rules as {
        backendRefs: { name: string; weight: number }[];
      }[]
    )[0]!.backendRefs.map(({ name, weight }) => [name, weight]);
    expect(weights).toEqual([
      ['orders-stable', 0],
      ['orders-canary', 0],
      ['orders-blue', 100],
    ]);
  });

  it('refuses, before deploying anything, a misspelt field of cluster.pod that Kubernetes would never see', async () => {
    // Prepare: blue runs v1; the release asks for non-root pods, misspelt
    const billing = aService({ name: 'billing' });
    await blueRunsV1(k8s.emulator, billing);
    const input = {
      service: billing,
      release: { version: 'v2', image: 'registry.example/billing:v2', replicas: 2 },
      cluster: {
        type: 'kubeconfig',
        path: k8s.kubeconfig,
        context: 'emulator',
        pod: { securityContext: { runAsNonroot: true, runAsUser: 1000 } },
      },
      traffic: { type: 'service-selector', service: 'billing' },
      metrics: { type: 'cloudwatch-alarms', alarmNames: ['billing-5xx'] },
      blueGreen: {},
      scaleDownDelaySeconds: 0,
    };
    // Act
    const refused = await k8s.run('blue-green', input, 'misspelt-pod-field');
    // Assess: refused at ValidateRequest, naming the field and what was meant; nothing deployed
    expect(refused.status).toBe('FAILED');
    expect(refused.error).toBe('ValidationError');
    expect(refused.cause).toMatch(
      /cluster\.pod\.securityContext: unknown field runAsNonroot \(allowed: [^)]*\): did you mean runAsNonRoot\?/,
    );
    expect(k8s.emulator.store.get('deployments', 'shop', 'billing-green')).toBeUndefined();
  });

  it('refuses, before deploying anything, a live colour a HorizontalPodAutoscaler scales', async () => {
    // Prepare: blue runs v1 (2 replicas), the Service selects it and an HPA scales its Deployment
    const cart = aService({ name: 'cart' });
    await blueRunsV1(k8s.emulator, cart);
    k8s.emulator.store.create('horizontalpodautoscalers', anAutoscaler('cart', 'cart-blue') as KubeObject);
    const v2 = { version: 'v2', image: 'registry.example/cart:v2', replicas: 2 };
    // Act
    const refused = await releaseBlueGreen('autoscaled-blue', cart, v2);
    // Assess: refused at ValidateRequest, naming the HPA and its Deployment; nothing deployed or scaled
    expect(refused.status).toBe('FAILED');
    expect(refused.error).toBe('ValidationError');
    expect(refused.cause).toContain(
      'cluster: HorizontalPodAutoscaler shop/cart scales Deployment cart-blue, a track Cutover sizes itself',
    );
    expect(k8s.emulator.store.get('deployments', 'shop', 'cart-green')).toBeUndefined();
    expect(k8s.emulator.store.get('deployments', 'shop', 'cart-blue')?.spec?.replicas).toBe(2);
    expect(k8s.emulator.store.get('services', 'shop', 'cart')?.spec?.selector).toEqual({
      app: 'cart',
      'cutover.dev/track': 'blue',
    });

    // Act: the HPA deleted, the same release again (the service was never locked)
    k8s.emulator.store.delete('horizontalpodautoscalers', 'shop', 'cart', 'HorizontalPodAutoscaler');
    const released = await releaseBlueGreen('unscaled-blue', cart, v2);
    // Assess
    expect(released.status, released.cause).toBe('SUCCEEDED');
    expect(k8s.emulator.store.get('deployments', 'shop', 'cart-blue')?.spec?.replicas).toBe(0);
  });
});

describe('blue-green state machine on Kubernetes, waits at a hundredth of real time', () => {
  // An approval that waits: on a clock scaled to zero its timeout would pass at once.
  const waiting = useEmulatedClusterRuntime('cutover-blue-green-k8s-waits-', new RealClock(0.01));

  /**
   * Blue runs v1 of `target`, selected by its Service; starts the blue-green release `name` of v2 (2 replicas)
   * with `options` (its `blueGreen` block and `scaleDownDelaySeconds`) and answers the execution's ARN.
   */
  async function startV2OverBlueV1(target: ServiceRef, name: string, options: Record<string, unknown>) {
    await blueRunsV1(waiting.emulator, target);
    const input = {
      service: target,
      release: { version: 'v2', image: `registry.example/${target.name}:v2`, replicas: 2 },
      cluster: { type: 'kubeconfig', path: waiting.kubeconfig, context: 'emulator' },
      traffic: { type: 'service-selector', service: target.name },
      metrics: { type: 'cloudwatch-alarms', alarmNames: [`${target.name}-5xx`] },
      ...options,
    };
    return waiting.start('blue-green', input, name);
  }

  /** The Service's selector of `target`: which colour takes its traffic. */
  const selectedColour = (target: ServiceRef) => {
    const selector = waiting.emulator.store.get('services', 'shop', target.name)?.spec?.selector;
    return (selector as Record<string, string> | undefined)?.['cutover.dev/track'];
  };

  it('keeps traffic on the live colour when the new one stopped being ready while the release waited for approval', async () => {
    // Prepare: blue runs v1; a release of v2 to green that waits for an approval
    const invoices = aService({ name: 'invoices' });
    const executionArn = await startV2OverBlueV1(invoices, 'unready-green', {
      blueGreen: { approval: { timeoutSeconds: 86_400 } },
      scaleDownDelaySeconds: 0,
    });
    const { client } = waiting.runtime;
    await historyUntil(client, executionArn, (events) => !!pendingTaskToken(events));
    // Act: green's pods crash-loop (a bad config, a dependency down), then someone approves
    waiting.emulator.controller.failPods('shop', 'invoices-green', {
      reason: 'CrashLoopBackOff',
      message: 'back-off 5m0s restarting failed container',
      lastTerminated: { reason: 'Error', exitCode: 1 },
    });
    for (const pod of waiting.emulator.store.list('pods', 'shop', 'cutover.dev/track=green')) {
      waiting.emulator.store.delete('pods', 'shop', pod.metadata.name, 'Pod');
    }
    waiting.emulator.controller.settle();
    await answerApproval(client, executionArn, 'approve');
    const execution = await waitForExecution(client, executionArn);
    // Assess: refused before the switch; blue keeps all traffic and its replicas
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RolloutFailed');
    expect(execution.cause).toContain('CrashLoopBackOff');
    expect(selectedColour(invoices)).toBe('blue');
    expect(waiting.emulator.store.get('deployments', 'shop', 'invoices-blue')?.spec?.replicas).toBe(2);
  });

  it('says the release was promoted when only the scale-down of the old colour failed', async () => {
    // Prepare: blue runs v1; the release of v2 waits out its scale-down delay
    const carts = aService({ name: 'carts' });
    const executionArn = await startV2OverBlueV1(carts, 'scale-down-refused', {
      blueGreen: {},
      scaleDownDelaySeconds: 60,
    });
    const { client, runtime } = waiting.runtime;
    await historyUntil(client, executionArn, entered('ScaleDownDelay'));
    // Act: the cluster refuses the scale-down (an RBAC change meanwhile)
    waiting.emulator.faults.inject({ status: 403, message: 'forbidden', method: 'PATCH' });
    const execution = await waitForExecution(client, executionArn);
    // Assess: failed, saying green serves all traffic and blue may still run
    expect(execution.status).toBe('FAILED');
    const [failed] = runtime.adapters!.notifier.latestOf(executionArn, 1);
    expect(failed?.message).toMatch(
      /^blue-green release v2 of shop\/carts promoted \(it serves all traffic\), then its clean-up failed: KubernetesApiError \(.*forbidden.*\); track blue may still run: scale it down by hand, or release again$/,
    );
    expect(JSON.parse(String(failed?.detail))).toMatchObject({ promoted: true, leftover: 'blue' });
    expect(selectedColour(carts)).toBe('green');
    // cutover status names v2 as the version that serves, from the execution's history
    const status = await serviceReleases(client, carts, { scan: 25, limit: 5 });
    expect(status.servingRelease).toMatchObject({ version: 'v2', promoted: true });
  });
});

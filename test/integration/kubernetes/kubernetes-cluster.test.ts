import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubernetesObjectClient } from '#adapters/kubernetes/client.ts';
import { KubernetesApiError } from '#adapters/kubernetes/errors.ts';
import { KubernetesCluster } from '#adapters/kubernetes/kubernetes-cluster.ts';
import type { TrackTemplateOptions } from '#adapters/kubernetes/manifests.ts';
import { TransientAdapterError, ValidationError } from '#core/errors.ts';
import { validateRequest } from '#core/schemas/index.ts';
import { clusterFamily } from '#lambdas/shared/dependencies.ts';
import { blueGreenInput, canaryInput } from '#test/builders/release-request.ts';
import { type KubernetesEmulator, startKubernetesEmulator } from '#test/support/k8s-emulator/index.ts';
import { anAutoscaler, aRelease, aService, aTrackService } from '#test/support/kubernetes-fixtures.ts';

/** `autoscaler` with its `spec.scaleTargetRef` changed by `ref` (another apiVersion or kind). */
function targeting(
  autoscaler: Record<string, unknown>,
  ref: Record<string, string>,
): Record<string, unknown> {
  const spec = autoscaler.spec as { scaleTargetRef: Record<string, string> };
  return { ...autoscaler, spec: { ...spec, scaleTargetRef: { ...spec.scaleTargetRef, ...ref } } };
}

describe('KubernetesCluster against the Kubernetes API emulator', () => {
  let emulator: KubernetesEmulator;
  let cluster: KubernetesCluster;
  const service = aService();

  beforeAll(async () => {
    emulator = await startKubernetesEmulator();
  });
  afterAll(() => emulator.close());
  const clusterWith = (options: TrackTemplateOptions) =>
    new KubernetesCluster(
      KubernetesObjectClient.fromKubeConfig(emulator.kubeConfig(), { timeoutMs: 500 }),
      options,
    );
  const appliedSpec = (track: string) =>
    emulator.store.get('deployments', 'shop', `checkout-${track}`)?.spec as {
      minReadySeconds?: number;
      progressDeadlineSeconds?: number;
      template: { spec: { containers: Record<string, unknown>[] } };
    };
  const appliedContainer = (track: string) => appliedSpec(track).template.spec.containers[0];

  beforeEach(() => {
    emulator.reset();
    cluster = clusterWith({ containerPort: 8080 });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('applies a track as Deployment <service>-<track> with server-side apply as field manager cutover', async () => {
    // Act
    await cluster.apply(service, 'canary', aRelease());
    // Assess
    const deployment = emulator.store.get('deployments', 'shop', 'checkout-canary');
    expect(deployment?.metadata.labels).toEqual({
      app: 'checkout',
      'cutover.dev/track': 'canary',
      'cutover.dev/version': 'v2',
    });
    expect(deployment?.spec).toMatchObject({
      replicas: 2,
      selector: { matchLabels: { app: 'checkout', 'cutover.dev/track': 'canary' } },
      template: { spec: { containers: [{ name: 'checkout', image: 'registry.example/checkout:v2' }] } },
    });
    const patch = emulator.requests.find((r) => r.method === 'PATCH');
    expect(patch).toMatchObject({
      path: '/apis/apps/v1/namespaces/shop/deployments/checkout-canary',
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: 'cutover', force: 'true' },
    });
  });

  it('gives the container a readiness probe on GET /healthz at port http by default', async () => {
    // Act
    await cluster.apply(service, 'canary', aRelease());
    // Assess
    expect(appliedContainer('canary')?.readinessProbe).toEqual({
      httpGet: { path: '/healthz', port: 'http' },
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 3,
    });
    expect(appliedSpec('canary')).not.toHaveProperty('minReadySeconds');
    expect(appliedContainer('canary')).not.toHaveProperty('resources');
  });

  it('writes readinessPath, resources and minReadySeconds of the cluster block into the Deployment', async () => {
    // Prepare
    const resources = {
      requests: { cpu: '250m', memory: '256Mi' },
      limits: { cpu: '1', memory: '1Gi' },
    };
    const shaped = clusterWith({
      containerPort: 8080,
      readinessPath: '/ready',
      resources,
      minReadySeconds: 15,
    });
    // Act
    await shaped.apply(service, 'canary', aRelease());
    // Assess
    expect(appliedSpec('canary').minReadySeconds).toBe(15);
    expect(appliedContainer('canary')).toMatchObject({
      ports: [{ name: 'http', containerPort: 8080 }],
      readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
      resources,
    });
  });

  it('writes no readiness probe with readinessPath false, nor without a containerPort', async () => {
    // Prepare
    const unprobed = clusterWith({ containerPort: 8080, readinessPath: false });
    const portless = clusterWith({ readinessPath: '/ready' });
    // Act
    await unprobed.apply(service, 'canary', aRelease());
    await portless.apply(service, 'stable', aRelease());
    // Assess
    expect(appliedContainer('canary')).not.toHaveProperty('readinessProbe');
    expect(appliedContainer('canary')).toHaveProperty('ports');
    expect(appliedContainer('stable')).not.toHaveProperty('readinessProbe');
    expect(appliedContainer('stable')).not.toHaveProperty('ports');
  });

  it("gives the Deployment the request's progressDeadlineSeconds unless the cluster block sets its own", async () => {
    // Prepare
    const path = join(mkdtempSync(join(tmpdir(), 'cutover-kubeconfig-')), 'config');
    emulator.writeKubeconfig(path);
    const requestWith = (cluster: Record<string, unknown>) =>
      validateRequest(
        'canary',
        canaryInput(undefined, {
          release: { version: 'v2', image: 'registry.example/checkout:v2', replicas: 2 },
          cluster: { type: 'kubeconfig', path, context: 'emulator', containerPort: 8080, ...cluster },
          progressDeadlineSeconds: 1800,
        }),
      );
    // Act
    await (await clusterFamily(requestWith({}), {})).apply(service, 'canary', aRelease());
    await (await clusterFamily(requestWith({ progressDeadlineSeconds: 300 }), {})).apply(
      service,
      'stable',
      aRelease(),
    );
    // Assess
    expect(appliedSpec('canary').progressDeadlineSeconds).toBe(1800);
    expect(appliedSpec('stable').progressDeadlineSeconds).toBe(300);
  });

  it.each([
    {
      traffic: { type: 'nginx-ingress', ingress: 'storefront' },
      resource: 'ingresses',
      object: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        spec: { rules: [{ host: 'shop.example' }] },
      },
    },
    {
      traffic: { type: 'service-selector', service: 'storefront' },
      resource: 'services',
      object: {
        apiVersion: 'v1',
        kind: 'Service',
        spec: { selector: { app: 'checkout' }, ports: [{ port: 80 }] },
      },
    },
  ])(
    "snapshots the $object.kind the request's $traffic.type traffic names, through the task functions' cluster",
    async ({ traffic, resource, object }) => {
      // Prepare
      const path = join(mkdtempSync(join(tmpdir(), 'cutover-kubeconfig-')), 'config');
      emulator.writeKubeconfig(path);
      emulator.store.create(resource, {
        ...object,
        metadata: { name: 'storefront', namespace: 'shop' },
      } as never);
      // A strategy the router serves: service-selector only switches, nginx-ingress serves canaries only.
      const fields = {
        release: { version: 'v2', image: 'registry.example/checkout:v2', replicas: 2 },
        cluster: { type: 'kubeconfig', path, context: 'emulator', containerPort: 8080 },
        traffic,
      };
      const request =
        traffic.type === 'nginx-ingress'
          ? validateRequest('canary', canaryInput(undefined, fields))
          : validateRequest('blue-green', blueGreenInput(undefined, fields));
      // Act
      const snapshot = await (await clusterFamily(request, {})).snapshot(service);
      // Assess
      expect(snapshot.objects.map((o) => (o as { metadata: { name: string } }).metadata.name)).toContain(
        'storefront',
      );
    },
  );

  it('is idempotent: applying the same release twice leaves the generation unchanged', async () => {
    // Prepare
    await cluster.apply(service, 'canary', aRelease());
    const first = emulator.store.get('deployments', 'shop', 'checkout-canary');
    // Act
    await cluster.apply(service, 'canary', aRelease());
    // Assess
    const second = emulator.store.get('deployments', 'shop', 'checkout-canary');
    expect(second?.metadata.generation).toBe(first?.metadata.generation);
    expect(second?.metadata.uid).toBe(first?.metadata.uid);
  });

  it('reports progress, then complete once updated = ready = available = desired', async () => {
    // Prepare
    await cluster.apply(service, 'canary', aRelease({ replicas: 2 }));
    emulator.controller.step();
    // Act
    const progressing = await cluster.status(service, 'canary');
    emulator.controller.settle();
    const done = await cluster.status(service, 'canary');
    // Assess
    expect(progressing.complete).toBe(false);
    expect(progressing.failed).toBeUndefined();
    expect(done).toEqual({ desired: 2, updated: 2, ready: 2, updatedReady: 2, available: 2, complete: true });
  });

  it('is not complete for a new version until the controller observed it', async () => {
    // Prepare
    await cluster.apply(service, 'canary', aRelease({ version: 'v1' }));
    emulator.controller.settle();
    // Act
    await cluster.apply(
      service,
      'canary',
      aRelease({ version: 'v2', image: 'registry.example/checkout:v2b' }),
    );
    const status = await cluster.status(service, 'canary');
    // Assess
    expect(status.complete).toBe(false);
  });

  it('fails with ProgressDeadlineExceeded when the deployment stalls', async () => {
    // Prepare
    await cluster.apply(service, 'canary', aRelease());
    emulator.controller.stall('shop', 'checkout-canary');
    emulator.controller.step();
    // Act
    const status = await cluster.status(service, 'canary');
    // Assess
    expect(status.failed?.reason).toBe('ProgressDeadlineExceeded');
    expect(status.failed?.message).toContain('has timed out progressing');
  });

  it.each([
    ['ImagePullBackOff', 'Back-off pulling image "registry.example/checkout:v2"'],
    ['CrashLoopBackOff', 'back-off 40s restarting failed container'],
  ] as const)(
    'fails with %s seen on the pods for over a minute, naming the pod and container',
    async (reason, message) => {
      // Prepare: the pods have kept failing for 61 s (a crash loop, restarting 5 times)
      await cluster.apply(service, 'canary', aRelease());
      emulator.controller.failPods('shop', 'checkout-canary', { reason, message, failingForSeconds: 61 });
      emulator.controller.settle();
      // Act
      const status = await cluster.status(service, 'canary');
      // Assess
      expect(status.complete).toBe(false);
      expect(status.failed?.reason).toBe(reason);
      expect(status.failed?.message).toMatch(
        new RegExp(`^pod checkout-canary-\\S+ container checkout: ${message.slice(0, 10)}`),
      );
    },
  );

  it('reports a missing track as failed', async () => {
    // Act
    const status = await cluster.status(service, 'ghost');
    // Assess
    expect(status.failed?.reason).toBe('DeploymentNotFound');
  });

  it('scales and removes a track', async () => {
    // Prepare
    await cluster.apply(service, 'stable', aRelease({ replicas: 3 }));
    // Act
    await cluster.scale(service, 'stable', 1);
    const scaled = emulator.store.get('deployments', 'shop', 'checkout-stable');
    await cluster.remove(service, 'stable');
    await cluster.remove(service, 'stable');
    // Assess
    expect(scaled?.spec?.replicas).toBe(1);
    expect(emulator.store.get('deployments', 'shop', 'checkout-stable')).toBeUndefined();
  });

  it('snapshots the service objects and restores them, removing tracks created since', async () => {
    // Prepare
    await cluster.apply(service, 'stable', aRelease({ version: 'v1' }));
    emulator.store.create('services', aTrackService(service, 'checkout', 'stable') as never);
    emulator.store.create(
      'services',
      aTrackService(aService({ name: 'payments' }), 'payments', 'stable') as never,
    );
    const snapshot = await cluster.snapshot(service);
    await cluster.apply(service, 'stable', aRelease({ version: 'v2' }));
    await cluster.apply(service, 'canary', aRelease({ version: 'v2' }));
    // Act
    await cluster.restore(JSON.parse(JSON.stringify(snapshot)));
    // Assess
    expect(
      snapshot.objects.map(
        (o) => `${(o as { kind: string }).kind}/${(o as { metadata: { name: string } }).metadata.name}`,
      ),
    ).toEqual(['Deployment/checkout-stable', 'Service/checkout']);
    expect(
      emulator.store.get('deployments', 'shop', 'checkout-stable')?.metadata.labels?.['cutover.dev/version'],
    ).toBe('v1');
    expect(emulator.store.get('deployments', 'shop', 'checkout-canary')).toBeUndefined();
  });

  it("rolls back only its own objects: another service's Deployment named with its prefix keeps its release", async () => {
    // Prepare
    const api = aService({ name: 'checkout-api' });
    await cluster.apply(service, 'stable', aRelease({ version: 'v1' }));
    await cluster.apply(api, 'stable', aRelease({ version: 'v7' }));
    const snapshot = await cluster.snapshot(service);
    await cluster.apply(api, 'stable', aRelease({ version: 'v8' }));
    // Act
    await cluster.restore(JSON.parse(JSON.stringify(snapshot)));
    // Assess
    expect(
      emulator.store.get('deployments', 'shop', 'checkout-api-stable')?.metadata.labels?.[
        'cutover.dev/version'
      ],
    ).toBe('v8');
  });

  it('snapshots the configured routing objects and their canary twins, not routes of services named like it', async () => {
    // Prepare
    const ingress = (name: string) => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name, namespace: 'shop' },
      spec: { rules: [{ host: `${name}.example.com` }] },
    });
    for (const name of ['storefront', 'storefront-canary', 'checkout-api'])
      emulator.store.create('ingresses', ingress(name) as never);
    const routed = new KubernetesCluster(KubernetesObjectClient.fromKubeConfig(emulator.kubeConfig()), {
      routingObjects: ['storefront'],
    });
    // Act
    const snapshot = await routed.snapshot(service);
    // Assess
    expect(snapshot.objects.map((o) => (o as { metadata: { name: string } }).metadata.name)).toEqual([
      'storefront',
      'storefront-canary',
    ]);
  });

  it('refuses tracks a HorizontalPodAutoscaler scales, naming the cluster field, the autoscaler and its Deployment', async () => {
    // Prepare
    await cluster.apply(service, 'stable', aRelease({ version: 'v1' }));
    emulator.store.create(
      'horizontalpodautoscalers',
      anAutoscaler('checkout-stable', 'checkout-stable') as never,
    );
    // Act
    const error = await cluster.checkTracks(service, ['stable', 'canary']).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(
      'cluster: HorizontalPodAutoscaler shop/checkout-stable scales Deployment checkout-stable, a track Cutover ' +
        "sizes itself (each would overwrite the other's spec.replicas during the release): delete it or point " +
        'it at another workload; Cutover does not support autoscaled tracks yet',
    );
    expect(emulator.store.get('deployments', 'shop', 'checkout-stable')?.spec?.replicas).toBe(2);
  });

  it('refuses tracks an autoscaler scales through any version of the apps or extensions group', async () => {
    // Prepare: the HPA controller resolves scaleTargetRef by group and kind, whatever the version
    const messages: unknown[] = [];
    for (const apiVersion of ['apps/v1beta1', 'apps/v1beta2', 'extensions/v1beta1']) {
      emulator.reset();
      emulator.store.create(
        'horizontalpodautoscalers',
        targeting(anAutoscaler('checkout-canary', 'checkout-canary'), { apiVersion }) as never,
      );
      // Act
      messages.push(
        await cluster.checkTracks(service, ['stable', 'canary']).catch((e: unknown) => (e as Error).message),
      );
    }
    // Assess
    const refused =
      'cluster: HorizontalPodAutoscaler shop/checkout-canary scales Deployment checkout-canary, a track ' +
      "Cutover sizes itself (each would overwrite the other's spec.replicas during the release): delete it " +
      'or point it at another workload; Cutover does not support autoscaled tracks yet';
    expect(messages).toEqual([refused, refused, refused]);
  });

  it('accepts tracks when the HorizontalPodAutoscalers of the namespace scale other Deployments', async () => {
    // Prepare
    emulator.store.create('horizontalpodautoscalers', anAutoscaler('payments', 'payments-stable') as never);
    emulator.store.create(
      'horizontalpodautoscalers',
      anAutoscaler('checkout-blue', 'checkout-blue') as never,
    );
    // A track's name, but not a Deployment: another group's kind Deployment, a ReplicaSet
    emulator.store.create(
      'horizontalpodautoscalers',
      targeting(anAutoscaler('custom', 'checkout-stable'), { apiVersion: 'example.com/v1' }) as never,
    );
    emulator.store.create(
      'horizontalpodautoscalers',
      targeting(anAutoscaler('replicas', 'checkout-canary'), { kind: 'ReplicaSet' }) as never,
    );
    // Act
    const checking = cluster.checkTracks(service, ['stable', 'canary']);
    // Assess
    await expect(checking).resolves.toBeUndefined();
  });

  it('accepts tracks when the namespace has no HorizontalPodAutoscaler, after listing them there', async () => {
    // Act
    const checking = cluster.checkTracks(service, ['stable', 'canary']);
    // Assess
    await expect(checking).resolves.toBeUndefined();
    expect(emulator.requests.map((r) => `${r.method} ${r.path}`)).toContain(
      'GET /apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers',
    );
  });

  it('goes on without the check when its Role may not list HorizontalPodAutoscalers (a Role from before it), saying so once', async () => {
    // Prepare: the API server forbids the list, at every check of the release
    emulator.store.create(
      'horizontalpodautoscalers',
      anAutoscaler('checkout-stable', 'checkout-stable') as never,
    );
    emulator.faults.inject(
      { status: 403, message: 'horizontalpodautoscalers is forbidden', method: 'GET' },
      2,
    );
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    // Act
    const checking = cluster.checkTracks(service, ['stable', 'canary']);
    const checkingAgain = cluster.checkTracks(service, ['stable', 'canary']);
    // Assess
    await expect(checking).resolves.toBeUndefined();
    await expect(checkingAgain).resolves.toBeUndefined();
    expect(warn.mock.calls).toEqual([
      [
        'warning: HorizontalPodAutoscaler check skipped in namespace shop: the Role may not list ' +
          'horizontalpodautoscalers (403); an autoscaler scaling a track of checkout would go unnoticed and ' +
          'overwrite the replica counts Cutover sets',
      ],
    ]);
  });

  it('goes on without the check, saying so once, when the cluster does not serve autoscaling/v2', async () => {
    // Prepare
    const withoutAutoscaling = await startKubernetesEmulator({ unserved: ['autoscaling/v2'] });
    const older = new KubernetesCluster(
      KubernetesObjectClient.fromKubeConfig(withoutAutoscaling.kubeConfig()),
    );
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    // Act
    const outcome = await older.checkTracks(service, ['stable', 'canary']).catch((e: unknown) => e);
    await withoutAutoscaling.close();
    // Assess
    expect(outcome).toBeUndefined();
    expect(warn.mock.calls).toEqual([
      [
        'warning: HorizontalPodAutoscaler check skipped in namespace shop: the cluster does not serve ' +
          'autoscaling/v2 (404); an autoscaler scaling a track of checkout would go unnoticed and overwrite ' +
          'the replica counts Cutover sets',
      ],
    ]);
  });

  it('refuses a release without an image, naming the field', async () => {
    // Act + Assess
    await expect(
      cluster.apply(service, 'canary', aRelease({ image: undefined, command: ['node'] })),
    ).rejects.toThrow(ValidationError);
    expect(emulator.store.get('deployments', 'shop', 'checkout-canary')).toBeUndefined();
  });

  it('surfaces 5xx from the API as TransientAdapterError with the reason', async () => {
    // Prepare
    await cluster.apply(service, 'canary', aRelease());
    emulator.faults.inject({ status: 503, message: 'etcdserver: leader changed' });
    // Act + Assess
    const error = await cluster.status(service, 'canary').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientAdapterError);
    expect((error as Error).message).toContain('etcdserver: leader changed (HTTP 503)');
  });

  it('surfaces a request timeout as TransientAdapterError', async () => {
    // Prepare
    await cluster.apply(service, 'canary', aRelease());
    emulator.faults.inject({ hang: true });
    // Act + Assess
    const error = await cluster.status(service, 'canary').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientAdapterError);
    expect((error as Error).message).toContain('did not answer in time');
  });

  it('surfaces a 422 as a persistent KubernetesApiError with the API server reason', async () => {
    // Act
    const error = await cluster
      .apply(aService({ name: 'bad_name' }), 'canary', aRelease())
      .catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect((error as KubernetesApiError).code).toBe(422);
    expect((error as Error).message).toContain('metadata.name: Invalid value: "bad_name-canary"');
  });
});

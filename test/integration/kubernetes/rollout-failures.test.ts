import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesObjectClient } from '#adapters/kubernetes/client.ts';
import { KubernetesCluster } from '#adapters/kubernetes/kubernetes-cluster.ts';
import { type KubernetesEmulator, startKubernetesEmulator } from '#test/support/k8s-emulator/index.ts';
import { aRelease, aService } from '#test/support/kubernetes-fixtures.ts';

/** How a track's rollout fails, or waits, when its pods do not become ready. */
describe('KubernetesCluster rollout failures against the Kubernetes API emulator', () => {
  let emulator: KubernetesEmulator;
  let cluster: KubernetesCluster;
  const service = aService();
  const crashing = {
    reason: 'CrashLoopBackOff',
    message: 'back-off 40s restarting failed container',
  } as const;

  beforeAll(async () => {
    emulator = await startKubernetesEmulator();
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    emulator.reset();
    cluster = new KubernetesCluster(
      KubernetesObjectClient.fromKubeConfig(emulator.kubeConfig(), { timeoutMs: 500 }),
      { containerPort: 8080 },
    );
  });

  it('does not fail a fix for a crash loop on the crashing pods of the release it replaces', async () => {
    // Prepare: v1 crash-loops
    emulator.controller.failImage('registry.example/checkout:v1', crashing);
    await cluster.apply(
      service,
      'stable',
      aRelease({ version: 'v1', image: 'registry.example/checkout:v1' }),
    );
    emulator.controller.settle();
    const broken = await cluster.status(service, 'stable');
    // Act: v2 is applied; its first pod starts while v1's pods still crash
    await cluster.apply(service, 'stable', aRelease({ version: 'v2' }));
    const unobserved = await cluster.status(service, 'stable');
    emulator.controller.step();
    const rolling = await cluster.status(service, 'stable');
    emulator.controller.settle();
    const done = await cluster.status(service, 'stable');
    // Assess
    expect(broken.failed?.reason).toBe('CrashLoopBackOff');
    expect(unobserved).toMatchObject({ complete: false });
    expect(unobserved.failed).toBeUndefined();
    expect(rolling.failed).toBeUndefined();
    expect(done).toMatchObject({ complete: true, ready: 2 });
  });

  it('does not read a timed-out progress condition of the previous spec as the new spec failing', async () => {
    // Prepare
    await cluster.apply(service, 'canary', aRelease({ version: 'v1' }));
    emulator.controller.stall('shop', 'checkout-canary');
    emulator.controller.step();
    const stalled = await cluster.status(service, 'canary');
    // Act: a new spec, not yet observed by the controller
    await cluster.apply(service, 'canary', aRelease({ version: 'v2' }));
    const status = await cluster.status(service, 'canary');
    // Assess
    expect(stalled.failed?.message).toBe(
      `ReplicaSet "checkout-canary-${hashIn(stalled.failed?.message)}" has timed out progressing. (the Deployment's progressDeadlineSeconds: 600)`,
    );
    expect(status.failed).toBeUndefined();
  });

  it('knows the pods of the current template by their labels when an admission webhook rewrote their image', async () => {
    // Prepare: the crash-looping pods run the image pinned to a digest, as a mutating webhook leaves it
    emulator.controller.failPods('shop', 'checkout-canary', crashing);
    await cluster.apply(service, 'canary', aRelease());
    emulator.controller.settle();
    for (const pod of emulator.store.list('pods', 'shop', 'app=checkout')) {
      const spec = pod.spec as { containers: { image: string }[] };
      const pinned = spec.containers.map((c) => ({ ...c, image: `${c.image}@sha256:${'0'.repeat(64)}` }));
      emulator.store.update('pods', { ...pod, spec: { ...spec, containers: pinned } });
    }
    // Act
    const status = await cluster.status(service, 'canary');
    // Assess
    expect(status.failed?.reason).toBe('CrashLoopBackOff');
  });

  it('names how a crash-looping container last ended', async () => {
    // Prepare
    emulator.controller.failPods('shop', 'checkout-canary', {
      ...crashing,
      lastTerminated: { reason: 'OOMKilled', exitCode: 137 },
    });
    await cluster.apply(service, 'canary', aRelease());
    emulator.controller.settle();
    // Act
    const status = await cluster.status(service, 'canary');
    // Assess
    expect(status.failed?.reason).toBe('CrashLoopBackOff');
    expect(status.failed?.message).toMatch(
      /^pod checkout-canary-\S+ container checkout: back-off 40s restarting failed container \(restarted 5 times\); last terminated: OOMKilled \(exit code 137\)$/,
    );
  });

  it('does not fail a track whose pods crash once at start and then come up', async () => {
    // Prepare: the app exits once at start (its database is not up yet)
    emulator.controller.failPods('shop', 'checkout-canary', {
      reason: 'CrashLoopBackOff',
      message: 'back-off 10s restarting failed container',
      restartCount: 1,
    });
    await cluster.apply(service, 'canary', aRelease());
    emulator.controller.settle();
    const crashedOnce = await cluster.status(service, 'canary');
    // Act: the database is up; the restarted containers start and become ready
    emulator.controller.recoverPods('shop', 'checkout-canary');
    emulator.controller.settle();
    const recovered = await cluster.status(service, 'canary');
    // Assess
    expect(crashedOnce.failed).toBeUndefined();
    expect(crashedOnce.waiting).toMatch(
      /^pod checkout-canary-\S+ container checkout CrashLoopBackOff: back-off 10s restarting failed container \(restarted 1 time; fails at 3 restarts\)$/,
    );
    expect(recovered).toMatchObject({ complete: true, ready: 2 });
    expect(recovered.failed).toBeUndefined();
  });

  it('keeps waiting on an image pull back-off of a pod under a minute old, saying when it fails', async () => {
    // Prepare: the registry throttles the pull
    emulator.controller.failPods('shop', 'checkout-canary', {
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "registry.example/checkout:v2"',
    });
    await cluster.apply(service, 'canary', aRelease());
    emulator.controller.settle();
    // Act
    const status = await cluster.status(service, 'canary');
    // Assess
    expect(status.failed).toBeUndefined();
    expect(status.waiting).toMatch(
      /^pod checkout-canary-\S+ container checkout ImagePullBackOff: Back-off pulling image "registry\.example\/checkout:v2" \(pod created \d s ago; fails at 60 s\)$/,
    );
  });

  it('keeps waiting on a first failed image pull (the kubelet retries it), saying so', async () => {
    // Prepare
    emulator.controller.failPods('shop', 'checkout-canary', {
      reason: 'ErrImagePull',
      message: 'rpc error: code = Unknown desc = failed to pull and unpack image: i/o timeout',
    });
    await cluster.apply(service, 'canary', aRelease());
    emulator.controller.settle();
    // Act
    const status = await cluster.status(service, 'canary');
    // Assess
    expect(status.failed).toBeUndefined();
    expect(status.waiting).toMatch(
      /^pod checkout-canary-\S+ container checkout ErrImagePull: rpc error: code = Unknown desc = failed to pull/,
    );
  });

  it('says which pod cannot be scheduled and why while it waits', async () => {
    // Prepare
    emulator.controller.failPods('shop', 'checkout-canary', {
      reason: 'Unschedulable',
      message: '0/3 nodes are available: 3 Insufficient cpu.',
    });
    await cluster.apply(service, 'canary', aRelease());
    emulator.controller.settle();
    // Act
    const status = await cluster.status(service, 'canary');
    // Assess
    expect(status).toMatchObject({ complete: false, ready: 0 });
    expect(status.failed).toBeUndefined();
    expect(status.waiting).toMatch(
      /^pod checkout-canary-\S+ not scheduled: Unschedulable: 0\/3 nodes are available: 3 Insufficient cpu\.$/,
    );
  });

  it('fails a paused Deployment at once, saying how to resume it', async () => {
    // Prepare: someone paused the track (kubectl rollout pause)
    await cluster.apply(service, 'canary', aRelease({ version: 'v1' }));
    emulator.controller.settle();
    const live = emulator.store.get('deployments', 'shop', 'checkout-canary')!;
    emulator.store.update('deployments', { ...live, spec: { ...(live.spec as object), paused: true } });
    // Act
    await cluster.apply(service, 'canary', aRelease({ version: 'v2' }));
    const status = await cluster.status(service, 'canary');
    // Assess
    expect(status.failed).toEqual({
      reason: 'DeploymentPaused',
      message:
        'Deployment shop/checkout-canary is paused (spec.paused), so it rolls nothing out: resume it ' +
        '(kubectl rollout resume deployment/checkout-canary -n shop) and run the release again',
    });
  });

  it('scales a paused Deployment, reporting its progress rather than a failure, and holds back a template change', async () => {
    // Prepare: a paused track (kubectl rollout pause) on 2 replicas
    await cluster.apply(service, 'blue', aRelease({ version: 'v1', replicas: 2 }));
    emulator.controller.settle();
    const live = emulator.store.get('deployments', 'shop', 'checkout-blue')!;
    emulator.store.update('deployments', { ...live, spec: { ...(live.spec as object), paused: true } });
    // Act: scaled to 4 (only the replica count changes), then given v2
    await cluster.scale(service, 'blue', 4);
    emulator.controller.step();
    const scaling = await cluster.status(service, 'blue');
    emulator.controller.settle();
    const scaled = await cluster.status(service, 'blue');
    await cluster.apply(service, 'blue', aRelease({ version: 'v2', replicas: 4 }));
    emulator.controller.settle();
    const held = await cluster.status(service, 'blue');
    // Assess
    expect(scaling).toMatchObject({ desired: 4, ready: 2, complete: false });
    expect(scaling.failed).toBeUndefined();
    expect(scaling.waiting).toMatch(/^pod checkout-blue-\S+ container checkout ContainerCreating$/);
    expect(scaled).toMatchObject({ desired: 4, ready: 4, complete: true });
    expect(held).toMatchObject({
      ready: 4,
      updated: 0,
      complete: false,
      failed: { reason: 'DeploymentPaused' },
    });
    const versions = emulator.store
      .list('pods', 'shop')
      .map((pod) => pod.metadata.labels?.['cutover.dev/version']);
    expect(versions).toEqual(['v1', 'v1', 'v1', 'v1']);
  });
});

/** The ReplicaSet hash in a controller message (`ReplicaSet "checkout-canary-<hash>" ...`). */
function hashIn(message: string | undefined): string {
  return /checkout-canary-([0-9a-f]+)"/.exec(message ?? '')?.[1] ?? 'none';
}

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesObjectClient } from '#adapters/kubernetes/client.ts';
import { KubernetesCluster } from '#adapters/kubernetes/kubernetes-cluster.ts';
import type { RolloutCheck } from '#core/ports/cluster.ts';
import {
  type KubeObject,
  type KubernetesEmulator,
  startKubernetesEmulator,
} from '#test/support/k8s-emulator/index.ts';
import { anAutoscaler, aRelease, aService } from '#test/support/kubernetes-fixtures.ts';

describe('KubernetesCluster rollout checks of who sizes the tracks (API emulator)', () => {
  let emulator: KubernetesEmulator;
  let cluster: KubernetesCluster;
  const service = aService();
  const check: RolloutCheck = { tracks: ['stable', 'canary'] };
  const remedy = '(delete it or point it at another workload)';

  beforeAll(async () => {
    emulator = await startKubernetesEmulator();
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    emulator.reset();
    cluster = new KubernetesCluster(KubernetesObjectClient.fromKubeConfig(emulator.kubeConfig()));
  });

  /** Sets a track Deployment's `spec.replicas` as `kubectl scale` would. */
  function scaleByHand(track: string, replicas: number) {
    const deployment = emulator.store.get('deployments', 'shop', `checkout-${track}`)!;
    emulator.store.update('deployments', { ...deployment, spec: { ...deployment.spec, replicas } });
  }

  /** Creates an HPA `name` for `deployment`, keeping it at `minReplicas` or more (the emulator enforces it). */
  function anAutoscalerOf(name: string, deployment: string, minReplicas: number) {
    const autoscaler = anAutoscaler(name, deployment) as KubeObject;
    emulator.store.create('horizontalpodautoscalers', {
      ...autoscaler,
      spec: { ...autoscaler.spec, minReplicas },
    });
  }

  const autoscalerLists = () =>
    emulator.requests.filter(
      (r) => r.path === '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers',
    );

  it('fails a rollout check of a track whose replicas someone else changed since Cutover set them; other status reads do not look', async () => {
    // Prepare: stable applied with 2 replicas, then scaled to 5 by hand
    await cluster.apply(service, 'stable', aRelease());
    scaleByHand('stable', 5);
    emulator.controller.settle();
    // Act
    const checked = await cluster.status(service, 'stable', check);
    const read = await cluster.status(service, 'stable');
    // Assess
    expect(checked.failed).toEqual({
      reason: 'ReplicasOverridden',
      message:
        'checkout-stable has 5 replicas, Cutover set 2: someone else changed them during the release ' +
        "(kubectl scale, a GitOps sync, another controller); leave the tracks' replicas to Cutover until it ends",
    });
    expect(read).toMatchObject({ desired: 5, ready: 5, complete: true });
    expect(read.failed).toBeUndefined();
    expect(autoscalerLists()).toHaveLength(1);
  });

  it('names the HorizontalPodAutoscaler that now scales the track checked, with the replicas it set', async () => {
    // Prepare: an HPA of 6 to 10 replicas created for the canary Cutover sized to 2
    await cluster.apply(service, 'canary', aRelease());
    anAutoscalerOf('checkout', 'checkout-canary', 6);
    emulator.controller.settle();
    // Act
    const status = await cluster.status(service, 'canary', check);
    // Assess
    expect(emulator.store.get('deployments', 'shop', 'checkout-canary')?.spec?.replicas).toBe(6);
    expect(status.failed).toEqual({
      reason: 'Autoscaled',
      message: `checkout-canary has 6 replicas, Cutover set 2: a HorizontalPodAutoscaler shop/checkout now scales it ${remedy}`,
    });
  });

  it('fails a complete rollout once an autoscaler scales another track of the release, before it changed any replicas', async () => {
    // Prepare: the canary is ready; an HPA now names the stable track's Deployment
    await cluster.apply(service, 'canary', aRelease());
    anAutoscalerOf('checkout-stable', 'checkout-stable', 2);
    emulator.controller.settle();
    // Act
    const status = await cluster.status(service, 'canary', check);
    // Assess
    expect(status).toMatchObject({ desired: 2, ready: 2, complete: true });
    expect(status.failed).toEqual({
      reason: 'Autoscaled',
      message: `a HorizontalPodAutoscaler shop/checkout-stable now scales checkout-stable, a track Cutover sizes ${remedy}`,
    });
  });

  it('records the replicas it sets, applying or scaling a track, and takes them for its own', async () => {
    // Prepare
    await cluster.apply(service, 'stable', aRelease());
    const applied = emulator.store.get('deployments', 'shop', 'checkout-stable')?.metadata.annotations;
    // Act
    await cluster.scale(service, 'stable', 3);
    emulator.controller.settle();
    const status = await cluster.status(service, 'stable', check);
    // Assess
    expect(applied).toEqual({ 'cutover.dev/replicas': '2' });
    expect(emulator.store.get('deployments', 'shop', 'checkout-stable')?.metadata.annotations).toEqual({
      'cutover.dev/replicas': '3',
    });
    expect(status).toMatchObject({ desired: 3, ready: 3, complete: true });
    expect(status.failed).toBeUndefined();
  });

  it('lists the autoscalers at the check that finds the rollout complete, not while it is under way', async () => {
    // Prepare
    await cluster.apply(service, 'canary', aRelease());
    // Act
    const underWay = await cluster.status(service, 'canary', check);
    const listedUnderWay = autoscalerLists().length;
    emulator.controller.settle();
    const complete = await cluster.status(service, 'canary', check);
    // Assess
    expect([underWay.complete, listedUnderWay]).toEqual([false, 0]);
    expect([complete.complete, complete.failed, autoscalerLists().length]).toEqual([true, undefined, 1]);
  });
});

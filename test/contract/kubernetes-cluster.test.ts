import { KubernetesObjectClient } from '#adapters/kubernetes/client.ts';
import { KubernetesCluster } from '#adapters/kubernetes/kubernetes-cluster.ts';
import type { ServiceRef } from '#core/types.ts';
import { type KubernetesEmulator, startKubernetesEmulator } from '#test/support/k8s-emulator/index.ts';
import { describeClusterContract } from './cluster.contract.ts';

let emulator: KubernetesEmulator;

describeClusterContract('kubernetes (API emulator)', {
  async create() {
    emulator = await startKubernetesEmulator({ reconcileEveryMs: 2 });
    return new KubernetesCluster(KubernetesObjectClient.fromKubeConfig(emulator.kubeConfig()));
  },
  async dispose() {
    await emulator.close();
  },
  release: (version, replicas) => ({ version, image: `registry.example/app:${version}`, replicas }),
  crashingRelease(version) {
    const image = `registry.example/crashing:${version}`;
    emulator.controller.failImage(image, {
      reason: 'CrashLoopBackOff',
      message: 'back-off 10s restarting failed container',
    });
    return { version, image, replicas: 1 };
  },
  async observeVersions(_cluster, service: ServiceRef, track: string) {
    return emulator.store
      .list('pods', service.namespace, `app=${service.name},cutover.dev/track=${track}`)
      .filter((pod) =>
        (pod.status as { containerStatuses?: { ready: boolean }[] })?.containerStatuses?.every(
          (c) => c.ready,
        ),
      )
      .map((pod) => pod.metadata.labels?.['cutover.dev/version'] ?? '');
  },
  pollIntervalMs: 5,
});

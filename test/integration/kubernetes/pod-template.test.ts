import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateRequest } from '#core/schemas/index.ts';
import { clusterFamily } from '#lambdas/shared/dependencies.ts';
import { canaryInput } from '#test/builders/release-request.ts';
import { type KubernetesEmulator, startKubernetesEmulator } from '#test/support/k8s-emulator/index.ts';
import { aRelease, aService } from '#test/support/kubernetes-fixtures.ts';

// biome-ignore lint/suspicious/noExplicitAny: the test reads the applied Deployment's untyped spec
type Loose = any;

describe("the cluster block's pod and container, applied to the Kubernetes API emulator", () => {
  let emulator: KubernetesEmulator;
  let kubeconfigPath: string;

  beforeAll(async () => {
    emulator = await startKubernetesEmulator();
    kubeconfigPath = join(mkdtempSync(join(tmpdir(), 'cutover-kubeconfig-')), 'config');
    emulator.writeKubeconfig(kubeconfigPath);
  });
  afterAll(() => emulator.close());

  it("writes them into the track's Deployment, through the task functions' cluster", async () => {
    // Prepare
    const pod = {
      serviceAccountName: 'checkout',
      imagePullSecrets: [{ name: 'registry-credentials' }],
      terminationGracePeriodSeconds: 45,
      volumes: [{ name: 'cache', emptyDir: {} }],
    };
    const container = {
      envFrom: [{ secretRef: { name: 'checkout-secrets' } }],
      volumeMounts: [{ name: 'cache', mountPath: '/var/cache/checkout' }],
      lifecycle: { preStop: { sleep: { seconds: 10 } } },
    };
    const request = validateRequest(
      'canary',
      canaryInput(undefined, {
        release: { version: 'v2', image: 'registry.example/checkout:v2', replicas: 2 },
        cluster: {
          type: 'kubeconfig',
          path: kubeconfigPath,
          context: 'emulator',
          containerPort: 8080,
          pod,
          container,
        },
      }),
    );
    // Act
    await (await clusterFamily(request, {})).apply(aService(), 'canary', aRelease());
    emulator.controller.settle();
    // Assess
    const deployment = emulator.store.get('deployments', 'shop', 'checkout-canary');
    expect(deployment).toBeDefined();
    const podSpec = (deployment!.spec as Loose).template.spec;
    expect(podSpec).toMatchObject({
      ...pod,
      containers: [{ name: 'checkout', image: 'registry.example/checkout:v2', ...container }],
    });
    const pods = emulator.store.list('pods', 'shop');
    expect(pods.length).toBe(2);
    expect(pods.map((p) => (p.spec as Loose).serviceAccountName)).toEqual(['checkout', 'checkout']);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCluster } from '#adapters/cluster/index.ts';
import { KubernetesObjectClient } from '#adapters/kubernetes/client.ts';
import { kubeconfigObjects } from '#adapters/kubernetes/connect.ts';
import { KubernetesCluster } from '#adapters/kubernetes/kubernetes-cluster.ts';
import { createTrafficRouter } from '#adapters/traffic/index.ts';
import { TransientAdapterError, ValidationError } from '#core/errors.ts';
import { type KubernetesEmulator, startKubernetesEmulator } from '#test/support/k8s-emulator/index.ts';
import { aRelease, aService, aTrackService } from '#test/support/kubernetes-fixtures.ts';

describe('Kubernetes connections', () => {
  let emulator: KubernetesEmulator;
  let kubeconfigPath: string;

  beforeAll(async () => {
    emulator = await startKubernetesEmulator();
    kubeconfigPath = join(mkdtempSync(join(tmpdir(), 'cutover-kubeconfig-')), 'config');
    writeFileSync(
      kubeconfigPath,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: kind-cutover\n  cluster:\n    server: ${emulator.url}\n    insecure-skip-tls-verify: true`,
        'users:',
        '- name: kind-cutover\n  user:\n    token: kind-token',
        'contexts:',
        '- name: kind-cutover\n  context:\n    cluster: kind-cutover\n    user: kind-cutover',
        '- name: other\n  context:\n    cluster: kind-cutover\n    user: kind-cutover',
        'current-context: other',
      ].join('\n'),
    );
  });
  afterAll(() => emulator.close());
  beforeEach(() => emulator.reset());

  it('runs a cluster from a kubeconfig file and context (kind, minikube, k3d), with its user token', async () => {
    // Prepare
    const cluster = createCluster({
      type: 'kubeconfig',
      path: kubeconfigPath,
      context: 'kind-cutover',
      containerPort: 8080,
    });
    // Act
    await cluster.apply(aService(), 'stable', aRelease());
    // Assess
    expect(cluster).toBeInstanceOf(KubernetesCluster);
    expect(emulator.requests.every((r) => r.authorization === 'Bearer kind-token')).toBe(true);
    const spec = emulator.store.get('deployments', 'shop', 'checkout-stable')!.spec as {
      template: { spec: { containers: unknown[] } };
    };
    const container = spec.template.spec.containers[0];
    expect(container).toMatchObject({ ports: [{ name: 'http', containerPort: 8080 }] });
  });

  it('names the contexts when the one asked for is not in the kubeconfig', () => {
    // Act + Assess
    expect(() => kubeconfigObjects({ path: kubeconfigPath, context: 'prod' })).toThrow(
      'cluster.context must be one of the kubeconfig\'s contexts: kind-cutover, other (got "prod")',
    );
  });

  it('builds a Kubernetes router on the cluster of traffic.cluster, and refuses one without a Kubernetes cluster', async () => {
    // Prepare
    emulator.store.create('services', aTrackService(aService(), 'checkout', 'blue') as never);
    const cluster = { type: 'kubeconfig' as const, path: kubeconfigPath, context: 'kind-cutover' };
    // Act
    const router = createTrafficRouter({ type: 'service-selector', service: 'checkout', cluster });
    await router.setWeights(aService(), { blue: 0, green: 100 });
    // Assess
    expect(emulator.store.get('services', 'shop', 'checkout')?.spec?.selector).toMatchObject({
      'cutover.dev/track': 'green',
    });
    expect(() => createTrafficRouter({ type: 'gateway-api', httpRoute: 'checkout' })).toThrow(
      ValidationError,
    );
    expect(() => createTrafficRouter({ type: 'gateway-api', httpRoute: 'checkout' })).toThrow(
      'traffic.cluster.type must be eks or kubeconfig for a Kubernetes router (got undefined)',
    );
  });

  it('names traffic.cluster, not cluster, when the kubeconfig of traffic.cluster is wrong', () => {
    // Prepare
    const traffic = { type: 'nginx-ingress' as const, ingress: 'checkout' };
    const missing = join(tmpdir(), 'cutover-no-such-kubeconfig');
    // Act + Assess
    expect(() =>
      createTrafficRouter({
        ...traffic,
        cluster: { type: 'kubeconfig', path: kubeconfigPath, context: 'nope' },
      }),
    ).toThrow(
      'traffic.cluster.context must be one of the kubeconfig\'s contexts: kind-cutover, other (got "nope")',
    );
    expect(() => createTrafficRouter({ ...traffic, cluster: { type: 'kubeconfig', path: missing } })).toThrow(
      `traffic.cluster.path must name a kubeconfig file: there is no ${missing}`,
    );
    expect(() => createCluster({ type: 'kubeconfig', path: kubeconfigPath, context: 'nope' })).toThrow(
      'cluster.context must be one of the kubeconfig\'s contexts: kind-cutover, other (got "nope")',
    );
  });

  it('turns a write on a stale resourceVersion (409 Conflict) into TransientAdapterError', async () => {
    // Prepare
    const client = KubernetesObjectClient.fromKubeConfig(emulator.kubeConfig());
    const ref = { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'checkout' };
    emulator.store.create('services', aTrackService(aService(), 'checkout', 'blue') as never);
    const stale = (await client.read(ref))!.metadata.resourceVersion;
    await client.mergePatch(ref, { metadata: { labels: { touched: 'yes' } } });
    // Act
    const conflict = await client
      .mergePatch(ref, { metadata: { resourceVersion: stale }, spec: { selector: { app: 'checkout' } } })
      .catch((e: unknown) => e);
    // Assess
    expect(conflict).toBeInstanceOf(TransientAdapterError);
    expect((conflict as Error).message).toMatch(/the object has been modified; .* \(HTTP 409\)$/);
  });
});

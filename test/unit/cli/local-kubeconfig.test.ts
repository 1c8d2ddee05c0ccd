import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCluster } from '#adapters/cluster/index.ts';
import { KUBECONFIG_ENV } from '#adapters/kubernetes/kubeconfig-env.ts';
import { type KubernetesEmulator, startKubernetesEmulator } from '#test/support/k8s-emulator/index.ts';
import { aRelease, aService } from '#test/support/kubernetes-fixtures.ts';
import { useKubeconfig } from '../../../src/cli/commands/local.ts';

describe('cutover local --kubeconfig', () => {
  let emulator: KubernetesEmulator;
  let dir: string;
  let kubeconfigPath: string;

  beforeAll(async () => {
    emulator = await startKubernetesEmulator();
    dir = mkdtempSync(join(tmpdir(), 'cutover-local-kubeconfig-'));
    kubeconfigPath = join(dir, 'config');
    emulator.writeKubeconfig(kubeconfigPath);
  });
  afterAll(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    delete process.env[KUBECONFIG_ENV.path];
    delete process.env[KUBECONFIG_ENV.context];
    emulator.reset();
  });

  it('runs requests with "cluster": {"type": "kubeconfig"} against the flagged file and context', async () => {
    // Prepare
    useKubeconfig({ kubeconfig: kubeconfigPath, context: 'emulator' });
    const cluster = createCluster({ type: 'kubeconfig' });
    // Act
    await cluster.apply(aService(), 'stable', aRelease());
    // Assess
    expect(process.env[KUBECONFIG_ENV.path]).toBe(kubeconfigPath);
    expect(emulator.store.get('deployments', 'shop', 'checkout-stable')).toBeDefined();
  });

  it("lets a request's own context win over --context, naming the kubeconfig's contexts", () => {
    // Prepare
    useKubeconfig({ kubeconfig: kubeconfigPath, context: 'emulator' });
    // Act + Assess
    expect(() => createCluster({ type: 'kubeconfig', context: 'prod' })).toThrow(
      'cluster.context must be one of the kubeconfig\'s contexts: emulator (got "prod")',
    );
  });

  it('rejects a missing file and --context alone, setting nothing', () => {
    // Act + Assess
    expect(() => useKubeconfig({ kubeconfig: join(dir, 'missing') })).toThrow(
      /--kubeconfig must name an existing kubeconfig file/,
    );
    expect(() => useKubeconfig({ context: 'emulator' })).toThrow(
      expect.objectContaining({ message: '--context needs --kubeconfig <path>', exitCode: 2 }),
    );
    expect(process.env[KUBECONFIG_ENV.path]).toBeUndefined();
    expect(process.env[KUBECONFIG_ENV.context]).toBeUndefined();
  });
});

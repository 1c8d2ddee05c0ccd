import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    await useKubeconfig({ kubeconfig: kubeconfigPath, context: 'emulator' });
    const cluster = createCluster({ type: 'kubeconfig' });
    // Act
    await cluster.apply(aService(), 'stable', aRelease());
    // Assess
    expect(process.env[KUBECONFIG_ENV.path]).toBe(kubeconfigPath);
    expect(emulator.store.get('deployments', 'shop', 'checkout-stable')).toBeDefined();
  });

  it("lets a request's own context win over --context, naming the kubeconfig's contexts", async () => {
    // Prepare
    await useKubeconfig({ kubeconfig: kubeconfigPath, context: 'emulator' });
    // Act + Assess
    expect(() => createCluster({ type: 'kubeconfig', context: 'prod' })).toThrow(
      'cluster.context must be one of the kubeconfig\'s contexts: emulator (got "prod")',
    );
  });

  it('rejects a missing file and --context alone, setting nothing', async () => {
    // Act + Assess
    await expect(useKubeconfig({ kubeconfig: join(dir, 'missing') })).rejects.toThrow(
      /--kubeconfig must name an existing kubeconfig file/,
    );
    await expect(useKubeconfig({ context: 'emulator' })).rejects.toThrow(
      expect.objectContaining({ message: '--context needs --kubeconfig <path>', exitCode: 2 }),
    );
    expect(process.env[KUBECONFIG_ENV.path]).toBeUndefined();
    expect(process.env[KUBECONFIG_ENV.context]).toBeUndefined();
  });

  it('rejects a --context the kubeconfig does not have, naming its contexts, and sets nothing', async () => {
    // Act
    const refused = useKubeconfig({ kubeconfig: kubeconfigPath, context: 'kind-nope' });
    // Assess
    await expect(refused).rejects.toThrow(
      expect.objectContaining({
        message: `--context must be one of the contexts of ${kubeconfigPath}: emulator (got "kind-nope")`,
        exitCode: 2,
      }),
    );
    expect(process.env[KUBECONFIG_ENV.path]).toBeUndefined();
    expect(process.env[KUBECONFIG_ENV.context]).toBeUndefined();
  });

  it('rejects a --kubeconfig that is no kubeconfig, saying why', async () => {
    // Prepare
    const notYaml = join(dir, 'notes.txt');
    writeFileSync(notYaml, 'not: [yaml');
    // Act + Assess
    await expect(useKubeconfig({ kubeconfig: notYaml })).rejects.toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          new RegExp(`^--kubeconfig must name a kubeconfig file: ${notYaml} is not one \\(unexpected end`),
        ),
        exitCode: 2,
      }),
    );
    await expect(useKubeconfig({ kubeconfig: dir })).rejects.toThrow(
      `--kubeconfig must name a kubeconfig file: ${dir} is a directory`,
    );
    expect(process.env[KUBECONFIG_ENV.path]).toBeUndefined();
  });

  it('names the flag a request took a context from that its kubeconfig lost since', async () => {
    // Prepare: the file changes after cutover local started
    const changing = join(dir, 'changing');
    emulator.writeKubeconfig(changing);
    await useKubeconfig({ kubeconfig: changing, context: 'emulator' });
    writeFileSync(changing, readFileSync(changing, 'utf8').replaceAll('emulator', 'renamed'));
    // Act + Assess
    expect(() => createCluster({ type: 'kubeconfig' })).toThrow(
      'cluster.context (CUTOVER_KUBE_CONTEXT, from cutover local --context) must be one of the kubeconfig\'s contexts: renamed (got "emulator")',
    );
  });
});

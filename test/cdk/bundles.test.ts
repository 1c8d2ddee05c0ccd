import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { build, type Metafile } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { taskEsbuildOptions } from '#lib/bundling.ts';
import { FUNCTION_CAPABILITIES } from '#lib/capabilities.ts';
import { discoverFunctions } from '#lib/discovery.ts';
import { canaryInput } from '#test/builders/release-request.ts';
import { type KubernetesEmulator, startKubernetesEmulator } from '#test/support/k8s-emulator/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');
// Inside the project, so the external @aws-sdk/* resolve from node_modules as the Lambda runtime provides them.
const OUT = join(ROOT, 'node_modules', '.cache', 'cutover-bundle-test');
const FUNCTIONS = discoverFunctions(join(ROOT, 'lambdas'));

interface Bundle {
  readonly code: string;
  readonly inputs: readonly string[];
}

/** Every task function bundled with the CDK app's esbuild options, in memory. */
async function bundleAll(): Promise<Map<string, Bundle>> {
  const result = await build({
    ...taskEsbuildOptions('nodejs22.x'),
    entryPoints: Object.fromEntries(FUNCTIONS.map((fn) => [fn.name, fn.entry])),
    outdir: OUT,
    sourcemap: false,
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const outputs = Object.entries((result.metafile as Metafile).outputs);
  return new Map(
    FUNCTIONS.map((fn) => {
      const [path, output] = outputs.find(([, o]) =>
        o.entryPoint?.endsWith(`lambdas/${fn.name}/handler.ts`),
      )!;
      const file = result.outputFiles.find((f) => f.path.endsWith(path))!;
      return [fn.name, { code: file.text, inputs: Object.keys(output.inputs) }];
    }),
  );
}

describe('task function bundles', () => {
  let bundles: Map<string, Bundle>;
  beforeAll(async () => {
    bundles = await bundleAll();
  });

  it('stay under 1 MiB each', () => {
    // Assess
    const sizes = [...bundles].map(([name, bundle]) => [name, Buffer.byteLength(bundle.code)] as const);
    expect(sizes.filter(([, size]) => size >= 1024 * 1024)).toEqual([]);
  });

  it('carry the Kubernetes client only in functions with a cluster capability', () => {
    // Assess
    const withClient = [...bundles]
      .filter(([, bundle]) => bundle.inputs.some((input) => input.includes('@kubernetes/client-node')))
      .map(([name]) => name);
    const withCluster = FUNCTIONS.map((fn) => fn.name).filter((name) =>
      FUNCTION_CAPABILITIES[name]?.some(
        (capability) => capability === 'cluster' || capability === 'clusterRead',
      ),
    );
    expect(withClient.filter((name) => !withCluster.includes(name))).toEqual([]);
    expect(withClient).toContain('check-rollout');
  });

  it('import the AWS SDK packages on first use in the release functions, not at load', () => {
    // Assess
    const release = [...bundles].filter(([name]) => !name.startsWith('db-'));
    const staticImports = release.flatMap(([name, bundle]) =>
      [...bundle.code.matchAll(/(?:from|import)\s*"(@aws-sdk\/[^"]+)"/g)].map((m) => `${name}: ${m[1]}`),
    );
    expect(staticImports).toEqual([]);
    expect(bundles.get('notify')!.code).toMatch(/import\("@aws-sdk\/client-sns"\)/);
  });

  it('replace whatwg-url, which node-fetch only falls back to, with Node URL', () => {
    // Prepare
    const nodeFetch = readFileSync(join(ROOT, 'node_modules', 'node-fetch', 'lib', 'index.mjs'), 'utf8');
    // Assess
    const uses = [...nodeFetch.matchAll(/.*whatwgUrl\b.*/g)].map((m) => m[0].trim());
    expect(uses.filter((line) => !line.startsWith('import '))).toEqual(
      uses.filter((line) => line.endsWith('= Url.URL || whatwgUrl.URL;')),
    );
    const withWhatwg = [...bundles].filter(([, b]) => b.inputs.some((i) => /\/(whatwg-url|tr46)\//.test(i)));
    expect(withWhatwg.map(([name]) => name)).toEqual([]);
  });
});

describe('a bundled cluster function', () => {
  let emulator: KubernetesEmulator;
  let dir: string;
  // The state table the function reads its execution's rollback claim from.
  const dynamodb = mockClient(DynamoDBClient);
  beforeAll(async () => {
    emulator = await startKubernetesEmulator();
    dir = mkdtempSync(join(tmpdir(), 'cutover-bundle-'));
  });
  afterAll(async () => {
    dynamodb.restore();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    dynamodb.reset();
    vi.stubEnv('CUTOVER_STATE_TABLE', 'cutover-state');
  });
  afterEach(() => vi.unstubAllEnvs());

  async function bundledDeployTrack() {
    const outfile = join(OUT, 'deploy-track', 'index.mjs');
    const entry = FUNCTIONS.find((fn) => fn.name === 'deploy-track')!.entry;
    await build({ ...taskEsbuildOptions('nodejs22.x'), entryPoints: [entry], outfile, logLevel: 'error' });
    const kubeconfig = join(dir, 'kubeconfig');
    emulator.writeKubeconfig(kubeconfig);
    const { handler } = await import(pathToFileURL(outfile).href);
    const request = canaryInput(undefined, {
      release: { version: 'v2', image: 'registry.example/checkout:v2', replicas: 2 },
      cluster: { type: 'kubeconfig', path: kubeconfig, context: 'emulator' },
    });
    return (executionArn: string) =>
      handler({ strategy: 'canary', executionArn, request, track: 'canary' }, {});
  }

  const canaryVersions = () =>
    emulator.store
      .list('deployments', 'shop', 'app=checkout,cutover.dev/track=canary')
      .map((d) => d.metadata.labels?.['cutover.dev/version']);

  it('deploys a track through the bundled Kubernetes client', async () => {
    // Prepare
    dynamodb.on(GetItemCommand).resolves({});
    const deployTrack = await bundledDeployTrack();
    // Act
    const result = await deployTrack('arn:aws:states:us-east-1:0:execution:canary:run-1');
    // Assess
    expect(result).toMatchObject({ track: 'canary', reason: 'applied' });
    expect(canaryVersions()).toEqual(['v2']);
  });

  it('deploys nothing for a stopped execution whose rollback has begun', async () => {
    // Prepare
    const executionArn = 'arn:aws:states:us-east-1:0:execution:canary:run-2';
    emulator.store.clear();
    dynamodb.on(GetItemCommand, { Key: { pk: { S: `rollback#${executionArn}` } } }).resolves({
      Item: { owner: { S: 'rollback-1' }, expiresAt: { N: String(Math.floor(Date.now() / 1000) + 60) } },
    });
    const deployTrack = await bundledDeployTrack();
    // Act
    const failure = await deployTrack(executionArn).catch((error: Error) => error);
    // Assess
    expect(failure).toMatchObject({ name: 'ExecutionStopped' });
    expect(canaryVersions()).toEqual([]);
  });
});

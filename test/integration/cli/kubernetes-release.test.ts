import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HistoryEvent, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesObjectClient } from '#adapters/kubernetes/client.ts';
import { KubernetesCluster } from '#adapters/kubernetes/kubernetes-cluster.ts';
import { RealClock } from '#local/clock.ts';
import { startCli } from '#test/support/cli-process.ts';
import {
  type KubeObject,
  type KubernetesEmulator,
  startKubernetesEmulator,
} from '#test/support/k8s-emulator/index.ts';
import { aCheckoutRoute, aRelease, aService, aTrackService } from '#test/support/kubernetes-fixtures.ts';
import { executionHistory, startTestRuntime, type TestRuntime } from '#test/support/local-runtime.ts';
import { startPrometheusServer } from '#test/support/prometheus-server.ts';
import { formatStatus } from '../../../src/cli/commands/status.ts';
import { serviceReleases } from '../../../src/cli/service-releases.ts';
import { watchExecution } from '../../../src/cli/watch.ts';

/** Waits run at 2% of real time: a rollout check every 100 ms. */
const WAIT_TIME_SCALE = 0.02;
const UNSCHEDULABLE =
  /pod checkout-canary-\S+ not scheduled: Unschedulable: 0\/3 nodes are available: 3 Insufficient cpu\./;

describe('what the CLI says of a canary on Kubernetes (API emulator, Gateway API)', () => {
  let directory: string;
  let dataDir: string;
  let emulator: KubernetesEmulator;
  let prometheus: Awaited<ReturnType<typeof startPrometheusServer>>;
  let runtime: TestRuntime;
  let kubeconfig: string;
  let canaryArn: string;
  const service = aService();

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'cutover-cli-k8s-'));
    kubeconfig = join(directory, 'kubeconfig');
    dataDir = join(directory, 'data');
    [emulator, prometheus] = await Promise.all([
      startKubernetesEmulator({ reconcileOnRequest: true }),
      startPrometheusServer(),
    ]);
    emulator.writeKubeconfig(kubeconfig);
    process.env.CUTOVER_DATA_DIR = dataDir;
    runtime = await startTestRuntime({
      dataDir,
      projectDir: process.cwd(),
      clock: new RealClock(WAIT_TIME_SCALE),
    });
    canaryArn = runtime.runtime.stateMachines.find((m) => m.name === 'canary')!.stateMachineArn;
  });
  afterAll(async () => {
    await runtime?.close();
    await Promise.all([emulator?.close(), prometheus?.close()]);
    await rm(directory, { recursive: true, force: true });
  });
  beforeEach(() => emulator.reset());

  /** Stable runs v1 with all the HTTPRoute's traffic; the canary's pods find no node with the CPU they ask. */
  async function stableRunsV1WithNoRoomForTheCanary() {
    for (const track of ['stable', 'canary']) {
      emulator.store.create('services', aTrackService(service, `checkout-${track}`, track) as KubeObject);
    }
    emulator.store.create('httproutes', aCheckoutRoute({ stable: 100, canary: 0 }) as KubeObject);
    const cluster = new KubernetesCluster(KubernetesObjectClient.fromKubeConfig(emulator.kubeConfig()));
    await cluster.apply(service, 'stable', aRelease({ version: 'v1' }));
    emulator.controller.settle();
    emulator.controller.failPods('shop', 'checkout-canary', {
      reason: 'Unschedulable',
      message: '0/3 nodes are available: 3 Insufficient cpu.',
    });
  }

  async function startCanary(name: string, cluster: Record<string, unknown>): Promise<string> {
    const input = {
      service,
      release: { version: 'v2', image: 'registry.example/checkout:v2', replicas: 2 },
      cluster,
      traffic: { type: 'gateway-api', httpRoute: 'checkout' },
      metrics: {
        type: 'prometheus',
        url: prometheus.url,
        queries: { requestCount: 'vector(0)', errorRate: 'vector(0)' },
      },
      canary: { steps: [{ weight: 10, bakeSeconds: 60 }] },
      progressDeadlineSeconds: 120,
      scaleDownDelaySeconds: 0,
    };
    const { executionArn } = await runtime.client.send(
      new StartExecutionCommand({ stateMachineArn: canaryArn, name, input: JSON.stringify(input) }),
    );
    return executionArn!;
  }

  /** Resolves once the execution's history has `count` events matching `matches`; rejects if it ends first. */
  async function untilHistoryHas(executionArn: string, count: number, matches: (e: HistoryEvent) => boolean) {
    for (;;) {
      const events = await executionHistory(runtime.client, executionArn);
      if (events.filter(matches).length >= count) return;
      const end = events.find((e) => e.type?.startsWith('Execution') && e.type !== 'ExecutionStarted');
      if (end) throw new Error(`the execution ended first: ${JSON.stringify(end)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const aCheckOfTheCanary = (event: HistoryEvent) =>
    event.type === 'TaskStateExited' && event.stateExitedEventDetails?.name === 'CheckCanary';

  it('says why a stuck rollout waits, once per reason, in watch and in status, and what the rollback put back', async () => {
    // Prepare
    await stableRunsV1WithNoRoomForTheCanary();
    const executionArn = await startCanary('stuck', { type: 'kubeconfig', path: kubeconfig });
    await untilHistoryHas(executionArn, 3, aCheckOfTheCanary);
    // Act
    const status = formatStatus(
      service,
      await serviceReleases(runtime.client, service, { scan: 25, limit: 5 }),
      { scan: 25, limit: 5 },
    );
    const printed: string[] = [];
    const code = await watchExecution(runtime.client, executionArn, {
      print: (line) => printed.push(line),
      pollMs: 20,
    });
    // Assess
    expect(status.split('\n')[1]).toMatch(
      new RegExp(
        `^RUNNING +canary +v2 +stuck +started \\S+, in \\w+, .*rollout canary: 0/2 ready, 2 updated; ${UNSCHEDULABLE.source}$`,
      ),
    );
    const checks = printed.filter((line) => line === '→ CheckCanary');
    const rollouts = printed.filter((line) => line.startsWith('  rollout'));
    expect(code).toBe(1);
    expect(checks.length).toBe(24);
    expect(rollouts.length).toBeLessThan(3);
    expect(rollouts.at(-1)).toMatch(
      new RegExp(`^ {2}rollout {2}canary: 0/2 ready, 2 updated; ${UNSCHEDULABLE.source}$`),
    );
    expect(new Set(rollouts).size).toBe(rollouts.length);
    // The backup held one track Deployment (stable), besides its Services and HTTPRoute: the rollback put the
    // Deployment back and left the routing objects, whose weights never moved, as they were.
    expect(printed).toContain('  rollback 1 track put back as the backup had them');
    expect(printed.join('\n')).not.toContain('objects re-applied');
    expect(printed.at(-1)).toMatch(
      /^FAILED \(rolled back\): RolloutDeadlineExceeded — canary not ready within 120s \(24 checks\)/,
    );
  });

  it('names cluster.path and the missing file of a request whose kubeconfig does not exist', async () => {
    // Prepare
    const missing = join(directory, 'no-such-kubeconfig');
    const executionArn = await startCanary('no-kubeconfig', { type: 'kubeconfig', path: missing });
    const printed: string[] = [];
    // Act
    const code = await watchExecution(runtime.client, executionArn, {
      print: (line) => printed.push(line),
      pollMs: 20,
    });
    // Assess
    expect(code).toBe(1);
    expect(printed.at(-1)).toBe(
      `FAILED: KubernetesConfigError — cluster.path must name a kubeconfig file: there is no ${missing}`,
    );
  });

  it('traffic says a service routed by Kubernetes has no Cutover proxy, and where its traffic goes', async () => {
    // Prepare: the data dir knows the service's releases, routed by an HTTPRoute
    await startCanary('routed-by-gateway-api', { type: 'kubeconfig', path: join(directory, 'none') });
    // Act
    const cli = startCli(['traffic', 'shop/checkout', '--seconds', '1', '--data-dir', dataDir]);
    const code = await cli.exited;
    // Assess
    expect(code).toBe(2);
    expect(cli.stderr()).toBe(
      'cutover: shop/checkout has no Cutover proxy: its releases route its traffic with the HTTPRoute checkout (traffic.type gateway-api), so requests go to that route\'s Gateway; only services released with "traffic": {"type": "local"} get a proxy from cutover local\n',
    );
  });
});

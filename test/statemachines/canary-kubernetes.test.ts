import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesObjectClient } from '#adapters/kubernetes/client.ts';
import { KubernetesCluster } from '#adapters/kubernetes/kubernetes-cluster.ts';
import { fillPlaceholders } from '#adapters/metrics/placeholders.ts';
import {
  type KubeObject,
  type KubernetesEmulator,
  startKubernetesEmulator,
} from '#test/support/k8s-emulator/index.ts';
import { aCheckoutRoute, aRelease, aService, aTrackService } from '#test/support/kubernetes-fixtures.ts';
import {
  executionHistory,
  startTestRuntime,
  type TestRuntime,
  waitForExecution,
} from '#test/support/local-runtime.ts';
import { apiError, startPrometheusServer, vector } from '#test/support/prometheus-server.ts';

const selector = 'app="{{service}}",track="{{track}}"';
const QUERIES = {
  requestCount: `sum(increase(http_requests_total{${selector}}[{{window}}])) or vector(0)`,
  errorRate: `(sum(increase(http_requests_total{${selector},code=~"5.."}[{{window}}])) or vector(0)) / sum(increase(http_requests_total{${selector}}[{{window}}]))`,
};

describe('canary state machine on Kubernetes (API emulator, Gateway API, Prometheus)', () => {
  let directory: string;
  let emulator: KubernetesEmulator;
  let prometheus: Awaited<ReturnType<typeof startPrometheusServer>>;
  let runtime: TestRuntime;
  let kubeconfig: string;
  let canaryArn: string;
  const service = aService();

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'cutover-canary-k8s-'));
    kubeconfig = join(directory, 'kubeconfig');
    [emulator, prometheus] = await Promise.all([
      startKubernetesEmulator({ reconcileOnRequest: true }),
      startPrometheusServer(),
    ]);
    emulator.writeKubeconfig(kubeconfig);
    process.env.CUTOVER_DATA_DIR = join(directory, 'data');
    runtime = await startTestRuntime({ dataDir: join(directory, 'data'), projectDir: process.cwd() });
    canaryArn = runtime.runtime.stateMachines.find((m) => m.name === 'canary')!.stateMachineArn;
  });
  afterAll(async () => {
    await runtime?.close();
    await Promise.all([emulator?.close(), prometheus?.close()]);
    await rm(directory, { recursive: true, force: true });
  });
  beforeEach(() => {
    emulator.reset();
    prometheus.answers.clear();
    prometheus.patterns.length = 0;
    for (const track of ['stable', 'canary']) {
      emulator.store.create('services', aTrackService(service, `checkout-${track}`, track) as KubeObject);
    }
  });

  /** A running stable track v1. */
  async function stableRunsV1() {
    const cluster = new KubernetesCluster(KubernetesObjectClient.fromKubeConfig(emulator.kubeConfig()));
    await cluster.apply(
      service,
      'stable',
      aRelease({ version: 'v1', image: 'registry.example/checkout:v1' }),
    );
    emulator.controller.settle();
  }

  /** The HTTPRoute checkout, routing to the track Services with these weights. */
  function routeWeighting(weights: { stable: number; canary: number }) {
    emulator.store.create('httproutes', aCheckoutRoute(weights) as KubeObject);
  }

  /** Prometheus answers for the canary track, whatever the window: `requests`, of which `errorRate` failed. */
  function canaryTraffic(requests: number, errorRate: number) {
    for (const [metric, value] of Object.entries({ requestCount: requests, errorRate })) {
      const query = fillPlaceholders(QUERIES[metric as keyof typeof QUERIES], {
        service: 'checkout',
        track: 'canary',
        window: 'WINDOW',
      });
      const pattern = new RegExp(
        `^${query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('WINDOW', '\\d+s')}$`,
      );
      prometheus.patterns.push([pattern, vector(String(value))]);
    }
  }

  /**
   * Runs `change` as the first analysis asks Prometheus: after the queries ValidateRequest tries, once each
   * for the canary track, before the release changes anything.
   */
  function atTheFirstAnalysis(change: () => void) {
    let tried = Object.keys(QUERIES).length;
    const hook = () => (tried-- > 0 ? prometheus.beforeNextAnswer.push(hook) : change());
    prometheus.beforeNextAnswer.push(hook);
  }

  async function runCanary(name: string) {
    const input = {
      service,
      release: { version: 'v2', image: 'registry.example/checkout:v2', replicas: 2 },
      cluster: { type: 'kubeconfig', path: kubeconfig, context: 'emulator' },
      traffic: { type: 'gateway-api', httpRoute: 'checkout' },
      metrics: { type: 'prometheus', url: prometheus.url, queries: QUERIES },
      canary: {
        steps: [
          { weight: 10, bakeSeconds: 60 },
          { weight: 50, bakeSeconds: 60 },
        ],
        analysis: { maxErrorRate: 0.01, minRequests: 100, failureLimit: 1 },
      },
      scaleDownDelaySeconds: 0,
    };
    const { executionArn } = await runtime.client.send(
      new StartExecutionCommand({ stateMachineArn: canaryArn, name, input: JSON.stringify(input) }),
    );
    return waitForExecution(runtime.client, executionArn!);
  }

  const routeWeights = () => {
    const route = emulator.store.get('httproutes', 'shop', 'checkout')!;
    const rules = route.spec!.rules as { backendRefs: { name: string; weight: number }[] }[];
    return rules[0]!.backendRefs.map((ref) => `${ref.name}=${ref.weight}`);
  };
  const statesEntered = async (executionArn: string) =>
    (await executionHistory(runtime.client, executionArn)).flatMap(
      (event) => event.stateEnteredEventDetails?.name ?? [],
    );
  /** What the execution's Rollback state reported (`$.rollback`). */
  const rollbackOutput = async (executionArn: string) => {
    const exited = (await executionHistory(runtime.client, executionArn)).find(
      (event) => event.stateExitedEventDetails?.name === 'Rollback',
    );
    return (JSON.parse(exited?.stateExitedEventDetails?.output ?? '{}') as { rollback?: unknown }).rollback;
  };
  const version = (track: string) =>
    emulator.store.get('deployments', 'shop', `checkout-${track}`)?.metadata.labels?.['cutover.dev/version'];

  /** Runs the rollback machine for a release that ended, as `cutover abort` or a late stop does. */
  async function runRollback(name: string, executionArn: string, reason: string) {
    const rollbackArn = runtime.runtime.stateMachines.find((m) => m.name === 'rollback')!.stateMachineArn;
    const history = await executionHistory(runtime.client, executionArn);
    const input = history[0]?.executionStartedEventDetails?.input ?? '{}';
    const { executionArn: rollbackExecution } = await runtime.client.send(
      new StartExecutionCommand({
        stateMachineArn: rollbackArn,
        name,
        input: JSON.stringify({ strategy: 'canary', executionArn, input, reason }),
      }),
    );
    return waitForExecution(runtime.client, rollbackExecution!);
  }
  /** The versions of a track's ready pods. */
  const readyPodVersions = (track: string) =>
    emulator.store
      .list('pods', 'shop')
      .filter((pod) => pod.metadata.labels?.['cutover.dev/track'] === track)
      .filter((pod) =>
        ((pod.status as { containerStatuses?: { ready: boolean }[] })?.containerStatuses ?? []).every(
          (container) => container.ready,
        ),
      )
      .map((pod) => pod.metadata.labels?.['cutover.dev/version'])
      .sort();

  it('promotes a healthy canary: stable runs v2, all traffic on stable, canary removed', async () => {
    // Prepare
    await stableRunsV1();
    routeWeighting({ stable: 100, canary: 0 });
    canaryTraffic(500, 0.001);
    // Act
    const execution = await runCanary('healthy');
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(version('stable')).toBe('v2');
    expect(version('canary')).toBeUndefined();
    expect(routeWeights()).toEqual(['checkout-stable=100', 'checkout-canary=0']);
  });

  it('rolls back an unhealthy canary: stable stays v1 with all traffic, canary removed', async () => {
    // Prepare
    await stableRunsV1();
    routeWeighting({ stable: 100, canary: 0 });
    canaryTraffic(500, 0.3);
    // Act
    const execution = await runCanary('unhealthy');
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('AnalysisFailed');
    expect(version('stable')).toBe('v1');
    expect(version('canary')).toBeUndefined();
    expect(routeWeights()).toEqual(['checkout-stable=100', 'checkout-canary=0']);
  });

  it('does not report the previous version back when an abort after the promotion cannot start it: the new one still serves', async () => {
    // Prepare: v2 promoted on stable; then v1 crashes at start (its image lost what it needs), so the
    // rolling update back to v1 keeps v2's pods, which still serve the traffic
    await stableRunsV1();
    routeWeighting({ stable: 100, canary: 0 });
    canaryTraffic(500, 0.001);
    const released = await runCanary('promoted-then-aborted');
    emulator.controller.failImage('registry.example/checkout:v1', {
      reason: 'CrashLoopBackOff',
      message: 'back-off 5m0s restarting failed container=checkout',
      lastTerminated: { reason: 'Error', exitCode: 1 },
    });
    // Act: the release is rolled back late, as an abort during its scale-down delay is
    const rollback = await runRollback('abort-promoted-then-aborted', released.executionArn!, 'late abort');
    // Assess: stable is back on v1's spec, but none of its v1 replicas is ready: v2's two serve
    expect(released.status, released.cause).toBe('SUCCEEDED');
    expect(rollback.status, rollback.cause).toBe('SUCCEEDED');
    expect(version('stable')).toBe('v1');
    expect(readyPodVersions('stable')).toEqual(['v2', 'v2']);
    expect(routeWeights()).toEqual(['checkout-stable=100', 'checkout-canary=0']);
    const rolledBack = runtime.runtime.adapters!.notifier.latestOf(released.executionArn!, 1)[0];
    expect(rolledBack?.message).toBe(
      'canary release v2 of shop/checkout rolled back: Aborted (late abort); not restored in full: ' +
        "stable 0/2 ready of v1: CrashLoopBackOff; v2's 2 replicas still serve",
    );
  });

  it("fails a canary at its first weight when the route's Gateway does not accept the route, with the Gateway's reason", async () => {
    // Prepare: the Gateway's listeners stopped allowing routes from the namespace
    await stableRunsV1();
    routeWeighting({ stable: 100, canary: 0 });
    canaryTraffic(500, 0.001);
    emulator.gateway.reject('shop', 'checkout', {
      reason: 'NotAllowedByListeners',
      message: 'No listener of Gateway public allows routes from namespace shop',
    });
    // Act
    const execution = await runCanary('route-not-accepted');
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RouteNotAccepted');
    expect(JSON.parse(execution.cause!).errorMessage).toBe(
      'HTTPRoute shop/checkout is not accepted by Gateway shop/public (emulator.cutover.dev/gateway-controller): ' +
        'NotAllowedByListeners: No listener of Gateway public allows routes from namespace shop',
    );
    expect(await statesEntered(execution.executionArn!)).not.toContain('StartStepBake');
    expect(version('stable')).toBe('v1');
    expect(version('canary')).toBeUndefined();
    expect(routeWeights()).toEqual(['checkout-stable=100', 'checkout-canary=0']);
  });

  it("keeps an operator's edit of the route made during the release when it rolls back", async () => {
    // Prepare: while the first step is analysed, an operator adds a rule to the route
    await stableRunsV1();
    routeWeighting({ stable: 100, canary: 0 });
    canaryTraffic(500, 0.3);
    const hotfix = {
      matches: [{ path: { type: 'PathPrefix', value: '/legacy' } }],
      backendRefs: [{ name: 'legacy', port: 80 }],
    };
    atTheFirstAnalysis(() => {
      const route = emulator.store.get('httproutes', 'shop', 'checkout')!;
      const rules = route.spec!.rules as object[];
      emulator.store.update('httproutes', { ...route, spec: { ...route.spec, rules: [...rules, hotfix] } });
    });
    // Act
    const execution = await runCanary('edited-route');
    // Assess
    expect(execution.error).toBe('AnalysisFailed');
    expect(await statesEntered(execution.executionArn!)).not.toContain('NotifyRollbackFailed');
    expect(routeWeights()).toEqual(['checkout-stable=100', 'checkout-canary=0']);
    expect(emulator.store.get('httproutes', 'shop', 'checkout')!.spec!.rules).toContainEqual(hotfix);
    expect(version('canary')).toBeUndefined();
    // It re-applied the stable Deployment alone: the route and the track Services were left as they are
    expect(await rollbackOutput(execution.executionArn!)).toMatchObject({ tracks: 1, objects: 1 });
  });

  it('re-creates a route deleted during the release when it rolls back, then weights it, keeping edits of the rest', async () => {
    // Prepare: while the first step is analysed, someone deletes the route and labels the stable Service
    await stableRunsV1();
    routeWeighting({ stable: 100, canary: 0 });
    canaryTraffic(500, 0.3);
    atTheFirstAnalysis(() => {
      emulator.store.delete('httproutes', 'shop', 'checkout', 'HTTPRoute');
      const stable = emulator.store.get('services', 'shop', 'checkout-stable')!;
      const labels = { ...stable.metadata.labels, team: 'payments' };
      emulator.store.update('services', { ...stable, metadata: { ...stable.metadata, labels } });
    });
    // Act
    const execution = await runCanary('deleted-route');
    // Assess
    expect(execution.error).toBe('AnalysisFailed');
    expect(await statesEntered(execution.executionArn!)).not.toContain('NotifyRollbackFailed');
    expect(routeWeights()).toEqual(['checkout-stable=100', 'checkout-canary=0']);
    expect(version('stable')).toBe('v1');
    expect(version('canary')).toBeUndefined();
    // Only the route that was gone and the stable Deployment were applied: the Service keeps its edit
    expect(emulator.store.get('services', 'shop', 'checkout-stable')!.metadata.labels).toMatchObject({
      team: 'payments',
    });
    expect(await rollbackOutput(execution.executionArn!)).toMatchObject({ tracks: 1, objects: 2 });
  });

  it('releases a first version straight to 100% when the route weights every track 0', async () => {
    // Prepare: no Deployment yet, and a route that sends no traffic to either track
    routeWeighting({ stable: 0, canary: 0 });
    // Act
    const execution = await runCanary('first-release');
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    const states = await statesEntered(execution.executionArn!);
    expect(states).toContain('DeployStable');
    expect(states).not.toContain('DeployCanary');
    expect(version('stable')).toBe('v2');
    expect(version('canary')).toBeUndefined();
    expect(routeWeights()).toEqual(['checkout-stable=100', 'checkout-canary=0']);
  });

  it('refuses a release whose Prometheus query Prometheus refuses, before it deploys or locks anything', async () => {
    // Prepare: a healthy stable track, and an errorRate query Prometheus cannot parse
    await stableRunsV1();
    routeWeighting({ stable: 100, canary: 0 });
    prometheus.patterns.push([
      /track="canary",code=~"5\.\."/,
      apiError(400, 'bad_data', '1:20: parse error: unclosed left parenthesis'),
    ]);
    // Act
    const execution = await runCanary('broken-query');
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ValidationError');
    expect(JSON.parse(execution.cause!).errorMessage).toMatch(
      /^metrics\.queries\.errorRate: prometheus refused the errorRate query ".*": bad_data: 1:20: parse error: unclosed left parenthesis$/,
    );
    expect(await statesEntered(execution.executionArn!)).not.toContain('BackupState');
    expect(emulator.store.list('deployments', 'shop').map((deployment) => deployment.metadata.name)).toEqual([
      'checkout-stable',
    ]);
    expect(routeWeights()).toEqual(['checkout-stable=100', 'checkout-canary=0']);
  });

  it('refuses a release whose route sends traffic to a stable track that does not exist, deploying nothing', async () => {
    // Prepare: the route sends everything to checkout-stable, which no Deployment backs
    routeWeighting({ stable: 100, canary: 0 });
    // Act
    const execution = await runCanary('no-stable');
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ValidationError');
    expect(execution.cause).toContain(
      "traffic: the router sends 100% of shop/checkout's traffic to track stable, which has no workload",
    );
    expect(execution.cause).toContain(
      'for a first release, set the weight of every track to 0 on the router; otherwise deploy track stable',
    );
    expect(await statesEntered(execution.executionArn!)).not.toContain('BackupState');
    expect(emulator.store.list('deployments', 'shop')).toEqual([]);
    expect(routeWeights()).toEqual(['checkout-stable=100', 'checkout-canary=0']);
  });
});

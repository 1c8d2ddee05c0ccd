import {
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Release, ServiceRef, Weights } from '#core/types.ts';
import type { LocalAdapters } from '#local/adapters/register.ts';
import { startTraffic, type Traffic } from '#local/adapters/traffic-generator.ts';
import { RealClock } from '#local/clock.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import { aTempDataDir, EXAMPLE_APP, pollStatus } from '#test/support/local-app.ts';
import { executionHistory, sfnClient, waitForExecution } from '#test/support/local-runtime.ts';
import { pendingTaskToken } from '../../src/cli/history.ts';

/**
 * Waits run at 2% of real time: a 5 s rollout poll takes 100 ms, a 60 s approval timeout 1.2 s. The
 * analysis window follows real time (traffic since the weights shifted), so nothing depends on it.
 */
export const STRATEGY_WAIT_TIME_SCALE = 0.02;

/** The local runtime with the project's state machines and handlers, on a data dir of its own. */
export interface StrategyRuntime {
  readonly runtime: LocalRuntime;
  readonly client: SFNClient;
  readonly adapters: LocalAdapters;
  /** Starts an execution of a strategy's state machine; returns its ARN. */
  start(strategy: string, input: unknown, name: string): Promise<string>;
  /** Starts an execution and waits until it is no longer RUNNING. */
  run(strategy: string, input: unknown, name: string): Promise<DescribeExecutionCommandOutput>;
  /** Stops the runtime (running executions stay RUNNING in the store, replicas stop). */
  close(): Promise<void>;
}

/**
 * Starts the runtime in-process (127.0.0.1, port 0) on `dataDir` with the project's `statemachines/` and
 * `lambdas/`, the local adapters, and waits scaled by {@link STRATEGY_WAIT_TIME_SCALE}. The task
 * functions find the data dir through `CUTOVER_DATA_DIR`, which this sets.
 *
 * @example
 * const { dataDir } = aTempDataDir();
 * const strategies = await startStrategyRuntime(dataDir);
 * const execution = await strategies.run('canary', aCanaryRequest(service, 'v2'), 'checkout-v2');
 */
export async function startStrategyRuntime(
  dataDir: string,
  scale = STRATEGY_WAIT_TIME_SCALE,
): Promise<StrategyRuntime> {
  process.env.CUTOVER_DATA_DIR = dataDir;
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const runtime = await startLocalRuntime({ port: 0, dataDir, clock: new RealClock(scale) });
  const client = sfnClient(runtime.endpoint);
  const arnOf = (strategy: string) => {
    const machine = runtime.stateMachines.find((m) => m.name === strategy);
    if (!machine) throw new Error(`no state machine named ${strategy}`);
    return machine.stateMachineArn;
  };
  const start = async (strategy: string, input: unknown, name: string) => {
    const command = new StartExecutionCommand({
      stateMachineArn: arnOf(strategy),
      name,
      input: JSON.stringify(input),
    });
    return (await client.send(command)).executionArn!;
  };
  return {
    runtime,
    client,
    adapters: runtime.adapters!,
    start,
    run: async (strategy, input, name) => waitForExecution(client, await start(strategy, input, name)),
    close: async () => {
      client.destroy();
      await runtime.close();
    },
  };
}

/** A release of the example app run by the local cluster (one replica unless told). */
export function anExampleRelease(version: string, env: Record<string, string> = {}, replicas = 1): Release {
  return { version, command: [process.execPath, EXAMPLE_APP], replicas, env: { ERROR_RATE: '0', ...env } };
}

/** Makes `track` run `release` and serve all of the service's traffic, as a finished release leaves it. */
export async function aLiveTrack(
  adapters: LocalAdapters,
  service: ServiceRef,
  track: string,
  release: Release,
): Promise<void> {
  await adapters.cluster.apply(service, track, release);
  const status = await pollStatus(adapters.cluster, service, track);
  if (!status.complete) throw new Error(`${track} did not become ready: ${JSON.stringify(status)}`);
  await adapters.router.setWeights(service, { [track]: 100 });
}

/** Steady traffic to the service's proxy (it starts the proxy when needed). */
export async function serviceTraffic(
  adapters: LocalAdapters,
  service: ServiceRef,
  ratePerSecond = 100,
): Promise<Traffic> {
  return startTraffic({ url: await adapters.router.url(service), ratePerSecond, concurrency: 8 });
}

/** What the service's tracks run: `{ [track]: 'v1 x2' }` (`x0` for a track scaled to zero). */
export async function trackVersions(
  adapters: LocalAdapters,
  service: ServiceRef,
): Promise<Record<string, string>> {
  const snapshot = await adapters.cluster.snapshot(service);
  return Object.fromEntries(
    snapshot.objects.map((object) => {
      const { track, release, replicas } = object as { track: string; release: Release; replicas: number };
      return [track, `${release.version} x${replicas}`];
    }),
  );
}

/** The router's weights without the tracks at 0. */
export async function liveWeights(adapters: LocalAdapters, service: ServiceRef): Promise<Weights> {
  const weights = await adapters.router.getWeights(service);
  return Object.fromEntries(Object.entries(weights).filter(([, weight]) => weight > 0));
}

/** The versions `count` requests through the service's proxy are answered by. */
export async function servedVersions(
  adapters: LocalAdapters,
  service: ServiceRef,
  count = 20,
): Promise<string[]> {
  const url = await adapters.router.url(service);
  const versions = new Set<string>();
  for (let i = 0; i < count; i += 1) {
    const response = await fetch(url);
    const body = (await response.json()) as { version?: string };
    versions.add(response.ok ? (body.version ?? '?') : `HTTP ${response.status}`);
  }
  return [...versions].sort();
}

/** What a user checks of a service after a release: live weights, what each track runs, what answers. */
export async function serviceState(adapters: LocalAdapters, service: ServiceRef) {
  return {
    weights: await liveWeights(adapters, service),
    tracks: await trackVersions(adapters, service),
    served: await servedVersions(adapters, service),
  };
}

/** Polls the history until `until` holds for it (at most `maxPolls` times, 20 ms apart). */
export async function historyUntil(
  client: SFNClient,
  executionArn: string,
  until: (events: HistoryEvent[]) => boolean,
  maxPolls = 3_000,
): Promise<HistoryEvent[]> {
  for (let poll = 0; ; poll += 1) {
    const events = await executionHistory(client, executionArn);
    if (until(events) || poll >= maxPolls) return events;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** True once the execution has entered state `name` (`times` times). */
export const entered =
  (name: string, times = 1) =>
  (events: HistoryEvent[]): boolean =>
    stateEntries(events, name) >= times;

/** How many times the execution entered state `name`. */
export function stateEntries(events: readonly HistoryEvent[], name: string): number {
  return events.filter((event) => event.stateEnteredEventDetails?.name === name).length;
}

/** Waits for the execution's pending approval, then answers it (approve, or reject with ApprovalRejected). */
export async function answerApproval(
  client: SFNClient,
  executionArn: string,
  answer: 'approve' | 'reject',
): Promise<void> {
  const events = await historyUntil(client, executionArn, (history) => !!pendingTaskToken(history));
  const taskToken = pendingTaskToken(events);
  if (!taskToken) throw new Error(`${executionArn} never asked for an approval`);
  if (answer === 'approve') {
    const output = JSON.stringify({ approved: true, by: 'test' });
    await client.send(new SendTaskSuccessCommand({ taskToken, output }));
  } else {
    await client.send(
      new SendTaskFailureCommand({ taskToken, error: 'ApprovalRejected', cause: 'rejected by test' }),
    );
  }
}

/** One strategy test file's runtime, and the traffic of its current test. */
export interface StrategyTestContext {
  /** The file's runtime, started before its first test and closed after its last. */
  readonly runtime: StrategyRuntime;
  /** The steady traffic the current test started, if any; stopped after each test. */
  readonly traffic: Traffic | undefined;
  /** Starts steady traffic to a service for the current test. */
  sendTraffic(service: ServiceRef): Promise<Traffic>;
}

/** Registers the hooks of a strategy test file: one runtime on a temp data dir, traffic stopped after each test. */
export function useStrategyRuntime(): StrategyTestContext {
  const data = aTempDataDir();
  let runtime: StrategyRuntime | undefined;
  let traffic: Traffic | undefined;
  beforeAll(async () => {
    runtime = await startStrategyRuntime(data.dataDir);
  });
  afterEach(async () => {
    await traffic?.stop();
    traffic = undefined;
  });
  afterAll(async () => {
    await runtime?.close();
    data.remove();
  });
  return {
    get runtime() {
      if (!runtime) throw new Error('the strategy runtime starts in beforeAll');
      return runtime;
    },
    get traffic() {
      return traffic;
    },
    async sendTraffic(service) {
      traffic = await serviceTraffic(this.runtime.adapters, service);
      return traffic;
    },
  };
}

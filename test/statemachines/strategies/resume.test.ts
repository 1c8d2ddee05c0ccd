import { afterAll, describe, expect, it } from 'vitest';
import type { Traffic } from '#local/adapters/traffic-generator.ts';
import { aTempDataDir, isAlive, pollStatus } from '#test/support/local-app.ts';
import { executionHistory, waitForExecution } from '#test/support/local-runtime.ts';
import { aCanaryRequest, aTestService } from '#test/support/strategy-requests.ts';
import {
  aLiveTrack,
  anExampleRelease,
  entered,
  historyUntil,
  type StrategyRuntime,
  serviceTraffic,
  startStrategyRuntime,
  stateEntries,
  trackVersions,
} from '#test/support/strategy-runtime.ts';

describe('a canary across a runtime crash', () => {
  const data = aTempDataDir();
  const service = aTestService('crash');
  let strategies: StrategyRuntime | undefined;
  let traffic: Traffic | undefined;

  afterAll(async () => {
    await traffic?.stop();
    await strategies?.close();
    data.remove();
  });

  it('resumes mid-bake on the same data dir: the tracks come back and the release finishes once', async () => {
    // Prepare: v1 live, a canary of v2 baking its first step (300 s logical, 6 s real)
    strategies = await startStrategyRuntime(data.dataDir);
    await aLiveTrack(strategies.adapters, service, 'stable', anExampleRelease('v1'));
    traffic = await serviceTraffic(strategies.adapters, service);
    const canary = { steps: [{ weight: 20, bakeSeconds: 300 }] };
    const arn = await strategies.start('canary', aCanaryRequest(service, 'v2', { canary }), 'crash-v2');
    await historyUntil(strategies.client, arn, entered('BakeStep'));
    const canaryPids = strategies.adapters.cluster.pids(service, 'canary');
    // Act: the runtime goes away mid-bake, and a new one starts on the same data dir
    await traffic.stop();
    await strategies.close();
    const stoppedPids = canaryPids.filter((pid) => !isAlive(pid));
    strategies = await startStrategyRuntime(data.dataDir);
    const canaryBack = await pollStatus(strategies.adapters.cluster, service, 'canary');
    traffic = await serviceTraffic(strategies.adapters, service);
    const execution = await waitForExecution(strategies.client, arn);
    // Assess
    expect(stoppedPids).toEqual(canaryPids);
    expect(canaryBack).toMatchObject({ desired: 1, ready: 1, complete: true });
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    const history = await executionHistory(strategies.client, arn);
    expect(history.filter((event) => event.type === 'ExecutionSucceeded')).toHaveLength(1);
    for (const state of ['DeployCanary', 'SetStepWeights', 'StartStepBake', 'Promote', 'Cleanup'])
      expect(stateEntries(history, state), state).toBe(1);
    // The bake's 59 checks (every 5 s) and its final analysis, each once
    expect([stateEntries(history, 'BakeStep'), stateEntries(history, 'AnalyzeStep')]).toEqual([60, 60]);
    expect(await trackVersions(strategies.adapters, service)).toEqual({ stable: 'v2 x1' });
  });
});

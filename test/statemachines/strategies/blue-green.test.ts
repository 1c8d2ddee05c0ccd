import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceRef } from '#core/types.ts';
import type { Traffic } from '#local/adapters/traffic-generator.ts';
import { aTempDataDir } from '#test/support/local-app.ts';
import { executionHistory, waitForExecution } from '#test/support/local-runtime.ts';
import { aBlueGreenRequest, aTestService } from '#test/support/strategy-requests.ts';
import {
  aLiveTrack,
  anExampleRelease,
  answerApproval,
  liveWeights,
  type StrategyRuntime,
  servedVersions,
  serviceTraffic,
  startStrategyRuntime,
  stateEntries,
  trackVersions,
} from '#test/support/strategy-runtime.ts';

describe('blue-green state machine on the local runtime (example app, proxy, real traffic)', () => {
  const data = aTempDataDir();
  let strategies: StrategyRuntime;
  let traffic: Traffic | undefined;

  beforeAll(async () => {
    strategies = await startStrategyRuntime(data.dataDir);
  });
  afterEach(async () => {
    await traffic?.stop();
    traffic = undefined;
  });
  afterAll(async () => {
    await strategies?.close();
    data.remove();
  });

  /** A service whose blue track runs v1 with all traffic, with steady traffic. */
  async function aServiceOnBlueV1(name: string): Promise<ServiceRef> {
    const service = aTestService(name);
    await aLiveTrack(strategies.adapters, service, 'blue', anExampleRelease('v1'));
    traffic = await serviceTraffic(strategies.adapters, service);
    return service;
  }

  it('sends the first release straight to 100% on green, without analysis or approval', async () => {
    // Prepare
    const service = aTestService('bg-first');
    const request = aBlueGreenRequest(service, 'v1', { blueGreen: { approval: { timeoutSeconds: 3600 } } });
    // Act
    const execution = await strategies.run('blue-green', request, 'bg-first-v1');
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    const history = await executionHistory(strategies.client, execution.executionArn!);
    expect(stateEntries(history, 'AnalyzePostSwitch')).toBe(0);
    expect(stateEntries(history, 'RequestApproval')).toBe(0);
    expect(await liveWeights(strategies.adapters, service)).toEqual({ green: 100 });
    expect(await servedVersions(strategies.adapters, service)).toEqual(['v1']);
  });

  it('switches to green once approved and scales blue down after the delay', async () => {
    // Prepare
    const service = await aServiceOnBlueV1('bg-approved');
    const request = aBlueGreenRequest(service, 'v2', { blueGreen: { approval: { timeoutSeconds: 3600 } } });
    const arn = await strategies.start('blue-green', request, 'bg-approved-v2');
    // Act
    await answerApproval(strategies.client, arn, 'approve');
    const execution = await waitForExecution(strategies.client, arn);
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(await liveWeights(strategies.adapters, service)).toEqual({ green: 100 });
    expect(await trackVersions(strategies.adapters, service)).toEqual({ blue: 'v1 x0', green: 'v2 x1' });
    expect(await servedVersions(strategies.adapters, service)).toEqual(['v2']);
  });

  it('fails an unwatched preview with AnalysisInconclusive before any switch (the idle colour gets no traffic)', async () => {
    // Prepare
    const service = await aServiceOnBlueV1('bg-preview');
    const analysis = { minRequests: 10, intervalSeconds: 5, inconclusiveLimit: 1 };
    const request = aBlueGreenRequest(service, 'v2', {
      blueGreen: { preview: { bakeSeconds: 60, analysis } },
    });
    // Act
    const execution = await strategies.run('blue-green', request, 'bg-preview-v2');
    // Assess
    expect(execution.error, execution.cause).toBe('AnalysisInconclusive');
    const history = await executionHistory(strategies.client, execution.executionArn!);
    expect(stateEntries(history, 'AnalyzePreview')).toBe(2);
    expect(stateEntries(history, 'SwitchTraffic')).toBe(0);
    expect(await liveWeights(strategies.adapters, service)).toEqual({ blue: 100 });
    expect(await trackVersions(strategies.adapters, service)).toEqual({ blue: 'v1 x1' });
  });

  it('switches back when the post-switch analysis fails: AnalysisFailed, blue serves v1', async () => {
    // Prepare
    const service = await aServiceOnBlueV1('bg-failing');
    const request = aBlueGreenRequest(service, 'v2', { env: { ERROR_RATE: '0.3' } });
    // Act
    const execution = await strategies.run('blue-green', request, 'bg-failing-v2');
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('AnalysisFailed');
    expect(traffic!.stats.byTrack.green).toBeGreaterThan(0);
    expect(await liveWeights(strategies.adapters, service)).toEqual({ blue: 100 });
    expect(await trackVersions(strategies.adapters, service)).toEqual({ blue: 'v1 x1' });
    expect(await servedVersions(strategies.adapters, service)).toEqual(['v1']);
  });
});

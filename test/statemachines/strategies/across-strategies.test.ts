import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Traffic } from '#local/adapters/traffic-generator.ts';
import { aTempDataDir } from '#test/support/local-app.ts';
import { waitForExecution } from '#test/support/local-runtime.ts';
import {
  aBlueGreenRequest,
  aCanaryRequest,
  aRollingRequest,
  aTestService,
} from '#test/support/strategy-requests.ts';
import {
  answerApproval,
  liveWeights,
  type StrategyRuntime,
  servedVersions,
  serviceTraffic,
  startStrategyRuntime,
  trackVersions,
} from '#test/support/strategy-runtime.ts';

/** One service released with canary, then blue-green, then rolling: each finds the live track by its traffic. */
describe('one service across strategies on the local runtime', () => {
  const data = aTempDataDir();
  const service = aTestService('journey');
  let strategies: StrategyRuntime;
  let traffic: Traffic;

  beforeAll(async () => {
    strategies = await startStrategyRuntime(data.dataDir);
    traffic = await serviceTraffic(strategies.adapters, service);
  });
  afterAll(async () => {
    await traffic?.stop();
    await strategies?.close();
    data.remove();
  });

  const state = async () => ({
    weights: await liveWeights(strategies.adapters, service),
    tracks: await trackVersions(strategies.adapters, service),
    serving: await servedVersions(strategies.adapters, service),
  });

  it('canary v1 (first release), v2 (rolled back), v3 (promoted) keep the stable track', async () => {
    // Act
    const v1 = await strategies.run('canary', aCanaryRequest(service, 'v1'), 'journey-v1');
    const bad = aCanaryRequest(service, 'v2', { env: { ERROR_RATE: '0.3' } });
    const v2 = await strategies.run('canary', bad, 'journey-v2');
    const v3 = await strategies.run('canary', aCanaryRequest(service, 'v3'), 'journey-v3');
    // Assess
    expect([v1.status, v2.error, v3.status]).toEqual(['SUCCEEDED', 'AnalysisFailed', 'SUCCEEDED']);
    expect(await state()).toEqual({ weights: { stable: 100 }, tracks: { stable: 'v3 x1' }, serving: ['v3'] });
  });

  it('blue-green v4 takes over from the stable track and scales it down after the delay', async () => {
    // Prepare
    const request = aBlueGreenRequest(service, 'v4', { blueGreen: { approval: { timeoutSeconds: 3600 } } });
    const arn = await strategies.start('blue-green', request, 'journey-v4');
    // Act
    await answerApproval(strategies.client, arn, 'approve');
    const v4 = await waitForExecution(strategies.client, arn);
    // Assess
    expect(v4.status, v4.cause).toBe('SUCCEEDED');
    expect(await state()).toEqual({
      weights: { blue: 100 },
      tracks: { stable: 'v3 x0', blue: 'v4 x1' },
      serving: ['v4'],
    });
  });

  it('rolling v5 replaces the blue track by green and removes blue', async () => {
    // Act
    const v5 = await strategies.run('rolling', aRollingRequest(service, 'v5'), 'journey-v5');
    // Assess
    expect(v5.status, v5.cause).toBe('SUCCEEDED');
    expect(await state()).toEqual({
      weights: { green: 100 },
      tracks: { stable: 'v3 x0', green: 'v5 x2' },
      serving: ['v5'],
    });
  });

  it('canary v6 runs next to green and promotes green itself', async () => {
    // Act
    const v6 = await strategies.run('canary', aCanaryRequest(service, 'v6'), 'journey-v6');
    // Assess
    expect(v6.status, v6.cause).toBe('SUCCEEDED');
    expect(await state()).toEqual({
      weights: { green: 100 },
      tracks: { stable: 'v3 x0', green: 'v6 x1' },
      serving: ['v6'],
    });
  });
});

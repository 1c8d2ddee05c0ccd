import { describe, expect, it } from 'vitest';
import type { ServiceRef } from '#core/types.ts';
import { executionHistory, waitForExecution } from '#test/support/local-runtime.ts';
import {
  aRollingRequest,
  aTestService,
  PAUSING_ANALYSIS,
  v2FailingAfter,
} from '#test/support/strategy-requests.ts';
import {
  aLiveTrack,
  anExampleRelease,
  entered,
  historyUntil,
  liveWeights,
  serviceState,
  stateEntries,
  trackVersions,
  useStrategyRuntime,
} from '#test/support/strategy-runtime.ts';
import { abortRelease } from '../../../src/cli/abort-release.ts';

describe('rolling state machine on the local runtime (example app, proxy, real traffic)', () => {
  const context = useStrategyRuntime();

  /** Every request answered 200 while it ran, and v1 back on blue with all the traffic. */
  async function expectServedByBlueV1Throughout(
    service: ServiceRef,
    traffic: { failed: number; byStatus: Record<string, number> },
  ) {
    expect({ failed: traffic.failed, statuses: Object.keys(traffic.byStatus) }).toEqual({
      failed: 0,
      statuses: ['200'],
    });
    expect(await serviceState(context.runtime.adapters, service)).toEqual({
      weights: { blue: 100 },
      tracks: { blue: 'v1 x2' },
      served: ['v1'],
    });
  }

  /** A service whose blue track runs v1 on 2 replicas with all traffic, with steady traffic. */
  async function aServiceOnBlueV1(name: string): Promise<ServiceRef> {
    const service = aTestService(name);
    await aLiveTrack(context.runtime.adapters, service, 'blue', anExampleRelease('v1', {}, 2));
    await context.sendTraffic(service);
    return service;
  }

  it('deploys the first release at full size in one batch, without analysis', async () => {
    // Prepare
    const service = aTestService('rolling-first');
    // Act
    const execution = await context.runtime.run(
      'rolling',
      aRollingRequest(service, 'v1'),
      'rolling-first-v1',
    );
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    expect(stateEntries(history, 'DeployBatch')).toBe(1);
    expect(stateEntries(history, 'AnalyzeBatch')).toBe(0);
    expect(await liveWeights(context.runtime.adapters, service)).toEqual({ green: 100 });
    expect(await trackVersions(context.runtime.adapters, service)).toEqual({ green: 'v1 x2' });
  });

  it('replaces blue by green one replica at a time, then removes blue', async () => {
    // Prepare
    const service = await aServiceOnBlueV1('rolling-healthy');
    // Act
    const execution = await context.runtime.run(
      'rolling',
      aRollingRequest(service, 'v2'),
      'rolling-healthy-v2',
    );
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    expect(stateEntries(history, 'AnalyzeBatch')).toBeGreaterThanOrEqual(2);
    expect(await serviceState(context.runtime.adapters, service)).toEqual({
      weights: { green: 100 },
      tracks: { green: 'v2 x2' },
      served: ['v2'],
    });
  });

  it('restores blue when a batch fails its analysis: AnalysisFailed, blue serves v1 on 2 replicas', async () => {
    // Prepare
    const service = await aServiceOnBlueV1('rolling-failing');
    const request = aRollingRequest(service, 'v2', { env: { ERROR_RATE: '0.3' } });
    // Act
    const execution = await context.runtime.run('rolling', request, 'rolling-failing-v2');
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('AnalysisFailed');
    expect(execution.cause).toMatch(/batch 1 of 2 \(green \d+%\): analysis failed/);
    expect(await serviceState(context.runtime.adapters, service)).toEqual({
      weights: { blue: 100 },
      tracks: { blue: 'v1 x2' },
      served: ['v1'],
    });
  });

  it('checks a batch while its inconclusive analysis waits for a person, and restores blue once a check fails', async () => {
    // Prepare: too few requests for the batch's analysis to conclude, so it pauses; v2 answers 500 to
    // everything 4 s after it started, and nobody answers the pause
    const service = await aServiceOnBlueV1('rolling-paused-checked');
    const base = aRollingRequest(service, 'v2');
    const request = {
      ...base,
      release: { ...v2FailingAfter(4_000), replicas: 2 },
      rolling: { ...base.rolling, analysis: PAUSING_ANALYSIS },
    };
    // Act
    const execution = await context.runtime.run('rolling', request, 'rolling-paused-checked-v2');
    // Assess
    expect(execution.error).toBe('AnalysisFailed');
    expect(execution.cause).toMatch(
      /batch 1 of 2 \(green \d+%\): analysis failed once \(failureLimit 1\), the last at a check during the pause: errorRate/,
    );
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    expect(stateEntries(history, 'PauseBatch')).toBe(1);
    expect(stateEntries(history, 'CheckPausedStep')).toBeGreaterThanOrEqual(1);
    expect(await serviceState(context.runtime.adapters, service)).toEqual({
      weights: { blue: 100 },
      tracks: { blue: 'v1 x2' },
      served: ['v1'],
    });
  });

  it('keeps serving when aborted after blue was drained: blue is ready again before it gets the traffic back', async () => {
    // Prepare: one batch (surge 2) moves everything to v2 on green and drains blue; it bakes
    const service = await aServiceOnBlueV1('rolling-drained');
    const request = aRollingRequest(service, 'v2');
    const arn = await context.runtime.start(
      'rolling',
      { ...request, rolling: { ...request.rolling, maxSurge: 2, bakeSeconds: 3600 } },
      'rolling-drained-v2',
    );
    await historyUntil(context.runtime.client, arn, entered('BakeBatch'));
    const during = await trackVersions(context.runtime.adapters, service);
    // Act
    const { rollbackExecutionArn } = await abortRelease(context.runtime.client, arn, 'rehearsal');
    const rollback = await waitForExecution(context.runtime.client, rollbackExecutionArn!);
    const traffic = await context.traffic!.stop();
    // Assess
    expect(during).toEqual({ blue: 'v1 x0', green: 'v2 x2' });
    expect(rollback.status, rollback.cause).toBe('SUCCEEDED');
    await expectServedByBlueV1Throughout(service, traffic);
  });

  it('keeps serving when rolled back after its Cleanup removed blue: blue comes back, ready before its traffic', async () => {
    // Prepare: v2 released on green and blue removed; then the release is aborted late (or rolled back by hand)
    const service = await aServiceOnBlueV1('rolling-removed');
    const request = aRollingRequest(service, 'v2');
    const released = await context.runtime.run('rolling', request, 'rolling-removed-v2');
    const after = await trackVersions(context.runtime.adapters, service);
    // Act
    const rollback = await context.runtime.run(
      'rollback',
      { strategy: 'rolling', executionArn: released.executionArn, request, reason: 'late abort' },
      'abort-rolling-removed-v2',
    );
    const traffic = await context.traffic!.stop();
    // Assess
    expect(released.status, released.cause).toBe('SUCCEEDED');
    expect(after).toEqual({ green: 'v2 x2' });
    expect(rollback.status, rollback.cause).toBe('SUCCEEDED');
    await expectServedByBlueV1Throughout(service, traffic);
  });
});

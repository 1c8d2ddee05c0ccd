import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Traffic } from '#local/adapters/traffic-generator.ts';
import { aTempDataDir } from '#test/support/local-app.ts';
import { waitForExecution } from '#test/support/local-runtime.ts';
import { aCanaryRequest, aTestService } from '#test/support/strategy-requests.ts';
import {
  aLiveTrack,
  anExampleRelease,
  entered,
  historyUntil,
  liveWeights,
  type StrategyRuntime,
  serviceState,
  serviceTraffic,
  startStrategyRuntime,
  trackVersions,
} from '#test/support/strategy-runtime.ts';
import { abortRelease } from '../../../src/cli/abort-release.ts';
import { resolveRollbackMachineArn } from '../../../src/cli/resolve.ts';

describe('aborting a canary mid-rollout (StopExecution + the rollback state machine)', () => {
  const data = aTempDataDir();
  const service = aTestService('aborted');
  let strategies: StrategyRuntime;
  let traffic: Traffic;

  beforeAll(async () => {
    strategies = await startStrategyRuntime(data.dataDir);
    await aLiveTrack(strategies.adapters, service, 'stable', anExampleRelease('v1'));
    traffic = await serviceTraffic(strategies.adapters, service);
  });
  afterAll(async () => {
    await traffic?.stop();
    await strategies?.close();
    data.remove();
  });

  it('restores the traffic and tracks from the backup and unlocks the service; aborting again changes nothing', async () => {
    // Prepare: a canary of v2 baking at 20%
    const canary = { steps: [{ weight: 20, bakeSeconds: 3600 }] };
    const arn = await strategies.start('canary', aCanaryRequest(service, 'v2', { canary }), 'aborted-v2');
    await historyUntil(strategies.client, arn, entered('BakeStep'));
    const during = await liveWeights(strategies.adapters, service);
    // Act
    const first = await abortRelease(strategies.client, arn, 'wrong image');
    const rollback = await waitForExecution(strategies.client, first.rollbackExecutionArn!);
    const again = await abortRelease(strategies.client, arn, 'wrong image');
    // Assess
    expect(during).toEqual({ stable: 80, canary: 20 });
    const aborted = await strategies.client.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(aborted.status).toBe('ABORTED');
    expect(first.rollbackExecutionArn).toMatch(/:execution:rollback:abort-aborted-v2$/);
    expect(rollback.status, rollback.cause).toBe('SUCCEEDED');
    expect(again.rollbackExecutionArn).toBe(first.rollbackExecutionArn);
    expect(await serviceState(strategies.adapters, service)).toEqual({
      weights: { stable: 100 },
      tracks: { stable: 'v1 x1' },
      served: ['v1'],
    });
    expect(await strategies.adapters.lock.holder(service)).toBeUndefined();
  });

  it('rolls back a release stopped by any client (StopExecution), as the EventBridge rule does on AWS', async () => {
    // Prepare
    const request = aCanaryRequest(service, 'v4', { canary: { steps: [{ weight: 20, bakeSeconds: 3600 }] } });
    const arn = await strategies.start('canary', request, 'stopped-v4');
    await historyUntil(strategies.client, arn, entered('BakeStep'));
    const rollbackMachine = await resolveRollbackMachineArn(strategies.client);
    const rollbackArn = `${rollbackMachine.replace(':stateMachine:', ':execution:')}:abort-stopped-v4`;
    // Act
    await strategies.client.send(
      new StopExecutionCommand({ executionArn: arn, cause: 'stopped from the console' }),
    );
    const started = await vi.waitFor(
      () => strategies.client.send(new DescribeExecutionCommand({ executionArn: rollbackArn })),
      { timeout: 10_000, interval: 50 },
    );
    const rollback = await waitForExecution(strategies.client, rollbackArn);
    // Assess
    expect(JSON.parse(started.input!)).toEqual({
      strategy: 'canary',
      executionArn: arn,
      input: JSON.stringify(request),
      reason: 'stopped from the console',
    });
    expect(rollback.status, rollback.cause).toBe('SUCCEEDED');
    expect(await liveWeights(strategies.adapters, service)).toEqual({ stable: 100 });
    expect(await trackVersions(strategies.adapters, service)).toEqual({ stable: 'v1 x1' });
    expect(await strategies.adapters.lock.holder(service)).toBeUndefined();
  });

  it('rolls back from the request itself as well (the input of an EventBridge-less caller), idempotently', async () => {
    // Prepare
    const request = aCanaryRequest(service, 'v3', { canary: { steps: [{ weight: 20, bakeSeconds: 3600 }] } });
    const arn = await strategies.start('canary', request, 'aborted-v3');
    await historyUntil(strategies.client, arn, entered('BakeStep'));
    await abortRelease(strategies.client, arn, 'first');
    // Act
    const rerun = await strategies.run(
      'rollback',
      { strategy: 'canary', executionArn: arn, request },
      'rollback-aborted-v3-again',
    );
    // Assess
    expect(rerun.status, rerun.cause).toBe('SUCCEEDED');
    expect(await liveWeights(strategies.adapters, service)).toEqual({ stable: 100 });
    expect(await trackVersions(strategies.adapters, service)).toEqual({ stable: 'v1 x1' });
    expect(await strategies.adapters.lock.holder(service)).toBeUndefined();
  });
});

import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceRef } from '#core/types.ts';
import { executionHistory, waitForExecution } from '#test/support/local-runtime.ts';
import {
  aBlueGreenRequest,
  aTestService,
  PATIENT_ANALYSIS,
  PAUSING_ANALYSIS,
  v2FailingAfter,
} from '#test/support/strategy-requests.ts';
import {
  aLiveTrack,
  anExampleRelease,
  answerApproval,
  liveWeights,
  servedVersions,
  serviceState,
  stateEntries,
  trackVersions,
  useStrategyRuntime,
} from '#test/support/strategy-runtime.ts';

describe('blue-green state machine on the local runtime (example app, proxy, real traffic)', () => {
  const context = useStrategyRuntime();

  /** A service whose blue track runs v1 with all traffic, with steady traffic. */
  async function aServiceOnBlueV1(name: string): Promise<ServiceRef> {
    const service = aTestService(name);
    await aLiveTrack(context.runtime.adapters, service, 'blue', anExampleRelease('v1'));
    await context.sendTraffic(service);
    return service;
  }

  it('sends the first release straight to 100% on green, without analysis or approval', async () => {
    // Prepare
    const service = aTestService('bg-first');
    const request = aBlueGreenRequest(service, 'v1', { blueGreen: { approval: { timeoutSeconds: 3600 } } });
    // Act
    const execution = await context.runtime.run('blue-green', request, 'bg-first-v1');
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    expect(stateEntries(history, 'AnalyzePostSwitch')).toBe(0);
    expect(stateEntries(history, 'RequestApproval')).toBe(0);
    expect(await liveWeights(context.runtime.adapters, service)).toEqual({ green: 100 });
    expect(await servedVersions(context.runtime.adapters, service)).toEqual(['v1']);
  });

  it('switches to green once approved and scales blue down after the delay', async () => {
    // Prepare
    const service = await aServiceOnBlueV1('bg-approved');
    const request = aBlueGreenRequest(service, 'v2', { blueGreen: { approval: { timeoutSeconds: 3600 } } });
    const arn = await context.runtime.start('blue-green', request, 'bg-approved-v2');
    // Act
    await answerApproval(context.runtime.client, arn, 'approve');
    const execution = await waitForExecution(context.runtime.client, arn);
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(await serviceState(context.runtime.adapters, service)).toEqual({
      weights: { green: 100 },
      tracks: { blue: 'v1 x0', green: 'v2 x1' },
      served: ['v2'],
    });
  });

  it('switches to green when nobody answers in time and approval.onTimeout is continue', async () => {
    // Prepare
    const service = await aServiceOnBlueV1('bg-unanswered');
    const approval = { timeoutSeconds: 60, onTimeout: 'continue' };
    const request = aBlueGreenRequest(service, 'v2', { blueGreen: { approval } });
    // Act
    const execution = await context.runtime.run('blue-green', request, 'bg-unanswered-v2');
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    expect(stateEntries(history, 'NoAnswerToApproval')).toBe(1);
    expect(await liveWeights(context.runtime.adapters, service)).toEqual({ green: 100 });
    const [unanswered] = context.runtime
      .adapters!.notifier.latestOf(execution.executionArn!, 10)
      .filter((event) => event.type === 'ApprovalUnanswered');
    expect(unanswered?.message).toBe(
      `blue-green release v2 of ${service.namespace}/${service.name} got no answer to its approval before the promotion within 60s: it goes on (approval.onTimeout continue)`,
    );
    expect(await servedVersions(context.runtime.adapters, service)).toEqual(['v2']);
  });

  it('fails an unwatched preview with AnalysisInconclusive before any switch (the idle colour gets no traffic)', async () => {
    // Prepare
    const service = await aServiceOnBlueV1('bg-preview');
    const analysis = { minRequests: 10, intervalSeconds: 5, inconclusiveLimit: 1 };
    const request = aBlueGreenRequest(service, 'v2', {
      blueGreen: { preview: { bakeSeconds: 60, analysis } },
    });
    // Act
    const execution = await context.runtime.run('blue-green', request, 'bg-preview-v2');
    // Assess
    expect(execution.error, execution.cause).toBe('AnalysisInconclusive');
    expect(execution.cause).toContain('preview of green, before the switch: analysis inconclusive');
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    // 11 checks during the 60 s bake, inconclusive, count nothing; then the final analysis and one re-analysis
    expect(stateEntries(history, 'AnalyzePreview')).toBe(11 + 2);
    expect(stateEntries(history, 'SwitchTraffic')).toBe(0);
    expect(await liveWeights(context.runtime.adapters, service)).toEqual({ blue: 100 });
    expect(await trackVersions(context.runtime.adapters, service)).toEqual({ blue: 'v1 x1' });
  });

  it('switches back when the post-switch analysis fails: AnalysisFailed, blue serves v1', async () => {
    // Prepare
    const service = await aServiceOnBlueV1('bg-failing');
    const request = aBlueGreenRequest(service, 'v2', { env: { ERROR_RATE: '0.3' } });
    // Act
    const execution = await context.runtime.run('blue-green', request, 'bg-failing-v2');
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('AnalysisFailed');
    expect(execution.cause).toContain('after the switch to green: analysis failed');
    expect(context.traffic!.stats.byTrack.green).toBeGreaterThan(0);
    expect(await serviceState(context.runtime.adapters, service)).toEqual({
      weights: { blue: 100 },
      tracks: { blue: 'v1 x1' },
      served: ['v1'],
    });
  });

  it('switches back at a check during the post-switch bake, long before the bake ends', async () => {
    // Prepare: a post-switch bake of an hour (72 s here), checked every 30 s
    const service = await aServiceOnBlueV1('bg-fail-fast');
    const postSwitch = { bakeSeconds: 3600, analysis: { ...PATIENT_ANALYSIS, intervalSeconds: 30 } };
    const request = aBlueGreenRequest(service, 'v2', {
      env: { ERROR_RATE: '0.3' },
      blueGreen: { postSwitch },
    });
    // Act
    const execution = await context.runtime.run('blue-green', request, 'bg-fail-fast-v2');
    // Assess
    expect(execution.error).toBe('AnalysisFailed');
    expect(execution.cause).toContain('the last at a check during the bake');
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    expect(stateEntries(history, 'AnalyzePostSwitch')).toBeLessThan(10);
    expect(await liveWeights(context.runtime.adapters, service)).toEqual({ blue: 100 });
  });

  it('checks green while an inconclusive post-switch analysis waits for a person, and switches back once it fails', async () => {
    // Prepare: too few requests for the analysis to conclude, so it pauses with every user on green; v2
    // answers 500 to everything 4 s after it started, and nobody answers the pause
    const service = await aServiceOnBlueV1('bg-paused-checked');
    const postSwitch = { bakeSeconds: 10, analysis: PAUSING_ANALYSIS };
    const request = {
      ...aBlueGreenRequest(service, 'v2', { blueGreen: { postSwitch } }),
      release: v2FailingAfter(4_000),
    };
    // Act
    const execution = await context.runtime.run('blue-green', request, 'bg-paused-checked-v2');
    // Assess
    expect(execution.error).toBe('AnalysisFailed');
    expect(execution.cause).toMatch(
      /after the switch to green: analysis failed once \(failureLimit 1\), the last at a check during the pause: errorRate/,
    );
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    expect(stateEntries(history, 'PausePostSwitch')).toBe(1);
    expect(stateEntries(history, 'CheckPausedStep')).toBeGreaterThanOrEqual(1);
    expect(await serviceState(context.runtime.adapters, service)).toEqual({
      weights: { blue: 100 },
      tracks: { blue: 'v1 x1' },
      served: ['v1'],
    });
  });

  describe('with an event bus that refuses the Started and Promoted events', () => {
    const eventBridge = mockClient(EventBridgeClient);
    const refused = new Set(['Deployment Started', 'Deployment Promoted']);
    const accessDenied = () =>
      Object.assign(new Error('not authorized to perform: events:PutEvents'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      });
    afterEach(() => {
      eventBridge.reset();
      delete process.env.CUTOVER_EVENT_BUS;
    });

    it('still switches to green and succeeds, recording each notification error', async () => {
      // Prepare
      process.env.CUTOVER_EVENT_BUS = 'cutover-test';
      eventBridge.on(PutEventsCommand).callsFake(async ({ Entries }) => {
        if (refused.has(Entries?.[0]?.DetailType ?? '')) throw accessDenied();
        return { FailedEntryCount: 0, Entries: [{ EventId: '1' }] };
      });
      const service = await aServiceOnBlueV1('bg-notify');
      // Act
      const execution = await context.runtime.run(
        'blue-green',
        aBlueGreenRequest(service, 'v2'),
        'bg-notify-v2',
      );
      // Assess
      expect(execution.status, execution.cause).toBe('SUCCEEDED');
      const output = JSON.parse(execution.output ?? '{}');
      expect(output.notifyError).toMatchObject({ Error: 'AccessDeniedException' });
      expect(output.shift).toMatchObject({
        weights: { blue: 0, green: 100 },
        published: false,
        notifyError: { Error: 'AccessDeniedException', Cause: 'not authorized to perform: events:PutEvents' },
      });
      expect(
        eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.[0]?.DetailType),
      ).toEqual(['Deployment Started', 'Deployment Promoted', 'Deployment Succeeded']);
      expect(await serviceState(context.runtime.adapters, service)).toEqual({
        weights: { green: 100 },
        tracks: { blue: 'v1 x0', green: 'v2 x1' },
        served: ['v2'],
      });
    });
  });
});

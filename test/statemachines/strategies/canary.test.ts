import { RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it, vi } from 'vitest';
import type { ServiceRef } from '#core/types.ts';
import { executionHistory, waitForExecution } from '#test/support/local-runtime.ts';
import {
  aCanaryRequest,
  aTestService,
  PATIENT_ANALYSIS,
  PAUSING_ANALYSIS,
  v2FailingAfter,
} from '#test/support/strategy-requests.ts';
import {
  aLiveTrack,
  anExampleRelease,
  answerApproval,
  entered,
  historyUntil,
  liveWeights,
  servedVersions,
  serviceState,
  stateEntries,
  trackVersions,
  useStrategyRuntime,
} from '#test/support/strategy-runtime.ts';

/** The cause of a canary whose first step's track failed a check while the step was paused. */
const FAILED_AT_A_PAUSE_CHECK =
  /step 1 of 2 \(canary 50%\): analysis failed once \(failureLimit 1\), the last at a check during the pause: errorRate[: ]/;

describe('canary state machine on the local runtime (example app, proxy, real traffic)', () => {
  const context = useStrategyRuntime();

  /** A service whose stable track runs v1 with all traffic, and (unless `quiet`) steady traffic to it. */
  async function aServiceOnV1(name: string, quiet = false): Promise<ServiceRef> {
    const service = aTestService(name);
    await aLiveTrack(context.runtime.adapters, service, 'stable', anExampleRelease('v1'));
    if (!quiet) await context.sendTraffic(service);
    return service;
  }

  /** The events of `type` the release published, oldest first. */
  function eventsOf(executionArn: string, type: string) {
    return context.runtime
      .adapters!.notifier.latestOf(executionArn, 50)
      .filter((event) => event.type === type);
  }

  /** The service as a rollback must leave it: v1 on stable, all traffic, nothing else running. */
  async function expectStillOnV1(service: ServiceRef) {
    expect(await serviceState(context.runtime.adapters, service)).toEqual({
      weights: { stable: 100 },
      tracks: { stable: 'v1 x1' },
      served: ['v1'],
    });
  }

  it('sends the first release of a service straight to 100%, without steps or analysis', async () => {
    // Prepare
    const service = aTestService('first');
    // Act
    const execution = await context.runtime.run('canary', aCanaryRequest(service, 'v1'), 'first-v1');
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    expect(stateEntries(history, 'SetStepWeights')).toBe(0);
    expect(stateEntries(history, 'AnalyzeStep')).toBe(0);
    expect(await serviceState(context.runtime.adapters, service)).toEqual({
      weights: { stable: 100 },
      tracks: { stable: 'v1 x1' },
      served: ['v1'],
    });
  });

  it('promotes a healthy canary step by step: stable runs v2 with all traffic, the canary is removed', async () => {
    // Prepare
    const service = await aServiceOnV1('healthy');
    // Act
    const execution = await context.runtime.run('canary', aCanaryRequest(service, 'v2'), 'healthy-v2');
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    expect(stateEntries(history, 'SetStepWeights')).toBe(2);
    expect(context.traffic!.stats.byTrack.canary).toBeGreaterThan(0);
    expect(await serviceState(context.runtime.adapters, service)).toEqual({
      weights: { stable: 100 },
      tracks: { stable: 'v2 x1' },
      served: ['v2'],
    });
  });

  it('promotes an AllAtOnce canary without steps, then takes the next release of the service', async () => {
    // Prepare
    const service = await aServiceOnV1('at-once');
    const allAtOnce = { canary: { steps: undefined, analysis: undefined, preset: 'AllAtOnce' } };
    // Act
    const first = await context.runtime.run('canary', aCanaryRequest(service, 'v2', allAtOnce), 'at-once-v2');
    const next = await context.runtime.run('canary', aCanaryRequest(service, 'v3', allAtOnce), 'at-once-v3');
    // Assess
    expect([first.status, next.status], `${first.cause} ${next.cause}`).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const history = await executionHistory(context.runtime.client, first.executionArn!);
    expect(stateEntries(history, 'SetStepWeights')).toBe(0);
    expect(await serviceState(context.runtime.adapters, service)).toEqual({
      weights: { stable: 100 },
      tracks: { stable: 'v3 x1' },
      served: ['v3'],
    });
  });

  it('rolls back a canary failing 30% of requests: AnalysisFailed, stable keeps 100% on v1', async () => {
    // Prepare
    const service = await aServiceOnV1('failing');
    const request = aCanaryRequest(service, 'v2', { env: { ERROR_RATE: '0.3' } });
    // Act
    const execution = await context.runtime.run('canary', request, 'failing-v2');
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('AnalysisFailed');
    expect(execution.cause).toContain('step 1 of 2 (canary 20%): analysis failed');
    await expectStillOnV1(service);
  });

  it('fails again at Failed when a rolled-back canary is redriven, leaving the service as its rollback did', async () => {
    // Prepare: a canary that failed its analysis and rolled back
    const service = await aServiceOnV1('redriven');
    const request = aCanaryRequest(service, 'v2', { env: { ERROR_RATE: '0.3' } });
    const failed = await context.runtime.run('canary', request, 'redriven-v2');
    const executionArn = failed.executionArn!;
    const eventsBefore = (await executionHistory(context.runtime.client, executionArn)).length;

    // Act
    await context.runtime.client.send(new RedriveExecutionCommand({ executionArn }));
    const redriven = await waitForExecution(context.runtime.client, executionArn);

    // Assess
    expect(redriven).toMatchObject({
      status: 'FAILED',
      error: failed.error,
      cause: failed.cause,
      redriveCount: 1,
    });
    const history = await executionHistory(context.runtime.client, executionArn);
    expect(history.slice(eventsBefore).map((event) => event.type)).toEqual([
      'ExecutionRedriven',
      'FailStateEntered',
      'ExecutionFailed',
    ]);
    expect(history[eventsBefore + 1]!.stateEnteredEventDetails?.name).toBe('Failed');
    await expectStillOnV1(service);
  });

  it('rolls back a failing canary at a check during its bake, long before the bake ends', async () => {
    // Prepare: one step baking an hour (72 s here), checked every 30 s
    const service = await aServiceOnV1('fail-fast');
    const canary = {
      steps: [{ weight: 50, bakeSeconds: 3600 }],
      analysis: { ...PATIENT_ANALYSIS, intervalSeconds: 30 },
    };
    const request = aCanaryRequest(service, 'v2', { env: { ERROR_RATE: '0.3' }, canary });
    // Act
    const execution = await context.runtime.run('canary', request, 'fail-fast-v2');
    // Assess
    expect(execution.error).toBe('AnalysisFailed');
    // Below minRequests, a check fails as soon as its errors alone exceed maxErrorRate of minRequests
    expect(execution.cause).toMatch(
      /failureLimit 1\), the last at a check during the bake: errorRate(: \d+ errors? in \d+ requests? already exceeds? 0\.05 of minRequests \d+ \(errorRate 0\.\d+ > 0\.05\)| 0\.\d+ > 0\.05)/,
    );
    // A few of the bake's 119 checks ran (the first may count too few requests), not its final analysis
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    expect(stateEntries(history, 'AnalyzeStep')).toBeLessThan(10);
    await expectStillOnV1(service);
  });

  it('judges a healthy canary only on its own traffic after a failed one on the same track', async () => {
    // Prepare
    const service = await aServiceOnV1('after-failure');
    const bad = aCanaryRequest(service, 'v2', { env: { ERROR_RATE: '0.3' } });
    expect((await context.runtime.run('canary', bad, 'after-failure-v2')).error).toBe('AnalysisFailed');
    // Act
    const execution = await context.runtime.run('canary', aCanaryRequest(service, 'v3'), 'after-failure-v3');
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(await trackVersions(context.runtime.adapters, service)).toEqual({ stable: 'v3 x1' });
  });

  it('rolls back a canary that never becomes ready: RolloutDeadlineExceeded, traffic untouched', async () => {
    // Prepare
    const service = await aServiceOnV1('never-ready');
    const request = {
      ...aCanaryRequest(service, 'v2'),
      release: { version: 'v2', command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'] },
      progressDeadlineSeconds: 10,
    };
    // Act
    const execution = await context.runtime.run('canary', request, 'never-ready-v2');
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RolloutDeadlineExceeded');
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    expect(stateEntries(history, 'SetStepWeights')).toBe(0);
    await expectStillOnV1(service);
  });

  it('analyzes again while there is no traffic, then fails with AnalysisInconclusive at the limit', async () => {
    // Prepare
    const service = await aServiceOnV1('no-traffic', true);
    const analysis = { minRequests: 10, intervalSeconds: 5, inconclusiveLimit: 2, onInconclusive: 'fail' };
    const request = aCanaryRequest(service, 'v2', { canary: { analysis } });
    // Act
    const execution = await context.runtime.run('canary', request, 'no-traffic-v2');
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('AnalysisInconclusive');
    const history = await executionHistory(context.runtime.client, execution.executionArn!);
    // A check during the first step's bake (inconclusive, it counts nothing), the final analysis, 2 re-analyses
    expect(stateEntries(history, 'AnalyzeStep')).toBe(1 + 3);
    await expectStillOnV1(service);
  });

  it('pauses for a person when analysis stays inconclusive and onInconclusive is pause', async () => {
    // Prepare
    const service = await aServiceOnV1('paused', true);
    const analysis = { minRequests: 10, intervalSeconds: 5, inconclusiveLimit: 1, onInconclusive: 'pause' };
    const canary = { steps: [{ weight: 20, bakeSeconds: 10 }], analysis };
    const arn = await context.runtime.start('canary', aCanaryRequest(service, 'v2', { canary }), 'paused-v2');
    // Act
    await answerApproval(context.runtime.client, arn, 'approve');
    const execution = await waitForExecution(context.runtime.client, arn);
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    const history = await executionHistory(context.runtime.client, arn);
    // A check during the bake, the final analysis, a re-analysis past the limit
    expect(stateEntries(history, 'AnalyzeStep')).toBe(1 + 2);
    expect(stateEntries(history, 'PauseStep')).toBe(1);
    expect(await trackVersions(context.runtime.adapters, service)).toEqual({ stable: 'v2 x1' });
  });

  describe('approval before promotion', () => {
    const withApproval = (service: ServiceRef, timeoutSeconds: number) =>
      aCanaryRequest(service, 'v2', {
        canary: { steps: [{ weight: 20, bakeSeconds: 10 }], approval: { before: 'promote', timeoutSeconds } },
      });

    it('promotes once approved', async () => {
      // Prepare
      const service = await aServiceOnV1('approved');
      const arn = await context.runtime.start('canary', withApproval(service, 3600), 'approved-v2');
      // Act
      await answerApproval(context.runtime.client, arn, 'approve');
      const execution = await waitForExecution(context.runtime.client, arn);
      // Assess
      expect(execution.status, execution.cause).toBe('SUCCEEDED');
      expect(await servedVersions(context.runtime.adapters, service)).toEqual(['v2']);
    });

    it('rolls back when rejected: ApprovalRejected', async () => {
      // Prepare
      const service = await aServiceOnV1('rejected');
      const arn = await context.runtime.start('canary', withApproval(service, 3600), 'rejected-v2');
      // Act
      await answerApproval(context.runtime.client, arn, 'reject');
      const execution = await waitForExecution(context.runtime.client, arn);
      // Assess
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('ApprovalRejected');
      await expectStillOnV1(service);
    });

    it('rolls back when nobody answers in time: ApprovalTimedOut', async () => {
      // Prepare
      const service = await aServiceOnV1('unanswered');
      // Act
      const execution = await context.runtime.run('canary', withApproval(service, 60), 'unanswered-v2');
      // Assess
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('ApprovalTimedOut');
      await expectStillOnV1(service);
    });

    it('checks the canary while the approval waits, and rolls back once it fails, even with onTimeout continue', async () => {
      // Prepare: v2 passes its step, then answers 500 to everything 4 s after it started
      const service = await aServiceOnV1('approval-checked');
      const request = aCanaryRequest(service, 'v2', {
        canary: {
          steps: [{ weight: 20, bakeSeconds: 10 }],
          analysis: { ...PATIENT_ANALYSIS, intervalSeconds: 30 },
          approval: { before: 'promote', timeoutSeconds: 3600, onTimeout: 'continue' },
        },
        extra: { release: v2FailingAfter(4_000) },
      });
      // Act
      const execution = await context.runtime.run('canary', request, 'approval-checked-v2');
      // Assess
      expect(execution.error).toBe('AnalysisFailed');
      expect(execution.cause).toMatch(
        /step 1 of 1 \(canary 20%\): analysis failed once \(failureLimit 1\), the last at a check during the pause: errorRate[: ]/,
      );
      const history = await executionHistory(context.runtime.client, execution.executionArn!);
      expect(stateEntries(history, 'PauseAfterStep')).toBe(1);
      expect(stateEntries(history, 'CheckPausedStep')).toBeGreaterThanOrEqual(1);
      expect(stateEntries(history, 'Promote')).toBe(0);
      await expectStillOnV1(service);
    });

    it('promotes when nobody answers in time and approval.onTimeout is continue', async () => {
      // Prepare
      const service = await aServiceOnV1('unanswered-continue');
      const request = aCanaryRequest(service, 'v2', {
        canary: {
          steps: [{ weight: 20, bakeSeconds: 10 }],
          approval: { before: 'promote', timeoutSeconds: 60, onTimeout: 'continue' },
        },
      });
      // Act
      const execution = await context.runtime.run('canary', request, 'unanswered-continue-v2');
      // Assess
      expect(execution.status, execution.cause).toBe('SUCCEEDED');
      const history = await executionHistory(context.runtime.client, execution.executionArn!);
      expect(history.filter((event) => event.type === 'TaskTimedOut')).toHaveLength(1);
      // The approval is the pause after the last step
      expect(stateEntries(history, 'NoAnswerToPause')).toBe(1);
      expect(stateEntries(history, 'RequestApproval')).toBe(0);
      expect(stateEntries(history, 'ApprovalTimedOut')).toBe(0);
      expect(await servedVersions(context.runtime.adapters, service)).toEqual(['v2']);
      expect(eventsOf(execution.executionArn!, 'ApprovalUnanswered')).toEqual([
        {
          type: 'ApprovalUnanswered',
          message: `canary release v2 of ${service.namespace}/${service.name} got no answer to its approval before the promotion within 60s: it goes on (approval.onTimeout continue)`,
          detail: JSON.stringify({ stage: 'promote', timeoutSeconds: 60, onTimeout: 'continue' }),
          at: expect.any(String),
        },
      ]);
    });
  });

  describe('a step with pause', () => {
    const pausedAtFirstStep = (service: ServiceRef) =>
      aCanaryRequest(service, 'v2', {
        canary: {
          steps: [
            { weight: 20, bakeSeconds: 10, pause: true },
            { weight: 50, bakeSeconds: 10 },
          ],
        },
      });

    it('waits at its weight once its analysis passed, and goes on to the next step once approved', async () => {
      // Prepare
      const service = await aServiceOnV1('step-paused');
      const arn = await context.runtime.start('canary', pausedAtFirstStep(service), 'step-paused-v2');
      await historyUntil(context.runtime.client, arn, entered('PauseAfterStep'));
      const whilePaused = await liveWeights(context.runtime.adapters, service);
      const approval = await context.runtime.adapters.approvals.get(arn);
      // Act
      await answerApproval(context.runtime.client, arn, 'approve');
      const execution = await waitForExecution(context.runtime.client, arn);
      // Assess
      expect(whilePaused).toEqual({ stable: 80, canary: 20 });
      expect(approval?.stage).toBe('after step 1 of 2');
      expect(execution.status, execution.cause).toBe('SUCCEEDED');
      const history = await executionHistory(context.runtime.client, arn);
      expect(stateEntries(history, 'PauseAfterStep')).toBe(1);
      expect(stateEntries(history, 'SetStepWeights')).toBe(2);
      expect(await servedVersions(context.runtime.adapters, service)).toEqual(['v2']);
    });

    it('asks once when the last step pauses and an approval is set: the pause is the approval before promotion', async () => {
      // Prepare
      const service = await aServiceOnV1('last-step-paused');
      const request = aCanaryRequest(service, 'v2', {
        canary: {
          steps: [{ weight: 30, bakeSeconds: 10, pause: true }],
          approval: { before: 'promote', timeoutSeconds: 600 },
        },
      });
      const arn = await context.runtime.start('canary', request, 'last-step-paused-v2');
      // Act
      await answerApproval(context.runtime.client, arn, 'approve');
      const execution = await waitForExecution(context.runtime.client, arn);
      // Assess
      expect(execution.status, execution.cause).toBe('SUCCEEDED');
      const history = await executionHistory(context.runtime.client, arn);
      expect(history.filter((event) => event.type === 'TaskSubmitted')).toHaveLength(1);
      expect(stateEntries(history, 'PauseAfterStep')).toBe(1);
      expect(stateEntries(history, 'RequestApproval')).toBe(0);
      expect(await servedVersions(context.runtime.adapters, service)).toEqual(['v2']);
    });

    it('rolls back when rejected at the step: ApprovalRejected, stable keeps 100% on v1', async () => {
      // Prepare
      const service = await aServiceOnV1('step-rejected');
      const arn = await context.runtime.start('canary', pausedAtFirstStep(service), 'step-rejected-v2');
      // Act
      await answerApproval(context.runtime.client, arn, 'reject');
      const execution = await waitForExecution(context.runtime.client, arn);
      // Assess
      expect(execution.error).toBe('ApprovalRejected');
      const history = await executionHistory(context.runtime.client, arn);
      expect(stateEntries(history, 'SetStepWeights')).toBe(1);
      await expectStillOnV1(service);
    });

    it('checks the new track while an inconclusive analysis waits for a person, and rolls back once it fails', async () => {
      // Prepare: too few requests for the step's analysis to conclude, so it pauses; v2 answers 500 to
      // everything 4 s after it started, and nobody answers the pause
      const service = await aServiceOnV1('inconclusive-checked');
      const request = aCanaryRequest(service, 'v2', {
        canary: {
          steps: [
            { weight: 50, bakeSeconds: 10 },
            { weight: 80, bakeSeconds: 10 },
          ],
          analysis: PAUSING_ANALYSIS,
        },
        extra: { release: v2FailingAfter(4_000) },
      });
      // Act
      const execution = await context.runtime.run('canary', request, 'inconclusive-checked-v2');
      // Assess
      expect(execution.error).toBe('AnalysisFailed');
      expect(execution.cause).toMatch(FAILED_AT_A_PAUSE_CHECK);
      const history = await executionHistory(context.runtime.client, execution.executionArn!);
      expect(stateEntries(history, 'PauseStep')).toBe(1);
      expect(stateEntries(history, 'CheckInconclusivePause')).toBeGreaterThanOrEqual(1);
      expect(stateEntries(history, 'SetStepWeights')).toBe(1);
      await expectStillOnV1(service);
    });

    it('checks the new track while the step waits, and rolls back once it fails: AnalysisFailed', async () => {
      // Prepare: v2 passes its step, then answers 500 to everything 4 s after it started
      const service = await aServiceOnV1('step-checked');
      const request = aCanaryRequest(service, 'v2', {
        canary: {
          steps: [
            { weight: 50, bakeSeconds: 10, pause: true },
            { weight: 80, bakeSeconds: 10 },
          ],
          analysis: { ...PATIENT_ANALYSIS, intervalSeconds: 30 },
        },
        extra: { release: v2FailingAfter(4_000) },
      });
      // Act
      const execution = await context.runtime.run('canary', request, 'step-checked-v2');
      // Assess
      expect(execution.error).toBe('AnalysisFailed');
      expect(execution.cause).toMatch(FAILED_AT_A_PAUSE_CHECK);
      const history = await executionHistory(context.runtime.client, execution.executionArn!);
      expect(stateEntries(history, 'PauseAfterStep')).toBe(1);
      expect(stateEntries(history, 'CheckPausedStep')).toBeGreaterThanOrEqual(1);
      expect(stateEntries(history, 'SetStepWeights')).toBe(1);
      await expectStillOnV1(service);
    });

    it('rolls back when nobody answers at the step in time: ApprovalTimedOut', async () => {
      // Prepare
      const service = await aServiceOnV1('step-unanswered');
      const request = aCanaryRequest(service, 'v2', {
        canary: {
          steps: [
            { weight: 20, bakeSeconds: 10, pause: true },
            { weight: 50, bakeSeconds: 10 },
          ],
          approval: { timeoutSeconds: 60 },
        },
      });
      // Act
      const execution = await context.runtime.run('canary', request, 'step-unanswered-v2');
      // Assess
      expect(execution.error).toBe('ApprovalTimedOut');
      const history = await executionHistory(context.runtime.client, execution.executionArn!);
      expect(stateEntries(history, 'SetStepWeights')).toBe(1);
      await expectStillOnV1(service);
    });

    it('runs no check in a pause no longer than one analysis interval: its timeout alone ends it', async () => {
      // Prepare: a 60 s pause and a 60 s analysis interval
      const service = await aServiceOnV1('step-unchecked');
      const request = aCanaryRequest(service, 'v2', {
        canary: {
          steps: [
            { weight: 20, bakeSeconds: 60, pause: true },
            { weight: 50, bakeSeconds: 60 },
          ],
          analysis: { ...PATIENT_ANALYSIS, intervalSeconds: 60 },
          approval: { timeoutSeconds: 60 },
        },
      });
      // Act
      const execution = await context.runtime.run('canary', request, 'step-unchecked-v2');
      // Assess
      expect(execution.error).toBe('ApprovalTimedOut');
      const history = await executionHistory(context.runtime.client, execution.executionArn!);
      expect(stateEntries(history, 'StartPauseChecks')).toBe(1);
      expect(stateEntries(history, 'WaitToCheckPausedStep')).toBe(0);
      expect(stateEntries(history, 'CheckPausedStep')).toBe(0);
      await expectStillOnV1(service);
    });

    it('checks the last interval of a pause nobody answers before going on, rolling back a canary that failed there', async () => {
      // Prepare: a bake of 150 s (3 s here) long enough for one analysis, then one check 1000 s into a pause
      // of 2000 s (20 s and 40 s here); v2 answers 500 to everything 30 s after it started, after that check
      // and before the pause times out
      const service = await aServiceOnV1('step-continue-checked');
      const request = aCanaryRequest(service, 'v2', {
        canary: {
          steps: [
            { weight: 50, bakeSeconds: 150, pause: true },
            { weight: 80, bakeSeconds: 10 },
          ],
          analysis: { ...PATIENT_ANALYSIS, intervalSeconds: 1000 },
          approval: { timeoutSeconds: 2000, onTimeout: 'continue' },
        },
        extra: { release: v2FailingAfter(30_000) },
      });
      // Act
      const execution = await context.runtime.run('canary', request, 'step-continue-checked-v2');
      // Assess: judged by the check at the pause's end, not by the next step's analysis
      expect(execution.error).toBe('AnalysisFailed');
      expect(execution.cause).toMatch(FAILED_AT_A_PAUSE_CHECK);
      const history = await executionHistory(context.runtime.client, execution.executionArn!);
      expect(stateEntries(history, 'CheckPausedStep')).toBe(1);
      expect(stateEntries(history, 'CheckUnansweredPause')).toBe(1);
      expect(stateEntries(history, 'SetStepWeights')).toBe(1);
      await expectStillOnV1(service);
    }, 120_000);

    it('goes on to the next step when nobody answers in time and approval.onTimeout is continue', async () => {
      // Prepare
      const service = await aServiceOnV1('step-continue');
      const request = aCanaryRequest(service, 'v2', {
        canary: {
          steps: [
            { weight: 20, bakeSeconds: 10, pause: true },
            { weight: 50, bakeSeconds: 10 },
          ],
          approval: { timeoutSeconds: 60, onTimeout: 'continue' },
        },
      });
      // Act
      const execution = await context.runtime.run('canary', request, 'step-continue-v2');
      // Assess
      expect(execution.status, execution.cause).toBe('SUCCEEDED');
      const history = await executionHistory(context.runtime.client, execution.executionArn!);
      // The approval before promotion, the pause after the last step, went on without an answer as well
      expect(stateEntries(history, 'NoAnswerToPause')).toBe(2);
      expect(stateEntries(history, 'SetStepWeights')).toBe(2);
      expect(await servedVersions(context.runtime.adapters, service)).toEqual(['v2']);
      expect(eventsOf(execution.executionArn!, 'ApprovalUnanswered').map((event) => event.message)).toEqual([
        `canary release v2 of ${service.namespace}/${service.name} got no answer to its approval after step 1 of 2 within 60s: it goes on (approval.onTimeout continue)`,
        `canary release v2 of ${service.namespace}/${service.name} got no answer to its approval before the promotion within 60s: it goes on (approval.onTimeout continue)`,
      ]);
    });
  });

  it('fails a second release of a locked service with ServiceLocked, deploying nothing', async () => {
    // Prepare
    const service = await aServiceOnV1('locked');
    const first = await context.runtime.start('canary', aCanaryRequest(service, 'v2'), 'locked-v2');
    await historyUntil(context.runtime.client, first, entered('BackupState'));
    // Act
    const second = await context.runtime.run('canary', aCanaryRequest(service, 'v3'), 'locked-v3');
    // Assess
    expect(second.status).toBe('FAILED');
    expect(second.error).toBe('ServiceLocked');
    const [failed] = context.runtime.adapters!.notifier.latestOf(second.executionArn!, 1);
    expect(failed).toMatchObject({ type: 'Failed' });
    expect(failed?.message).toMatch(
      /^canary release v3 of test\/locked failed: ServiceLocked \(test\/locked is locked by .+locked-v2/,
    );
    const history = await executionHistory(context.runtime.client, second.executionArn!);
    expect(stateEntries(history, 'BackupState')).toBe(0);
    expect(stateEntries(history, 'DeployCanary')).toBe(0);
    expect((await waitForExecution(context.runtime.client, first)).status).toBe('SUCCEEDED');
    expect(await trackVersions(context.runtime.adapters, service)).toEqual({ stable: 'v2 x1' });
  });

  it('ends a second start of the same request while the first runs as DuplicateRelease, notifying nobody', async () => {
    // Prepare: the first start of v2 holds the service; the same request starts again (a redelivered event)
    const service = await aServiceOnV1('duplicated');
    const request = aCanaryRequest(service, 'v2');
    const first = await context.runtime.start('canary', request, 'duplicated-v2');
    await historyUntil(context.runtime.client, first, entered('BackupState'));
    // Act
    const again = await context.runtime.run('canary', request, 'duplicated-v2-again');
    // Assess
    expect(again.status).toBe('FAILED');
    expect(again.error).toBe('DuplicateRelease');
    expect(JSON.parse(again.cause!).errorMessage).toMatch(
      /^the same request as .+:duplicated-v2, which is running: this execution changed nothing/,
    );
    expect(context.runtime.adapters!.notifier.latestOf(again.executionArn!, 1)).toEqual([]);
    const history = await executionHistory(context.runtime.client, again.executionArn!);
    expect(stateEntries(history, 'NotifyRejected')).toBe(0);
    expect(stateEntries(history, 'BackupState')).toBe(0);
    expect((await waitForExecution(context.runtime.client, first)).status).toBe('SUCCEEDED');
    expect(await trackVersions(context.runtime.adapters, service)).toEqual({ stable: 'v2 x1' });
  });

  it('succeeds when its Unlock fails, and the next release takes the lock over', async () => {
    // Prepare: the lock cannot be given back when v2 ends (the store out of reach)
    const service = await aServiceOnV1('stranded');
    const lock = context.runtime.adapters!.lock;
    vi.spyOn(lock, 'release').mockRejectedValueOnce(new Error('the lock store is out of reach'));
    // Act
    const first = await context.runtime.run('canary', aCanaryRequest(service, 'v2'), 'stranded-v2');
    const heldAfterFirst = await lock.holder(service);
    const second = await context.runtime.run('canary', aCanaryRequest(service, 'v3'), 'stranded-v3');
    // Assess
    expect(first.status, first.cause).toBe('SUCCEEDED');
    expect(heldAfterFirst).toBe(first.executionArn);
    expect(second.status, second.cause).toBe('SUCCEEDED');
    expect(await trackVersions(context.runtime.adapters, service)).toEqual({ stable: 'v3 x1' });
    expect(await lock.holder(service)).toBeUndefined();
  });
});

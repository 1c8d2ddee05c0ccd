/**
 * The canary state machine's decisions, one state at a time, with TestState: what a platform engineer
 * changing `statemachines/canary.asl.json` would check before a release runs it. Tasks and the pause
 * branches are mocked, so no adapter or Lambda function runs.
 */
import { type SFNClient, TestStateCommand, type TestStateCommandInput } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_SUBSTITUTIONS } from '#core/substitutions.ts';
import { isWellFormedTaskToken } from '#local/asl/task-token.ts';
import { discoverProjectFunctions, projectSubstitutions } from '#local/project/functions.ts';
import { loadProjectStateMachines } from '#local/project/state-machines.ts';
import { startTestRuntime, type TestRuntime } from '#test/support/local-runtime.ts';

let local: TestRuntime;
let client: SFNClient;
let canary: string;

beforeAll(async () => {
  local = await startTestRuntime();
  client = local.client;
  const root = process.cwd();
  const machines = loadProjectStateMachines(
    root,
    projectSubstitutions(discoverProjectFunctions(root), LOCAL_SUBSTITUTIONS),
  );
  canary = machines.find((machine) => machine.name === 'canary')!.definition;
});

afterAll(async () => {
  await local.close();
});

/** The canary's state `stateName`, tested on `input`. */
async function testCanaryState(
  stateName: string,
  input: unknown,
  extra: Partial<TestStateCommandInput> = {},
) {
  const { $metadata, ...answer } = await client.send(
    new TestStateCommand({ definition: canary, stateName, input: JSON.stringify(input), ...extra }),
  );
  return answer;
}

/** A release in its second step of three, as the canary's state carries it between states. */
const RELEASE = {
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v2',
  request: { service: { name: 'checkout' }, canary: { analysis: { maxFailures: 2 } } },
  plan: {
    strategy: 'canary',
    stepCount: 3,
    tracks: { next: 'canary' },
    approval: { timeoutSeconds: 600, onTimeout: 'rollback' },
  },
  cursor: {
    index: 1,
    step: { weights: { canary: 20, stable: 80 }, windowSeconds: 60, bake: [], pause: false },
  },
  shift: { shiftedAt: '2026-12-06T10:00:00Z' },
  analysis: { failures: 0, inconclusives: 0, bake: [] },
};

describe('the canary state machine, state by state', () => {
  it('JudgeStep goes on as the analysis says: bake, analyze again, pause, pause after the step, or advance', async () => {
    // Prepare
    const judged = async (action: string, pause = false) => {
      const input = {
        ...RELEASE,
        analysis: { ...RELEASE.analysis, action },
        cursor: { ...RELEASE.cursor, step: { ...RELEASE.cursor.step, pause } },
      };
      return (await testCanaryState('JudgeStep', input)).nextState;
    };
    // Act
    const next = {
      bake: await judged('bake'),
      retry: await judged('retry'),
      pause: await judged('pause'),
      pausedAfter: await judged('continue', true),
      advance: await judged('continue'),
    };
    // Assess
    expect(next).toEqual({
      bake: 'BakeStep',
      retry: 'WaitToReanalyzeStep',
      pause: 'PauseStep',
      pausedAfter: 'PauseAfterStep',
      advance: 'AdvanceStep',
    });
  });

  it('AnalyzeStep retries a transient adapter error five times, then rolls back with the error', async () => {
    // Prepare
    const transient = { error: 'TransientAdapterError', cause: 'metrics endpoint timed out' };
    // Act
    const fifth = await testCanaryState('AnalyzeStep', RELEASE, {
      mock: { errorOutput: transient },
      stateConfiguration: { retrierRetryCount: 4 },
      inspectionLevel: 'DEBUG',
    });
    const exhausted = await testCanaryState('AnalyzeStep', RELEASE, {
      mock: { errorOutput: transient },
      stateConfiguration: { retrierRetryCount: 5 },
    });
    // Assess
    expect(fifth).toMatchObject({ status: 'RETRIABLE', ...transient });
    expect(fifth.inspectionData?.errorDetails).toEqual({ retryIndex: 0, retryBackoffIntervalSeconds: 32 });
    expect(JSON.parse(fifth.inspectionData!.afterParameters!)).toMatchObject({
      stage: 'step 2 of 3',
      track: 'canary',
    });
    expect(exhausted).toMatchObject({ status: 'CAUGHT_ERROR', nextState: 'RestoreCapacity', ...transient });
    expect(JSON.parse(exhausted.output!).error).toEqual({ Error: transient.error, Cause: transient.cause });
  });

  it('RequestApproval sends its task token to the approval function, and an unanswered request asks what to do on timeout', async () => {
    // Act
    const answered = await testCanaryState('RequestApproval', RELEASE, {
      mock: { result: '{"approved":true}' },
      inspectionLevel: 'DEBUG',
    });
    const unanswered = await testCanaryState('RequestApproval', RELEASE, {
      mock: { errorOutput: { error: 'States.Timeout' } },
    });
    // Assess
    expect(answered).toMatchObject({
      status: 'SUCCEEDED',
      nextState: 'DeployStable',
      output: JSON.stringify(RELEASE),
    });
    const payload = JSON.parse(answered.inspectionData!.afterParameters!).Payload;
    expect(payload).toMatchObject({ stage: 'promote', timeoutSeconds: 600, onTimeout: 'rollback' });
    expect(isWellFormedTaskToken(payload.taskToken)).toBe(true);
    expect(unanswered).toMatchObject({
      status: 'CAUGHT_ERROR',
      nextState: 'NoAnswerToApproval',
      output: JSON.stringify(RELEASE),
    });
  });

  it('PauseStep advances when answered, and ends ApprovalTimedOut when no one answers', async () => {
    // Act
    const answered = await testCanaryState('PauseStep', RELEASE, {
      mock: { errorOutput: { error: 'PauseAnswered' } },
      stateConfiguration: { errorCausedByState: 'InconclusivePauseAnswered' },
    });
    const timedOut = await testCanaryState('PauseStep', RELEASE, {
      mock: { errorOutput: { error: 'ApprovalTimedOut', cause: 'no answer in 600s' } },
      stateConfiguration: { errorCausedByState: 'InconclusivePauseTimedOut' },
    });
    // Assess
    expect(answered).toMatchObject({
      status: 'CAUGHT_ERROR',
      nextState: 'AdvanceStep',
      output: JSON.stringify(RELEASE),
    });
    expect(timedOut).toMatchObject({ status: 'CAUGHT_ERROR', nextState: 'ApprovalTimedOut' });
  });
});

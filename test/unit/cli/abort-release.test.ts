import { createHash } from 'node:crypto';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { abortRelease, stopRollbackStatus } from '../../../src/cli/abort-release.ts';

const MACHINES = 'arn:aws:states:eu-west-1:111122223333:stateMachine';
const EXECUTIONS = 'arn:aws:states:eu-west-1:111122223333:execution';
const RELEASE = `${EXECUTIONS}:Cutover-canary:checkout-v2`;
const ROLLBACK_MACHINE = `${MACHINES}:Cutover-rollback`;
const STOPPED_AT = new Date('2026-11-29T12:00:00Z');
const REQUEST = JSON.stringify({ service: { name: 'checkout', namespace: 'shop' } });
/** The canary's history: started, past its first task. */
const RELEASE_HISTORY = [
  {
    id: 1,
    type: 'ExecutionStarted',
    timestamp: STOPPED_AT,
    executionStartedEventDetails: { input: REQUEST },
  },
  {
    id: 2,
    type: 'TaskScheduled',
    timestamp: STOPPED_AT,
    taskScheduledEventDetails: {
      resourceType: 'lambda',
      resource: 'invoke',
      region: 'eu-west-1',
      parameters: JSON.stringify({ Payload: { strategy: 'canary' } }),
    },
  },
];

/**
 * A rollback execution: RUNNING, or SUCCEEDED with `output`, or as `ended` says: `claimed`, it took the
 * clean-up claim (ClaimRollback succeeded, at `claimedAt`, else as it started); `gaveUp`, it then reached
 * GiveUpClaim, which succeeded (`true`) or failed (`'failed'`, caught into RollbackFailed).
 */
interface Rollback {
  arn: string;
  startDate: Date;
  input: object;
  output?: object;
  ended?: {
    status: 'FAILED' | 'ABORTED';
    error?: string;
    cause?: string;
    stopDate: Date;
    claimed: boolean;
    claimedAt?: Date;
    gaveUp?: true | 'failed';
  };
}

/** The rollback's history as far as its claim goes: ClaimRollback, then GiveUpClaim if it got there. */
function claimHistory({ startDate, ended }: Rollback) {
  if (!ended?.claimed) return [{ id: 1, type: 'ExecutionStarted', timestamp: startDate }];
  const claimedAt = ended.claimedAt ?? startDate;
  const events: object[] = [
    { id: 1, type: 'ExecutionStarted', timestamp: startDate },
    {
      id: 2,
      type: 'TaskStateEntered',
      timestamp: startDate,
      stateEnteredEventDetails: { name: 'ClaimRollback' },
    },
    { id: 3, type: 'LambdaFunctionScheduled', timestamp: startDate },
    { id: 4, type: 'LambdaFunctionFailed', timestamp: startDate, lambdaFunctionFailedEventDetails: {} },
    { id: 5, type: 'LambdaFunctionScheduled', timestamp: claimedAt },
    {
      id: 6,
      type: 'LambdaFunctionSucceeded',
      timestamp: claimedAt,
      lambdaFunctionSucceededEventDetails: { output: JSON.stringify({ claimed: true }) },
    },
    {
      id: 7,
      type: 'TaskStateExited',
      timestamp: claimedAt,
      stateExitedEventDetails: { name: 'ClaimRollback' },
    },
    { id: 8, type: 'TaskStateEntered', timestamp: claimedAt, stateEnteredEventDetails: { name: 'Unlock' } },
    { id: 9, type: 'LambdaFunctionSucceeded', timestamp: claimedAt, lambdaFunctionSucceededEventDetails: {} },
  ];
  if (ended.gaveUp) {
    const at = ended.stopDate;
    events.push(
      { id: 10, type: 'TaskStateEntered', timestamp: at, stateEnteredEventDetails: { name: 'GiveUpClaim' } },
      ended.gaveUp === true
        ? { id: 11, type: 'LambdaFunctionSucceeded', timestamp: at, lambdaFunctionSucceededEventDetails: {} }
        : { id: 11, type: 'LambdaFunctionFailed', timestamp: at, lambdaFunctionFailedEventDetails: {} },
      { id: 12, type: 'TaskStateExited', timestamp: at, stateExitedEventDetails: { name: 'GiveUpClaim' } },
      {
        id: 13,
        type: 'FailStateEntered',
        timestamp: at,
        stateEnteredEventDetails: { name: 'RollbackFailed' },
      },
    );
  }
  return events;
}

/**
 * Step Functions on AWS as `cutover abort` meets it: a canary RUNNING past its first task, the rollback
 * machine, and `rollbacks` (what ListExecutions of the rollback machine answers, newest first).
 */
function stepFunctionsOnAws(rollbacks: Rollback[]) {
  const client = new SFNClient({ region: 'eu-west-1' });
  const mock = mockClient(client);
  let releaseStatus = 'RUNNING';
  mock.on(DescribeExecutionCommand).callsFake(({ executionArn }) => {
    if (executionArn === RELEASE) return { executionArn, status: releaseStatus };
    const rollback = rollbacks.find((candidate) => candidate.arn === executionArn);
    if (!rollback)
      throw new ExecutionDoesNotExist({
        message: `Execution Does Not Exist: '${executionArn}'`,
        $metadata: {},
      });
    if (rollback.ended) {
      const { claimed: _claimed, ...ended } = rollback.ended;
      return {
        executionArn,
        stateMachineArn: ROLLBACK_MACHINE,
        input: JSON.stringify(rollback.input),
        ...ended,
      };
    }
    if (!rollback.output) {
      return {
        executionArn,
        stateMachineArn: ROLLBACK_MACHINE,
        status: 'RUNNING',
        input: JSON.stringify(rollback.input),
      };
    }
    const output = JSON.stringify(rollback.output);
    const input = JSON.stringify(rollback.input);
    return { executionArn, stateMachineArn: ROLLBACK_MACHINE, status: 'SUCCEEDED', input, output };
  });
  mock.on(StopExecutionCommand).callsFake(() => {
    releaseStatus = 'ABORTED';
    return { stopDate: STOPPED_AT };
  });
  mock.on(GetExecutionHistoryCommand).callsFake(({ executionArn }) => {
    const rollback = rollbacks.find((candidate) => candidate.arn === executionArn);
    if (!rollback) return { events: RELEASE_HISTORY };
    return { events: claimHistory(rollback) };
  });
  mock.on(ListStateMachinesCommand).resolves({
    stateMachines: [
      {
        name: 'Cutover-canary',
        stateMachineArn: `${MACHINES}:Cutover-canary`,
        type: 'STANDARD',
        creationDate: STOPPED_AT,
      },
      {
        name: 'Cutover-rollback',
        stateMachineArn: ROLLBACK_MACHINE,
        type: 'STANDARD',
        creationDate: STOPPED_AT,
      },
    ],
  });
  mock.on(ListExecutionsCommand).callsFake(() => ({
    executions: rollbacks.map(({ arn, startDate }) => ({
      executionArn: arn,
      stateMachineArn: ROLLBACK_MACHINE,
      name: arn.split(':').at(-1),
      status: 'RUNNING',
      startDate,
    })),
  }));
  mock.on(StartExecutionCommand).callsFake(({ name }) => ({
    executionArn: `${EXECUTIONS}:Cutover-rollback:${name}`,
    startDate: STOPPED_AT,
  }));
  return { client, mock };
}

const secondsAfterStop = (seconds: number) => new Date(STOPPED_AT.getTime() + seconds * 1000);

/** A rollback of the release that took the clean-up claim at `claimedAt` and FAILED 9 s later. */
const failedRollback = (arn: string, claimedAt: Date, gaveUp: true | 'failed'): Rollback => ({
  arn,
  startDate: claimedAt,
  input: { strategy: 'canary', executionArn: RELEASE },
  ended: {
    status: 'FAILED',
    error: 'TrackNotFound',
    stopDate: new Date(claimedAt.getTime() + 9_000),
    claimed: true,
    gaveUp,
  },
});

/** The rollback the EventBridge rule starts for the stop, under a generated name. */
const ruleStarted = `${EXECUTIONS}:Cutover-rollback:6c1f2b0e-4a57-4a8b-9a55-5b0e0e3c9d11`;
/** That rollback as ListExecutions and DescribeExecution answer it, a second after the stop. */
const ruleStartedRollback = () => ({
  arn: ruleStarted,
  startDate: secondsAfterStop(1),
  input: { strategy: 'canary', executionArn: RELEASE },
});

describe('abortRelease on AWS', () => {
  it('follows the rollback the EventBridge rule started for the stop, and starts none of its own', async () => {
    // Prepare: the rule's rollback, under a generated name, after another release's older one
    const { client, mock } = stepFunctionsOnAws([
      ruleStartedRollback(),
      {
        arn: `${EXECUTIONS}:Cutover-rollback:abort-checkout-v1`,
        startDate: secondsAfterStop(-30),
        input: { strategy: 'canary', executionArn: `${EXECUTIONS}:Cutover-canary:checkout-v1` },
      },
    ]);
    // Act
    const outcome = await abortRelease(client, RELEASE, 'wrong image', 1_000);
    // Assess
    expect(outcome).toEqual({
      rollbackExecutionArn: ruleStarted,
      strategy: 'canary',
      rollbackStatus: 'RUNNING',
    });
    expect(mock.commandCalls(StopExecutionCommand)[0]!.args[0].input).toEqual({
      executionArn: RELEASE,
      error: 'Aborted',
      cause: 'wrong image',
    });
    expect(mock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('names the rollback that cleans up when the one it finds ended at AlreadyClaimed', async () => {
    // Prepare: abort-<name> (a duplicate) found the clean-up claimed by the rule's rollback
    const { client } = stepFunctionsOnAws([
      {
        arn: `${EXECUTIONS}:Cutover-rollback:abort-checkout-v2`,
        startDate: secondsAfterStop(2),
        input: { strategy: 'canary', executionArn: RELEASE },
        output: { claim: { claimed: false, by: ruleStarted } },
      },
      ruleStartedRollback(),
    ]);
    // Act
    const outcome = await abortRelease(client, RELEASE, 'wrong image', 1_000);
    // Assess
    expect(outcome).toEqual({
      rollbackExecutionArn: ruleStarted,
      strategy: 'canary',
      rollbackStatus: 'RUNNING',
    });
  });

  it('starts abort-<name> itself when no rollback appears for the stop in time', async () => {
    // Prepare: only a rollback of another stop, from before this one
    const { client, mock } = stepFunctionsOnAws([
      {
        arn: `${EXECUTIONS}:Cutover-rollback:abort-checkout-v1`,
        startDate: secondsAfterStop(-3600),
        input: { strategy: 'canary', executionArn: `${EXECUTIONS}:Cutover-canary:checkout-v1` },
      },
    ]);
    // Act
    const outcome = await abortRelease(client, RELEASE, 'wrong image', 300);
    // Assess
    expect(outcome).toEqual({
      rollbackExecutionArn: `${EXECUTIONS}:Cutover-rollback:abort-checkout-v2`,
      strategy: 'canary',
    });
    const started = mock.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
    expect(started).toEqual([
      {
        stateMachineArn: ROLLBACK_MACHINE,
        name: 'abort-checkout-v2',
        input: JSON.stringify({
          strategy: 'canary',
          executionArn: RELEASE,
          input: REQUEST,
          reason: 'wrong image',
        }),
      },
    ]);
    // The other stop's rollback was never opened: it started before this stop.
    const opened = mock.commandCalls(DescribeExecutionCommand).map((call) => call.args[0].input.executionArn);
    expect(opened).not.toContain(`${EXECUTIONS}:Cutover-rollback:abort-checkout-v1`);
  });

  it("starts abort-<8 hex>-<name> when abort-<name> is the rollback of another state machine's execution of that name", async () => {
    // Prepare: abort-checkout-v2 rolled back blue-green:checkout-v2, before this stop
    const otherRollback = `${EXECUTIONS}:Cutover-rollback:abort-checkout-v2`;
    const { client, mock } = stepFunctionsOnAws([
      {
        arn: otherRollback,
        startDate: secondsAfterStop(-3600),
        input: { strategy: 'blue-green', executionArn: `${EXECUTIONS}:Cutover-blue-green:checkout-v2` },
        output: { claim: { claimed: true } },
      },
    ]);
    const fallback = `abort-${createHash('sha256').update(RELEASE).digest('hex').slice(0, 8)}-checkout-v2`;
    // Act
    const outcome = await abortRelease(client, RELEASE, 'wrong image', 300);
    // Assess
    expect(outcome).toEqual({
      rollbackExecutionArn: `${EXECUTIONS}:Cutover-rollback:${fallback}`,
      strategy: 'canary',
    });
    const started = mock.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
    expect(started).toEqual([
      {
        stateMachineArn: ROLLBACK_MACHINE,
        name: fallback,
        input: JSON.stringify({
          strategy: 'canary',
          executionArn: RELEASE,
          input: REQUEST,
          reason: 'wrong image',
        }),
      },
    ]);
  });

  it("refuses a reason longer than StopExecution's cause takes, stopping nothing, and stops with one at the limit", async () => {
    // Prepare: the rule's rollback of the stop
    const { client, mock } = stepFunctionsOnAws([ruleStartedRollback()]);
    // Act
    const tooLong = abortRelease(client, RELEASE, 'x'.repeat(32_769), 300);
    await expect(tooLong).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('--reason must be at most 32,768 characters'),
    });
    const stopsBefore = mock.commandCalls(StopExecutionCommand).length;
    await abortRelease(client, RELEASE, 'x'.repeat(32_768), 300);
    // Assess
    expect(stopsBefore).toBe(0);
    expect(mock.commandCalls(StopExecutionCommand)).toHaveLength(1);
  });

  it('refuses to stop a rollback, naming the release it restores and how to follow it', async () => {
    // Prepare: the release's rollback, running
    const rollback = `${EXECUTIONS}:Cutover-rollback:abort-checkout-v2`;
    const { client, mock } = stepFunctionsOnAws([
      { arn: rollback, startDate: secondsAfterStop(1), input: { strategy: 'canary', executionArn: RELEASE } },
    ]);
    // Act
    const aborting = abortRelease(client, rollback, 'oops', 300, ' --aws --region eu-west-1');
    // Assess
    await expect(aborting).rejects.toMatchObject({
      exitCode: 2,
      message:
        `${rollback} is the rollback of ${RELEASE}: stopping it would leave traffic part-way and the service ` +
        `locked. Let it run to its end (\`cutover watch ${rollback} --aws --region eu-west-1\`).`,
    });
    expect(mock.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it('refuses to stop a release already rolling back after a failed analysis, naming that failure', async () => {
    // Prepare: the canary's own rollback under way, newest event first
    const { client, mock } = stepFunctionsOnAws([]);
    const error = { Error: 'AnalysisFailed', Cause: '{"errorMessage":"errorRate 0.3 > 0.05"}' };
    mock.on(GetExecutionHistoryCommand, { executionArn: RELEASE, reverseOrder: true }).resolves({
      events: [
        { id: 31, type: 'LambdaFunctionScheduled', timestamp: STOPPED_AT },
        {
          id: 30,
          type: 'TaskStateEntered',
          timestamp: STOPPED_AT,
          stateEnteredEventDetails: { name: 'Rollback', input: JSON.stringify({ request: {}, error }) },
        },
      ],
    });
    // Act
    const aborting = abortRelease(client, RELEASE, 'wrong image', 300, ' --aws --region eu-west-1');
    // Assess
    await expect(aborting).rejects.toMatchObject({
      exitCode: 2,
      message:
        'checkout-v2 is already rolling back after AnalysisFailed (errorRate 0.3 > 0.05): an abort would stop ' +
        'that rollback part-way. Let it run to its end (`cutover watch checkout-v2 --aws --region eu-west-1`).',
    });
    expect(mock.commandCalls(StopExecutionCommand)).toHaveLength(0);
    expect(mock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('says a release that ended between its description and the stop has nothing to abort, and starts no rollback', async () => {
    // Prepare: the canary succeeds just before the stop, which (as on AWS) then changes nothing
    const { client, mock } = stepFunctionsOnAws([]);
    mock
      .on(DescribeExecutionCommand, { executionArn: RELEASE })
      .resolvesOnce({ executionArn: RELEASE, status: 'RUNNING' })
      .resolves({ executionArn: RELEASE, status: 'SUCCEEDED' });
    mock.on(StopExecutionCommand).resolves({ stopDate: STOPPED_AT });
    // Act
    const aborting = abortRelease(client, RELEASE, 'too late', 300);
    // Assess
    await expect(aborting).rejects.toMatchObject({
      exitCode: 2,
      message: `${RELEASE} already ended SUCCEEDED: nothing to abort`,
    });
    expect(mock.commandCalls(StopExecutionCommand)).toHaveLength(1);
    expect(mock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('says a rollback that ended has nothing to abort, as of a release that ended', async () => {
    // Prepare: the release's rollback, ended SUCCEEDED
    const rollback = `${EXECUTIONS}:Cutover-rollback:abort-checkout-v2`;
    const { client, mock } = stepFunctionsOnAws([
      {
        arn: rollback,
        startDate: secondsAfterStop(1),
        input: { strategy: 'canary', executionArn: RELEASE },
        output: { claim: { claimed: true } },
      },
    ]);
    // Act
    const aborting = abortRelease(client, rollback, 'oops', 300);
    // Assess
    await expect(aborting).rejects.toMatchObject({
      exitCode: 2,
      message: `${rollback} already ended SUCCEEDED: nothing to abort`,
    });
    expect(mock.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it('starts a retry when the rollback it finds failed and gave up its claim', async () => {
    // Prepare: abort-checkout-v2 claimed a minute ago, then ended at RollbackFailed past a GiveUpClaim that
    // succeeded
    const failed = `${EXECUTIONS}:Cutover-rollback:abort-checkout-v2`;
    const claimedAt = new Date(Date.now() - 60_000);
    const { client, mock } = stepFunctionsOnAws([failedRollback(failed, claimedAt, true)]);
    const retry = `retry-${createHash('sha256').update(failed).digest('hex').slice(0, 8)}-checkout-v2`;
    // Act
    const outcome = await abortRelease(client, RELEASE, 'wrong image', 300);
    // Assess
    expect(outcome).toEqual({
      rollbackExecutionArn: `${EXECUTIONS}:Cutover-rollback:${retry}`,
      strategy: 'canary',
    });
    const started = mock.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);
    expect(started).toEqual([retry]);
  });

  it('starts no retry while a rollback that failed before giving up its claim holds it, and says until when', async () => {
    // Prepare: abort-checkout-v2 claimed a minute ago; its GiveUpClaim failed (caught into RollbackFailed)
    const claimedAt = new Date(Date.now() - 60_000);
    const { client, mock } = stepFunctionsOnAws([
      failedRollback(`${EXECUTIONS}:Cutover-rollback:abort-checkout-v2`, claimedAt, 'failed'),
    ]);
    // Act
    const outcome = await abortRelease(client, RELEASE, 'wrong image', 300);
    // Assess
    const freeAt = new Date(claimedAt.getTime() + 2 * 3600_000 + 60_000).toISOString();
    expect(outcome.notRolledBack).toContain('ended FAILED without giving up its clean-up claim');
    expect(outcome.notRolledBack).toContain(`holds the clean-up claim until ${freeAt}`);
    expect(mock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('says until when a stopped rollback holds the claim, two hours (and a minute) after ClaimRollback succeeded, and starts nothing meanwhile', async () => {
    // Prepare: abort-checkout-v2 entered ClaimRollback ten minutes ago, took the claim 40 seconds later
    // (after a retry), and was stopped five seconds after that
    const enteredAt = new Date(Date.now() - 600_000);
    const claimedAt = new Date(enteredAt.getTime() + 40_000);
    const { client, mock } = stepFunctionsOnAws([
      {
        arn: `${EXECUTIONS}:Cutover-rollback:abort-checkout-v2`,
        startDate: enteredAt,
        input: { strategy: 'canary', executionArn: RELEASE },
        ended: {
          status: 'ABORTED',
          stopDate: new Date(claimedAt.getTime() + 5_000),
          claimed: true,
          claimedAt,
        },
      },
    ]);
    // Act
    const outcome = await abortRelease(client, RELEASE, 'wrong image', 300, ' --aws --region eu-west-1');
    // Assess
    const freeAt = new Date(claimedAt.getTime() + 2 * 3600_000 + 60_000).toISOString();
    expect(outcome.notRolledBack).toContain(`ended ABORTED part-way`);
    expect(outcome.notRolledBack).toContain(`holds the clean-up claim until ${freeAt}`);
    expect(outcome.notRolledBack).toContain('ends at AlreadyClaimed and restores nothing');
    expect(outcome.notRolledBack).toContain('Run `cutover abort checkout-v2 --aws --region eu-west-1` again');
    expect(mock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('starts no retry after a retry that ended at AlreadyClaimed while the failed rollback still holds the claim', async () => {
    // Prepare: abort-checkout-v2 failed at Unlock (no GiveUpClaim) a minute ago; its retry found the claim
    // still held by it
    const failed = `${EXECUTIONS}:Cutover-rollback:abort-checkout-v2`;
    const retry = `${EXECUTIONS}:Cutover-rollback:retry-${createHash('sha256').update(failed).digest('hex').slice(0, 8)}-checkout-v2`;
    const claimedAt = new Date(Date.now() - 60_000);
    const { client, mock } = stepFunctionsOnAws([
      {
        arn: retry,
        startDate: new Date(claimedAt.getTime() + 20_000),
        input: { strategy: 'canary', executionArn: RELEASE },
        output: { claim: { claimed: false, by: failed } },
      },
      {
        arn: failed,
        startDate: claimedAt,
        input: { strategy: 'canary', executionArn: RELEASE },
        ended: { status: 'FAILED', error: 'States.TaskFailed', stopDate: claimedAt, claimed: true },
      },
    ]);
    // Act
    const outcome = await abortRelease(client, RELEASE, 'wrong image', 300);
    const status = await stopRollbackStatus(client, ROLLBACK_MACHINE, RELEASE, STOPPED_AT);
    // Assess
    const freeAt = new Date(claimedAt.getTime() + 2 * 3600_000 + 60_000).toISOString();
    expect(outcome.rollbackExecutionArn).toBe(retry);
    expect(outcome.notRolledBack).toContain(
      `its rollback ${retry} restored nothing: it ended at AlreadyClaimed`,
    );
    expect(outcome.notRolledBack).toContain(`${failed} holds the clean-up claim until ${freeAt}`);
    expect(mock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(status).toEqual({ executionArn: retry, status: 'ALREADY_CLAIMED' });
  });

  it('starts no retry of a rollback that stopped before moving the traffic, when it stopped the release just now', async () => {
    // Prepare: the rule's rollback ended RollbackStopped (its old track has no ready replica), then gave up its claim
    const stoppedRollback = failedRollback(
      `${EXECUTIONS}:Cutover-rollback:abort-checkout-v2`,
      secondsAfterStop(1),
      true,
    );
    const cause =
      'stable has no ready replica (0/2 ready after 120s of checks): its traffic was not given back';
    const { client, mock } = stepFunctionsOnAws([
      { ...stoppedRollback, ended: { ...stoppedRollback.ended!, error: 'RollbackStopped', cause } },
    ]);
    // Act
    const outcome = await abortRelease(client, RELEASE, 'wrong image', 300);
    // Assess
    expect(outcome.notRolledBack).toBe(
      `its rollback ${EXECUTIONS}:Cutover-rollback:abort-checkout-v2 stopped before moving the traffic: ${cause}. ` +
        'Run `cutover abort checkout-v2` again once that track is ready.',
    );
    expect(mock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('starts no retry after ServiceLocked: another execution holds the service', async () => {
    // Prepare: abort-checkout-v2 found the service locked by a newer release
    const { client, mock } = stepFunctionsOnAws([
      {
        arn: `${EXECUTIONS}:Cutover-rollback:abort-checkout-v2`,
        startDate: secondsAfterStop(1),
        input: { strategy: 'canary', executionArn: RELEASE },
        ended: {
          status: 'FAILED',
          error: 'ServiceLocked',
          cause: 'shop/checkout is locked by v3',
          stopDate: secondsAfterStop(2),
          claimed: true,
        },
      },
    ]);
    // Act
    const outcome = await abortRelease(client, RELEASE, 'wrong image', 300);
    // Assess
    expect(outcome.notRolledBack).toContain('restored nothing: shop/checkout is locked by v3');
    expect(mock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('stopRollbackStatus', () => {
  it("finds the rule's rollback of the stop and its status, and starts or stops nothing", async () => {
    // Prepare
    const { client, mock } = stepFunctionsOnAws([ruleStartedRollback()]);
    // Act
    const rollback = await stopRollbackStatus(client, ROLLBACK_MACHINE, RELEASE, STOPPED_AT);
    // Assess
    expect(rollback).toEqual({ executionArn: ruleStarted, status: 'RUNNING' });
    expect(mock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(mock.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it("gives a failed rollback's retry, once `cutover abort` started one", async () => {
    // Prepare: the rule's rollback failed; its retry runs
    const retry = `${EXECUTIONS}:Cutover-rollback:retry-${createHash('sha256').update(ruleStarted).digest('hex').slice(0, 8)}-checkout-v2`;
    const { client } = stepFunctionsOnAws([
      {
        arn: retry,
        startDate: secondsAfterStop(600),
        input: { strategy: 'canary', executionArn: RELEASE },
      },
      {
        arn: ruleStarted,
        startDate: secondsAfterStop(1),
        input: { strategy: 'canary', executionArn: RELEASE },
        ended: { status: 'FAILED', error: 'TrackNotFound', stopDate: secondsAfterStop(9), claimed: true },
      },
    ]);
    // Act
    const rollback = await stopRollbackStatus(client, ROLLBACK_MACHINE, RELEASE, STOPPED_AT);
    // Assess
    expect(rollback).toEqual({ executionArn: retry, status: 'RUNNING' });
  });

  it('is undefined when no rollback of the stop was started', async () => {
    // Prepare: only another stop's rollback, from before this one
    const { client } = stepFunctionsOnAws([
      {
        arn: `${EXECUTIONS}:Cutover-rollback:abort-checkout-v1`,
        startDate: secondsAfterStop(-3600),
        input: { strategy: 'canary', executionArn: `${EXECUTIONS}:Cutover-canary:checkout-v1` },
      },
    ]);
    // Act
    const rollback = await stopRollbackStatus(client, ROLLBACK_MACHINE, RELEASE, STOPPED_AT);
    // Assess
    expect(rollback).toBeUndefined();
  });
});

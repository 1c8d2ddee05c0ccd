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
import { abortRelease } from '../../../src/cli/abort-release.ts';

const MACHINES = 'arn:aws:states:eu-west-1:111122223333:stateMachine';
const EXECUTIONS = 'arn:aws:states:eu-west-1:111122223333:execution';
const RELEASE = `${EXECUTIONS}:Cutover-canary:checkout-v2`;
const ROLLBACK_MACHINE = `${MACHINES}:Cutover-rollback`;
const STOPPED_AT = new Date('2026-11-29T12:00:00Z');
const REQUEST = JSON.stringify({ service: { name: 'checkout', namespace: 'shop' } });

/**
 * Step Functions on AWS as `cutover abort` meets it: a canary RUNNING past its first task, the rollback
 * machine, and `rollbacks` (what ListExecutions of the rollback machine answers, newest first).
 */
function stepFunctionsOnAws(rollbacks: { arn: string; startDate: Date; input: object; output?: object }[]) {
  const client = new SFNClient({ region: 'eu-west-1' });
  const mock = mockClient(client);
  mock.on(DescribeExecutionCommand).callsFake(({ executionArn }) => {
    if (executionArn === RELEASE) return { executionArn, status: 'RUNNING' };
    const rollback = rollbacks.find((candidate) => candidate.arn === executionArn);
    if (!rollback)
      throw new ExecutionDoesNotExist({
        message: `Execution Does Not Exist: '${executionArn}'`,
        $metadata: {},
      });
    if (!rollback.output) return { executionArn, status: 'RUNNING', input: JSON.stringify(rollback.input) };
    const output = JSON.stringify(rollback.output);
    return { executionArn, status: 'SUCCEEDED', input: JSON.stringify(rollback.input), output };
  });
  mock.on(StopExecutionCommand).resolves({ stopDate: STOPPED_AT });
  mock.on(GetExecutionHistoryCommand).resolves({
    events: [
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
    ],
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

describe('abortRelease on AWS', () => {
  it('follows the rollback the EventBridge rule started for the stop, and starts none of its own', async () => {
    // Prepare: the rule's rollback, under a generated name, after another release's older one
    const ruleStarted = `${EXECUTIONS}:Cutover-rollback:6c1f2b0e-4a57-4a8b-9a55-5b0e0e3c9d11`;
    const { client, mock } = stepFunctionsOnAws([
      {
        arn: ruleStarted,
        startDate: secondsAfterStop(1),
        input: { strategy: 'canary', executionArn: RELEASE },
      },
      {
        arn: `${EXECUTIONS}:Cutover-rollback:abort-checkout-v1`,
        startDate: secondsAfterStop(-30),
        input: { strategy: 'canary', executionArn: `${EXECUTIONS}:Cutover-canary:checkout-v1` },
      },
    ]);
    // Act
    const outcome = await abortRelease(client, RELEASE, 'wrong image', 1_000);
    // Assess
    expect(outcome).toEqual({ rollbackExecutionArn: ruleStarted, strategy: 'canary' });
    expect(mock.commandCalls(StopExecutionCommand)[0]!.args[0].input).toEqual({
      executionArn: RELEASE,
      error: 'Aborted',
      cause: 'wrong image',
    });
    expect(mock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('names the rollback that cleans up when the one it finds ended at AlreadyClaimed', async () => {
    // Prepare: abort-<name> (a duplicate) found the clean-up claimed by the rule's rollback
    const ruleStarted = `${EXECUTIONS}:Cutover-rollback:6c1f2b0e-4a57-4a8b-9a55-5b0e0e3c9d11`;
    const { client } = stepFunctionsOnAws([
      {
        arn: `${EXECUTIONS}:Cutover-rollback:abort-checkout-v2`,
        startDate: secondsAfterStop(2),
        input: { strategy: 'canary', executionArn: RELEASE },
        output: { claim: { claimed: false, by: ruleStarted } },
      },
    ]);
    // Act
    const outcome = await abortRelease(client, RELEASE, 'wrong image', 1_000);
    // Assess
    expect(outcome).toEqual({ rollbackExecutionArn: ruleStarted, strategy: 'canary' });
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
});

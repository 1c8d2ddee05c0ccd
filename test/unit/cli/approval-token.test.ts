import type { HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { answerApprovalToken } from '../../../src/cli/approval-token.ts';
import { CliError, ExitCode } from '../../../src/cli/exit-codes.ts';

const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:Cutover-canary:ck-v8';

/** The history of a release that waits for its approval's task token. */
function aWaitingHistory(): HistoryEvent[] {
  return [
    { id: 1, timestamp: new Date(), type: 'ExecutionStarted' },
    {
      id: 2,
      timestamp: new Date(),
      type: 'TaskScheduled',
      taskScheduledEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke.waitForTaskToken',
        region: 'eu-west-1',
        parameters: JSON.stringify({ Payload: { taskToken: 'token-1' } }),
      },
    },
  ];
}

/** The end of the approval's wait by a reject, whose body SendTaskFailure sent as the cause. */
function rejectedWith(cause: string): HistoryEvent {
  return {
    id: 3,
    timestamp: new Date(),
    type: 'TaskFailed',
    taskFailedEventDetails: {
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      error: 'ApprovalRejected',
      cause,
    },
  };
}

/** The end of the approval's wait by an approve, whose body SendTaskSuccess sent as the output. */
function approvedWith(output: string): HistoryEvent {
  return {
    id: 3,
    timestamp: new Date(),
    type: 'TaskSucceeded',
    taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', output },
  };
}

/**
 * A Step Functions client that answers GetExecutionHistory with `history`, DescribeExecution with `status`,
 * and a SendTask call with `answer` (thrown when it is an error); it records the calls sent.
 */
function aStepFunctions(history: HistoryEvent[], status: string, answer: unknown = {}) {
  const sent: string[] = [];
  const sfn = {
    send: async (command: object) => {
      const name = command.constructor.name;
      sent.push(name);
      if (name === 'GetExecutionHistoryCommand') return { events: history };
      if (name === 'DescribeExecutionCommand') return { executionArn, status };
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as SFNClient;
  return { sfn, sent };
}

/** An error as the SDK throws it for a Step Functions exception named `name`. */
function anException(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

describe('answerApprovalToken', () => {
  it('refuses an execution aborted while it waited, saying so, without answering the token', async () => {
    // Prepare
    const history: HistoryEvent[] = [
      ...aWaitingHistory(),
      { id: 3, timestamp: new Date(), type: 'ExecutionAborted', executionAbortedEventDetails: {} },
    ];
    const { sfn, sent } = aStepFunctions(history, 'ABORTED');
    // Act
    const answering = answerApprovalToken(sfn, 'ck-v8', executionArn, 'approve', { approver: 'alice' });
    // Assess
    await expect(answering).rejects.toThrow(
      new CliError('ck-v8 is not waiting for an approval: it was aborted', ExitCode.Usage),
    );
    await expect(answering).rejects.toMatchObject({ exitCode: ExitCode.Usage });
    expect(sent).not.toContain('SendTaskSuccessCommand');
  });

  it.each([
    ['approve', 'TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'"],
    ['reject', 'TaskDoesNotExist', 'Task does not exist'],
    ['approve', 'InvalidToken', 'Invalid token'],
  ] as const)(
    'refuses a %s whose token went stale before it was sent (%s) as an ended execution',
    async (decision, name, message) => {
      // Prepare: the history still shows the wait; the execution stopped before the answer came
      const { sfn } = aStepFunctions(aWaitingHistory(), 'ABORTED', anException(name, message));
      // Act
      const answering = answerApprovalToken(sfn, 'ck-v8', executionArn, decision, { approver: 'alice' });
      // Assess
      await expect(answering).rejects.toThrow('ck-v8 is not waiting for an approval: it was aborted');
      await expect(answering).rejects.toMatchObject({ exitCode: ExitCode.Usage });
    },
  );

  it('says which state a running execution is in when it waits on no approval yet', async () => {
    // Prepare: a canary baking its first step, its approval to come
    const history: HistoryEvent[] = [
      { id: 1, timestamp: new Date(), type: 'ExecutionStarted' },
      {
        id: 2,
        timestamp: new Date(),
        type: 'TaskStateEntered',
        stateEnteredEventDetails: { name: 'SetWeights' },
      },
      {
        id: 3,
        timestamp: new Date(),
        type: 'TaskStateExited',
        stateExitedEventDetails: { name: 'SetWeights' },
      },
      {
        id: 4,
        timestamp: new Date(),
        type: 'WaitStateEntered',
        stateEnteredEventDetails: { name: 'BakeStep' },
      },
    ];
    const { sfn, sent } = aStepFunctions(history, 'RUNNING');
    // Act
    const answering = answerApprovalToken(sfn, 'ck-v8', executionArn, 'approve', {});
    // Assess
    await expect(answering).rejects.toThrow(/^ck-v8 is not waiting for an approval: it is in BakeStep$/);
    expect(sent).not.toContain('SendTaskSuccessCommand');
  });

  it('says only that it waits on nothing when the execution still runs', async () => {
    // Prepare: the approval timed out and the release rolls back
    const { sfn } = aStepFunctions(aWaitingHistory(), 'RUNNING', anException('TaskTimedOut', 'timed out'));
    // Act
    const answering = answerApprovalToken(sfn, 'ck-v8', executionArn, 'approve', {});
    // Assess
    await expect(answering).rejects.toThrow(/^ck-v8 is not waiting for an approval$/);
  });

  it.each([
    [
      'rejected',
      'RUNNING',
      rejectedWith('{"reason":"p99 up","approver":"bob"}'),
      'ck-v8 is not waiting for an approval: it was rejected by bob (p99 up)',
    ],
    [
      'rejected without a reason',
      'FAILED',
      rejectedWith('{"approver":"bob"}'),
      'ck-v8 is not waiting for an approval: it was rejected by bob (no reason given) and failed',
    ],
    [
      'approved',
      'RUNNING',
      approvedWith('{"approver":"alice"}'),
      'ck-v8 is not waiting for an approval: it was approved by alice',
    ],
  ] as const)(
    'says by whom the approval was answered when it was %s before this answer',
    async (_answer, status, answered, message) => {
      // Prepare: the other answer went through; the history shows it
      const history = [...aWaitingHistory(), answered];
      const { sfn, sent } = aStepFunctions(history, status);
      // Act
      const answering = answerApprovalToken(sfn, 'ck-v8', executionArn, 'approve', { approver: 'alice' });
      // Assess
      await expect(answering).rejects.toThrow(new CliError(message, ExitCode.Usage));
      await expect(answering).rejects.toMatchObject({ exitCode: ExitCode.Usage });
      expect(sent).not.toContain('SendTaskSuccessCommand');
    },
  );

  it('says by whom when the other answer went through between reading the history and sending this one', async () => {
    // Prepare: the first read shows the wait; by the answer, bob's reject is in the history
    const rejected = rejectedWith('{"reason":"p99 up","approver":"bob"}');
    const history = aWaitingHistory();
    const { sfn } = aStepFunctions(history, 'RUNNING', anException('TaskDoesNotExist', 'gone'));
    const send = sfn.send.bind(sfn);
    sfn.send = ((command: object) => {
      if (command.constructor.name === 'SendTaskSuccessCommand') history.push(rejected);
      return send(command as never);
    }) as typeof sfn.send;
    // Act
    const answering = answerApprovalToken(sfn, 'ck-v8', executionArn, 'approve', { approver: 'alice' });
    // Assess
    await expect(answering).rejects.toThrow(
      /^ck-v8 is not waiting for an approval: it was rejected by bob \(p99 up\)$/,
    );
  });

  it('answers a pending approval with SendTaskSuccess', async () => {
    // Prepare
    const { sfn, sent } = aStepFunctions(aWaitingHistory(), 'RUNNING');
    // Act
    await answerApprovalToken(sfn, 'ck-v8', executionArn, 'approve', { approver: 'alice' });
    // Assess
    expect(sent).toEqual(['GetExecutionHistoryCommand', 'SendTaskSuccessCommand']);
  });
});

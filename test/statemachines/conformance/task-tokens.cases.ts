import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { type ExecutionCase, fn, single } from './case.ts';

const TOKENS =
  'https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token';
const STOP = 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html';
const ERRORS = 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html';
/** AWS-recorded histories of missed heartbeats (LocalStack's snapshot tests, recorded against AWS on 2024-04-18). */
const RECORDED_HEARTBEATS =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/timeouts/test_heartbeats.snapshot.json';

/** A `.waitForTaskToken` task that hands its token to the case under `key`. */
function waitForToken(key: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
    Parameters: { FunctionName: fn('capture-token'), Payload: { key, 'token.$': '$$.Task.Token' } },
    ...extra,
  };
}

/** Callback tasks: SendTaskSuccess, SendTaskFailure, heartbeats, timeouts, StopExecution. */
export const taskTokenCases: ExecutionCase[] = [
  {
    name: 'SendTaskSuccess output becomes the task result',
    source: TOKENS,
    definition: single(waitForToken('token-success')),
    input: { order: 1 },
    drive: async ({ client, taskToken }) => {
      const token = await taskToken('token-success');
      await client.send(
        new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: true }) }),
      );
    },
    expect: { status: 'SUCCEEDED', output: { approved: true } },
    history: [
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ],
  },
  {
    name: 'SendTaskSuccess output goes through ResultPath',
    source: TOKENS,
    definition: single(waitForToken('token-resultpath', { ResultPath: '$.approval' })),
    input: { order: 2 },
    drive: async ({ client, taskToken }) => {
      const token = await taskToken('token-resultpath');
      await client.send(new SendTaskSuccessCommand({ taskToken: token, output: '"yes"' }));
    },
    expect: { status: 'SUCCEEDED', output: { order: 2, approval: 'yes' } },
  },
  {
    name: 'SendTaskFailure fails the task with its error and cause',
    source: TOKENS,
    definition: single(waitForToken('token-failure')),
    drive: async ({ client, taskToken }) => {
      const token = await taskToken('token-failure');
      await client.send(
        new SendTaskFailureCommand({ taskToken: token, error: 'Rejected', cause: 'by a person' }),
      );
    },
    expect: { status: 'FAILED', error: 'Rejected', cause: 'by a person' },
  },
  {
    name: 'SendTaskFailure without error or cause fails the task with neither',
    source: 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html',
    definition: single(waitForToken('token-failure-bare')),
    drive: async ({ client, taskToken }) => {
      const token = await taskToken('token-failure-bare');
      await client.send(new SendTaskFailureCommand({ taskToken: token }));
    },
    expect: { status: 'FAILED', error: null, cause: null },
  },
  {
    name: 'SendTaskFailure is caught by the task Catch',
    source: TOKENS,
    definition: {
      StartAt: 'T',
      States: {
        T: waitForToken('token-catch', {
          Catch: [{ ErrorEquals: ['Rejected'], Next: 'Handled' }],
          End: true,
        }),
        Handled: { Type: 'Pass', End: true },
      },
    },
    drive: async ({ client, taskToken }) => {
      const token = await taskToken('token-catch');
      await client.send(new SendTaskFailureCommand({ taskToken: token, error: 'Rejected', cause: 'no' }));
    },
    expect: { status: 'SUCCEEDED', output: { Error: 'Rejected', Cause: 'no' } },
  },
  {
    name: 'SendTaskHeartbeat is accepted for an open task, then SendTaskSuccess completes it',
    source: TOKENS,
    definition: single(waitForToken('token-heartbeat')),
    drive: async ({ client, taskToken }) => {
      const token = await taskToken('token-heartbeat');
      await client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
      await client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"alive":true}' }));
    },
    expect: { status: 'SUCCEEDED', output: { alive: true } },
  },
  {
    name: 'A missed heartbeat fails with States.Timeout and no cause, as AWS records it',
    source: RECORDED_HEARTBEATS,
    definition: single(waitForToken('token-heartbeat-missed', { HeartbeatSeconds: 60 })),
    expect: { status: 'FAILED', error: 'States.Timeout', cause: null },
    checkHistory: (events) => {
      const timedOut = events.find((event) => event.type === 'TaskTimedOut');
      const failed = events.at(-1);
      if (
        JSON.stringify(timedOut?.taskTimedOutEventDetails) !==
          JSON.stringify({
            resourceType: 'lambda',
            resource: 'invoke.waitForTaskToken',
            error: 'States.Timeout',
          }) ||
        JSON.stringify(failed?.executionFailedEventDetails) !== JSON.stringify({ error: 'States.Timeout' })
      ) {
        throw new Error(`unexpected ${JSON.stringify([timedOut, failed])}`);
      }
    },
  },
  {
    name: 'Catch States.HeartbeatTimeout catches a missed heartbeat, recorded as States.Timeout',
    source: ERRORS,
    definition: {
      StartAt: 'T',
      States: {
        T: waitForToken('token-heartbeat-named', {
          HeartbeatSeconds: 1,
          Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], Next: 'Late' }],
          End: true,
        }),
        Late: { Type: 'Pass', End: true },
      },
    },
    expect: { status: 'SUCCEEDED', output: { Error: 'States.Timeout' } },
  },
  {
    name: 'Catch States.Timeout catches a missed heartbeat, recorded as States.Timeout',
    source: ERRORS,
    definition: {
      StartAt: 'T',
      States: {
        T: waitForToken('token-heartbeat-catch', {
          HeartbeatSeconds: 1,
          Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Late' }],
          End: true,
        }),
        Late: { Type: 'Pass', InputPath: '$.Error', End: true },
      },
    },
    expect: { status: 'SUCCEEDED', output: 'States.Timeout' },
    historyCounts: { TaskTimedOut: 1 },
  },
  {
    name: 'Retry States.Timeout reruns a task that missed its heartbeat',
    source: ERRORS,
    definition: single(
      waitForToken('token-heartbeat-retry', {
        HeartbeatSeconds: 1,
        Retry: [{ ErrorEquals: ['States.Timeout'], MaxAttempts: 2 }],
      }),
    ),
    expect: { status: 'FAILED', error: 'States.Timeout' },
    historyCounts: { TaskScheduled: 3, TaskTimedOut: 3 },
  },
  {
    name: 'A callback task with TimeoutSeconds fails with States.Timeout',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html',
    definition: single(waitForToken('token-timeout', { TimeoutSeconds: 60 })),
    expect: { status: 'FAILED', error: 'States.Timeout', cause: null },
    historyCounts: { TaskTimedOut: 1 },
  },
  {
    name: 'StopExecution aborts a waiting execution with its error and cause',
    source: STOP,
    definition: single(waitForToken('token-stop')),
    drive: async ({ client, taskToken, executionArn }) => {
      await taskToken('token-stop');
      await client.send(
        new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stopped by hand' }),
      );
    },
    expect: { status: 'ABORTED', error: 'Operator', cause: 'stopped by hand' },
    historyCounts: { ExecutionAborted: 1, ExecutionStarted: 1 },
  },
];

import {
  CreateActivityCommand,
  DeleteActivityCommand,
  DescribeActivityCommand,
  GetActivityTaskCommand,
  type GetActivityTaskCommandOutput,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { expect } from 'vitest';
import type { ApiErrorCase } from './api.cases.ts';
import { type ExecutionCase, single } from './case.ts';

/** AWS-recorded histories of activity tasks (LocalStack's snapshot tests, recorded against AWS in March 2024). */
const RECORDED =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/activities/test_activities.snapshot.json';
const ACTIVITIES = 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-activities.html';
const GET_ACTIVITY_TASK =
  'https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetActivityTask.html';

/** The ARN of the activity `name` in the conformance runtime's region and account. */
export function activityArn(name: string): string {
  return `arn:aws:states:us-east-1:000000000000:activity:${name}`;
}

/** A Task state of the activity `name`. */
function activityTask(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { Type: 'Task', Resource: activityArn(name), ...extra };
}

/** Polls the activity `name` as the worker `workerName` (none: unnamed) until it gets a task. */
async function takeTask(client: SFNClient, name: string, workerName?: string) {
  let task: GetActivityTaskCommandOutput;
  do task = await client.send(new GetActivityTaskCommand({ activityArn: activityArn(name), workerName }));
  while (!task.taskToken);
  return { taskToken: task.taskToken, input: JSON.parse(task.input!) as unknown };
}

/** The history of an execution of one activity Task that a worker answered with success. */
export const ACTIVITY_SUCCEEDED_HISTORY = [
  'ExecutionStarted',
  'TaskStateEntered',
  'ActivityScheduled',
  'ActivityStarted',
  'ActivitySucceeded',
  'TaskStateExited',
  'ExecutionSucceeded',
];

/** Activity tasks: a worker takes them with GetActivityTask and answers with SendTask*. */
export const activityCases: ExecutionCase[] = [
  {
    name: 'A worker takes the task with its input and its SendTaskSuccess output is the result',
    source: RECORDED,
    activities: ['act-success'],
    definition: single(activityTask('act-success')),
    input: { Value1: 'Hello', Value2: 'World' },
    drive: async ({ client }) => {
      const { taskToken, input } = await takeTask(client, 'act-success', 'BASE_ID_ACTIVITY_CONSUMER');
      await client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(input) }));
    },
    expect: { status: 'SUCCEEDED', output: { Value1: 'Hello', Value2: 'World' } },
    history: ACTIVITY_SUCCEEDED_HISTORY,
    checkHistory: (events) => {
      const details = events
        .slice(2, 5)
        .map((event) => [
          event.activityScheduledEventDetails,
          event.activityStartedEventDetails,
          event.activitySucceededEventDetails,
        ]);
      expect(details).toEqual([
        [
          {
            resource: activityArn('act-success'),
            input: '{"Value1":"Hello","Value2":"World"}',
            inputDetails: { truncated: false },
          },
          undefined,
          undefined,
        ],
        [undefined, { workerName: 'BASE_ID_ACTIVITY_CONSUMER' }, undefined],
        [
          undefined,
          undefined,
          { output: '{"Value1":"Hello","Value2":"World"}', outputDetails: { truncated: false } },
        ],
      ]);
    },
  },
  {
    name: 'A worker without a name is recorded with empty ActivityStarted details',
    source: RECORDED,
    activities: ['act-unnamed'],
    definition: single(activityTask('act-unnamed')),
    drive: async ({ client }) => {
      const { taskToken } = await takeTask(client, 'act-unnamed');
      await client.send(new SendTaskSuccessCommand({ taskToken, output: '"done"' }));
    },
    expect: { status: 'SUCCEEDED', output: 'done' },
    history: ACTIVITY_SUCCEEDED_HISTORY,
    checkHistory: (events) => expect(events[3]?.activityStartedEventDetails).toEqual({}),
  },
  {
    name: 'The worker gets the effective input: InputPath, then Parameters',
    source: ACTIVITIES,
    activities: ['act-parameters'],
    definition: single(
      activityTask('act-parameters', {
        InputPath: '$.order',
        Parameters: { 'id.$': '$.id', kind: 'approval' },
        ResultPath: '$.approval',
      }),
    ),
    input: { order: { id: 7, lines: 3 } },
    drive: async ({ client }) => {
      const { taskToken, input } = await takeTask(client, 'act-parameters');
      expect(input).toEqual({ id: 7, kind: 'approval' });
      await client.send(new SendTaskSuccessCommand({ taskToken, output: '{"by":"ops"}' }));
    },
    expect: { status: 'SUCCEEDED', output: { order: { id: 7, lines: 3 }, approval: { by: 'ops' } } },
  },
  {
    name: 'SendTaskFailure fails the task: ActivityFailed, then ExecutionFailed with its error and cause',
    source: RECORDED,
    activities: ['act-failure'],
    definition: single(activityTask('act-failure')),
    drive: async ({ client }) => {
      const { taskToken } = await takeTask(client, 'act-failure', 'BASE_ID_ACTIVITY_CONSUMER');
      await client.send(
        new SendTaskFailureCommand({ taskToken, error: 'Programmatic Error', cause: '{"Value1":"Hello"}' }),
      );
    },
    expect: { status: 'FAILED', error: 'Programmatic Error', cause: '{"Value1":"Hello"}' },
    history: [
      'ExecutionStarted',
      'TaskStateEntered',
      'ActivityScheduled',
      'ActivityStarted',
      'ActivityFailed',
      'ExecutionFailed',
    ],
    checkHistory: (events) =>
      expect(events[4]?.activityFailedEventDetails).toEqual({
        error: 'Programmatic Error',
        cause: '{"Value1":"Hello"}',
      }),
  },
  {
    name: 'A Retry schedules the activity task again, and the next worker answers it',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html',
    activities: ['act-retry'],
    definition: single(
      activityTask('act-retry', { Retry: [{ ErrorEquals: ['Busy'], IntervalSeconds: 1, MaxAttempts: 1 }] }),
    ),
    drive: async ({ client }) => {
      const first = await takeTask(client, 'act-retry', 'first');
      await client.send(new SendTaskFailureCommand({ taskToken: first.taskToken, error: 'Busy' }));
      const second = await takeTask(client, 'act-retry', 'second');
      expect(second.taskToken).not.toBe(first.taskToken);
      await client.send(new SendTaskSuccessCommand({ taskToken: second.taskToken, output: '2' }));
    },
    expect: { status: 'SUCCEEDED', output: 2 },
    historyCounts: { ActivityScheduled: 2, ActivityStarted: 2, ActivityFailed: 1, ActivitySucceeded: 1 },
  },
  {
    name: 'A worker that misses its heartbeat fails the task with States.Timeout (ActivityTimedOut), as AWS records it',
    source: RECORDED,
    activities: ['act-heartbeat'],
    definition: single(activityTask('act-heartbeat', { HeartbeatSeconds: 10 })),
    drive: async ({ client }) => {
      await takeTask(client, 'act-heartbeat');
    },
    expect: { status: 'FAILED', error: 'States.Timeout', cause: null },
    history: [
      'ExecutionStarted',
      'TaskStateEntered',
      'ActivityScheduled',
      'ActivityStarted',
      'ActivityTimedOut',
      'ExecutionFailed',
    ],
    checkHistory: (events) => {
      expect(events[2]?.activityScheduledEventDetails).toMatchObject({ heartbeatInSeconds: 10 });
      expect(events[4]?.activityTimedOutEventDetails).toEqual({ error: 'States.Timeout' });
    },
  },
  {
    name: 'TimeoutSeconds runs from the schedule: a task no worker takes times out',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html',
    activities: ['act-timeout'],
    definition: single(activityTask('act-timeout', { TimeoutSeconds: 5 })),
    expect: { status: 'FAILED', error: 'States.Timeout', cause: null },
    history: [
      'ExecutionStarted',
      'TaskStateEntered',
      'ActivityScheduled',
      'ActivityTimedOut',
      'ExecutionFailed',
    ],
  },
  {
    name: 'An activity that does not exist fails the execution with States.Runtime before anything is scheduled',
    source: RECORDED,
    activities: ['act-deleted'],
    setup: (client) => client.send(new DeleteActivityCommand({ activityArn: activityArn('act-deleted') })),
    definition: {
      StartAt: 'ActivityTask',
      States: {
        ActivityTask: activityTask('act-deleted', {
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        }),
        Caught: { Type: 'Succeed' },
      },
    },
    expect: {
      status: 'FAILED',
      error: 'States.Runtime',
      cause: `An error occurred while executing the state 'ActivityTask' (entered at the event id #2). The activity ${activityArn('act-deleted')} does not exist.`,
    },
    history: ['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed'],
  },
  {
    name: 'StopExecution aborts a task no worker took',
    source: 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html',
    activities: ['act-stop'],
    definition: single(activityTask('act-stop')),
    drive: async ({ client, executionArn }) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await client.send(new StopExecutionCommand({ executionArn, error: 'Operator' }));
    },
    expect: { status: 'ABORTED', error: 'Operator' },
    historyCounts: { ActivityScheduled: 1, ActivityStarted: 0, ExecutionAborted: 1 },
  },
];

/** The activity operations' refusals. */
export const activityApiCases: ApiErrorCase[] = [
  {
    name: 'DescribeActivity of an activity that does not exist',
    source: 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeActivity.html',
    act: ({ client }) =>
      client.send(new DescribeActivityCommand({ activityArn: activityArn('never-created') })),
    error: 'ActivityDoesNotExist',
    message: `Activity Does Not Exist: '${activityArn('never-created')}'`,
  },
  {
    name: 'GetActivityTask of an activity that does not exist',
    source: GET_ACTIVITY_TASK,
    act: ({ client }) =>
      client.send(new GetActivityTaskCommand({ activityArn: activityArn('never-created') })),
    error: 'ActivityDoesNotExist',
  },
  {
    name: 'GetActivityTask of a state machine ARN',
    source: GET_ACTIVITY_TASK,
    act: ({ client }) =>
      client.send(
        new GetActivityTaskCommand({ activityArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:m' }),
      ),
    error: 'InvalidArn',
  },
  {
    name: 'CreateActivity with a name holding a space',
    source: 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateActivity.html',
    act: ({ client }) => client.send(new CreateActivityCommand({ name: 'two words' })),
    error: 'InvalidName',
  },
  {
    name: 'DeleteActivity of a malformed ARN',
    source: 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_DeleteActivity.html',
    act: ({ client }) => client.send(new DeleteActivityCommand({ activityArn: 'approve' })),
    error: 'InvalidArn',
  },
];

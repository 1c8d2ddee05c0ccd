import { expect } from 'vitest';
import { childArn, type ExecutionCase, expectServiceAnswer, fn, single, taskRunHistory } from './case.ts';

const NESTED = 'https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html';
/** AWS-recorded nested executions (LocalStack's snapshot tests, recorded against AWS). */
const RECORDED_CALLBACKS =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/callback/test_callback.snapshot.json';
const RECORDED_SFN_SERVICE =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/services/test_sfn_task_service.snapshot.json';
/** AWS-recorded `.sync` results of December 2024, with the child's redrive fields (test_cross_account_states_start_sync_execution). */
const RECORDED_CREDENTIALS =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/credentials/test_credentials_base.snapshot.json';
const RECORDED_SFN_ERRORS =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/error_handling/test_task_service_sfn.snapshot.json';

/** The cause AWS records for a start refused because the state machine does not exist (the request id is random). */
const NO_SUCH_MACHINE_CAUSE =
  /^State Machine Does Not Exist: 'arn:aws:states:us-east-1:000000000000:stateMachine:NoSuchMachine' \(Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist; Request ID: [0-9a-f-]{36}; Proxy: null\)$/;

const doubler = single({ Type: 'Pass', Parameters: { 'doubled.$': 'States.MathAdd($.n, $.n)' } });
const failing = single({ Type: 'Fail', Error: 'ChildFailed', Cause: 'the child said no' });

function check(condition: boolean, output: unknown): void {
  if (!condition) throw new Error(`unexpected output ${JSON.stringify(output)}`);
}

/** Executions started by executions (`arn:aws:states:::states:startExecution[.sync[:2]]`). */
export const nestedCases: ExecutionCase[] = [
  {
    name: 'startExecution.sync:2 returns the child output as JSON',
    source: NESTED,
    children: { Doubler: doubler },
    definition: single({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: { StateMachineArn: childArn('Doubler'), Input: { n: 21 } },
      ResultSelector: { 'Output.$': '$.Output', 'Status.$': '$.Status' },
    }),
    expect: { status: 'SUCCEEDED', output: { Output: { doubled: 42 }, Status: 'SUCCEEDED' } },
  },
  {
    name: 'startExecution.sync:2 with Input null starts the child with {}, as AWS records it',
    source: RECORDED_CALLBACKS,
    children: { Echo: single({ Type: 'Pass' }) },
    definition: single({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: { StateMachineArn: childArn('Echo'), 'Input.$': '$.Input' },
      ResultSelector: { 'Input.$': '$.Input', 'Output.$': '$.Output' },
    }),
    input: { Input: null },
    expect: { status: 'SUCCEEDED', output: { Input: {}, Output: {} } },
  },
  {
    name: 'startExecution.sync returns the child output as a JSON string',
    source: NESTED,
    children: { Doubler: doubler },
    definition: single({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync',
      Parameters: { StateMachineArn: childArn('Doubler'), Input: { n: 2 } },
      ResultSelector: { 'Output.$': '$.Output' },
    }),
    expect: { status: 'SUCCEEDED', output: { Output: '{"doubled":4}' } },
  },
  {
    name: "startExecution returns the child execution ARN and start date at once, with the API call's headers",
    source: `${NESTED}; ${RECORDED_SFN_SERVICE} test_start_execution_input_json`,
    children: { Doubler: doubler },
    definition: single({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution',
      Parameters: { StateMachineArn: childArn('Doubler'), Input: { n: 1 }, Name: 'TestStartTarget' },
    }),
    expect: {
      status: 'SUCCEEDED',
      check: (output) => {
        const { ExecutionArn, StartDate } = output as { ExecutionArn: string; StartDate: number };
        expect(ExecutionArn).toMatch(
          /^arn:aws:states:us-east-1:000000000000:execution:Doubler-c\d+:TestStartTarget$/,
        );
        expect(Math.abs(StartDate - Date.now())).toBeLessThan(60_000);
        // The answer of StartExecution: AWS JSON 1.0, its date in epoch seconds.
        const answer = JSON.stringify({ executionArn: ExecutionArn, startDate: StartDate / 1000 });
        expectServiceAnswer(output, {
          keys: ['ExecutionArn', 'SdkHttpMetadata', 'SdkResponseMetadata', 'StartDate'],
          contentType: 'application/x-amz-json-1.0',
          contentLength: String(answer.length),
        });
      },
    },
  },
  {
    name: "startExecution.sync records TaskSubmitted with the StartExecution call's answer, and its result the child's redrive status",
    source: `${RECORDED_CREDENTIALS} (events 5 and 6)`,
    children: { Doubler: doubler },
    definition: single({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: { StateMachineArn: childArn('Doubler'), Input: { n: 1 } },
      ResultSelector: { 'Output.$': '$.Output' },
    }),
    expect: { status: 'SUCCEEDED', output: { Output: { doubled: 2 } } },
    checkHistory: (events) => {
      const succeeded = events.find((event) => event.type === 'TaskSucceeded')?.taskSucceededEventDetails;
      expect(JSON.parse(succeeded?.output ?? '{}')).toMatchObject({
        RedriveCount: 0,
        RedriveStatus: 'NOT_REDRIVABLE',
        RedriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
      });
      const submitted = events.find((event) => event.type === 'TaskSubmitted')?.taskSubmittedEventDetails;
      const output = JSON.parse(submitted?.output ?? '{}') as { ExecutionArn: string; StartDate: number };
      const answer = JSON.stringify({
        executionArn: output.ExecutionArn,
        startDate: output.StartDate / 1000,
      });
      expectServiceAnswer(output, {
        keys: ['ExecutionArn', 'SdkHttpMetadata', 'SdkResponseMetadata', 'StartDate'],
        contentType: 'application/x-amz-json-1.0',
        contentLength: String(answer.length),
      });
    },
  },
  {
    name: "A task's Credentials (an intrinsic) are recorded in TaskScheduled as taskCredentials",
    source: `${RECORDED_CREDENTIALS} ([SFN_START_EXECUTION_SYNC_ROLE_ARN_INTRINSIC], event 3)`,
    children: { Doubler: doubler },
    definition: single({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync',
      Parameters: { StateMachineArn: childArn('Doubler'), 'Input.$': '$.Input' },
      Credentials: { 'RoleArn.$': "States.Format('{}', $.CredentialsRoleArn)" },
      ResultSelector: { 'Status.$': '$.Status' },
    }),
    input: { Input: { n: 1 }, CredentialsRoleArn: 'arn:aws:iam::111111111111:role/trusted' },
    expect: { status: 'SUCCEEDED', output: { Status: 'SUCCEEDED' } },
    checkHistory: (events) => {
      const scheduled = events.find((event) => event.type === 'TaskScheduled')?.taskScheduledEventDetails;
      expect(scheduled?.taskCredentials).toEqual({ roleArn: 'arn:aws:iam::111111111111:role/trusted' });
    },
  },
  {
    name: "A JSONata Lambda function task's Credentials are recorded in LambdaFunctionScheduled",
    source: `${RECORDED_CREDENTIALS} (test_cross_account_lambda_task, templates/credentials/lambda_task.json5)`,
    definition: {
      QueryLanguage: 'JSONata',
      StartAt: 'LambdaTask',
      States: {
        LambdaTask: {
          Type: 'Task',
          Resource: fn('echo'),
          Credentials: { RoleArn: '{% $states.input.CredentialsRoleArn %}' },
          End: true,
        },
      },
    },
    input: { CredentialsRoleArn: 'arn:aws:iam::111111111111:role/trusted' },
    expect: { status: 'SUCCEEDED', output: { CredentialsRoleArn: 'arn:aws:iam::111111111111:role/trusted' } },
    checkHistory: (events) => {
      const scheduled = events.find((event) => event.type === 'LambdaFunctionScheduled');
      expect(scheduled?.lambdaFunctionScheduledEventDetails?.taskCredentials).toEqual({
        roleArn: 'arn:aws:iam::111111111111:role/trusted',
      });
    },
  },
  {
    name: 'A failed child fails a startExecution.sync:2 task with States.TaskFailed',
    source: NESTED,
    children: { Failing: failing },
    definition: single({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: { StateMachineArn: childArn('Failing'), Input: {} },
    }),
    expect: { status: 'FAILED', error: 'States.TaskFailed', cause: { includes: 'ChildFailed' } },
  },
  {
    name: 'A failed .sync child is described in the cause with its fields in the order AWS records them',
    source: RECORDED_CALLBACKS,
    children: { Failing: failing },
    definition: single({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync',
      Parameters: { StateMachineArn: childArn('Failing'), Input: {} },
    }),
    expect: { status: 'FAILED', error: 'States.TaskFailed' },
    checkHistory: (events) => {
      const cause = events.at(-1)?.executionFailedEventDetails?.cause ?? '{}';
      const keys = Object.keys(JSON.parse(cause) as object).join(',');
      // Since redrives (AWS output of late 2024): RedriveCount and RedriveStatus, no reason for a redrivable child.
      const recorded =
        'Cause,Error,ExecutionArn,Input,InputDetails,Name,RedriveCount,RedriveStatus,StartDate,StateMachineArn,Status,StopDate';
      if (keys !== recorded) throw new Error(`cause fields ${keys}, AWS records ${recorded}`);
    },
  },
  {
    name: 'A .sync child that timed out fails the task with States.TaskFailed, its description having no Cause',
    source: `${RECORDED_CALLBACKS} test_start_execution_sync_delegate_timeout`,
    children: {
      Waiting: single({ Type: 'Task', Resource: fn('hang'), TimeoutSeconds: 5 }),
    },
    definition: single({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync',
      Parameters: { StateMachineArn: childArn('Waiting'), Input: { Payload: null }, Name: 'TestStartTarget' },
    }),
    expect: { status: 'FAILED', error: 'States.TaskFailed', cause: { includes: '"Error":"States.Timeout"' } },
    checkHistory: (events) => {
      const failed = events.find((event) => event.type === 'TaskFailed')?.taskFailedEventDetails;
      const cause = JSON.parse(failed?.cause ?? '{}') as Record<string, unknown>;
      expect(Object.keys(cause)).toEqual([
        'Error',
        'ExecutionArn',
        'Input',
        'InputDetails',
        'Name',
        'RedriveCount',
        'RedriveStatus',
        'StartDate',
        'StateMachineArn',
        'Status',
        'StopDate',
      ]);
      expect(cause).toMatchObject({
        Error: 'States.Timeout',
        Input: '{"Payload":null}',
        Status: 'FAILED',
        RedriveCount: 0,
        RedriveStatus: 'REDRIVABLE',
      });
    },
  },
  {
    name: 'startExecution of a state machine that does not exist fails with the API error and call, as AWS records it',
    source: `${RECORDED_SFN_ERRORS} test_start_execution_no_such_arn`,
    definition: {
      StartAt: 'StartExecution',
      States: {
        StartExecution: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution',
          Parameters: { 'StateMachineArn.$': '$.StateMachineArn', 'Input.$': '$.Input', 'Name.$': '$.Name' },
          End: true,
        },
      },
    },
    input: {
      StateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:NoSuchMachine',
      Input: null,
      Name: 'TestStartTarget',
    },
    expect: { status: 'FAILED', error: 'StepFunctions.StateMachineDoesNotExistException' },
    history: taskRunHistory('TaskFailed', 'ExecutionFailed'),
    checkHistory: (events) => {
      const failed = events.find((event) => event.type === 'TaskFailed')?.taskFailedEventDetails;
      expect(failed?.cause).toMatch(NO_SUCH_MACHINE_CAUSE);
      expect(failed).toEqual({
        resourceType: 'states',
        resource: 'startExecution',
        error: 'StepFunctions.StateMachineDoesNotExistException',
        cause: failed?.cause,
      });
      expect(events.at(-1)?.executionFailedEventDetails).toEqual({
        error: 'StepFunctions.StateMachineDoesNotExistException',
        cause: failed?.cause,
      });
    },
  },
  {
    name: 'The child gets AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID from the parent',
    source: NESTED,
    children: { Echo: single({ Type: 'Pass' }) },
    definition: single({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: {
        StateMachineArn: childArn('Echo'),
        Input: { 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
      },
      OutputPath: '$.Output',
    }),
    expect: {
      status: 'SUCCEEDED',
      check: (output, context) => {
        const value = output as { AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: string };
        check(value.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID === context.executionArn, output);
      },
    },
  },
];

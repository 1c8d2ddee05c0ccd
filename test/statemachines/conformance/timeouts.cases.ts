import { expect } from 'vitest';
import { type ExecutionCase, fn, single, taskRunHistory } from './case.ts';

const TASK = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html';
const ERRORS = 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html';
const MACHINE = 'https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html';
/** AWS-recorded task timeouts (LocalStack's snapshot tests, recorded against AWS): the error alone, no cause. */
const RECORDED_TIMEOUTS =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/timeouts/test_timeouts.snapshot.json';
/** The AWS-recorded `lambda:invoke` timeout caught by a `States.Timeout` catcher (recorded on 2024-03-10). */
const RECORDED_INVOKE_TIMEOUT =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/error_handling/test_task_service_lambda.snapshot.json';

const hang = { Type: 'Task', Resource: fn('hang') };

/** A `lambda:invoke` Task whose function and payload are the input's `FunctionName` and `Payload`. */
const invokeFromInput = {
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { 'FunctionName.$': '$.FunctionName', 'Payload.$': '$.Payload' },
};

/** Task and execution timeouts (waits scaled to zero: a task that never ends times out at once). */
export const timeoutCases: ExecutionCase[] = [
  {
    name: 'Task TimeoutSeconds fails with States.Timeout and no cause, as AWS records it',
    source: RECORDED_TIMEOUTS,
    definition: single({ ...hang, TimeoutSeconds: 5 }),
    expect: { status: 'FAILED', error: 'States.Timeout', cause: null },
    historyCounts: { LambdaFunctionTimedOut: 1 },
    checkHistory: (events) => {
      const timedOut = events.find((event) => event.type === 'LambdaFunctionTimedOut');
      expect(timedOut?.lambdaFunctionTimedOutEventDetails).toStrictEqual({ error: 'States.Timeout' });
      expect(events.at(-1)?.executionFailedEventDetails).toStrictEqual({ error: 'States.Timeout' });
    },
  },
  {
    name: 'Task TimeoutSecondsPath reads the timeout from the input',
    source: TASK,
    definition: single({ ...hang, TimeoutSecondsPath: '$.timeout' }),
    input: { timeout: 3 },
    expect: { status: 'FAILED', error: 'States.Timeout' },
  },
  {
    name: 'lambda:invoke TimeoutSecondsPath: TaskScheduled records the timeout read from the input',
    source: `${RECORDED_TIMEOUTS} test_fixed_timeout_service_lambda_with_path`,
    definition: single({ ...invokeFromInput, TimeoutSecondsPath: '$.TimeoutSecondsValue' }),
    input: { TimeoutSecondsValue: 5, FunctionName: fn('hang'), Payload: null },
    expect: { status: 'FAILED', error: 'States.Timeout', cause: null },
    history: taskRunHistory('TaskTimedOut', 'ExecutionFailed'),
    checkHistory: (events) => {
      const scheduled = events.find((event) => event.type === 'TaskScheduled');
      expect(scheduled?.taskScheduledEventDetails?.timeoutInSeconds).toBe(5);
      const timedOut = events.find((event) => event.type === 'TaskTimedOut');
      expect(timedOut?.taskTimedOutEventDetails).toStrictEqual({
        resourceType: 'lambda',
        resource: 'invoke',
        error: 'States.Timeout',
      });
    },
  },
  {
    name: 'A caught task timeout passes on an empty Cause, though the history records none',
    source: `${RECORDED_INVOKE_TIMEOUT} test_invoke_timeout`,
    definition: {
      StartAt: 'Start',
      States: {
        Start: {
          ...invokeFromInput,
          TimeoutSeconds: 1,
          Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'EndWithHandler' }],
          Next: 'EndWithFinal',
        },
        EndWithHandler: { Type: 'Pass', ResultPath: '$.error', End: true },
        EndWithFinal: { Type: 'Pass', ResultPath: '$.final', End: true },
      },
    },
    input: { FunctionName: fn('hang'), Payload: null },
    expect: {
      status: 'SUCCEEDED',
      output: {
        Error: 'States.Timeout',
        Cause: '',
        error: { Error: 'States.Timeout', Cause: '' },
      },
    },
    history: taskRunHistory(
      'TaskTimedOut',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ),
    checkHistory: (events) => {
      const timedOut = events.find((event) => event.type === 'TaskTimedOut');
      expect(timedOut?.taskTimedOutEventDetails).toStrictEqual({
        resourceType: 'lambda',
        resource: 'invoke',
        error: 'States.Timeout',
      });
    },
  },
  {
    name: 'Catch States.Timeout',
    source: ERRORS,
    definition: {
      StartAt: 'T',
      States: {
        T: {
          ...hang,
          TimeoutSeconds: 5,
          Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Late' }],
          End: true,
        },
        Late: { Type: 'Pass', InputPath: '$.Error', End: true },
      },
    },
    expect: { status: 'SUCCEEDED', output: 'States.Timeout' },
  },
  {
    name: 'States.TaskFailed does not match States.Timeout',
    source: ERRORS,
    definition: {
      StartAt: 'T',
      States: {
        T: {
          ...hang,
          TimeoutSeconds: 5,
          Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      },
    },
    expect: { status: 'FAILED', error: 'States.Timeout' },
  },
  {
    name: 'Retry States.Timeout reruns the task',
    source: ERRORS,
    definition: single({
      ...hang,
      TimeoutSeconds: 5,
      Retry: [{ ErrorEquals: ['States.Timeout'], MaxAttempts: 2 }],
    }),
    expect: { status: 'FAILED', error: 'States.Timeout' },
    historyCounts: { LambdaFunctionScheduled: 3, LambdaFunctionTimedOut: 3 },
  },
  {
    name: 'Execution TimeoutSeconds ends the execution TIMED_OUT',
    source: `${MACHINE}; the shape AWS Step Functions (us-east-1) records for it, floci-io/floci#2733`,
    definition: { TimeoutSeconds: 10, StartAt: 'T', States: { T: { ...hang, End: true } } },
    expect: { status: 'TIMED_OUT', error: null, cause: null },
    historyCounts: { ExecutionTimedOut: 1 },
    checkHistory: (events) => {
      // As AWS records it: the error alone, no cause, and the event linked to no predecessor.
      const last = events.at(-1)!;
      expect(last.type).toBe('ExecutionTimedOut');
      expect(last.previousEventId).toBe(0);
      expect(last.executionTimedOutEventDetails).toStrictEqual({ error: 'States.Timeout' });
    },
  },
];

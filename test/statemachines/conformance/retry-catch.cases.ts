import { type ExecutionCase, fn, invoke, taskRunHistory } from './case.ts';

const ERRORS = 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html';
/**
 * AWS-recorded histories (LocalStack's snapshot tests, recorded against AWS on 2024-03-21): a task result over
 * 256 KiB is a `States.DataLimitExceeded` that `States.ALL` catches, though the error-handling page calls it
 * terminal.
 */
const RECORDED_DATA_LIMIT =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/error_handling/test_states_errors.snapshot.json';
/** AWS-recorded `lambda:invoke` failures (LocalStack's snapshot tests, recorded against AWS on 2023-06-22). */
const RECORDED_SERVICE_LAMBDA =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/error_handling/test_task_service_lambda.snapshot.json';
/**
 * The recorded `lambda:invoke` machine with catchers for `Lambda.Unknown`, `States.TaskFailed` and
 * `States.ALL`, each handler keeping the error output under its own key.
 */
const CATCH_RELEVANT = {
  StartAt: 'Start',
  States: {
    Start: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { 'FunctionName.$': '$.FunctionName', 'Payload.$': '$.Payload' },
      Catch: [
        { ErrorEquals: ['Lambda.Unknown'], Next: 'EndWithLambdaUnknownHandler' },
        { ErrorEquals: ['States.TaskFailed'], Next: 'EndWithStateTaskFailedHandler' },
        { ErrorEquals: ['States.ALL'], Next: 'EndWithAllHandler' },
      ],
      Next: 'EndWithFinal',
    },
    EndWithLambdaUnknownHandler: { Type: 'Pass', ResultPath: '$.lambda_unknown', End: true },
    EndWithStateTaskFailedHandler: { Type: 'Pass', ResultPath: '$.task_failed_error', End: true },
    EndWithAllHandler: { Type: 'Pass', ResultPath: '$.all_error', End: true },
    EndWithFinal: { Type: 'Pass', ResultPath: '$.final', End: true },
  },
};

/** Throws unless `output` is the recorded `{ Error, Cause, task_failed_error: { Error, Cause } }`. */
function checkTaskFailedHandler(output: unknown, error: string, cause: RegExp): void {
  const value = output as { Error: string; Cause: string; task_failed_error: unknown };
  check(
    Object.keys(value).join() === 'Error,Cause,task_failed_error' &&
      value.Error === error &&
      cause.test(value.Cause) &&
      JSON.stringify(value.task_failed_error) === JSON.stringify({ Error: value.Error, Cause: value.Cause }),
    output,
  );
}

/** The cause AWS records for a value over 256 KiB, naming what returned it. */
const dataLimitCause = (returnedBy: string) =>
  `The state/task '${returnedBy}' returned a result with a size exceeding the maximum number of bytes service limit.`;

function flaky(key: string, failures: number, error = 'TransientError'): Record<string, unknown> {
  return { Type: 'Task', Resource: fn('flaky'), Parameters: { key, failures, error } };
}

function withCatch(
  task: Record<string, unknown>,
  catchers: unknown[],
  handlers: Record<string, unknown>,
): object {
  return { StartAt: 'T', States: { T: { ...task, Catch: catchers, End: true }, ...handlers } };
}

function check(condition: boolean, output: unknown): void {
  if (!condition) throw new Error(`unexpected output ${JSON.stringify(output)}`);
}

/** Retry and Catch: matching, counting, backoff fields, error output, reserved names. */
export const retryCatchCases: ExecutionCase[] = [
  {
    name: 'Retry succeeds after two failures',
    source: ERRORS,
    definition: {
      StartAt: 'T',
      States: {
        T: {
          ...flaky('retry-two', 2),
          Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 }],
          End: true,
        },
      },
    },
    expect: { status: 'SUCCEEDED', output: { attempts: 3 } },
    historyCounts: { LambdaFunctionScheduled: 3, LambdaFunctionFailed: 2, LambdaFunctionSucceeded: 1 },
  },
  {
    name: 'Retry gives up after MaxAttempts and fails with the error',
    source: ERRORS,
    definition: {
      StartAt: 'T',
      States: {
        T: {
          ...flaky('retry-exhausted', 10),
          Retry: [{ ErrorEquals: ['TransientError'], MaxAttempts: 2 }],
          End: true,
        },
      },
    },
    expect: { status: 'FAILED', error: 'TransientError', cause: { includes: 'attempt 3 failed' } },
    historyCounts: { LambdaFunctionScheduled: 3, LambdaFunctionFailed: 3 },
  },
  {
    name: 'MaxAttempts 0 never retries',
    source: ERRORS,
    definition: {
      StartAt: 'T',
      States: {
        T: {
          ...flaky('retry-zero', 1),
          Retry: [{ ErrorEquals: ['TransientError'], MaxAttempts: 0 }],
          End: true,
        },
      },
    },
    expect: { status: 'FAILED', error: 'TransientError' },
    historyCounts: { LambdaFunctionScheduled: 1 },
  },
  {
    name: 'A retrier for another error does not retry',
    source: ERRORS,
    definition: {
      StartAt: 'T',
      States: {
        T: {
          ...flaky('retry-other', 1),
          Retry: [{ ErrorEquals: ['OtherError'], MaxAttempts: 3 }],
          End: true,
        },
      },
    },
    expect: { status: 'FAILED', error: 'TransientError' },
    historyCounts: { LambdaFunctionScheduled: 1 },
  },
  {
    name: 'States.ALL retries any error',
    source: ERRORS,
    definition: {
      StartAt: 'T',
      States: {
        T: { ...flaky('retry-all', 1, 'Whatever'), Retry: [{ ErrorEquals: ['States.ALL'] }], End: true },
      },
    },
    expect: { status: 'SUCCEEDED', output: { attempts: 2 } },
  },
  {
    name: 'States.TaskFailed retries a task error of any name',
    source: ERRORS,
    definition: {
      StartAt: 'T',
      States: {
        T: {
          ...flaky('retry-taskfailed', 1, 'Custom'),
          Retry: [{ ErrorEquals: ['States.TaskFailed'] }],
          End: true,
        },
      },
    },
    expect: { status: 'SUCCEEDED', output: { attempts: 2 } },
  },
  {
    name: 'Each retrier counts its own attempts',
    source: ERRORS,
    definition: {
      StartAt: 'T',
      States: {
        T: {
          ...flaky('retry-separate', 3),
          Retry: [
            { ErrorEquals: ['Unrelated'], MaxAttempts: 1 },
            {
              ErrorEquals: ['TransientError'],
              MaxAttempts: 3,
              IntervalSeconds: 1,
              MaxDelaySeconds: 5,
              JitterStrategy: 'FULL',
            },
          ],
          End: true,
        },
      },
    },
    expect: { status: 'SUCCEEDED', output: { attempts: 4 } },
  },
  {
    name: 'Catch sends the error output to the handler state',
    source: ERRORS,
    definition: withCatch(
      {
        Type: 'Task',
        Resource: fn('fail'),
        Parameters: { error: 'CustomError', cause: 'This is a custom error' },
      },
      [{ ErrorEquals: ['CustomError'], Next: 'Handler' }],
      { Handler: { Type: 'Pass', End: true } },
    ),
    input: { ignored: true },
    expect: {
      status: 'SUCCEEDED',
      check: (output) => {
        const { Error: error, Cause: cause } = output as { Error: string; Cause: string };
        check(error === 'CustomError' && cause.includes('This is a custom error'), output);
      },
    },
  },
  {
    name: 'Catch ResultPath adds the error to the input',
    source: ERRORS,
    definition: withCatch(
      { Type: 'Task', Resource: fn('fail'), Parameters: { error: 'CustomError' } },
      [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error-info', Next: 'Handler' }],
      { Handler: { Type: 'Pass', End: true } },
    ),
    input: { foo: 'bar' },
    expect: {
      status: 'SUCCEEDED',
      check: (output) => {
        const value = output as { foo: string; 'error-info': { Error: string } };
        check(value.foo === 'bar' && value['error-info'].Error === 'CustomError', output);
      },
    },
  },
  {
    name: 'Catch ResultPath null keeps the input',
    source: ERRORS,
    definition: withCatch(
      { Type: 'Task', Resource: fn('fail'), Parameters: {} },
      [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'Handler' }],
      { Handler: { Type: 'Pass', End: true } },
    ),
    input: { foo: 'bar' },
    expect: { status: 'SUCCEEDED', output: { foo: 'bar' } },
  },
  {
    name: 'The first matching catcher wins',
    source: ERRORS,
    definition: withCatch(
      { Type: 'Task', Resource: fn('fail'), Parameters: { error: 'B' } },
      [
        { ErrorEquals: ['A'], Next: 'CaughtA' },
        { ErrorEquals: ['B', 'C'], Next: 'CaughtB' },
        { ErrorEquals: ['States.ALL'], Next: 'CaughtAll' },
      ],
      {
        CaughtA: { Type: 'Pass', Result: 'A', End: true },
        CaughtB: { Type: 'Pass', Result: 'B', End: true },
        CaughtAll: { Type: 'Pass', Result: 'ALL', End: true },
      },
    ),
    expect: { status: 'SUCCEEDED', output: 'B' },
  },
  {
    name: 'Retry runs before Catch',
    source: ERRORS,
    definition: {
      StartAt: 'T',
      States: {
        T: {
          ...flaky('retry-then-catch', 5),
          Retry: [{ ErrorEquals: ['TransientError'], MaxAttempts: 1 }],
          Catch: [{ ErrorEquals: ['TransientError'], ResultPath: null, Next: 'Handler' }],
          End: true,
        },
        Handler: { Type: 'Pass', Result: 'caught', End: true },
      },
    },
    expect: { status: 'SUCCEEDED', output: 'caught' },
    historyCounts: { LambdaFunctionScheduled: 2, LambdaFunctionFailed: 2 },
  },
  {
    name: 'Catch on a lambda:invoke task',
    source: ERRORS,
    definition: withCatch(
      invoke('fail', { error: 'HandlerError', cause: 'from the handler' }),
      [{ ErrorEquals: ['HandlerError'], Next: 'Handler' }],
      { Handler: { Type: 'Pass', InputPath: '$.Error', End: true } },
    ),
    expect: { status: 'SUCCEEDED', output: 'HandlerError' },
    historyCounts: { TaskScheduled: 1, TaskStarted: 1, TaskFailed: 1 },
  },
  {
    name: "States.TaskFailed catches a lambda:invoke function error before States.ALL, with Lambda's error JSON",
    source: `${RECORDED_SERVICE_LAMBDA} test_raise_exception_catch`,
    definition: CATCH_RELEVANT,
    input: { FunctionName: fn('fail'), Payload: { error: 'Exception', cause: 'Some exception was raised.' } },
    expect: {
      status: 'SUCCEEDED',
      check: (output) =>
        checkTaskFailedHandler(
          output,
          'Exception',
          /^\{"errorMessage":"Some exception was raised\.","errorType":"Exception","requestId":"[0-9a-f-]{36}","stackTrace":\[.*\]\}$/,
        ),
    },
  },
  {
    name: 'States.TaskFailed catches Lambda.ResourceNotFoundException of lambda:invoke',
    source: `${RECORDED_SERVICE_LAMBDA} test_no_such_function_catch`,
    definition: CATCH_RELEVANT,
    input: { FunctionName: 'no_such_function', Payload: null },
    expect: {
      status: 'SUCCEEDED',
      check: (output) =>
        checkTaskFailedHandler(
          output,
          'Lambda.ResourceNotFoundException',
          /^Function not found: arn:aws:lambda:us-east-1:000000000000:function:no_such_function \(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: [0-9a-f-]{36}; Proxy: null\)$/,
        ),
    },
  },
  {
    name: 'Retry on a lambda:invoke task',
    source: ERRORS,
    definition: {
      StartAt: 'T',
      States: {
        T: {
          ...invoke('flaky', { key: 'invoke-retry', failures: 1, error: 'Lambda.TooManyRequestsException' }),
          Retry: [
            {
              ErrorEquals: ['Lambda.TooManyRequestsException'],
              IntervalSeconds: 2,
              MaxAttempts: 6,
              BackoffRate: 2,
            },
          ],
          End: true,
        },
      },
    },
    expect: { status: 'SUCCEEDED', output: { attempts: 2 } },
    historyCounts: { TaskScheduled: 2, TaskFailed: 1, TaskSucceeded: 1 },
  },
  {
    name: 'States.ALL does not catch States.Runtime',
    source: ERRORS,
    definition: {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: fn('echo'),
          Parameters: { 'x.$': '$.missing' },
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handler' }],
          End: true,
        },
        Handler: { Type: 'Pass', End: true },
      },
    },
    input: {},
    expect: { status: 'FAILED', error: 'States.Runtime' },
  },
  {
    name: 'States.ALL catches States.DataLimitExceeded from a lambda:invoke result over 256 KiB',
    source: RECORDED_DATA_LIMIT,
    definition: withCatch(
      {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: fn('big'), Payload: { size: 300_000 } },
      },
      [{ ErrorEquals: ['States.ALL'], Next: 'HandleGeneralError' }],
      { HandleGeneralError: { Type: 'Pass', End: true } },
    ),
    expect: {
      status: 'SUCCEEDED',
      output: { Error: 'States.DataLimitExceeded', Cause: dataLimitCause('lambda') },
    },
    history: taskRunHistory(
      'TaskFailed',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ),
  },
  {
    name: 'States.ALL catches States.DataLimitExceeded from a Lambda function result over 256 KiB, naming the function',
    source: RECORDED_DATA_LIMIT,
    definition: withCatch(
      { Type: 'Task', Resource: fn('big'), Parameters: { size: 300_000 } },
      [{ ErrorEquals: ['States.ALL'], Next: 'HandleGeneralError' }],
      { HandleGeneralError: { Type: 'Pass', End: true } },
    ),
    expect: {
      status: 'SUCCEEDED',
      output: { Error: 'States.DataLimitExceeded', Cause: dataLimitCause(fn('big')) },
    },
    historyCounts: { LambdaFunctionFailed: 1, ExecutionSucceeded: 1 },
  },
  {
    name: 'A Pass state whose output is over 256 KiB fails the execution, naming the state',
    source: RECORDED_DATA_LIMIT,
    definition: {
      StartAt: 'State_1',
      States: { State_1: { Type: 'Pass', Result: 'x'.repeat(300_000), End: true } },
    },
    input: {},
    expect: { status: 'FAILED', error: 'States.DataLimitExceeded', cause: dataLimitCause('State_1') },
    history: ['ExecutionStarted', 'PassStateEntered', 'ExecutionFailed'],
  },
  {
    name: 'Catch on a Fail state inside a Parallel branch sees the Fail error and cause',
    source: ERRORS,
    definition: {
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Nope', Cause: 'said no' } } }],
          Catch: [{ ErrorEquals: ['Nope'], Next: 'Handler' }],
          End: true,
        },
        Handler: { Type: 'Pass', End: true },
      },
    },
    expect: { status: 'SUCCEEDED', output: { Error: 'Nope', Cause: 'said no' } },
  },
];

import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { expect } from 'vitest';
import { chain, type ExecutionCase, fn, invoke, single, taskRunHistory } from './case.ts';

const FAIL = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html';
const ERRORS = 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html';
const LAMBDA = 'https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html';
const PUT_EVENTS_RECORDED =
  'localstack/localstack tests/aws/services/stepfunctions/v2/services/test_events_task_service.snapshot.json';
const FAILED_DETAILS =
  'https://docs.aws.amazon.com/step-functions/latest/apireference/API_ExecutionFailedEventDetails.html';
/** AWS-recorded Lambda failures (LocalStack's snapshot tests, recorded against AWS on 2023-06-22). */
const RECORDED_TASK_LAMBDA =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/error_handling/test_task_lambda.snapshot.json';
const RECORDED_SERVICE_LAMBDA =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/error_handling/test_task_service_lambda.snapshot.json';

/**
 * AWS-recorded runs of LocalStack's `test_invalid_jsonpath` and `test_escape_sequence_parsing` (recorded
 * against AWS in January and February 2025; the recorder replaces the JSON a cause quotes with a placeholder).
 */
const RECORDED_SCENARIOS =
  'https://github.com/localstack/localstack/blob/d56d77a070d21a4c5879c245ccac38fd59c0b1a1/tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json';

/** The cause AWS records for an unknown function: its ARN, then the Lambda call (the request id is random). */
const FUNCTION_NOT_FOUND_CAUSE =
  /^Function not found: arn:aws:lambda:us-east-1:000000000000:function:no_such_function \(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: [0-9a-f-]{36}; Proxy: null\)$/;

/** The keys of a Lambda function error's cause, in the order AWS records them. */
const LAMBDA_ERROR_CAUSE_KEYS = ['errorMessage', 'errorType', 'requestId', 'stackTrace'];

/** The details of the history's ExecutionFailed event. */
function executionFailedDetails(events: readonly HistoryEvent[]): unknown {
  return events.find((event) => event.type === 'ExecutionFailed')?.executionFailedEventDetails;
}

/** The recorded `events:putEvents` machine: its entries are the input's `Entries`. */
const PUT_EVENTS = {
  StartAt: 'PutEvents',
  States: {
    PutEvents: {
      Type: 'Task',
      Resource: 'arn:aws:states:::events:putEvents',
      Parameters: { 'Entries.$': '$.Entries' },
      End: true,
    },
  },
};

const MALFORMED_DETAIL_CAUSE =
  '{"Entries":[{"ErrorCode":"MalformedDetail","ErrorMessage":"Detail is malformed."}],"FailedEntryCount":1}';

/** The cause of a call whose first entry is accepted and second has no Source (EventId is random). */
const NO_SOURCE_CAUSE =
  /^\{"Entries":\[\{"EventId":"[0-9a-f-]{36}"\},\{"ErrorCode":"InvalidArgument","ErrorMessage":"Parameter Source is not valid\. Reason: Source is a required argument\."\}\],"FailedEntryCount":1\}$/;

/** Failures: Fail states, task errors, unknown functions. */
export const errorCases: ExecutionCase[] = [
  {
    name: 'States.Runtime names the state and its StateEntered event id',
    source:
      'AWS-recorded cause: "An error occurred while executing the state \'Check Address\' (entered at the event id #7). The JSONPath ..."',
    definition: single({ Type: 'Pass', Parameters: { 'address.$': '$.application.address' } }),
    input: { flagged: false },
    expect: {
      status: 'FAILED',
      error: 'States.Runtime',
      cause:
        "An error occurred while executing the state 'S' (entered at the event id #2). The JSONPath '$.application.address' specified for the field 'address.$' could not be found in the input '{\"flagged\":false}'",
    },
  },
  {
    name: "A payload field reading one index past an array's end is null; the same path in an intrinsic fails",
    source:
      'floci-io/floci AslExecutorUnresolvableJsonPathTest and AslExecutorIntrinsicMissingArgumentTest ("Both were run against real AWS in us-east-1")',
    definition: chain(
      { Type: 'Pass', Parameters: { 'idx.$': '$.items[5]', 'last.$': '$.items[-1]', 'items.$': '$.items' } },
      { Type: 'Pass', Parameters: { 'v.$': "States.Format('{}', $.items[5])" } },
    ),
    input: { items: [1, 2] },
    expect: {
      status: 'FAILED',
      error: 'States.Runtime',
      cause:
        "An error occurred while executing the state 'S2' (entered at the event id #4). The function 'States.Format('{}', $.items[5])' had the following error: The JsonPath argument for the field '$.items[5]' could not be found in the input '{\"idx\":null,\"last\":2,\"items\":[1,2]}'",
    },
  },
  {
    name: 'A context object path that selects nothing fails naming "the input", as for a path into the input',
    source: `${RECORDED_SCENARIOS} (test_invalid_jsonpath[INVALID_JSONPATH_IN_STRING_EXPR_CONTEXTPATH])`,
    definition: single({ Type: 'Pass', Parameters: { 'value.$': '$$.Execution.Input.no_such_jsonpath' } }),
    input: { 'int-literal': 0 },
    expect: {
      status: 'FAILED',
      error: 'States.Runtime',
      cause: {
        includes:
          "The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{",
      },
    },
    history: ['ExecutionStarted', 'PassStateEntered', 'ExecutionFailed'],
  },
  {
    name: 'A service task whose Parameters select nothing fails before it is scheduled, uncaught',
    source: `${ERRORS} (States.Runtime: "... such as trying to apply InputPath or OutputPath on a null JSON payload"; not caught by States.ALL)`,
    definition: {
      StartAt: 'S',
      States: {
        S: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: fn('echo'), Payload: { 'x.$': '$.nope' } },
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Succeed' },
      },
    },
    input: {},
    expect: {
      status: 'FAILED',
      error: 'States.Runtime',
      cause:
        "An error occurred while executing the state 'S' (entered at the event id #2). The JSONPath '$.nope' specified for the field 'x.$' could not be found in the input '{}'",
    },
    history: ['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed'],
  },
  {
    name: 'A Choice on a missing path fails naming the Choice state entered later in the history',
    source:
      'AWS-recorded cause: "... (entered at the event id #13). Invalid path \'$.jobs[0].done\': The choice state’s condition path references an invalid value."',
    definition: chain(
      { Type: 'Pass' },
      {
        Type: 'Choice',
        Choices: [{ Variable: '$.done', BooleanEquals: true, Next: 'S3' }],
        Default: 'S1',
      },
      { Type: 'Succeed' },
    ),
    expect: {
      status: 'FAILED',
      error: 'States.Runtime',
      cause:
        "An error occurred while executing the state 'S2' (entered at the event id #4). Invalid path '$.done': The choice state's condition path references an invalid value.",
    },
  },
  {
    name: 'An intrinsic argument that selects nothing fails with the function named',
    source:
      "AWS-recorded cause: \"... The function 'States.Array(...)' had the following error: The JsonPath argument for the field '...' could not be found in the input '...'\"",
    definition: single({ Type: 'Pass', Parameters: { 'm.$': "States.Format('{}', $.nope)" } }),
    input: { other: 1 },
    expect: {
      status: 'FAILED',
      error: 'States.Runtime',
      cause:
        "An error occurred while executing the state 'S' (entered at the event id #2). The function 'States.Format('{}', $.nope)' had the following error: The JsonPath argument for the field '$.nope' could not be found in the input '{\"other\":1}'",
    },
  },
  {
    name: 'A Fail state raising States.Runtime keeps its own Cause',
    source: FAIL,
    definition: single({ Type: 'Fail', Error: 'States.Runtime', Cause: 'as written' }),
    expect: { status: 'FAILED', error: 'States.Runtime', cause: 'as written' },
  },
  {
    name: 'Fail state fails the execution with its Error and Cause',
    source: FAIL,
    definition: single({ Type: 'Fail', Error: 'ErrorA', Cause: 'Kaiju attack' }),
    expect: { status: 'FAILED', error: 'ErrorA', cause: 'Kaiju attack' },
    history: ['ExecutionStarted', 'FailStateEntered', 'ExecutionFailed'],
  },
  {
    name: 'A Fail state without Cause reports no cause',
    source: FAILED_DETAILS,
    definition: single({ Type: 'Fail', Error: 'NoCause' }),
    expect: { status: 'FAILED', error: 'NoCause', cause: null },
    checkHistory: (events) => expect(executionFailedDetails(events)).toEqual({ error: 'NoCause' }),
  },
  {
    name: 'A Fail state without Error and Cause reports neither',
    source: FAILED_DETAILS,
    definition: single({ Type: 'Fail' }),
    expect: { status: 'FAILED', error: null, cause: null },
    checkHistory: (events) => expect(executionFailedDetails(events)).toEqual({}),
  },
  {
    name: 'A Fail state without Error reports its Cause only',
    source: FAILED_DETAILS,
    definition: single({ Type: 'Fail', Cause: 'no error name' }),
    expect: { status: 'FAILED', error: null, cause: 'no error name' },
    checkHistory: (events) => expect(executionFailedDetails(events)).toEqual({ cause: 'no error name' }),
  },
  {
    name: 'A Catcher of a Fail branch without Cause passes on {Error} only',
    source: `${ERRORS} (no documented shape for an absent Cause: the field is left out, as in the history)`,
    definition: {
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'F', States: { F: { Type: 'Fail', Error: 'NoCause' } } }],
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'Done' }],
          End: true,
        },
        Done: { Type: 'Pass', End: true },
      },
    },
    input: { keep: 1 },
    expect: { status: 'SUCCEEDED', output: { keep: 1, caught: { Error: 'NoCause' } } },
  },
  {
    name: 'Fail ErrorPath and CausePath read the input',
    source: FAIL,
    definition: single({ Type: 'Fail', ErrorPath: '$.e', CausePath: '$.c' }),
    input: { e: 'DynamicError', c: 'from the input' },
    expect: { status: 'FAILED', error: 'DynamicError', cause: 'from the input' },
  },
  {
    name: 'Fail CausePath with an intrinsic',
    source: FAIL,
    definition: single({
      Type: 'Fail',
      Error: 'Formatted',
      CausePath: "States.Format('order {} failed', $.id)",
    }),
    input: { id: 42 },
    expect: { status: 'FAILED', error: 'Formatted', cause: 'order 42 failed' },
  },
  {
    name: 'Fail CausePath that selects nothing fails with States.Runtime naming the state and CausePath',
    source: FAIL,
    definition: single({ Type: 'Fail', Error: 'E', CausePath: '$.missing' }),
    input: { a: 1 },
    expect: {
      status: 'FAILED',
      error: 'States.Runtime',
      cause:
        "An error occurred while executing the state 'S' (entered at the event id #2). The JSONPath '$.missing' specified for the field 'CausePath' could not be found in the input '{\"a\":1}'",
    },
  },
  {
    name: 'Fail ErrorPath that selects a number fails with States.Runtime naming the state and ErrorPath',
    source: FAIL,
    definition: single({ Type: 'Fail', ErrorPath: '$.code', Cause: 'c' }),
    input: { code: 7 },
    expect: {
      status: 'FAILED',
      error: 'States.Runtime',
      cause:
        "An error occurred while executing the state 'S' (entered at the event id #2). The field 'ErrorPath' ('$.code') must select a string, got 7",
    },
  },
  {
    name: 'Fail after a Pass state',
    source: FAIL,
    definition: {
      StartAt: 'P',
      States: { P: { Type: 'Pass', Next: 'F' }, F: { Type: 'Fail', Error: 'Stop' } },
    },
    expect: { status: 'FAILED', error: 'Stop' },
    history: [
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'FailStateEntered',
      'ExecutionFailed',
    ],
  },
  {
    name: 'A Lambda error fails the execution with the error name',
    source: ERRORS,
    definition: single({
      Type: 'Task',
      Resource: fn('fail'),
      Parameters: { error: 'CustomError', cause: 'This is a custom error' },
    }),
    expect: { status: 'FAILED', error: 'CustomError', cause: { includes: 'This is a custom error' } },
    history: [
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'ExecutionFailed',
    ],
  },
  {
    name: 'A lambda:invoke error fails the execution with the error name',
    source: LAMBDA,
    definition: single(invoke('fail', { error: 'InvokeError', cause: 'invoke broke' })),
    expect: { status: 'FAILED', error: 'InvokeError', cause: { includes: 'invoke broke' } },
    history: taskRunHistory('TaskFailed', 'ExecutionFailed'),
  },
  {
    name: 'A successful lambda:invoke task records its events',
    source: LAMBDA,
    definition: single(invoke('echo', { a: 1 })),
    expect: { status: 'SUCCEEDED', output: { a: 1 } },
    history: [
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ],
  },
  {
    name: 'A successful Lambda ARN task records its events',
    source: LAMBDA,
    definition: single({ Type: 'Task', Resource: fn('echo') }),
    input: { b: 2 },
    expect: { status: 'SUCCEEDED', output: { b: 2 } },
    history: [
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ],
  },
  {
    name: "A Lambda function error fails with Lambda's error JSON as the cause, its request id included",
    source: `${RECORDED_TASK_LAMBDA} test_raise_exception`,
    definition: single({ Type: 'Task', Resource: fn('fail') }),
    input: { error: 'Exception', cause: 'Some exception was raised.' },
    expect: { status: 'FAILED', error: 'Exception', cause: { includes: '"requestId":"' } },
    checkHistory: (events) => {
      const failed = events.find((event) => event.type === 'LambdaFunctionFailed');
      const details = failed?.lambdaFunctionFailedEventDetails;
      const cause = JSON.parse(details?.cause ?? '{}') as Record<string, unknown>;
      expect(Object.keys(cause)).toEqual(LAMBDA_ERROR_CAUSE_KEYS);
      expect(cause).toMatchObject({ errorMessage: 'Some exception was raised.', errorType: 'Exception' });
      expect(executionFailedDetails(events)).toEqual({ error: 'Exception', cause: details?.cause });
    },
  },
  {
    name: 'lambda:invoke of an unknown function fails naming its ARN and the Lambda call, as AWS records it',
    source: `${RECORDED_SERVICE_LAMBDA} test_no_such_function`,
    definition: single({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { 'FunctionName.$': '$.FunctionName', 'Payload.$': '$.Payload' },
    }),
    input: { FunctionName: 'no_such_function', Payload: null },
    expect: { status: 'FAILED', error: 'Lambda.ResourceNotFoundException' },
    history: taskRunHistory('TaskFailed', 'ExecutionFailed'),
    checkHistory: (events) => {
      const failed = events.find((event) => event.type === 'TaskFailed')?.taskFailedEventDetails;
      expect(failed?.cause).toMatch(FUNCTION_NOT_FOUND_CAUSE);
      expect(failed).toEqual({
        resourceType: 'lambda',
        resource: 'invoke',
        error: 'Lambda.ResourceNotFoundException',
        cause: failed?.cause,
      });
      expect(executionFailedDetails(events)).toEqual({
        error: 'Lambda.ResourceNotFoundException',
        cause: failed?.cause,
      });
    },
  },
  {
    name: 'An error caught and then re-raised by a Fail state',
    source: ERRORS,
    definition: {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: fn('fail'),
          Parameters: { error: 'Original' },
          Catch: [{ ErrorEquals: ['Original'], ResultPath: '$.err', Next: 'Raise' }],
          End: true,
        },
        Raise: { Type: 'Fail', ErrorPath: '$.err.Error', Cause: 'raised again' },
      },
    },
    input: {},
    expect: { status: 'FAILED', error: 'Original', cause: 'raised again' },
  },
  {
    name: 'events:putEvents with a Detail that is not a JSON object fails with EventBridge.FailedEntry',
    source: `${PUT_EVENTS_RECORDED} test_put_events_malformed_detail`,
    definition: PUT_EVENTS,
    input: { Entries: [{ Detail: '"jsonstring"', DetailType: 'detail_type', Source: 'some.source' }] },
    expect: { status: 'FAILED', error: 'EventBridge.FailedEntry', cause: MALFORMED_DETAIL_CAUSE },
    history: taskRunHistory('TaskFailed', 'ExecutionFailed'),
    checkHistory: (events) =>
      expect(events.find((event) => event.type === 'TaskFailed')?.taskFailedEventDetails).toEqual({
        resourceType: 'events',
        resource: 'putEvents',
        error: 'EventBridge.FailedEntry',
        cause: MALFORMED_DETAIL_CAUSE,
      }),
  },
  {
    name: 'events:putEvents with an entry without Source fails listing the accepted entry by EventId',
    source: `${PUT_EVENTS_RECORDED} test_put_events_no_source`,
    definition: PUT_EVENTS,
    input: {
      Entries: [
        { Detail: { Message: 'HelloWorld1' }, DetailType: 'detail_type', Source: 'some.source' },
        { Detail: { Message: 'HelloWorld' }, DetailType: 'detail_type' },
      ],
    },
    expect: { status: 'FAILED', error: 'EventBridge.FailedEntry' },
    history: taskRunHistory('TaskFailed', 'ExecutionFailed'),
    checkHistory: (events) => {
      const failed = events.find((event) => event.type === 'TaskFailed')?.taskFailedEventDetails;
      expect(failed?.error).toBe('EventBridge.FailedEntry');
      expect(failed?.cause).toMatch(NO_SOURCE_CAUSE);
      expect(executionFailedDetails(events)).toEqual({
        error: 'EventBridge.FailedEntry',
        cause: failed?.cause,
      });
    },
  },
  {
    name: 'EventBridge.FailedEntry of events:putEvents is caught as any task error',
    source: `${PUT_EVENTS_RECORDED} test_put_events_malformed_detail; ${ERRORS}`,
    definition: {
      StartAt: 'PutEvents',
      States: {
        PutEvents: {
          ...PUT_EVENTS.States.PutEvents,
          End: undefined,
          Catch: [{ ErrorEquals: ['EventBridge.FailedEntry'], ResultPath: '$.error', Next: 'Caught' }],
          Next: 'Done',
        },
        Caught: { Type: 'Pass', OutputPath: '$.error', End: true },
        Done: { Type: 'Succeed' },
      },
    },
    input: { Entries: [{ Detail: 'not json', DetailType: 'detail_type', Source: 'some.source' }] },
    expect: {
      status: 'SUCCEEDED',
      output: { Error: 'EventBridge.FailedEntry', Cause: MALFORMED_DETAIL_CAUSE },
    },
  },
];

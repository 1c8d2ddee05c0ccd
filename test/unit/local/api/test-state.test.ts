import { type SFNClient, TestStateCommand, type TestStateCommandInput } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import { startTestRuntime, type TestRuntime } from '#test/support/local-runtime.ts';

const FUNCTION = 'arn:aws:lambda:us-east-1:000000000000:function:';
let local: TestRuntime;
let client: SFNClient;
let doubled = 0;

beforeAll(async () => {
  const lambdas = new MapLambdaRegistry({
    double: (event) => {
      doubled += 1;
      return { n: (event as { n: number }).n * 2 };
    },
    refuse: () => {
      throw Object.assign(new Error('not today'), { name: 'Refused' });
    },
  });
  local = await startTestRuntime({ lambdas });
  client = local.client;
});

afterAll(async () => {
  await local.close();
});

const ROLE = 'arn:aws:iam::000000000000:role/test-state';

async function test(state: object, input: unknown, extra: Partial<TestStateCommandInput> = {}) {
  const { $metadata, ...answer } = await client.send(
    new TestStateCommand({
      definition: JSON.stringify(state),
      input: JSON.stringify(input),
      roleArn: ROLE,
      ...extra,
    }),
  );
  return answer;
}

describe('TestState', () => {
  it("answers a Pass state's output and next state, and at DEBUG each step of its data flow", async () => {
    // Act
    const answer = await test(
      {
        Type: 'Pass',
        InputPath: '$.order',
        Parameters: { 'id.$': '$.id' },
        ResultPath: '$.picked',
        Next: 'Ship',
      },
      { order: { id: 7, lines: 2 } },
      { inspectionLevel: 'DEBUG' },
    );
    // Assess
    expect(answer).toEqual({
      status: 'SUCCEEDED',
      nextState: 'Ship',
      output: '{"order":{"id":7,"lines":2},"picked":{"id":7}}',
      inspectionData: {
        input: '{"order":{"id":7,"lines":2}}',
        afterInputPath: '{"id":7,"lines":2}',
        afterParameters: '{"id":7}',
        afterResultSelector: '{"id":7}',
        afterResultPath: '{"order":{"id":7,"lines":2},"picked":{"id":7}}',
      },
    });
  });

  it('shows a Pass with a Result only its result, and a Fail its InputPath, as AWS records them', async () => {
    // Act
    const withResult = await test(
      { Type: 'Pass', InputPath: '$.order', Result: { resultKey: 'result value' }, End: true },
      { order: { id: 7 } },
      { inspectionLevel: 'DEBUG' },
    );
    const fail = await test(
      { Type: 'Fail', Error: 'SomeFailure' },
      { Value: 'HelloWorld' },
      { inspectionLevel: 'TRACE' },
    );
    // Assess
    expect(withResult.inspectionData).toEqual({
      input: '{"order":{"id":7}}',
      result: '{"resultKey":"result value"}',
      afterResultSelector: '{"resultKey":"result value"}',
      afterResultPath: '{"resultKey":"result value"}',
    });
    expect(fail).toEqual({
      status: 'FAILED',
      error: 'SomeFailure',
      inspectionData: { input: '{"Value":"HelloWorld"}', afterInputPath: '{"Value":"HelloWorld"}' },
    });
  });

  it('invokes a Task once and shows its parameters, result, ResultSelector and ResultPath', async () => {
    // Prepare
    const before = doubled;
    // Act
    const answer = await test(
      {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: `${FUNCTION}double`, 'Payload.$': '$' },
        ResultSelector: { 'n.$': '$.Payload.n' },
        ResultPath: '$.doubled',
        End: true,
      },
      { n: 21 },
      { inspectionLevel: 'TRACE' },
    );
    // Assess
    expect(doubled - before).toBe(1);
    expect(answer.status).toBe('SUCCEEDED');
    expect(answer.nextState).toBeUndefined();
    expect(answer.output).toBe('{"n":21,"doubled":{"n":42}}');
    expect(answer.inspectionData).toMatchObject({
      afterParameters: `{"FunctionName":"${FUNCTION}double","Payload":{"n":21}}`,
      afterResultSelector: '{"n":42}',
      afterResultPath: '{"n":21,"doubled":{"n":42}}',
    });
    expect(JSON.parse(answer.inspectionData!.result!)).toMatchObject({ Payload: { n: 42 }, StatusCode: 200 });
  });

  it('gives the state the context object of an Express execution, as AWS’s TestState records it', async () => {
    // Act
    const answer = await test(
      {
        Type: 'Pass',
        Parameters: { 'execution.$': '$$.Execution', 'machine.$': '$$.StateMachine' },
        End: true,
      },
      { n: 1 },
    );
    // Assess: as recorded in localstack/localstack tests/aws/services/stepfunctions/v2/test_state/
    // test_state_configuration.snapshot.json (test_map_state_failure_count): an Express ARN of the machine and
    // the execution's name, and no RedriveCount.
    // Its members in the order AWS's TestState writes them (test_state_context_object.snapshot.json, 2025).
    const { execution, machine } = JSON.parse(answer.output!);
    expect(Object.keys(execution)).toEqual(['Id', 'Input', 'Name', 'RoleArn', 'StartTime']);
    expect(execution).toMatchObject({ Input: { n: 1 }, RoleArn: ROLE });
    expect(execution.Id).toBe(
      `arn:aws:states:us-east-1:000000000000:express:${machine.Name}:${execution.Name}`,
    );
    expect(machine.Id).toBe(`arn:aws:states:us-east-1:000000000000:stateMachine:${machine.Name}`);
  });

  it('names the state StateName in its context, and its role null when the test names none', async () => {
    // Prepare: a state machine's state tested by its name, with no roleArn
    const definition = {
      StartAt: 'State0',
      States: {
        State0: {
          Type: 'Pass',
          Parameters: { 'state.$': '$$.State.Name', 'role.$': '$$.Execution.RoleArn' },
          End: true,
        },
      },
    };
    // Act
    const answer = await test(definition, {}, { stateName: 'State0', roleArn: undefined });
    // Assess: as AWS recorded it (localstack test_test_state_scenarios.snapshot.json,
    // test_state_with_variables[base_expressions], 24-02-2026)
    expect(answer.status).toBe('SUCCEEDED');
    expect(JSON.parse(answer.output!)).toEqual({ state: 'StateName', role: null });
  });

  it('names the state StateName in its context when it goes on to a state of that name', async () => {
    // Act: the test's machine renames the tested state, as its target takes the name
    const answer = await test(
      { Type: 'Pass', Parameters: { 'name.$': '$$.State.Name' }, Next: 'StateName' },
      {},
    );
    // Assess
    expect(answer).toMatchObject({ output: '{"name":"StateName"}', nextState: 'StateName' });
  });

  it('answers a Choice with the next state it picks, and a Wait at once', async () => {
    // Act
    const choice = await test(
      {
        Type: 'Choice',
        Choices: [{ Variable: '$.n', NumericGreaterThan: 5, Next: 'Big' }],
        Default: 'Small',
      },
      { n: 3 },
    );
    const started = Date.now();
    const wait = await test({ Type: 'Wait', Seconds: 3600, Next: 'After' }, { n: 3 });
    // Assess
    expect(choice).toEqual({ status: 'SUCCEEDED', nextState: 'Small', output: '{"n":3}' });
    expect(wait).toEqual({ status: 'SUCCEEDED', nextState: 'After', output: '{"n":3}' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('answers a failing task FAILED, RETRIABLE when a retrier takes its error, CAUGHT_ERROR when a catcher does', async () => {
    // Prepare
    const task = { Type: 'Task', Resource: `${FUNCTION}refuse`, End: true };
    // Act
    const failed = await test(task, {});
    const retriable = await test({ ...task, Retry: [{ ErrorEquals: ['Refused'], MaxAttempts: 2 }] }, {});
    const exhausted = await test({ ...task, Retry: [{ ErrorEquals: ['Refused'], MaxAttempts: 0 }] }, {});
    const caught = await test(
      { ...task, Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Apologise' }] },
      { order: 1 },
    );
    // Assess
    expect(failed).toMatchObject({ status: 'FAILED', error: 'Refused' });
    expect(JSON.parse(failed.cause!)).toMatchObject({ errorMessage: 'not today', errorType: 'Refused' });
    expect(retriable).toMatchObject({ status: 'RETRIABLE', error: 'Refused' });
    expect(retriable.output).toBeUndefined();
    expect(exhausted).toMatchObject({ status: 'FAILED', error: 'Refused' });
    expect(caught).toMatchObject({ status: 'CAUGHT_ERROR', error: 'Refused', nextState: 'Apologise' });
    expect(JSON.parse(caught.output!)).toMatchObject({ order: 1, error: { Error: 'Refused' } });
  });

  it('tells at DEBUG which retrier took the error and its backoff, or which catcher caught it', async () => {
    // Prepare
    const task = { Type: 'Task', Resource: `${FUNCTION}refuse`, End: true };
    const debug = { inspectionLevel: 'DEBUG' } as const;
    // Act
    const retriable = await test(
      {
        ...task,
        Retry: [
          { ErrorEquals: ['Other'], IntervalSeconds: 9 },
          { ErrorEquals: ['Refused'], IntervalSeconds: 4, MaxDelaySeconds: 3 },
        ],
      },
      {},
      debug,
    );
    const caught = await test(
      {
        ...task,
        Catch: [
          { ErrorEquals: ['Other'], Next: 'Elsewhere' },
          { ErrorEquals: ['States.ALL'], Next: 'Apologise' },
        ],
      },
      {},
      debug,
    );
    const atInfo = await test({ ...task, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Apologise' }] }, {});
    // Assess
    expect(retriable.inspectionData?.errorDetails).toEqual({ retryIndex: 1, retryBackoffIntervalSeconds: 3 });
    expect(caught.inspectionData?.errorDetails).toEqual({ catchIndex: 1 });
    expect(atInfo.inspectionData).toBeUndefined();
  });

  it('gives the state the variables of the request as they are, and shows them after its Assign', async () => {
    // Prepare: a value that looks like a template stays a value
    const variables = JSON.stringify({ team: 'payments', template: { 'a.$': '$.x' } });
    // Act
    const assigned = await test(
      {
        Type: 'Pass',
        Parameters: { 'owner.$': '$team', 'kept.$': '$template' },
        Assign: { level: 2 },
        End: true,
      },
      { x: 'from the input' },
      { variables, inspectionLevel: 'DEBUG' },
    );
    const refused = await test({ Type: 'Pass', End: true }, {}, { variables: '{"a.$":"$.x"}' }).catch(
      (error: Error) => `${error.name}: ${error.message}`,
    );
    // Assess
    expect(assigned.output).toBe('{"owner":"payments","kept":{"a.$":"$.x"}}');
    expect(JSON.parse(assigned.inspectionData!.variables!)).toEqual({
      team: 'payments',
      template: { 'a.$': '$.x' },
      level: 2,
    });
    expect(refused).toMatch(/^ValidationException: variables: 'a\.\$' is not a valid variable name/);
  });

  it('answers a Fail state with its error, and CAUGHT_ERROR for an error raised after the task succeeded', async () => {
    // Act
    const fail = await test({ Type: 'Fail', Error: 'Stop', Cause: 'by design' }, {});
    const resultPath = await test(
      {
        Type: 'Task',
        Resource: `${FUNCTION}double`,
        ResultPath: '$.a.b',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Handle' }],
        End: true,
      },
      { a: 'text', n: 1 },
    );
    // Assess
    expect(fail).toEqual({ status: 'FAILED', error: 'Stop', cause: 'by design' });
    expect(resultPath).toMatchObject({
      status: 'CAUGHT_ERROR',
      error: 'States.ResultPathMatchFailure',
      nextState: 'Handle',
    });
    expect(JSON.parse(resultPath.output!).error.Error).toBe('States.ResultPathMatchFailure');
  });

  it("answers a JSONata expression's error with the bare cause an execution prefixes with the state, caught too", async () => {
    // Prepare
    const failing = { QueryLanguage: 'JSONata', Type: 'Pass', Output: { v: '{% $abs("x") %}' }, End: true };
    const caught = {
      QueryLanguage: 'JSONata',
      Type: 'Task',
      Resource: `${FUNCTION}double`,
      Arguments: { n: '{% $states.input.missing %}' },
      Catch: [{ ErrorEquals: ['States.QueryEvaluationError'], Next: 'Handle' }],
      End: true,
    };
    // Act
    const failed = await test(failing, {});
    const caughtAnswer = await test(caught, {});
    // Assess: as AWS's TestState answers them (floci-io/floci pull request 2689, issue 2737)
    expect(failed).toEqual({
      status: 'FAILED',
      error: 'States.QueryEvaluationError',
      cause:
        'The JSONata expression \'$abs("x")\' specified for the field \'Output/v\' threw an error during evaluation. T0410: Argument 1 of function "abs" does not match function signature',
    });
    expect(caughtAnswer).toMatchObject({ status: 'CAUGHT_ERROR', nextState: 'Handle' });
    expect(JSON.parse(caughtAnswer.output!)).toEqual({
      Error: 'States.QueryEvaluationError',
      Cause:
        "The JSONata expression '$states.input.missing' specified for the field 'Arguments/n' returned nothing (undefined).",
    });
  });

  it("answers a mocked Task with the mock's result in place of its resource's, also a .sync one", async () => {
    // Prepare
    const before = doubled;
    const mock = { result: '{"Payload":{"n":42},"StatusCode":200}' };
    // Act
    const invoked = await test(
      {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: `${FUNCTION}double`, 'Payload.$': '$' },
        ResultSelector: { 'n.$': '$.Payload.n' },
        ResultPath: '$.doubled',
        Next: 'Ship',
      },
      { n: 1 },
      { mock, inspectionLevel: 'DEBUG' },
    );
    const nested = await test(
      {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution.sync:2',
        Parameters: { StateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:child' },
        ResultSelector: { 'status.$': '$.Status' },
        End: true,
      },
      {},
      { mock: { result: '{"Status":"SUCCEEDED","Output":{}}', fieldValidationMode: 'NONE' } },
    );
    // Assess
    expect(invoked).toMatchObject({
      status: 'SUCCEEDED',
      nextState: 'Ship',
      output: '{"n":1,"doubled":{"n":42}}',
    });
    expect(invoked.inspectionData).toMatchObject({
      afterParameters: JSON.stringify({ FunctionName: `${FUNCTION}double`, Payload: { n: 1 } }),
      result: '{"Payload":{"n":42},"StatusCode":200}',
      afterResultSelector: '{"n":42}',
    });
    expect(doubled).toBe(before);
    expect(nested).toEqual({ status: 'SUCCEEDED', output: '{"status":"SUCCEEDED"}' });
  });

  it("answers a mocked Map or Parallel with the mock's result through the state's own data flow, checking its shape", async () => {
    // Prepare
    const map = {
      Type: 'Map',
      ItemsPath: '$.orders',
      ItemProcessor: {
        StartAt: 'T',
        States: { T: { Type: 'Task', Resource: `${FUNCTION}double`, End: true } },
      },
      ResultSelector: { 'count.$': 'States.ArrayLength($)' },
      ResultPath: '$.shipped',
      Next: 'Report',
    };
    const parallel = {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
        { StartAt: 'B', States: { B: { Type: 'Pass', End: true } } },
      ],
      End: true,
    };
    const before = doubled;
    // Act
    const mapped = await test(map, { orders: [1, 2, 3] }, { mock: { result: '[{"n":2},{"n":4},{"n":6}]' } });
    const notArray = await test(map, {}, { mock: { result: '{"n":2}' } }).catch(
      (error: Error) => error.message,
    );
    const branches = await test(parallel, {}, { mock: { result: '["a","b"]' } });
    const oneShort = await test(parallel, {}, { mock: { result: '["a"]' } }).catch(
      (error: Error) => error.message,
    );
    // Assess
    expect(mapped).toEqual({
      status: 'SUCCEEDED',
      nextState: 'Report',
      output: '{"orders":[1,2,3],"shipped":{"count":3}}',
    });
    expect(doubled).toBe(before);
    expect(notArray).toBe('Mocked result must be an array.');
    expect(branches).toEqual({ status: 'SUCCEEDED', output: '["a","b"]' });
    expect(oneShort).toBe(
      'Mocked result must contain the same number of items as number of Parallel branches.',
    );
  });

  it("tests one state of a whole state machine by its stateName, also one in a branch, with the machine's query language", async () => {
    // Prepare
    const machine = {
      QueryLanguage: 'JSONata',
      StartAt: 'Split',
      States: {
        Split: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Label',
              States: { Label: { Type: 'Pass', Output: '{% $states.input.n * 10 %}', End: true } },
            },
          ],
          Next: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    };
    const definition = JSON.stringify(machine);
    const byName = (stateName: string) =>
      test({}, { n: 4 }, { definition, stateName }).catch(
        (error: Error) => `${error.name}: ${error.message}`,
      );
    // Act
    const nested = await byName('Label');
    const missing = await byName('Nowhere');
    const invalid = await test(
      {},
      {},
      {
        definition: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass' } } }),
        stateName: 'A',
      },
    ).catch((error: Error) => error.name);
    // Assess
    expect(nested).toEqual({ status: 'SUCCEEDED', output: '40' });
    expect(missing).toBe('ValidationException: State not found in definition');
    expect(invalid).toBe('InvalidDefinition');
  });

  it('decides on a mocked error as a retrier that retried retrierRetryCount times would, then as its catcher', async () => {
    // Prepare
    const state = {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: `${FUNCTION}double` },
      Retry: [
        {
          ErrorEquals: ['Lambda.TooManyRequestsException'],
          IntervalSeconds: 2,
          BackoffRate: 3,
          MaxAttempts: 2,
        },
      ],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Apologise' }],
      End: true,
    };
    const mock = { errorOutput: { error: 'Lambda.TooManyRequestsException', cause: 'Rate exceeded' } };
    const attempt = (retrierRetryCount: number) =>
      test(
        state,
        { order: 7 },
        { mock, stateConfiguration: { retrierRetryCount }, inspectionLevel: 'DEBUG' },
      );
    // Act
    const second = await attempt(1);
    const exhausted = await attempt(2);
    const uncaught = await test(
      { ...state, Catch: undefined },
      {},
      { mock, stateConfiguration: { retrierRetryCount: 2 }, inspectionLevel: 'DEBUG' },
    );
    const runtime = await test(state, {}, { mock: { errorOutput: { error: 'States.Runtime' } } });
    const unreachable = await test(
      {
        ...state,
        Retry: undefined,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.a.b', Next: 'B' }],
      },
      { a: 5 },
      { mock },
    );
    const halves = await test(
      { ...state, Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, BackoffRate: 1.5 }] },
      {},
      { mock, stateConfiguration: { retrierRetryCount: 1 }, inspectionLevel: 'DEBUG' },
    );
    // Assess
    expect(second).toMatchObject({
      status: 'RETRIABLE',
      error: 'Lambda.TooManyRequestsException',
      cause: 'Rate exceeded',
      inspectionData: { errorDetails: { retryIndex: 0, retryBackoffIntervalSeconds: 6 } },
    });
    expect(exhausted).toMatchObject({
      status: 'CAUGHT_ERROR',
      nextState: 'Apologise',
      inspectionData: { errorDetails: { catchIndex: 0 } },
    });
    // Used up and not caught, it fails naming its retrier, as AWS answers (recorded in localstack/localstack
    // tests/aws/services/stepfunctions/v2/test_state/test_state_configuration.snapshot.json,
    // test_state_configuration_retrier_retry_count, exceeds_tolerated_retry_count).
    expect(uncaught).toMatchObject({ status: 'FAILED', inspectionData: { errorDetails: { retryIndex: 0 } } });
    // A mocked error is answered as given: no cause added, even for States.Runtime (never caught).
    expect(runtime).toEqual({ status: 'FAILED', error: 'States.Runtime' });
    // A catcher whose ResultPath cannot be written fails the state, as in an execution.
    expect(unreachable).toMatchObject({ status: 'FAILED', error: 'States.ResultPathMatchFailure' });
    // The backoff is a whole number of seconds (1.5 s here), as the API types it.
    expect(halves.inspectionData?.errorDetails).toEqual({ retryIndex: 0, retryBackoffIntervalSeconds: 2 });
    expect(JSON.parse(exhausted.output!)).toEqual({
      order: 7,
      error: { Error: 'Lambda.TooManyRequestsException', Cause: 'Rate exceeded' },
    });
  });

  it('refuses a mock it cannot use and a state configuration for another state, naming the field', async () => {
    // Act
    const refusal = (extra: Partial<TestStateCommandInput>) =>
      test({ Type: 'Task', Resource: `${FUNCTION}double`, End: true }, {}, extra).then(
        () => undefined,
        (error: Error) => `${error.name}: ${error.message}`,
      );
    const both = await refusal({ mock: { result: '{}', errorOutput: { error: 'E' } } });
    const notJson = await refusal({ mock: { result: 'nope' } });
    const mode = await refusal({ mock: { result: '{}', fieldValidationMode: 'LOOSE' as never } });
    const mapCount = await refusal({ stateConfiguration: { mapIterationFailureCount: 1 } });
    const secrets = await refusal({ mock: { result: '{}' }, revealSecrets: true });
    const withoutRole = await refusal({ roleArn: undefined });
    const huge = await refusal({ mock: { result: JSON.stringify({ s: 'x'.repeat(300 * 1024) }) } });
    // Assess
    expect(both).toBe(
      'ValidationException: A test mock should have only one of the following fields: [result, errorOutput].',
    );
    expect(notJson).toBe('ValidationException: Mocked result must be valid JSON');
    expect(secrets).toBe(
      'ValidationException: TestState does not support RevealSecrets when a mock is specified.',
    );
    expect(withoutRole).toBe('ValidationException: RoleArn must be specified when testing a Task state');
    // A mocked result is sensitive: the refusal names the field, not its 300 KiB.
    expect(huge).toMatch(/^ValidationException: 1 validation error detected: Value at 'mock\.result'/);
    expect(huge!.length).toBeLessThan(300);
    expect(mode).toMatch(/mock\.fieldValidationMode/);
    expect(mapCount).toBe(
      'ValidationException: stateConfiguration.mapIterationFailureCount is for a Map state (the tested state is a Task)',
    );
  });

  it('answers a definition or variables nested too deep with a refusal, and goes on to a state named __proto__', async () => {
    // Prepare
    const deep = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    const refusal = (extra: Partial<TestStateCommandInput>) =>
      test({ Type: 'Pass', End: true }, {}, extra).then(
        () => undefined,
        (error: Error) => `${error.name}: ${error.message}`,
      );
    // Act
    const definition = await refusal({ definition: `{"Type":"Pass","Result":${deep(5000)},"End":true}` });
    const variables = await refusal({ variables: `{"v":${deep(5000)}}` });
    const proto = await test({ Type: 'Pass', Next: '__proto__' }, { n: 1 });
    // Assess
    expect(definition).toMatch(
      /^InvalidDefinition: definition nests arrays and objects more than 996 levels deep/,
    );
    expect(variables).toMatch(
      /^ValidationException: variables nests arrays and objects more than 996 levels deep/,
    );
    expect(proto).toEqual({ status: 'SUCCEEDED', nextState: '__proto__', output: '{"n":1}' });
  });

  it('refuses a state it cannot run, naming why, and a definition AWS would refuse, located in the state', async () => {
    // Act
    const refusal = (state: object, extra?: Partial<TestStateCommandInput>) =>
      test(state, {}, extra).then(
        () => undefined,
        (error: Error) => `${error.name}: ${error.message}`,
      );
    const map = await refusal({
      Type: 'Map',
      ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
      End: true,
    });
    const mocked = await refusal({ Type: 'Pass', End: true }, { mock: { result: '{}' } });
    const mockedChoice = await refusal(
      { Type: 'Choice', Choices: [{ Variable: '$.n', IsPresent: true, Next: 'A' }], Default: 'B' },
      { mock: { result: '{}' } },
    );
    const invalid = await refusal({ Type: 'Pass', Resulte: 1, End: true });
    const badRetry = await refusal({ Type: 'Task', Resource: `${FUNCTION}double`, Retry: 'nope', End: true });
    // Assess
    expect(map).toBe(
      'InvalidDefinition: TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]',
    );
    expect(mocked).toBe("ValidationException: State type 'Pass' is not supported when a mock is specified");
    expect(mockedChoice).toBe(
      "ValidationException: State type 'Choice' is not supported when a mock is specified",
    );
    expect(badRetry).toBe(
      "InvalidDefinition: Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The field 'Retry' must be an array at /Retry'",
    );
    expect(invalid).toBe(
      "InvalidDefinition: Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Field 'Resulte' is not supported at /'",
    );
  });
});

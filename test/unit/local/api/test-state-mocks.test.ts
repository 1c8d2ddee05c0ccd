import { type SFNClient, TestStateCommand, type TestStateCommandInput } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWellFormedTaskToken } from '#local/asl/task-token.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import { startTestRuntime, type TestRuntime } from '#test/support/local-runtime.ts';

const FUNCTION = 'arn:aws:lambda:us-east-1:000000000000:function:';
let local: TestRuntime;
let client: SFNClient;
let invoked = 0;

beforeAll(async () => {
  const lambdas = new MapLambdaRegistry({
    ship: () => {
      invoked += 1;
      return { shipped: true };
    },
  });
  local = await startTestRuntime({ lambdas });
  client = local.client;
});

afterAll(async () => {
  await local.close();
});

async function test(state: object, input: unknown, extra: Partial<TestStateCommandInput> = {}) {
  const { $metadata, ...answer } = await client.send(
    new TestStateCommand({ definition: JSON.stringify(state), input: JSON.stringify(input), ...extra }),
  );
  return answer;
}

function refusal(state: object, input: unknown, extra: Partial<TestStateCommandInput>) {
  return test(state, input, extra).then(
    (answer) => `answered ${JSON.stringify(answer)}`,
    (error: Error) => `${error.name}: ${error.message}`,
  );
}

/** An item processor whose task would count its invocations, if it ran. */
const SHIP_EACH = {
  StartAt: 'Ship',
  States: { Ship: { Type: 'Task', Resource: `${FUNCTION}ship`, End: true } },
};

const distributed = (fields: object) => ({
  Type: 'Map',
  ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, ...SHIP_EACH },
  End: true,
  ...fields,
});

describe('TestState of a mocked Map or Parallel', () => {
  it('runs the Map up to its children and shows at DEBUG what each child would get, none of them running', async () => {
    // Prepare
    const map = {
      Type: 'Map',
      InputPath: '$.release',
      ItemsPath: '$.regions',
      ItemSelector: { 'region.$': '$$.Map.Item.Value', 'wave.$': '$$.Map.Item.Index', 'app.$': '$.app' },
      MaxConcurrencyPath: '$.parallelism',
      ItemProcessor: SHIP_EACH,
      ResultSelector: { 'count.$': 'States.ArrayLength($)' },
      ResultPath: '$.rollout',
      Next: 'Verify',
    };
    const input = { release: { app: 'checkout', regions: ['eu-west-1', 'us-east-1'], parallelism: 1 } };
    const before = invoked;
    // Act
    const answer = await test(map, input, {
      mock: { result: '[{"shipped":true},{"shipped":true}]' },
      inspectionLevel: 'DEBUG',
    });
    // Assess
    expect(answer).toEqual({
      status: 'SUCCEEDED',
      nextState: 'Verify',
      output: JSON.stringify({ ...input, rollout: { count: 2 } }),
      inspectionData: {
        input: JSON.stringify(input),
        afterInputPath: JSON.stringify(input.release),
        afterItemsPath: '["eu-west-1","us-east-1"]',
        afterItemSelector:
          '[{"region":"eu-west-1","wave":0,"app":"checkout"},{"region":"us-east-1","wave":1,"app":"checkout"}]',
        maxConcurrency: 1,
        afterResultSelector: '{"count":2}',
        afterResultPath: JSON.stringify({ ...input, rollout: { count: 2 } }),
      },
    });
    expect(invoked).toBe(before);
  });

  it('accepts a placeholder Lambda ARN in a mocked Map, as AWS did', async () => {
    // Prepare: as AWS ran it (localstack test_state_configuration.snapshot.json, test_map_state_failure_count,
    // recorded 13-11-2025), the processor's task names the function with placeholders for region and account
    const map = {
      Type: 'Map',
      ItemsPath: '$.Values',
      ItemProcessor: {
        StartAt: 'TestState',
        States: {
          TestState: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:your-region:your-account-id:function:yourHelloWorldFunction',
            End: true,
          },
        },
      },
      End: true,
    };
    // Act
    const answer = await test(map, { Values: ['first', 'second', 'third'] }, { mock: { result: '[1,1,1]' } });
    // Assess
    expect(answer).toEqual({ status: 'SUCCEEDED', output: '[1,1,1]' });
  });

  it('fails a Map whose mapIterationFailureCount exceeds its threshold, for its Catch or Retry to decide on', async () => {
    // Prepare
    const batched = distributed({
      ItemBatcher: { MaxItemsPerBatch: 2 },
      ToleratedFailureCount: 1,
      Catch: [{ ErrorEquals: ['States.ExceedToleratedFailureThreshold'], Next: 'Halt' }],
    });
    const retried = distributed({
      ToleratedFailurePercentage: 50,
      Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2 }],
    });
    const input = ['a', 'b', 'c'];
    const mock = { result: '[1,1,1]' };
    // Act
    const within = await test(batched, input, {
      mock,
      stateConfiguration: { mapIterationFailureCount: 1 },
      inspectionLevel: 'DEBUG',
    });
    const beyond = await test(batched, input, {
      mock,
      stateConfiguration: { mapIterationFailureCount: 2 },
      inspectionLevel: 'DEBUG',
    });
    const halfBeyond = await test(retried, input, {
      mock,
      stateConfiguration: { mapIterationFailureCount: 2 },
    });
    const noThreshold = await test(distributed({}), input, {
      mock,
      stateConfiguration: { mapIterationFailureCount: 3 },
    });
    const tooMany = await refusal(batched, input, {
      mock,
      stateConfiguration: { mapIterationFailureCount: 4 },
    });
    // Assess
    expect(within).toEqual({
      status: 'SUCCEEDED',
      output: '[1,1,1]',
      inspectionData: {
        input: '["a","b","c"]',
        afterInputPath: '["a","b","c"]',
        afterItemsPath: '["a","b","c"]',
        afterItemBatcher: '[{"Items":["a","b"]},{"Items":["c"]}]',
        maxConcurrency: 0,
        toleratedFailureCount: 1,
        afterResultSelector: '[1,1,1]',
        afterResultPath: '[1,1,1]',
      },
    });
    const exceeded = {
      error: 'States.ExceedToleratedFailureThreshold',
      cause: 'The specified tolerated failure threshold was exceeded',
    };
    expect(beyond).toMatchObject({ status: 'CAUGHT_ERROR', nextState: 'Halt', ...exceeded });
    expect(beyond.inspectionData).toMatchObject({
      errorDetails: { catchIndex: 0 },
      toleratedFailureCount: 1,
    });
    expect(halfBeyond).toEqual({ status: 'RETRIABLE', ...exceeded });
    // A Map that sets no threshold is not checked against the count, as AWS answers it.
    expect(noThreshold).toEqual({ status: 'SUCCEEDED', output: '[1,1,1]' });
    expect(tooMany).toBe(
      'ValidationException: stateConfiguration.mapIterationFailureCount (4) cannot exceed the number of items of the Map state (3)',
    );
  });

  it('reads a Distributed Map’s items from mapItemReaderData as its ItemReader parses its S3 object', async () => {
    // Prepare
    const csv = distributed({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW', MaxItems: 2 },
        Parameters: { Bucket: 'releases', Key: 'waves.csv' },
      },
      ItemSelector: { 'host.$': '$$.Map.Item.Value.host', 'source.$': '$$.Map.Item.Source' },
    });
    const data = 'host,zone\nweb-1,a\nweb-2,b\nweb-3,c\n';
    // Act
    const answer = await test(
      csv,
      {},
      {
        mock: { result: '["ok","ok"]' },
        stateConfiguration: { mapItemReaderData: data },
        inspectionLevel: 'DEBUG',
      },
    );
    const inline = await refusal({ Type: 'Map', ItemProcessor: SHIP_EACH, End: true }, [], {
      mock: { result: '[]' },
      stateConfiguration: { mapItemReaderData: '[]' },
    });
    // Assess
    expect(answer).toEqual({
      status: 'SUCCEEDED',
      output: '["ok","ok"]',
      inspectionData: {
        input: '{}',
        afterInputPath: '{}',
        afterItemSelector:
          '[{"host":"web-1","source":"S3://releases/waves.csv"},{"host":"web-2","source":"S3://releases/waves.csv"}]',
        maxConcurrency: 0,
        afterResultSelector: '["ok","ok"]',
        afterResultPath: '["ok","ok"]',
      },
    });
    expect(inline).toBe(
      'ValidationException: stateConfiguration.mapItemReaderData is for a Map state whose ItemReader reads an S3 object (arn:aws:states:::s3:getObject)',
    );
  });

  it('answers a mocked error of a Map or Parallel named by errorCausedByState, which must name a state inside it', async () => {
    // Prepare
    const parallel = {
      Type: 'Parallel',
      Branches: [SHIP_EACH, { StartAt: 'Wait', States: { Wait: { Type: 'Pass', End: true } } }],
      Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.failure', Next: 'Rollback' }],
      End: true,
    };
    const errorOutput = { error: 'States.TaskFailed', cause: 'the region refused the deploy' };
    // Act
    const caught = await test(
      parallel,
      { app: 'checkout' },
      {
        mock: { errorOutput },
        stateConfiguration: { errorCausedByState: 'Ship' },
      },
    );
    const unnamed = await refusal(parallel, {}, { mock: { errorOutput } });
    const elsewhere = await refusal(
      parallel,
      {},
      {
        mock: { errorOutput },
        stateConfiguration: { errorCausedByState: 'Rollback' },
      },
    );
    const onResult = await refusal(
      parallel,
      {},
      {
        mock: { result: '[1,2]' },
        stateConfiguration: { errorCausedByState: 'Ship' },
      },
    );
    // The case AWS recorded: a JSONata Distributed Map whose mocked error a processor's task causes.
    const jsonata = await test(
      distributed({ QueryLanguage: 'JSONata', Items: '{% $states.input.Values %}', Output: '{% $states %}' }),
      { Values: [1, 1, 1] },
      {
        mock: { errorOutput: { error: 'MockException', cause: 'Mock the cause of the error.' } },
        stateConfiguration: { errorCausedByState: 'Ship' },
        inspectionLevel: 'DEBUG',
      },
    );
    // Assess
    expect(jsonata).toEqual({
      status: 'FAILED',
      error: 'MockException',
      cause: 'Mock the cause of the error.',
      inspectionData: { input: '{"Values":[1,1,1]}', maxConcurrency: 0 },
    });
    expect(caught).toEqual({
      status: 'CAUGHT_ERROR',
      ...errorOutput,
      nextState: 'Rollback',
      output: JSON.stringify({
        app: 'checkout',
        failure: { Error: errorOutput.error, Cause: errorOutput.cause },
      }),
    });
    const mustName =
      'ValidationException: stateConfiguration.errorCausedByState must name the state inside the Parallel state that the mocked error comes from';
    expect(unnamed).toBe(`${mustName} (got null)`);
    expect(elsewhere).toBe(`${mustName} (got "Rollback")`);
    expect(onResult).toBe(
      'ValidationException: stateConfiguration.errorCausedByState is for a mocked error (mock.errorOutput) of a Map or Parallel state',
    );
  });

  it('shows a mocked Parallel’s data flow at DEBUG, without its branches’ result of its own', async () => {
    // Act
    const answer = await test(
      {
        Type: 'Parallel',
        InputPath: '$.checks',
        Branches: [SHIP_EACH, { StartAt: 'Probe', States: { Probe: { Type: 'Pass', End: true } } }],
        ResultSelector: { 'healthy.$': '$[0]' },
        ResultPath: '$.verdict',
        End: true,
      },
      { checks: { app: 'checkout' } },
      { mock: { result: '[true,false]' }, inspectionLevel: 'DEBUG' },
    );
    // Assess
    expect(answer).toEqual({
      status: 'SUCCEEDED',
      output: '{"checks":{"app":"checkout"},"verdict":{"healthy":true}}',
      inspectionData: {
        input: '{"checks":{"app":"checkout"}}',
        afterInputPath: '{"app":"checkout"}',
        afterParameters: '{"app":"checkout"}',
        afterResultSelector: '{"healthy":true}',
        afterResultPath: '{"checks":{"app":"checkout"},"verdict":{"healthy":true}}',
      },
    });
  });
});

describe('TestState with a context object', () => {
  const reportsContext = {
    Type: 'Task',
    Resource: `${FUNCTION}ship`,
    Parameters: {
      'execution.$': '$$.Execution.Id',
      'attempt.$': '$$.State.RetryCount',
      'input.$': '$$.Execution.Input',
    },
    ResultPath: null,
    End: true,
  };

  it('gives a mocked state the context object of the request in place of its own', async () => {
    // Prepare
    const context = {
      Execution: { Id: 'arn:aws:states:eu-west-1:111111111111:execution:release:r-42', Input: { wave: 3 } },
      State: { Name: 'Deploy', RetryCount: 2 },
    };
    // Act
    const answer = await test(
      reportsContext,
      {},
      {
        mock: { result: '{}' },
        context: JSON.stringify(context),
        inspectionLevel: 'DEBUG',
      },
    );
    // Assess
    expect(JSON.parse(answer.inspectionData!.afterParameters!)).toEqual({
      execution: context.Execution.Id,
      attempt: 2,
      input: { wave: 3 },
    });
  });

  it('fails a Map whose ItemsPath selects no array of the given context with AWS’s bare cause', async () => {
    // Prepare: as recorded in localstack/localstack tests/aws/services/stepfunctions/v2/test_state/
    // test_state_context_object.snapshot.json (test_state_map_context_object[ALL] and [EXECUTION_INPUT]).
    const map = (ItemsPath: string) => ({
      Type: 'Map',
      ItemsPath,
      MaxConcurrency: 1,
      ItemProcessor: { StartAt: 'HandleItem', States: { HandleItem: { Type: 'Pass', End: true } } },
      End: true,
    });
    const request = {
      mock: { result: '["CHARIZARD","PIKACHU","BULBASAUR"]' },
      context: JSON.stringify({ Execution: { Input: { values: ['charizard'] } } }),
      inspectionLevel: 'TRACE' as const,
    };
    // Act
    const whole = await test(map('$$'), ['fire'], request);
    const input = await test(map('$$.Execution.Input'), ['fire'], request);
    // Assess
    expect(whole).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: 'Reference path "$" must point to array.',
    });
    expect(input.cause).toBe('Reference path "$.Execution.Input" must point to array.');
  });

  it('gives a mocked .waitForTaskToken task a task token, the request’s when its context has one', async () => {
    // Prepare
    const approval = {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
      Parameters: { TopicArn: 'arn:aws:sns:us-east-1:000000000000:approvals', 'Message.$': '$$.Task.Token' },
      End: true,
    };
    const tokenOf = async (extra: Partial<TestStateCommandInput>) => {
      const answer = await test(
        approval,
        {},
        { mock: { result: '{"approved":true}' }, inspectionLevel: 'DEBUG', ...extra },
      );
      return (JSON.parse(answer.inspectionData!.afterParameters!) as { Message: string }).Message;
    };
    // Act
    const generated = await tokenOf({});
    const given = await tokenOf({ context: JSON.stringify({ Task: { Token: 'abcd123' } }) });
    const withoutTask = await tokenOf({ context: JSON.stringify({ Execution: { Id: 'eid' } }) });
    // Assess
    expect(isWellFormedTaskToken(generated)).toBe(true);
    expect(given).toBe('abcd123');
    expect(isWellFormedTaskToken(withoutTask)).toBe(true);
  });

  it('refuses a context object without a mock, or with a member or type AWS does not allow, naming it', async () => {
    // Act
    const refused = (context: unknown) =>
      refusal(reportsContext, {}, { mock: { result: '{}' }, context: JSON.stringify(context) });
    const withoutMock = await refusal(
      reportsContext,
      {},
      { roleArn: 'arn:aws:iam::000000000000:role/r', context: '{}' },
    );
    const map = await refused({ Map: {} });
    const unknownMember = await refused({ Pokedex: {} });
    const unknownField = await refused({ Execution: { pokemon: 'squirtle' } });
    const wrongType = await refused({ Execution: { Id: 1 } });
    const task = await refused({ Task: { Token: 'abcd123' } });
    // Assess
    const invalid = 'ValidationException: Invalid Context object provided:';
    expect(withoutMock).toBe(
      'ValidationException: A Context object may only be specified if a mock is specified in the same request.',
    );
    expect(map).toBe(`${invalid} 'Map' field is not supported when mocking a Context object`);
    expect(unknownMember).toBe(`${invalid} Field 'Pokedex' is not allowed`);
    expect(unknownField).toBe(`${invalid} Field 'pokemon' is not allowed`);
    expect(wrongType).toBe(`${invalid} Execution.Id must be a string`);
    expect(task).toBe(
      `${invalid} Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern`,
    );
  });
});

describe('TestState checking a mocked result against what its integration returns', () => {
  const task = (Resource: string, Parameters: object = {}) => ({
    Type: 'Task',
    Resource,
    Parameters,
    End: true,
  });
  const putEvents = task('arn:aws:states:::events:putEvents', {
    Entries: [{ Detail: {}, DetailType: 'x', Source: 'y' }],
  });
  const startExecution = task('arn:aws:states:::states:startExecution', {
    StateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:child',
  });
  const lambda = task('arn:aws:states:::lambda:invoke', { FunctionName: `${FUNCTION}ship` });
  const checked = (state: object, result: unknown, fieldValidationMode?: 'STRICT' | 'PRESENT' | 'NONE') =>
    refusal(state, {}, { mock: { result: JSON.stringify(result), fieldValidationMode } });

  it('refuses, in AWS’s words, a member of the wrong type, a missing required one (STRICT) or an unknown enum value', async () => {
    // Act
    const entries = await checked(putEvents, { Entries: {} });
    const secondEventId = await checked(putEvents, { Entries: [{ EventId: 'a' }, { EventId: 7 }] });
    const missing = await checked(startExecution, { executionArn: 'a', startDate: 'b' });
    const startDate = await checked(startExecution, { ExecutionArn: 'a', StartDate: true }, 'PRESENT');
    const statusCode = await checked(lambda, { StatusCode: '200' });
    const status = await checked(
      task('arn:aws:states:::states:startExecution.sync:2', {
        StateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:child',
      }),
      { ExecutionArn: 'a', StateMachineArn: 'b', Status: 'DONE', StartDate: 'c' },
    );
    // Assess
    const invalid = 'ValidationException: Mock result schema validation error:';
    expect(entries).toBe(`${invalid} Field 'Entries' must be an array`);
    expect(secondEventId).toBe(`${invalid} Field 'EventId' must be a string`);
    expect(missing).toBe(`${invalid} Required field 'ExecutionArn' is missing`);
    expect(startDate).toBe(`${invalid} Field 'StartDate' must be a string`);
    expect(statusCode).toBe(`${invalid} Field 'StatusCode' must be a number`);
    expect(status).toBe(`${invalid} Field 'Status' is not an expected value`);
  });

  it('lets through members the model lacks, missing required ones under PRESENT, and anything under NONE', async () => {
    // Act
    const unknown = await checked(lambda, { random: 'json' });
    const present = await checked(startExecution, { executionArn: 'a' }, 'PRESENT');
    const none = await checked(putEvents, { Entries: 'none' }, 'NONE');
    const callback = await checked(
      task('arn:aws:states:::lambda:invoke.waitForTaskToken', {
        FunctionName: `${FUNCTION}ship`,
        'Payload.$': '$$.Task.Token',
      }),
      { anything: [1] },
    );
    // Assess
    expect(unknown).toBe('answered {"output":"{\\"random\\":\\"json\\"}","status":"SUCCEEDED"}');
    expect(present).toBe('answered {"output":"{\\"executionArn\\":\\"a\\"}","status":"SUCCEEDED"}');
    expect(none).toBe('answered {"output":"{\\"Entries\\":\\"none\\"}","status":"SUCCEEDED"}');
    expect(callback).toBe('answered {"output":"{\\"anything\\":[1]}","status":"SUCCEEDED"}');
  });
});

describe('TestState refusing what it cannot take', () => {
  const deep = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
  const readsItems = distributed({
    ItemReader: {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { Bucket: 'b', Key: 'k' },
    },
  });

  it('answers data nested past the local limit with a refusal or the reader’s failure, and serves on', async () => {
    // Act
    const readerData = await test(
      readsItems,
      {},
      {
        mock: { result: '[]' },
        stateConfiguration: { mapItemReaderData: `[${deep(5000)}]` },
      },
    );
    const mocked = await refusal(distributed({}), [1], { mock: { result: `[${deep(5000)}]` } });
    const context = await refusal(
      { Type: 'Task', Resource: `${FUNCTION}ship`, End: true },
      {},
      {
        mock: { result: '{}' },
        context: `{"Execution":{"Input":${deep(5000)}}}`,
      },
    );
    const after = await test({ Type: 'Pass', End: true }, { still: 'serving' });
    // Assess
    expect(readerData).toMatchObject({ status: 'FAILED', error: 'States.ItemReaderFailed' });
    expect(mocked).toMatch(
      /^ValidationException: Mocked result nests arrays and objects more than 996 levels deep/,
    );
    expect(context).toMatch(
      /^ValidationException: Invalid Context object provided: it nests arrays and objects more than 996 levels deep/,
    );
    expect(after).toEqual({ status: 'SUCCEEDED', output: '{"still":"serving"}' });
  });

  it('never repeats a context, reader data or state name, which the API model marks sensitive', async () => {
    // Act
    const secret = 'SECRET-'.repeat(20);
    const context = await refusal(
      { Type: 'Task', Resource: `${FUNCTION}ship`, End: true },
      {},
      {
        mock: { result: '{}' },
        context: secret,
      },
    );
    const stateName = await refusal(
      { Type: 'Parallel', Branches: [SHIP_EACH], End: true },
      {},
      { mock: { errorOutput: { error: 'E' } }, stateConfiguration: { errorCausedByState: secret } },
    );
    // Assess
    expect(context).toBe('ValidationException: Invalid Context object provided: it is not JSON');
    expect(stateName).toMatch(
      /^ValidationException: 1 validation error detected: Value at 'stateConfiguration\.errorCausedByState'/,
    );
    expect(`${context}${stateName}`).not.toContain('SECRET');
  });

  it('takes a nested member set to null as missing, as AWS’s JSON protocol does', async () => {
    // Act
    const response = await fetch(local.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSStepFunctions.TestState' },
      body: JSON.stringify({
        definition: JSON.stringify(distributed({})),
        input: '[1]',
        mock: { result: '[2]', errorOutput: null, fieldValidationMode: null },
        stateConfiguration: { mapIterationFailureCount: null, retrierRetryCount: null },
      }),
    });
    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'SUCCEEDED', output: '[2]' });
  });

  it('refuses a retrierRetryCount for a state without a Retry', async () => {
    // Act
    const pass = await refusal(
      { Type: 'Pass', End: true },
      {},
      { stateConfiguration: { retrierRetryCount: 1 } },
    );
    // Assess
    expect(pass).toBe(
      'ValidationException: stateConfiguration.retrierRetryCount is for a state with a Retry: a Task, Map or Parallel (the tested state is a Pass)',
    );
  });
});

describe('TestState of a mocked state of a whole JSONata machine, and of a Map writing its results', () => {
  it('tests a Map or Parallel of a JSONata machine by its stateName, its nested states in JSONata too', async () => {
    // Prepare
    const machine = {
      QueryLanguage: 'JSONata',
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Parallel',
          Arguments: { regions: '{% $states.input.regions %}' },
          Branches: [
            {
              StartAt: 'Each',
              States: {
                Each: {
                  Type: 'Map',
                  Items: '{% $states.input.regions %}',
                  ItemProcessor: {
                    StartAt: 'Deploy',
                    States: {
                      Deploy: {
                        Type: 'Task',
                        Resource: 'arn:aws:states:::lambda:invoke',
                        Arguments: { FunctionName: `${FUNCTION}ship`, Payload: '{% $states.input %}' },
                        End: true,
                      },
                    },
                  },
                  End: true,
                },
              },
            },
          ],
          End: true,
        },
      },
    };
    const definition = JSON.stringify(machine);
    // Act
    const fan = await test(
      {},
      { regions: ['eu', 'us'] },
      {
        definition,
        stateName: 'Fan',
        mock: { result: '[["ok","ok"]]' },
        inspectionLevel: 'DEBUG',
      },
    );
    const each = await test(
      {},
      { regions: ['eu', 'us'] },
      { definition, stateName: 'Each', mock: { result: '["ok","ok"]' } },
    );
    // Assess
    expect(fan).toEqual({
      status: 'SUCCEEDED',
      output: '[["ok","ok"]]',
      inspectionData: { input: '{"regions":["eu","us"]}', afterArguments: '{"regions":["eu","us"]}' },
    });
    expect(each).toEqual({ status: 'SUCCEEDED', output: '["ok","ok"]' });
  });

  it('takes an array mock for a Map whose ResultWriter only shapes its results, as it outputs one', async () => {
    // Act
    const flattened = await test(
      distributed({ ResultWriter: { WriterConfig: { OutputType: 'JSON', Transformation: 'FLATTEN' } } }),
      [1, 2],
      { mock: { result: '[1,2]' } },
    );
    const object = await refusal(
      distributed({ ResultWriter: { WriterConfig: { OutputType: 'JSON', Transformation: 'FLATTEN' } } }),
      [1, 2],
      { mock: { result: '{"a":1}' } },
    );
    // Assess
    expect(flattened).toEqual({ status: 'SUCCEEDED', output: '[1,2]' });
    expect(object).toBe('ValidationException: Mocked result must be an array.');
  });
});

import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { waitForExecution } from '#test/support/local-runtime.ts';

const API = 'https://docs.aws.amazon.com/step-functions/latest/apireference';
/** AWS-recorded Wait histories and errors (test_wait_timestamp_path, test_wait_timestamp_invalid). */
const RECORDED_WAIT =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json';
/** AWS-recorded answers of the Step Functions API (localstack's snapshots of calls to AWS). */
const RECORDED_API =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/test_sfn_api.snapshot.json';
/** Where AWS recorded an answer: the snapshot of `test` (of `TestSnfApi`), at `key`. */
const recorded = (test: string, key: string) => `${RECORDED_API} (TestSnfApi::${test}, ${key})`;
/** Validation answers measured against AWS and pinned in floci's tests (floci-io/floci#2786, #2735). */
const MEASURED_VALIDATION = 'https://github.com/floci-io/floci/pull/2786';
const ROLE = 'arn:aws:iam::000000000000:role/conformance';
const PASS = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
const MISSING_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:does-not-exist';
/** Shaped like a task token, but no task was given it. */
const UNKNOWN_TOKEN = Buffer.from(`${'0'.repeat(36)}:${'1'.repeat(36)}`).toString('base64url');
const MISSING_EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:does-not-exist:nope';
/** The most characters of a task token (API reference: taskToken, length 1 to 2048). */
const TOKEN_LIMIT = 2048;
/** AWS's answer to a task token over {@link TOKEN_LIMIT} characters (the value is sensitive, so not shown). */
const TOKEN_TOO_LONG =
  "1 validation error detected: Value at 'taskToken' failed to satisfy constraint: Member must have length less than or equal to 2048";
/** AWS's answer to a `maxResults` of 1001 where 1000 is the most. */
const MAX_RESULTS_OVER_1000 =
  "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000";
/** The most bytes (UTF-8) an execution input or task output may take. */
const PAYLOAD_LIMIT = 262_144;
/** Arrays nested `depth` deep: `[[...]]`. */
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
/** A Pass state machine whose `field` holds objects `{"a": ...}` nested `depth` deep. */
const passNesting = (field: string, depth: number) =>
  `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true,"${field}":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}}`;
/** The local runtime's diagnostic for a definition nested deeper than its limit. */
const DEFINITION_TOO_DEEP =
  'The definition nests arrays and objects more than 1000 levels deep, the nesting depth limit of the local runtime';
/** A conformance function that never answers (see functions.ts). */
const HANG = 'arn:aws:lambda:us-east-1:000000000000:function:hang';

/** What an API case gets: an SDK client, the raw endpoint, and a fresh state machine. */
export interface ApiCaseContext {
  readonly client: SFNClient;
  readonly endpoint: string;
  /** Creates a Pass state machine with a unique name; returns its ARN. */
  createPassMachine(): Promise<string>;
}

/** A state name of 90 characters, as AWS was given it. */
const LONG_STATE_NAME =
  'This is an exceptionally long state name that I know will fail when I try to deploy to AWS';

/** A call and the AWS error code it must be answered with (and, where AWS's wording is known, its message). */
export interface ApiErrorCase {
  readonly name: string;
  readonly source: string;
  readonly act: (context: ApiCaseContext) => Promise<unknown>;
  readonly error: string;
  readonly message?: string;
}

/** POSTs a raw AWS JSON 1.0 request, for shapes the SDK would not send. */
export async function rawCall(
  endpoint: string,
  target: string,
  body: string,
): Promise<{ status: number; json: { __type?: string; message?: string } }> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target },
    body,
  });
  return { status: response.status, json: (await response.json()) as { __type?: string; message?: string } };
}

function invalid(definition: unknown): (context: ApiCaseContext) => Promise<unknown> {
  return ({ client }) =>
    client.send(
      new CreateStateMachineCommand({
        name: `invalid-${Math.random().toString(36).slice(2)}`,
        definition: typeof definition === 'string' ? definition : JSON.stringify(definition),
        roleArn: ROLE,
      }),
    );
}

/** CreateStateMachine of a Task whose retrier has `field` over the limit AWS checks: InvalidDefinition. */
function retrierOverItsLimit(what: string, field: Record<string, number>): ApiErrorCase {
  return {
    name: `CreateStateMachine with a retrier ${what}`,
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html',
    act: invalid({
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:000000000000:function:f',
          Retry: [{ ErrorEquals: ['States.ALL'], ...field }],
          End: true,
        },
      },
    }),
    error: 'InvalidDefinition',
  };
}

/**
 * Creates a state machine whose execution waits on a function that never answers, starts it and deletes
 * the state machine, which stays DELETING while that execution runs; returns its ARN.
 */
async function deletingMachine(client: SFNClient): Promise<string> {
  const { stateMachineArn } = await client.send(
    new CreateStateMachineCommand({
      name: `deleting-${Math.random().toString(36).slice(2)}`,
      definition: JSON.stringify({
        StartAt: 'Hang',
        States: { Hang: { Type: 'Task', Resource: HANG, End: true } },
      }),
      roleArn: ROLE,
    }),
  );
  await client.send(new StartExecutionCommand({ stateMachineArn }));
  await client.send(new DeleteStateMachineCommand({ stateMachineArn }));
  return stateMachineArn!;
}

/** API errors, with the codes AWS answers them with. */
export const apiErrorCases: ApiErrorCase[] = [
  {
    name: 'CreateStateMachine with a definition that is not JSON',
    source: `${API}/API_CreateStateMachine.html`,
    act: invalid('{"StartAt": '),
    error: 'InvalidDefinition',
  },
  {
    name: 'CreateStateMachine with a state name given twice in States',
    source: 'https://github.com/aws-cloudformation/cfn-lint/issues/3616',
    act: invalid('{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"A":{"Type":"Succeed"}}}'),
    error: 'InvalidDefinition',
    message: "Invalid State Machine Definition: 'DUPLICATE_STATE_NAME: Duplicate State name: A at /States/A'",
  },
  {
    name: 'CreateStateMachine with a state name over 80 characters',
    source: 'https://github.com/ChristopheBougere/asl-validator/issues/69 (AWS CLI output)',
    act: invalid({
      StartAt: 'Hello',
      States: {
        Hello: { Type: 'Pass', Next: LONG_STATE_NAME },
        [LONG_STATE_NAME]: { Type: 'Pass', End: true },
      },
    }),
    error: 'InvalidDefinition',
    message:
      `Invalid State Machine Definition: 'INVALID_STATE_NAME: Invalid State name: State '${LONG_STATE_NAME}' ` +
      `exceeds the 80-character limit allowed by the service at /States/${LONG_STATE_NAME}'`,
  },
  {
    name: 'CreateStateMachine without States',
    source: recorded('test_create_delete_invalid_sm', 'invalid_definition_1'),
    act: invalid({ Comment: 'BASE_INVALID_DER', StartAt: 'State_1' }),
    error: 'InvalidDefinition',
    message:
      "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'",
  },
  {
    name: 'CreateStateMachine without StartAt',
    source: `${API}/API_CreateStateMachine.html`,
    act: invalid({ States: { P: { Type: 'Pass', End: true } } }),
    error: 'InvalidDefinition',
  },
  {
    name: 'CreateStateMachine with Next naming a missing state',
    source: `${API}/API_CreateStateMachine.html`,
    act: invalid({ StartAt: 'P', States: { P: { Type: 'Pass', Next: 'Nowhere' } } }),
    error: 'InvalidDefinition',
  },
  {
    name: 'CreateStateMachine lists every problem in one quoted message, as CODE: message at /path',
    source: 'CreateStateMachine response of AWS Step Functions (us-east-1) to this definition',
    act: invalid({
      StartAt: 'pass1',
      States: { pass1: { Type: 'Pass', Next: 'pass3' }, pass2: { Type: 'Pass', End: true } },
    }),
    error: 'InvalidDefinition',
    message:
      "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at /States/pass1/Next, " +
      'MISSING_TRANSITION_TARGET: State "pass2" is not reachable. at /States/pass2\'',
  },
  {
    name: 'CreateStateMachine with an unknown state type',
    source: `${API}/API_CreateStateMachine.html`,
    act: invalid({ StartAt: 'P', States: { P: { Type: 'Teleport', End: true } } }),
    error: 'InvalidDefinition',
  },
  {
    name: 'CreateStateMachine of a workflow without a terminal state (MISSING_END_STATE, located nowhere)',
    source: MEASURED_VALIDATION,
    act: invalid({
      StartAt: 'A',
      States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', Next: 'A' } },
    }),
    error: 'InvalidDefinition',
    message: "Invalid State Machine Definition: 'MISSING_END_STATE: Workflow has no terminal state at null'",
  },
  {
    name: 'CreateStateMachine with TimeoutSeconds on a Parallel state (a field its type does not take)',
    source: MEASURED_VALIDATION,
    act: invalid({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          TimeoutSeconds: 5,
          Branches: [{ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 25, End: true } } }],
          End: true,
        },
      },
    }),
    error: 'InvalidDefinition',
    message:
      "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Field 'TimeoutSeconds' is not supported at /States/P'",
  },
  {
    name: 'CreateStateMachine with a Task Resource that is not an ARN (INVALID_RESOURCE)',
    source: `${API}/API_ValidateStateMachineDefinitionDiagnostic.html`,
    act: invalid({ StartAt: 'T', States: { T: { Type: 'Task', Resource: 'not-an-arn', End: true } } }),
    error: 'InvalidDefinition',
  },
  {
    name: 'CreateStateMachine with an unknown action of an optimized integration (INVALID_RESOURCE)',
    source: `${API}/API_ValidateStateMachineDefinitionDiagnostic.html`,
    act: invalid({
      StartAt: 'T',
      States: { T: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:frobnicate', End: true } },
    }),
    error: 'InvalidDefinition',
  },
  {
    name: 'CreateStateMachine with Wait Seconds over 99999999',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html',
    act: invalid({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 100_000_000, End: true } } }),
    error: 'InvalidDefinition',
  },
  retrierOverItsLimit('IntervalSeconds over 99999999', { IntervalSeconds: 100_000_000 }),
  retrierOverItsLimit('MaxAttempts over 99999999', { MaxAttempts: 100_000_000 }),
  retrierOverItsLimit('MaxDelaySeconds over 31622400', { MaxDelaySeconds: 31_622_401 }),
  {
    name: 'CreateStateMachine with a blank definition',
    source: `${API}/API_ValidateStateMachineDefinitionDiagnostic.html`,
    act: invalid(' '),
    error: 'InvalidDefinition',
  },
  {
    name: 'ValidateStateMachineDefinition with an empty definition (length 1 at least)',
    source: `${API}/API_ValidateStateMachineDefinition.html`,
    act: ({ client }) => client.send(new ValidateStateMachineDefinitionCommand({ definition: '' })),
    error: 'ValidationException',
    message:
      "1 validation error detected: Value at 'definition' failed to satisfy constraint: Member must have length greater than or equal to 1",
  },
  {
    name: 'CreateStateMachine with Assign on a Succeed state',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html',
    act: invalid({ StartAt: 'S', States: { S: { Type: 'Succeed', Assign: { a: 1 } } } }),
    error: 'InvalidDefinition',
  },
  {
    name: 'CreateStateMachine assigning the reserved variable name states',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html',
    act: invalid({ StartAt: 'P', States: { P: { Type: 'Pass', Assign: { states: 1 }, End: true } } }),
    error: 'InvalidDefinition',
  },
  {
    name: 'CreateStateMachine with a Map iteration assigning a variable of the outer scope',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html',
    act: invalid({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          Assign: { total: 0 },
          ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', Assign: { total: 1 }, End: true } } },
          End: true,
        },
      },
    }),
    error: 'InvalidDefinition',
  },
  {
    name: 'CreateStateMachine with a backslash that escapes nothing in an intrinsic string literal',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html',
    act: invalid({
      StartAt: 'P',
      States: { P: { Type: 'Pass', Parameters: { 'm.$': "States.Format('a\\nb {}', 'x')" }, End: true } },
    }),
    error: 'InvalidDefinition',
  },
  {
    name: 'CreateStateMachine with a Fail CausePath calling an intrinsic AWS does not allow there',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html',
    act: invalid({
      StartAt: 'S',
      States: { S: { Type: 'Fail', CausePath: 'States.ArrayLength($.errors)' } },
    }),
    error: 'InvalidDefinition',
    message:
      "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The value for the field 'CausePath' is invalid: " +
      'States.ArrayLength cannot be used here: the allowed functions are States.Format, States.JsonToString, ' +
      "States.ArrayGetItem, States.Base64Encode, States.Base64Decode, States.Hash, States.UUID at /States/S/CausePath'",
  },
  {
    name: 'CreateStateMachine with a Wait Timestamp that is not RFC 3339 (no zone)',
    source: RECORDED_WAIT,
    act: invalid({
      StartAt: 'WaitUntil',
      States: { WaitUntil: { Type: 'Wait', Timestamp: '2016-12-05T21:29:29', End: true } },
    }),
    error: 'InvalidDefinition',
    message:
      "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: String does not match RFC3339 timestamp at /States/WaitUntil/Timestamp'",
  },
  {
    name: 'CreateStateMachine with a Comment that is not a string',
    source: 'https://states-language.net/spec.html',
    act: invalid({ Comment: 1, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }),
    error: 'InvalidDefinition',
  },
  {
    name: 'CreateStateMachine with a name containing a space',
    source: `${API}/API_CreateStateMachine.html`,
    act: ({ client }) =>
      client.send(new CreateStateMachineCommand({ name: 'bad name', definition: PASS, roleArn: ROLE })),
    error: 'InvalidName',
  },
  {
    name: 'CreateStateMachine with an existing name and another definition',
    source: `${API}/API_CreateStateMachine.html`,
    act: async ({ client, createPassMachine }) => {
      const arn = await createPassMachine();
      const name = arn.split(':').pop()!;
      const other = JSON.stringify({ StartAt: 'S', States: { S: { Type: 'Succeed' } } });
      return client.send(new CreateStateMachineCommand({ name, definition: other, roleArn: ROLE }));
    },
    error: 'StateMachineAlreadyExists',
  },
  {
    name: 'CreateStateMachine of an EXPRESS state machine with a .waitForTaskToken task',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html',
    act: ({ client }) =>
      client.send(
        new CreateStateMachineCommand({
          name: `express-${Math.random().toString(36).slice(2)}`,
          definition: JSON.stringify({
            StartAt: 'Callback',
            States: {
              Callback: {
                Type: 'Task',
                Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
                Parameters: { QueueUrl: 'q', MessageBody: { 'Token.$': '$$.Task.Token' } },
                End: true,
              },
            },
          }),
          roleArn: ROLE,
          type: 'EXPRESS',
        }),
      ),
    error: 'InvalidDefinition',
  },
  {
    name: 'CreateStateMachine with more than the 50 tags a state machine may have',
    source: `${API}/API_CreateStateMachine.html`,
    act: ({ client }) =>
      client.send(
        new CreateStateMachineCommand({
          name: 'tagged',
          definition: PASS,
          roleArn: ROLE,
          tags: Array.from({ length: 51 }, (_, index) => ({ key: `k${index}`, value: 'v' })),
        }),
      ),
    error: 'TooManyTags',
  },
  {
    name: 'CreateStateMachine encrypted with a customer managed key but no kmsKeyId',
    source: `${API}/API_CreateStateMachine.html`,
    act: ({ client }) =>
      client.send(
        new CreateStateMachineCommand({
          name: 'encrypted',
          definition: PASS,
          roleArn: ROLE,
          encryptionConfiguration: { type: 'CUSTOMER_MANAGED_KMS_KEY' },
        }),
      ),
    error: 'InvalidEncryptionConfiguration',
  },
  {
    name: 'StartExecution with a traceHeader that is not ASCII',
    source: `${API}/API_StartExecution.html`,
    act: async ({ client, createPassMachine }) =>
      client.send(
        new StartExecutionCommand({ stateMachineArn: await createPassMachine(), traceHeader: 'Root=1-é' }),
      ),
    error: 'ValidationException',
    message:
      "1 validation error detected: Value 'Root=1-é' at 'traceHeader' failed to satisfy constraint: Member must satisfy regular expression pattern: \\p{ASCII}*",
  },
  {
    name: 'DeleteStateMachine with an ARN qualified by a Distributed Map label',
    source: `${API}/API_DeleteStateMachine.html`,
    act: async ({ client, createPassMachine }) =>
      client.send(new DeleteStateMachineCommand({ stateMachineArn: `${await createPassMachine()}/label` })),
    error: 'ValidationException',
  },
  {
    name: 'StartExecution of a state machine being deleted (an execution still RUNNING)',
    source: `${API}/API_DeleteStateMachine.html`,
    act: async ({ client }) => {
      const stateMachineArn = await deletingMachine(client);
      return client.send(new StartExecutionCommand({ stateMachineArn }));
    },
    error: 'StateMachineDeleting',
  },
  {
    name: 'CreateStateMachine with the name of a state machine being deleted',
    source: `${API}/API_CreateStateMachine.html`,
    act: async ({ client }) => {
      const name = (await deletingMachine(client)).split(':').pop()!;
      return client.send(new CreateStateMachineCommand({ name, definition: PASS, roleArn: ROLE }));
    },
    error: 'StateMachineDeleting',
  },
  {
    name: 'ListExecutions without stateMachineArn or mapRunArn',
    source: `${API}/API_ListExecutions.html`,
    act: ({ client }) => client.send(new ListExecutionsCommand({})),
    error: 'ValidationException',
  },
  {
    name: 'ListExecutions with both stateMachineArn and mapRunArn',
    source: `${API}/API_ListExecutions.html`,
    act: async ({ client, createPassMachine }) =>
      client.send(
        new ListExecutionsCommand({
          stateMachineArn: await createPassMachine(),
          mapRunArn: 'arn:aws:states:us-east-1:000000000000:mapRun:m/label:00000000-0000',
        }),
      ),
    error: 'ValidationException',
  },
  {
    name: 'ListExecutions with stateMachineArn and statusFilter PENDING_REDRIVE',
    source: `${API}/API_ListExecutions.html`,
    act: async ({ client, createPassMachine }) =>
      client.send(
        new ListExecutionsCommand({
          stateMachineArn: await createPassMachine(),
          statusFilter: 'PENDING_REDRIVE',
        }),
      ),
    error: 'ValidationException',
  },
  {
    name: 'DescribeStateMachine of a missing state machine',
    source: `${API}/API_DescribeStateMachine.html`,
    act: ({ client }) => client.send(new DescribeStateMachineCommand({ stateMachineArn: MISSING_MACHINE })),
    error: 'StateMachineDoesNotExist',
  },
  {
    name: 'CreateStateMachine with a roleArn that is not an IAM role ARN',
    source:
      'https://github.com/aws/amazon-sagemaker-examples/issues/2432 (CreateStateMachine answered by AWS: "Invalid Role Arn: \'<execution-role-arn>\'")',
    act: ({ client }) =>
      client.send(
        new CreateStateMachineCommand({
          name: 'role-arn-refused',
          definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }),
          roleArn: '<execution-role-arn>',
        }),
      ),
    error: 'InvalidArn',
    message: "Invalid Role Arn: '<execution-role-arn>'",
  },
  {
    name: 'DescribeStateMachine with a value that is not an ARN',
    source: recorded('test_describe_invalid_arn_sm', 'exception'),
    act: ({ client }) => client.send(new DescribeStateMachineCommand({ stateMachineArn: 'not_a_valid_arn' })),
    error: 'InvalidArn',
    message: "Invalid Arn: 'Invalid ARN prefix: not_a_valid_arn'",
  },
  {
    name: 'ListExecutions with a stateMachineArn that is not an ARN',
    source: recorded('test_list_execution_invalid_arn', 'exception'),
    act: ({ client }) =>
      client.send(new ListExecutionsCommand({ stateMachineArn: 'invalid_state_machine_arn' })),
    error: 'InvalidArn',
    message: "Invalid Arn: 'Invalid ARN prefix: invalid_state_machine_arn'",
  },
  {
    name: 'DescribeExecution with an executionArn that is not an ARN',
    source: recorded('test_describe_execution_invalid_arn', 'exception'),
    act: ({ client }) =>
      client.send(new DescribeExecutionCommand({ executionArn: 'invalid_state_machine_arn' })),
    error: 'InvalidArn',
    message: "Invalid Arn: 'Invalid ARN prefix: invalid_state_machine_arn'",
  },
  {
    name: 'GetExecutionHistory with an executionArn that is not an ARN',
    source: recorded('test_get_execution_history_invalid_arn', 'exception'),
    act: ({ client }) =>
      client.send(new GetExecutionHistoryCommand({ executionArn: 'invalid_state_machine_arn' })),
    error: 'InvalidArn',
  },
  {
    name: 'ListExecutions with a statusFilter outside the enum (lowercase)',
    source: recorded('test_state_machine_status_filter', 'list_executions_filter_exc'),
    act: async ({ client, createPassMachine }) =>
      client.send(
        new ListExecutionsCommand({
          stateMachineArn: await createPassMachine(),
          statusFilter: 'succeeded' as ExecutionStatus,
        }),
      ),
    error: 'ValidationException',
    message:
      "1 validation error detected: Value 'succeeded' at 'statusFilter' failed to satisfy constraint: " +
      'Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]',
  },
  {
    name: 'ListStateMachines with maxResults 1001',
    source: recorded('test_list_sms_pagination', 'list-state-machines-invalid-param-too-large'),
    act: ({ client }) => client.send(new ListStateMachinesCommand({ maxResults: 1001 })),
    error: 'ValidationException',
    message: MAX_RESULTS_OVER_1000,
  },
  {
    name: 'ListExecutions with maxResults 1001',
    source: recorded('test_list_executions_pagination', 'list-executions-invalid-param-too-large'),
    act: async ({ client, createPassMachine }) =>
      client.send(
        new ListExecutionsCommand({ stateMachineArn: await createPassMachine(), maxResults: 1001 }),
      ),
    error: 'ValidationException',
    message: MAX_RESULTS_OVER_1000,
  },
  {
    name: 'ListStateMachines with a nextToken over 1024 characters',
    source: recorded('test_list_sms_pagination', 'list-state-machines-invalid-param-long-nextToken'),
    act: ({ client }) => client.send(new ListStateMachinesCommand({ nextToken: 'a'.repeat(1025) })),
    error: 'ValidationException',
    message: `1 validation error detected: Value '${'a'.repeat(1025)}' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 1024`,
  },
  {
    name: 'ListExecutions with a nextToken over 3096 characters',
    source: recorded('test_list_executions_pagination', 'list-executions-invalid-param-long-nextToken'),
    act: async ({ client, createPassMachine }) =>
      client.send(
        new ListExecutionsCommand({
          stateMachineArn: await createPassMachine(),
          nextToken: 'a'.repeat(3097),
        }),
      ),
    error: 'ValidationException',
    message: `1 validation error detected: Value '${'a'.repeat(3097)}' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 3096`,
  },
  {
    name: 'UpdateStateMachine of a missing state machine',
    source: `${API}/API_UpdateStateMachine.html`,
    act: ({ client }) =>
      client.send(new UpdateStateMachineCommand({ stateMachineArn: MISSING_MACHINE, definition: PASS })),
    error: 'StateMachineDoesNotExist',
  },
  {
    name: 'UpdateStateMachine with nothing to update',
    source: recorded('test_create_update_state_machine_base_update_none', 'missing_required_parameter'),
    act: async ({ client, createPassMachine }) =>
      client.send(new UpdateStateMachineCommand({ stateMachineArn: await createPassMachine() })),
    error: 'MissingRequiredParameter',
    message:
      'Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified',
  },
  {
    name: 'UpdateStateMachine with an invalid definition',
    source: `${API}/API_UpdateStateMachine.html`,
    act: async ({ client, createPassMachine }) =>
      client.send(
        new UpdateStateMachineCommand({ stateMachineArn: await createPassMachine(), definition: '{}' }),
      ),
    error: 'InvalidDefinition',
  },
  {
    name: 'CreateStateMachine with a Pass Result nested 10000 deep, over the local nesting depth limit',
    source: `${API}/API_CreateStateMachine.html`,
    act: invalid(passNesting('Result', 10_000)),
    error: 'InvalidDefinition',
    message: `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ${DEFINITION_TOO_DEEP} at /States/P/Result${'/a'.repeat(997)}'`,
  },
  {
    name: 'UpdateStateMachine with Pass Parameters nested 5000 deep, over the local nesting depth limit',
    source: `${API}/API_UpdateStateMachine.html`,
    act: async ({ client, createPassMachine }) =>
      client.send(
        new UpdateStateMachineCommand({
          stateMachineArn: await createPassMachine(),
          definition: passNesting('Parameters', 5_000),
        }),
      ),
    error: 'InvalidDefinition',
    message: `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ${DEFINITION_TOO_DEEP} at /States/P/Parameters${'/a'.repeat(997)}'`,
  },
  {
    name: 'StartExecution of a missing state machine',
    source: recorded('test_invalid_start_execution_arn', 'start_exec_of_deleted'),
    act: ({ client }) => client.send(new StartExecutionCommand({ stateMachineArn: MISSING_MACHINE })),
    error: 'StateMachineDoesNotExist',
    message: `State Machine Does Not Exist: '${MISSING_MACHINE}'`,
  },
  {
    name: 'StartExecution with input that is not JSON',
    source: `${API}/API_StartExecution.html`,
    act: async ({ client, createPassMachine }) =>
      client.send(
        new StartExecutionCommand({ stateMachineArn: await createPassMachine(), input: '{not json' }),
      ),
    error: 'InvalidExecutionInput',
  },
  {
    name: 'StartExecution with an empty input, worded as AWS words it',
    source: recorded('test_invalid_start_execution_input', 'start_res_empty'),
    act: async ({ client, createPassMachine }) =>
      client.send(new StartExecutionCommand({ stateMachineArn: await createPassMachine(), input: '' })),
    error: 'InvalidExecutionInput',
    message: "Invalid State Machine Execution Input: 'Invalid execution input.'",
  },
  {
    name: "StartExecution with input that is not JSON, in Jackson's words as AWS gives them",
    source: recorded('test_invalid_start_execution_input', 'start_exec_str_inp'),
    act: async ({ client, createPassMachine }) =>
      client.send(
        new StartExecutionCommand({ stateMachineArn: await createPassMachine(), input: 'not some json' }),
      ),
    error: 'InvalidExecutionInput',
    message:
      "Invalid State Machine Execution Input: 'Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')'",
  },
  {
    name: "StartExecution with single-quoted JSON, in Jackson's words as AWS gives them",
    source: recorded('test_invalid_start_execution_input', 'start_exec_not_json_inp'),
    act: async ({ client, createPassMachine }) =>
      client.send(
        new StartExecutionCommand({ stateMachineArn: await createPassMachine(), input: "{'not': 'json'" }),
      ),
    error: 'InvalidExecutionInput',
    message:
      "Invalid State Machine Execution Input: 'Unexpected character (''' (code 39)): was expecting double-quote to start field name'",
  },
  {
    name: 'StartExecution reusing a name with another input',
    source: `${API}/API_StartExecution.html`,
    act: async ({ client, createPassMachine }) => {
      const stateMachineArn = await createPassMachine();
      await client.send(new StartExecutionCommand({ stateMachineArn, name: 'once', input: '{"a":1}' }));
      return client.send(new StartExecutionCommand({ stateMachineArn, name: 'once', input: '{"a":2}' }));
    },
    error: 'ExecutionAlreadyExists',
  },
  {
    name: 'StartExecution with an invalid execution name',
    source: `${API}/API_StartExecution.html`,
    act: async ({ client, createPassMachine }) =>
      client.send(
        new StartExecutionCommand({ stateMachineArn: await createPassMachine(), name: 'has space' }),
      ),
    error: 'InvalidName',
  },
  {
    name: 'StartExecution with a name of 41 emoji, 82 UTF-16 code units, as AWS counts a length',
    source: `${API}/API_StartExecution.html`,
    act: async ({ client, createPassMachine }) =>
      client.send(
        new StartExecutionCommand({ stateMachineArn: await createPassMachine(), name: '😀'.repeat(41) }),
      ),
    error: 'ValidationException',
    message: `1 validation error detected: Value '${'😀'.repeat(41)}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80`,
  },
  {
    name: 'StartExecution with input nested 5000 deep, over the local nesting depth limit',
    source: `${API}/API_StartExecution.html`,
    act: async ({ client, createPassMachine }) =>
      client.send(
        new StartExecutionCommand({ stateMachineArn: await createPassMachine(), input: nested(5000) }),
      ),
    error: 'InvalidExecutionInput',
    message:
      "Invalid State Machine Execution Input: 'arrays and objects nest more than 1000 levels deep, the nesting depth limit of the local runtime'",
  },
  {
    name: 'SendTaskSuccess with output nested 5000 deep, over the local nesting depth limit',
    source: `${API}/API_SendTaskSuccess.html`,
    act: ({ client }) =>
      client.send(new SendTaskSuccessCommand({ taskToken: UNKNOWN_TOKEN, output: nested(5000) })),
    error: 'InvalidOutput',
    message:
      'Invalid output: arrays and objects nest more than 1000 levels deep, the nesting depth limit of the local runtime',
  },
  {
    name: 'StartExecution with ASCII input over 262,144 bytes',
    source: `${API}/API_StartExecution.html`,
    act: async ({ client, createPassMachine }) =>
      client.send(
        new StartExecutionCommand({
          stateMachineArn: await createPassMachine(),
          input: JSON.stringify('x'.repeat(PAYLOAD_LIMIT)),
        }),
      ),
    error: 'ValidationException',
  },
  {
    name: 'StartExecution with input under 262,144 characters but over 262,144 bytes in UTF-8',
    source: `${API}/API_StartExecution.html`,
    act: async ({ client, createPassMachine }) =>
      client.send(
        new StartExecutionCommand({
          stateMachineArn: await createPassMachine(),
          input: JSON.stringify('é'.repeat(PAYLOAD_LIMIT / 2)),
        }),
      ),
    error: 'ValidationException',
  },
  {
    name: 'SendTaskSuccess with output under 262,144 characters but over 262,144 bytes in UTF-8',
    source: `${API}/API_SendTaskSuccess.html`,
    act: ({ client }) =>
      client.send(
        new SendTaskSuccessCommand({
          taskToken: UNKNOWN_TOKEN,
          output: JSON.stringify('é'.repeat(PAYLOAD_LIMIT / 2)),
        }),
      ),
    error: 'ValidationException',
  },
  ...['\uFFFE', '\uFFFF', '\uD800', '\uDFFF'].map(
    (character): ApiErrorCase => ({
      name: `StartExecution with a name containing U+${character.charCodeAt(0).toString(16).toUpperCase()}`,
      source: `${API}/API_StartExecution.html`,
      act: async ({ client, createPassMachine }) =>
        client.send(
          new StartExecutionCommand({ stateMachineArn: await createPassMachine(), name: `run${character}1` }),
        ),
      error: 'InvalidName',
    }),
  ),
  {
    name: 'CreateStateMachine with a name containing a lone surrogate',
    source: `${API}/API_CreateStateMachine.html`,
    act: ({ client }) =>
      client.send(new CreateStateMachineCommand({ name: 'machine\uD83D', definition: PASS, roleArn: ROLE })),
    error: 'InvalidName',
  },
  {
    name: 'DescribeExecution of a missing execution',
    source: recorded('test_describe_execution_no_such_state_machine', 'exception'),
    act: ({ client }) => client.send(new DescribeExecutionCommand({ executionArn: MISSING_EXECUTION })),
    error: 'ExecutionDoesNotExist',
    message: `Execution Does Not Exist: '${MISSING_EXECUTION}'`,
  },
  {
    name: 'GetExecutionHistory of a missing execution',
    source: recorded('test_get_execution_history_no_such_execution', 'exception'),
    act: ({ client }) => client.send(new GetExecutionHistoryCommand({ executionArn: MISSING_EXECUTION })),
    error: 'ExecutionDoesNotExist',
    message: `Execution Does Not Exist: '${MISSING_EXECUTION}'`,
  },
  {
    name: 'ListExecutions of a missing state machine',
    source: recorded('test_list_execution_no_such_state_machine', 'exception'),
    act: ({ client }) => client.send(new ListExecutionsCommand({ stateMachineArn: MISSING_MACHINE })),
    error: 'StateMachineDoesNotExist',
    message: `State Machine Does Not Exist: '${MISSING_MACHINE}'`,
  },
  {
    name: 'GetExecutionHistory with a nextToken over 1024 characters (API model: PageToken, 1-1024)',
    source: `${API}/API_GetExecutionHistory.html`,
    act: ({ client }) =>
      client.send(
        new GetExecutionHistoryCommand({ executionArn: MISSING_EXECUTION, nextToken: 'a'.repeat(1025) }),
      ),
    error: 'ValidationException',
    message: `1 validation error detected: Value '${'a'.repeat(1025)}' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 1024`,
  },
  {
    name: 'StopExecution of a missing execution',
    source: `${API}/API_StopExecution.html`,
    act: ({ client }) => client.send(new StopExecutionCommand({ executionArn: MISSING_EXECUTION })),
    error: 'ExecutionDoesNotExist',
  },
  {
    name: 'RedriveExecution of a missing execution',
    source: `${API}/API_RedriveExecution.html`,
    act: ({ client }) => client.send(new RedriveExecutionCommand({ executionArn: MISSING_EXECUTION })),
    error: 'ExecutionDoesNotExist',
    message: `Execution Does Not Exist: '${MISSING_EXECUTION}'`,
  },
  {
    name: 'RedriveExecution of an execution that SUCCEEDED',
    source: `${API}/API_RedriveExecution.html, redriveStatusReason in ${API}/API_DescribeExecution.html`,
    act: async ({ client, createPassMachine }) => {
      const stateMachineArn = await createPassMachine();
      const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn }));
      await waitForExecution(client, executionArn!);
      return client.send(new RedriveExecutionCommand({ executionArn }));
    },
    error: 'ExecutionNotRedrivable',
    message: 'Execution is SUCCEEDED and cannot be redriven',
  },
  {
    name: 'RedriveExecution with an empty clientToken',
    source: `${API}/API_RedriveExecution.html`,
    act: ({ client }) =>
      client.send(new RedriveExecutionCommand({ executionArn: MISSING_EXECUTION, clientToken: '' })),
    error: 'ValidationException',
    message:
      "1 validation error detected: Value '' at 'clientToken' failed to satisfy constraint: Member must have length greater than or equal to 1",
  },
  {
    name: 'SendTaskSuccess with a token whose task is not open',
    source: `${API}/API_SendTaskSuccess.html`,
    act: ({ client }) => client.send(new SendTaskSuccessCommand({ taskToken: UNKNOWN_TOKEN, output: '{}' })),
    error: 'TaskTimedOut',
  },
  {
    name: 'SendTaskFailure with a token whose task is not open',
    source: `${API}/API_SendTaskFailure.html`,
    act: ({ client }) => client.send(new SendTaskFailureCommand({ taskToken: UNKNOWN_TOKEN })),
    error: 'TaskTimedOut',
  },
  {
    name: 'SendTaskHeartbeat with a token whose task is not open',
    source: `${API}/API_SendTaskHeartbeat.html`,
    act: ({ client }) => client.send(new SendTaskHeartbeatCommand({ taskToken: UNKNOWN_TOKEN })),
    error: 'TaskTimedOut',
  },
  {
    name: 'SendTaskSuccess with a malformed token',
    source: `${API}/API_SendTaskSuccess.html`,
    act: ({ client }) => client.send(new SendTaskSuccessCommand({ taskToken: 'garbage', output: '{}' })),
    error: 'InvalidToken',
  },
  {
    name: 'SendTaskFailure with a malformed token',
    source: `${API}/API_SendTaskFailure.html`,
    act: ({ client }) => client.send(new SendTaskFailureCommand({ taskToken: 'garbage' })),
    error: 'InvalidToken',
  },
  {
    name: 'SendTaskHeartbeat with a malformed token',
    source: `${API}/API_SendTaskHeartbeat.html`,
    act: ({ client }) => client.send(new SendTaskHeartbeatCommand({ taskToken: 'garbage' })),
    error: 'InvalidToken',
  },
  {
    name: 'SendTaskSuccess with a token over 2048 characters',
    source: `${API}/API_SendTaskSuccess.html`,
    act: ({ client }) =>
      client.send(new SendTaskSuccessCommand({ taskToken: 'x'.repeat(TOKEN_LIMIT + 1), output: '{}' })),
    error: 'ValidationException',
    message: TOKEN_TOO_LONG,
  },
  {
    name: 'SendTaskFailure with a token over 2048 characters',
    source: `${API}/API_SendTaskFailure.html`,
    act: ({ client }) => client.send(new SendTaskFailureCommand({ taskToken: 'x'.repeat(TOKEN_LIMIT + 1) })),
    error: 'ValidationException',
    message: TOKEN_TOO_LONG,
  },
  {
    name: 'SendTaskHeartbeat with a token over 2048 characters',
    source: `${API}/API_SendTaskHeartbeat.html`,
    act: ({ client }) =>
      client.send(new SendTaskHeartbeatCommand({ taskToken: 'x'.repeat(TOKEN_LIMIT + 1) })),
    error: 'ValidationException',
    message: TOKEN_TOO_LONG,
  },
  {
    name: 'SendTaskHeartbeat with an empty token',
    source: `${API}/API_SendTaskHeartbeat.html`,
    act: ({ client }) => client.send(new SendTaskHeartbeatCommand({ taskToken: '' })),
    error: 'ValidationException',
    message:
      "1 validation error detected: Value at 'taskToken' failed to satisfy constraint: Member must have length greater than or equal to 1",
  },
  {
    name: 'SendTaskSuccess with a malformed token of 2048 characters (within the length limit)',
    source: `${API}/API_SendTaskSuccess.html`,
    act: ({ client }) =>
      client.send(new SendTaskSuccessCommand({ taskToken: 'x'.repeat(TOKEN_LIMIT), output: '{}' })),
    error: 'InvalidToken',
  },
  {
    name: 'Unknown X-Amz-Target operation',
    source: 'https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html',
    act: ({ endpoint }) => expectRawError(endpoint, 'AWSStepFunctions.Teleport', '{}'),
    error: 'UnknownOperationException',
  },
  {
    name: 'A body that is not JSON',
    source: 'https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html',
    act: ({ endpoint }) => expectRawError(endpoint, 'AWSStepFunctions.ListStateMachines', '{"maxResults":'),
    error: 'SerializationException',
  },
  {
    name: 'A missing required field',
    source: 'https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html',
    act: ({ endpoint }) => expectRawError(endpoint, 'AWSStepFunctions.DescribeExecution', '{}'),
    error: 'ValidationException',
  },
  {
    name: 'A field of the wrong type',
    source: 'https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html',
    act: ({ endpoint }) =>
      expectRawError(endpoint, 'AWSStepFunctions.ListStateMachines', '{"maxResults":"ten"}'),
    error: 'ValidationException',
  },
  {
    name: 'A value over its maximum',
    source: `${API}/API_ListExecutions.html`,
    act: ({ endpoint }) => expectRawError(endpoint, 'AWSStepFunctions.ListExecutions', '{"maxResults":1001}'),
    error: 'ValidationException',
  },
];

/** Sends a raw request and throws an error named after its `__type`, as the SDK would. */
async function expectRawError(endpoint: string, target: string, body: string): Promise<never> {
  const { status, json } = await rawCall(endpoint, target, body);
  const error = new Error(`HTTP ${status}: ${json.message}`);
  error.name = status === 400 ? String(json.__type) : `HTTP ${status}`;
  throw error;
}

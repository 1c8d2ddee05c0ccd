import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '#test/support/local-runtime.ts';

const ROLE = 'arn:aws:iam::000000000000:role/sync';
let local: TestRuntime;
let client: SFNClient;

beforeAll(async () => {
  local = await startTestRuntime();
  client = local.client;
});

afterAll(async () => {
  await local.close();
});

async function machine(name: string, type: 'STANDARD' | 'EXPRESS', states: object): Promise<string> {
  const definition = JSON.stringify({ StartAt: Object.keys(states)[0], States: states });
  const created = await client.send(new CreateStateMachineCommand({ name, definition, roleArn: ROLE, type }));
  return created.stateMachineArn!;
}

describe('StartSyncExecution', () => {
  it('runs an EXPRESS execution to its end and answers its output; a name may come again', async () => {
    // Prepare
    const stateMachineArn = await machine('sync-double', 'EXPRESS', {
      Double: { Type: 'Pass', Parameters: { 'sum.$': 'States.MathAdd($.n, $.n)' }, End: true },
    });
    // Act
    const first = await client.send(
      new StartSyncExecutionCommand({ stateMachineArn, name: 'order-1', input: '{"n":21}' }),
    );
    const second = await client.send(
      new StartSyncExecutionCommand({ stateMachineArn, name: 'order-1', input: '{"n":1}' }),
    );
    // Assess
    expect(first).toMatchObject({
      stateMachineArn,
      name: 'order-1',
      status: 'SUCCEEDED',
      input: '{"n":21}',
      output: '{"sum":42}',
    });
    expect(first.executionArn).toMatch(
      /^arn:aws:states:us-east-1:000000000000:express:sync-double:order-1:[0-9a-f-]{36}$/,
    );
    expect(first.stopDate!.getTime()).toBeGreaterThanOrEqual(first.startDate!.getTime());
    // Billed as AWS bills it: in 100 ms steps, at least one, and at least 64 MB.
    const ran = first.stopDate!.getTime() - first.startDate!.getTime();
    expect(first.billingDetails).toEqual({
      billedDurationInMilliseconds: Math.max(100, Math.ceil(ran / 100) * 100),
      billedMemoryUsedInMB: 64,
    });
    expect(second).toMatchObject({ status: 'SUCCEEDED', output: '{"sum":2}' });
    expect(second.executionArn).not.toBe(first.executionArn);
  });

  it('answers a failed execution with its error and cause, and leaves its data out with METADATA_ONLY', async () => {
    // Prepare
    const stateMachineArn = await machine('sync-fail', 'EXPRESS', {
      Refuse: { Type: 'Fail', Error: 'Refused', Cause: 'over the limit' },
    });
    // Act
    const failed = await client.send(
      new StartSyncExecutionCommand({
        stateMachineArn,
        input: '{"secret":1}',
        includedData: 'METADATA_ONLY',
      }),
    );
    const withData = await client.send(new StartSyncExecutionCommand({ stateMachineArn }));
    // Assess
    expect(failed).toMatchObject({ status: 'FAILED', error: 'Refused', cause: 'over the limit' });
    expect(failed.input).toBeUndefined();
    expect(failed.output).toBeUndefined();
    expect(failed.outputDetails).toBeUndefined();
    // With its data, a failed execution's output is "included" though it has none, as AWS answers (recorded
    // in localstack/localstack tests/aws/services/stepfunctions/v2/express/test_express_sync.snapshot.json,
    // test_base[BASE_RAISE_FAILURE]).
    expect(withData).toMatchObject({ status: 'FAILED', outputDetails: { included: true } });
    expect(withData.output).toBeUndefined();
  });

  it('refuses a STANDARD state machine, StateMachineTypeNotSupported, starting nothing', async () => {
    // Prepare
    const stateMachineArn = await machine('sync-standard', 'STANDARD', { Done: { Type: 'Succeed' } });
    // Act
    const refused = await client
      .send(new StartSyncExecutionCommand({ stateMachineArn }))
      .catch((error: Error) => error);
    // Assess
    expect(refused).toMatchObject({
      name: 'StateMachineTypeNotSupported',
      message: 'This operation is not supported by this type of state machine',
    });
    const { executions } = await local.runtime.service.listExecutions({ stateMachineArn });
    expect(executions).toEqual([]);
  });
});

// AWS's answers as recorded in localstack/localstack tests/aws/services/stepfunctions/v2/
// test_sfn_api_express.snapshot.json (test_start_async_describe_history_execution).
describe('Express executions', () => {
  it('are started by StartExecution with an Express ARN, and a name may come again', async () => {
    // Prepare
    const stateMachineArn = await machine('async-express', 'EXPRESS', {
      Echo: {
        Type: 'Pass',
        Parameters: { 'id.$': '$$.Execution.Id', 'n.$': '$.n' },
        ResultPath: '$',
        End: true,
      },
    });
    // Act
    const first = await client.send(
      new StartExecutionCommand({ stateMachineArn, name: 'job', input: '{"n":1}' }),
    );
    const second = await client.send(
      new StartExecutionCommand({ stateMachineArn, name: 'job', input: '{"n":2}' }),
    );
    const ended = await local.runtime.service.awaitExecution(first.executionArn);
    // Assess
    expect(first.executionArn).toMatch(
      /^arn:aws:states:us-east-1:000000000000:express:async-express:job:[0-9a-f-]{36}$/,
    );
    expect(second.executionArn).not.toBe(first.executionArn);
    expect(JSON.parse(ended.output!)).toEqual({ id: first.executionArn, n: 1 });
  });

  it('are not described, stopped, listed or read back, as AWS refuses them', async () => {
    // Prepare
    const stateMachineArn = await machine('hidden-express', 'EXPRESS', {
      Done: { Type: 'Succeed' },
    });
    const sync = await machine('hidden-sync', 'EXPRESS', { Done: { Type: 'Succeed' } });
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn }));
    const ran = await client.send(new StartSyncExecutionCommand({ stateMachineArn: sync }));
    const refusal = (send: Promise<unknown>) =>
      send.then(
        () => 'answered',
        (error: Error) => `${error.name}: ${error.message}`,
      );
    // Act
    const refusals = await Promise.all(
      [executionArn!, ran.executionArn!].flatMap((arn) => [
        refusal(client.send(new DescribeExecutionCommand({ executionArn: arn }))),
        refusal(client.send(new GetExecutionHistoryCommand({ executionArn: arn }))),
        refusal(client.send(new StopExecutionCommand({ executionArn: arn }))),
        refusal(client.send(new DescribeStateMachineForExecutionCommand({ executionArn: arn }))),
      ]),
    );
    const listed = await refusal(client.send(new ListExecutionsCommand({ stateMachineArn })));
    // Assess
    expect(new Set(refusals)).toEqual(
      new Set(["InvalidArn: Invalid Arn: 'Resource type not valid in this context: express'"]),
    );
    expect(listed).toBe(
      'StateMachineTypeNotSupported: This operation is not supported by this type of state machine',
    );
  });

  it('are not listed under a STANDARD state machine made again with the EXPRESS one’s name', async () => {
    // Prepare
    const express = await machine('swap', 'EXPRESS', { Done: { Type: 'Succeed' } });
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: express, name: 'one' }),
    );
    await local.runtime.service.awaitExecution(executionArn);
    await client.send(new DeleteStateMachineCommand({ stateMachineArn: express }));
    const standard = await machine('swap', 'STANDARD', { Done: { Type: 'Succeed' } });
    await client.send(new StartExecutionCommand({ stateMachineArn: standard, name: 'two' }));
    // Act
    const { executions } = await client.send(new ListExecutionsCommand({ stateMachineArn: standard }));
    // Assess
    expect(executions!.map((execution) => execution.name)).toEqual(['two']);
  });
});

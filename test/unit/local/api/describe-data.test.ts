import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime, waitForExecution } from '#test/support/local-runtime.ts';

const ROLE = 'arn:aws:iam::000000000000:role/test';

/** Assigns `limit`, reads it in a Choice, and in a Map iteration (with `item` from ItemSelector) reads both. */
const withVariables = {
  StartAt: 'Init',
  States: {
    Init: { Type: 'Pass', Assign: { limit: 2, items: [1, 2] }, Next: 'Check' },
    Check: {
      Type: 'Choice',
      Choices: [{ Not: { Variable: '$limit', NumericLessThan: 1 }, Next: 'Each' }],
      Default: 'Done',
    },
    Each: {
      Type: 'Map',
      ItemsPath: '$items',
      ItemSelector: { 'value.$': '$$.Map.Item.Value' },
      ItemProcessor: {
        StartAt: 'Scale',
        States: {
          Scale: {
            Type: 'Pass',
            Parameters: { 'scaled.$': "States.Format('{} of {}', $.value, $limit)" },
            End: true,
          },
        },
      },
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

let local: TestRuntime;
let machines = 0;

beforeAll(async () => {
  local = await startTestRuntime();
});

afterAll(async () => {
  await local?.close();
});

async function createMachine(definition: object): Promise<string> {
  const created = await local.client.send(
    new CreateStateMachineCommand({
      name: `describe-${++machines}`,
      definition: JSON.stringify(definition),
      roleArn: ROLE,
    }),
  );
  return created.stateMachineArn!;
}

async function finishedExecution(definition: object, input: string): Promise<string> {
  const stateMachineArn = await createMachine(definition);
  const { executionArn } = await local.client.send(new StartExecutionCommand({ stateMachineArn, input }));
  await waitForExecution(local.client, executionArn!);
  return executionArn!;
}

describe('includedData METADATA_ONLY', () => {
  it('DescribeStateMachine answers the definition as {}', async () => {
    // Prepare
    const stateMachineArn = await createMachine(withVariables);
    // Act
    const all = await local.client.send(new DescribeStateMachineCommand({ stateMachineArn }));
    const metadata = await local.client.send(
      new DescribeStateMachineCommand({ stateMachineArn, includedData: 'METADATA_ONLY' }),
    );
    // Assess
    expect(JSON.parse(all.definition!)).toEqual(withVariables);
    expect(metadata.definition).toBe('{}');
    expect(metadata.variableReferences).toBeUndefined();
    expect(metadata).toMatchObject({ stateMachineArn, name: all.name, roleArn: ROLE, status: 'ACTIVE' });
  });

  it('DescribeStateMachineForExecution answers the definition as {}', async () => {
    // Prepare
    const executionArn = await finishedExecution(withVariables, '{}');
    // Act
    const metadata = await local.client.send(
      new DescribeStateMachineForExecutionCommand({ executionArn, includedData: 'METADATA_ONLY' }),
    );
    // Assess
    expect(metadata.definition).toBe('{}');
    expect(metadata.variableReferences).toBeUndefined();
    expect(metadata.roleArn).toBe(ROLE);
  });

  it('DescribeExecution leaves out the input and the output', async () => {
    // Prepare
    const executionArn = await finishedExecution(withVariables, '{"secret":1}');
    // Act
    const all = await local.client.send(new DescribeExecutionCommand({ executionArn }));
    const metadata = await local.client.send(
      new DescribeExecutionCommand({ executionArn, includedData: 'METADATA_ONLY' }),
    );
    // Assess
    expect(all).toMatchObject({ input: '{"secret":1}', inputDetails: { included: true } });
    expect(all.output).toBeDefined();
    for (const field of ['input', 'inputDetails', 'output', 'outputDetails'] as const) {
      expect(metadata[field], field).toBeUndefined();
    }
    expect(metadata).toMatchObject({ executionArn, status: 'SUCCEEDED', startDate: all.startDate });
  });
});

describe('variableReferences', () => {
  const expected = { Check: ['limit'], Each: ['items'], Scale: ['limit'] };

  it('DescribeStateMachine maps each state that reads variables, nested ones too, to their names', async () => {
    // Prepare
    const stateMachineArn = await createMachine(withVariables);
    // Act
    const described = await local.client.send(new DescribeStateMachineCommand({ stateMachineArn }));
    // Assess
    expect(described.variableReferences).toEqual(expected);
  });

  it('DescribeStateMachineForExecution answers them for the definition the execution runs', async () => {
    // Prepare
    const executionArn = await finishedExecution(withVariables, '{}');
    // Act
    const described = await local.client.send(new DescribeStateMachineForExecutionCommand({ executionArn }));
    // Assess
    expect(described.variableReferences).toEqual(expected);
  });

  it('is left out for a definition that reads no variable', async () => {
    // Prepare
    const stateMachineArn = await createMachine({
      StartAt: 'P',
      States: { P: { Type: 'Pass', Assign: { unused: 1 }, End: true } },
    });
    // Act
    const described = await local.client.send(new DescribeStateMachineCommand({ stateMachineArn }));
    // Assess
    expect(described.variableReferences).toBeUndefined();
  });
});

describe('traceHeader', () => {
  const PASS = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
  const TRACE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1';

  /** StartExecution as a raw request, with `headers` added; returns the execution's ARN. */
  async function startRaw(body: object, headers: Record<string, string>): Promise<string> {
    const response = await fetch(local.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AWSStepFunctions.StartExecution',
        ...headers,
      },
      body: JSON.stringify(body),
    });
    return ((await response.json()) as { executionArn: string }).executionArn;
  }

  it('DescribeExecution answers the traceHeader StartExecution was given, and none when none was', async () => {
    // Prepare
    const stateMachineArn = await createMachine(PASS);
    // Act
    const traced = await local.client.send(
      new StartExecutionCommand({ stateMachineArn, traceHeader: TRACE }),
    );
    const untraced = await local.client.send(new StartExecutionCommand({ stateMachineArn }));
    // Assess
    const described = await local.client.send(
      new DescribeExecutionCommand({ executionArn: traced.executionArn }),
    );
    expect(described.traceHeader).toBe(TRACE);
    const plain = await local.client.send(
      new DescribeExecutionCommand({ executionArn: untraced.executionArn }),
    );
    expect(plain).not.toHaveProperty('traceHeader');
  });

  it('takes the X-Amzn-Trace-Id header over the body traceHeader, as AWS does', async () => {
    // Prepare
    const stateMachineArn = await createMachine(PASS);
    // Act
    const fromHeader = await startRaw({ stateMachineArn }, { 'x-amzn-trace-id': TRACE });
    const preferred = await startRaw(
      { stateMachineArn, traceHeader: 'Root=1-00000000-000000000000000000000000' },
      { 'x-amzn-trace-id': TRACE },
    );
    // Assess
    for (const executionArn of [fromHeader, preferred]) {
      const described = await local.client.send(new DescribeExecutionCommand({ executionArn }));
      expect(described.traceHeader, executionArn).toBe(TRACE);
    }
  });

  it('keeps the body traceHeader when the X-Amzn-Trace-Id header is empty', async () => {
    // Prepare
    const stateMachineArn = await createMachine(PASS);
    // Act
    const executionArn = await startRaw({ stateMachineArn, traceHeader: TRACE }, { 'x-amzn-trace-id': '' });
    // Assess
    const described = await local.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.traceHeader).toBe(TRACE);
  });
});

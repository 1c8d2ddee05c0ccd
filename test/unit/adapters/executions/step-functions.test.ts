import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { StepFunctionsExecutions } from '#adapters/executions/step-functions.ts';

const HOLDER = 'arn:aws:states:eu-west-1:123456789012:execution:Cutover-canary:checkout-v7';

function buildReader() {
  const client = new SFNClient({ region: 'eu-west-1' });
  return { reader: new StepFunctionsExecutions(client), mock: mockClient(client) };
}

describe('StepFunctionsExecutions', () => {
  it("answers an execution's status, error, input and end with one DescribeExecution", async () => {
    // Prepare
    const { reader, mock } = buildReader();
    const stopDate = new Date('2026-12-03T05:00:00Z');
    mock
      .on(DescribeExecutionCommand)
      .resolves({ status: 'FAILED', error: 'AnalysisFailed', input: '{"a":1}', stopDate });
    // Act
    const outcome = await reader.describe(HOLDER);
    // Assess
    expect(outcome).toEqual({ status: 'FAILED', error: 'AnalysisFailed', input: '{"a":1}', stopDate });
    expect(mock.commandCalls(DescribeExecutionCommand).map((call) => call.args[0].input)).toEqual([
      { executionArn: HOLDER },
    ]);
  });

  it('answers undefined for an execution that does not exist', async () => {
    // Prepare
    const { reader, mock } = buildReader();
    mock
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
    // Act
    const outcome = await reader.describe(HOLDER);
    // Assess
    expect(outcome).toBeUndefined();
  });

  it('turns throttling into a TransientAdapterError the state machines retry', async () => {
    // Prepare
    const { reader, mock } = buildReader();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    mock.on(DescribeExecutionCommand).rejects(throttled);
    // Act
    const failure = await reader.describe(HOLDER).catch((error: Error) => error);
    // Assess
    expect((failure as Error).name).toBe('TransientAdapterError');
    expect((failure as Error).message).toMatch(
      /^states:DescribeExecution failed, retry later: Rate exceeded/,
    );
  });
});

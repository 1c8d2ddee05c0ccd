import {
  CreateStateMachineCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime, waitForExecution } from '#test/support/local-runtime.ts';

const ROLE = 'arn:aws:iam::000000000000:role/test';
const ASSIGNING = JSON.stringify({
  StartAt: 'P',
  States: { P: { Type: 'Pass', Assign: { 'secret.$': '$.secret' }, End: true } },
});

let local: TestRuntime;

beforeAll(async () => {
  local = await startTestRuntime();
});

afterAll(async () => {
  await local?.close();
});

describe('GetExecutionHistory includeExecutionData', () => {
  it('false leaves out the variables a state assigned, as its input and output', async () => {
    // Prepare
    const { stateMachineArn } = await local.client.send(
      new CreateStateMachineCommand({ name: 'history-data', definition: ASSIGNING, roleArn: ROLE }),
    );
    const { executionArn } = await local.client.send(
      new StartExecutionCommand({ stateMachineArn, input: '{"secret":"s3cr3t"}' }),
    );
    await waitForExecution(local.client, executionArn!);
    const exitedOf = async (includeExecutionData: boolean) => {
      const { events } = await local.client.send(
        new GetExecutionHistoryCommand({ executionArn, includeExecutionData }),
      );
      return events!.find((event) => event.type === 'PassStateExited')!.stateExitedEventDetails!;
    };
    // Act
    const withData = await exitedOf(true);
    const withoutData = await exitedOf(false);
    // Assess
    expect(withData.assignedVariables).toEqual({ secret: '"s3cr3t"' });
    expect(withoutData).toEqual({
      name: 'P',
      outputDetails: { truncated: false },
      assignedVariablesDetails: { truncated: false },
    });
    expect(JSON.stringify(withoutData)).not.toContain('s3cr3t');
  });
});

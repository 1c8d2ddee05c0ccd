import { CreateStateMachineCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime, waitForExecution } from '#test/support/local-runtime.ts';
import { readEventsAfter, readHistory } from '../../../src/cli/history.ts';

const LOOP = JSON.stringify({
  StartAt: 'Check',
  States: {
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.i', NumericLessThan: 40, Next: 'Increment' }],
      Default: 'Done',
    },
    Increment: { Type: 'Pass', Parameters: { 'i.$': 'States.MathAdd($.i, 1)' }, Next: 'Check' },
    Done: { Type: 'Succeed' },
  },
});

let test: TestRuntime;
let executionArn: string;

beforeAll(async () => {
  test = await startTestRuntime();
  const { stateMachineArn } = await test.client.send(
    new CreateStateMachineCommand({
      name: 'count-to-40',
      definition: LOOP,
      roleArn: 'arn:aws:iam::000000000000:role/cli',
    }),
  );
  ({ executionArn } = (await test.client.send(
    new StartExecutionCommand({ stateMachineArn, input: '{"i":0}' }),
  )) as { executionArn: string });
  await waitForExecution(test.client, executionArn);
});
afterAll(() => test.close());

describe('readEventsAfter', () => {
  it('returns the whole history in order from event 0, across pages of 100', async () => {
    // Act
    const events = await readEventsAfter(test.client, executionArn, 0);

    // Assess
    const all = await readHistory(test.client, executionArn);
    expect(all.length).toBeGreaterThan(100);
    expect(events.map((event) => event.id)).toEqual(all.map((event) => event.id));
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('returns only the events after the given id, oldest first', async () => {
    // Prepare
    const all = await readHistory(test.client, executionArn);
    const last = all.at(-1)!.id!;

    // Act
    const fresh = await readEventsAfter(test.client, executionArn, last - 3);
    const none = await readEventsAfter(test.client, executionArn, last);

    // Assess
    expect(fresh.map((event) => event.id)).toEqual([last - 2, last - 1, last]);
    expect(none).toEqual([]);
  });
});

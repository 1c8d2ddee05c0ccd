import { CreateStateMachineCommand, type HistoryEvent, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime, waitForExecution } from '#test/support/local-runtime.ts';
import { pendingTaskToken, readEventsAfter, readHistory, rollbackInputOf } from '../../../src/cli/history.ts';

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

/** The start of a history: the execution's input, then (when given) its first task's payload. */
function aHistory(input: unknown, firstTaskPayload?: unknown): HistoryEvent[] {
  const started: HistoryEvent = {
    id: 1,
    type: 'ExecutionStarted',
    timestamp: new Date(0),
    executionStartedEventDetails: { input: JSON.stringify(input) },
  };
  if (firstTaskPayload === undefined) return [started];
  const scheduled: HistoryEvent = {
    id: 3,
    type: 'LambdaFunctionScheduled',
    timestamp: new Date(0),
    lambdaFunctionScheduledEventDetails: {
      resource: 'arn:aws:lambda:us-east-1:000000000000:function:cutover-first-task',
      input: JSON.stringify(firstTaskPayload),
    },
  };
  return [started, scheduled];
}

describe('rollbackInputOf', () => {
  const migration = { service: { name: 'orders', namespace: 'shop' } };

  it.each([
    ['locally', 'arn:aws:states:us-east-1:000000000000:execution:database-migration:db-abort'],
    ['as deployed', 'arn:aws:states:eu-west-1:123456789012:execution:Cutover-database-migration:db-abort'],
  ])('recognises a database migration by its state machine (%s)', (_, executionArn) => {
    // Prepare: Prepare's payload carries no strategy
    const events = aHistory(migration, { request: migration, executionArn });
    // Act
    const input = rollbackInputOf(events, executionArn, 'test');
    // Assess
    expect(input).toEqual({
      strategy: 'database-migration',
      executionArn,
      input: JSON.stringify(migration),
      reason: 'test',
    });
  });

  it("takes a release's strategy from its first task", () => {
    // Prepare
    const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v2';
    const request = { service: { name: 'checkout', namespace: 'shop' } };
    const events = aHistory(request, { strategy: 'canary', request, executionArn });
    // Act
    const input = rollbackInputOf(events, executionArn, 'wrong image');
    // Assess
    expect(input).toMatchObject({ strategy: 'canary', executionArn, reason: 'wrong image' });
  });

  it.each([
    [
      'a database migration stopped before any task ran',
      'arn:aws:states:us-east-1:000000000000:execution:database-migration:db-early',
      undefined,
    ],
    [
      "an execution of a machine that is not Cutover's",
      'arn:aws:states:us-east-1:000000000000:execution:count-to-40:loop',
      { i: 0 },
    ],
  ])('is undefined for %s', (_, executionArn, firstTaskPayload) => {
    // Act
    const input = rollbackInputOf(aHistory(migration, firstTaskPayload), executionArn, 'test');
    // Assess
    expect(input).toBeUndefined();
  });
});

describe('pendingTaskToken', () => {
  const waits: HistoryEvent = {
    id: 7,
    timestamp: new Date(),
    type: 'TaskScheduled',
    taskScheduledEventDetails: {
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      region: 'us-east-1',
      parameters: JSON.stringify({ Payload: { taskToken: 'token-7', stage: 'after step 1 of 2' } }),
    },
  };

  it('holds the token of a wait until its task ends', () => {
    // Act
    const waiting = pendingTaskToken([waits]);
    const answered = pendingTaskToken([waits, { id: 8, timestamp: new Date(), type: 'TaskSucceeded' }]);
    // Assess
    expect(waiting).toBe('token-7');
    expect(answered).toBeUndefined();
  });

  it('holds nothing once a failing sibling branch aborted the wait (a paused step whose check failed)', () => {
    // Act
    const pending = pendingTaskToken([waits, { id: 9, timestamp: new Date(), type: 'TaskStateAborted' }]);
    // Assess
    expect(pending).toBeUndefined();
  });
});

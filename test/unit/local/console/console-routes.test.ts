import {
  CreateStateMachineCommand,
  type GetExecutionHistoryCommandOutput,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { ExecutionViewAccumulator } from '#local/console/execution-view.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import {
  executionHistory,
  startTestRuntime,
  type TestRuntime,
  waitForExecution,
} from '#test/support/local-runtime.ts';

/** Counts to 300 (1,200 events and more), then waits twice for a task token. */
const COUNT_THEN_APPROVE = JSON.stringify({
  StartAt: 'Check',
  States: {
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.i', NumericLessThan: 300, Next: 'Increment' }],
      Default: 'FirstApproval',
    },
    Increment: { Type: 'Pass', Parameters: { 'i.$': 'States.MathAdd($.i, 1)' }, Next: 'Check' },
    FirstApproval: approval('SecondApproval'),
    SecondApproval: approval('Done'),
    Done: { Type: 'Succeed' },
  },
});

function approval(next: string) {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
    Parameters: { FunctionName: 'ask', Payload: { 'taskToken.$': '$$.Task.Token' } },
    Next: next,
  };
}

let runtime: TestRuntime;
let executionArn: string;
let historyReads: MockInstance<TestRuntime['runtime']['service']['getExecutionHistory']>;
const tokens: string[] = [];

async function tokenCount(count: number): Promise<void> {
  while (tokens.length < count) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function consoleView(executionId: string) {
  const response = await fetch(
    `${runtime.endpoint}/console/api/executions/${encodeURIComponent(executionId)}`,
  );
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** How many events the history reads since `historyReads` was cleared returned. */
async function eventsRead(): Promise<number> {
  const pages = await Promise.all(
    historyReads.mock.results.map((result) => result.value as Promise<GetExecutionHistoryCommandOutput>),
  );
  return pages.reduce((count, page) => count + (page.events?.length ?? 0), 0);
}

/** The view as the route answered it before it kept views: derived from the whole history. */
async function wholeHistoryView(): Promise<unknown> {
  const accumulator = new ExecutionViewAccumulator();
  accumulator.add(await executionHistory(runtime.client, executionArn));
  return JSON.parse(JSON.stringify(accumulator.view()));
}

beforeAll(async () => {
  runtime = await startTestRuntime({
    lambdas: new MapLambdaRegistry({ ask: (_payload, context) => void tokens.push(context.taskToken!) }),
  });
  const { stateMachineArn } = await runtime.client.send(
    new CreateStateMachineCommand({
      name: 'count-then-approve',
      definition: COUNT_THEN_APPROVE,
      roleArn: 'arn:aws:iam::000000000000:role/console',
    }),
  );
  ({ executionArn } = (await runtime.client.send(
    new StartExecutionCommand({ stateMachineArn, name: 'long-history', input: '{"i":0}' }),
  )) as { executionArn: string });
  historyReads = vi.spyOn(runtime.runtime.service, 'getExecutionHistory');
});

afterAll(() => runtime?.close());

describe('GET /console/api/executions/:executionId', () => {
  it('reads only the events added since the last request, and answers as from the whole history', async () => {
    // Prepare
    await tokenCount(1);
    const first = await consoleView('count-then-approve:long-history');
    await runtime.client.send(new SendTaskSuccessCommand({ taskToken: tokens[0], output: '{}' }));
    await tokenCount(2);
    historyReads.mockClear();
    // Act
    const second = await consoleView('count-then-approve:long-history');
    // Assess
    const [reads, read] = [historyReads.mock.calls.length, await eventsRead()];
    const { execution, ...view } = second.json;
    expect(first.json).toMatchObject({ approvalPending: true });
    expect((await executionHistory(runtime.client, executionArn)).length).toBeGreaterThan(1200);
    expect(reads).toBe(1);
    expect(read).toBeLessThanOrEqual(100);
    expect(second.status).toBe(200);
    expect(execution).toMatchObject({ executionId: 'count-then-approve:long-history', status: 'RUNNING' });
    expect(view).toEqual(await wholeHistoryView());
    expect(view).toMatchObject({ approvalPending: true });
  });

  it("keeps an ended execution's view without reading its history again", async () => {
    // Prepare
    await tokenCount(2);
    await runtime.client.send(new SendTaskSuccessCommand({ taskToken: tokens[1], output: '{}' }));
    await waitForExecution(runtime.client, executionArn);
    const ended = await consoleView('count-then-approve:long-history');
    historyReads.mockClear();
    // Act
    const again = await consoleView('count-then-approve:long-history');
    // Assess
    const reads = historyReads.mock.calls.length;
    expect(ended.json).toMatchObject({ end: { status: 'SUCCEEDED' }, approvalPending: false });
    expect(again.json).toEqual(ended.json);
    expect(reads).toBe(0);
    const { execution: _execution, ...view } = again.json;
    expect(view).toEqual(await wholeHistoryView());
  });

  it('answers 404 for an execution that does not exist, and 400 for an id that is no execution name', async () => {
    // Act
    const unknown = await consoleView('count-then-approve:nope');
    const malformed = await consoleView('no-state-machine-name');
    // Assess
    expect(unknown.status).toBe(404);
    expect(unknown.json.message).toMatch(/Execution Does Not Exist/);
    expect(malformed.status).toBe(400);
    expect(malformed.json.message).toBe(
      'executionId must be <state machine>:<execution name>, e.g. canary:checkout-v2 (got "no-state-machine-name")',
    );
  });
});

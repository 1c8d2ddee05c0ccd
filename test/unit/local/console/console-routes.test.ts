import {
  CreateStateMachineCommand,
  GetExecutionHistoryCommand,
  type GetExecutionHistoryCommandOutput,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { ExecutionViewAccumulator } from '#local/console/execution-view.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import { aTempDataDir } from '#test/support/local-app.ts';
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

  it('tells how the runtime scales its waits (WAIT_TIME_SCALE), for plans read against it', async () => {
    // Act
    const response = await fetch(`${runtime.endpoint}/console/api/runtime`);
    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ waitScale: 0 });
  });

  it('answers 404 for an execution that does not exist, and 400 for an id that is no execution name', async () => {
    // Act
    const unknown = await consoleView('count-then-approve:nope');
    const unknownName = await consoleView('nope');
    const malformed = await consoleView('a:b:c');
    // Assess
    expect(unknown.status).toBe(404);
    expect(unknown.json.message).toBe('no execution "count-then-approve:nope" on this runtime');
    expect(unknownName.status).toBe(404);
    expect(unknownName.json.message).toBe('no execution named "nope" on this runtime');
    expect(malformed.status).toBe(400);
    expect(malformed.json.message).toBe(
      'executionId must be an execution name as `cutover run` prints it, <state machine>:<execution name> (e.g. canary:checkout-v2), or an execution ARN of this runtime (got "a:b:c")',
    );
  });

  it('answers an execution named by its name alone, as cutover run prints it, as by its id', async () => {
    // Act
    const byId = await consoleView('count-then-approve:long-history');
    const byName = await consoleView('long-history');
    // Assess
    expect(byName).toEqual(byId);
  });

  it('answers an execution named by its ARN as by its id, and refuses an ARN of another region or account', async () => {
    // Act
    const byId = await consoleView('count-then-approve:long-history');
    const byArn = await consoleView(executionArn);
    const elsewhere = await consoleView(executionArn.replace('us-east-1', 'eu-west-1'));
    // Assess
    expect(byArn).toEqual(byId);
    expect(byArn.json.execution).toMatchObject({ executionId: 'count-then-approve:long-history' });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.json.message).toMatch(/^executionId must be an execution name/);
  });
});

describe("GET /console/api/executions/:executionId of a runtime's data dir", () => {
  it("lists the execution's notifications from the notifications table, with their detail when short", async () => {
    // Prepare: a runtime on a data dir, an execution, and notifications of it and of another
    const temp = aTempDataDir();
    const local = await startTestRuntime({ dataDir: temp.dataDir });
    try {
      const { stateMachineArn } = await local.client.send(
        new CreateStateMachineCommand({
          name: 'release',
          definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
          roleArn: 'arn:aws:iam::000000000000:role/console',
        }),
      );
      const { executionArn: released } = (await local.client.send(
        new StartExecutionCommand({ stateMachineArn, name: 'checkout-v2' }),
      )) as { executionArn: string };
      const notifier = local.runtime.adapters!.notifier;
      const publish = (type: string, arn: string, detail?: Record<string, unknown>) =>
        notifier.publish({
          type,
          service: { name: 'checkout', namespace: 'shop' },
          executionArn: arn,
          message: `canary release v2 of shop/checkout: ${type} <b>`,
          ...(detail ? { detail } : {}),
          at: '2026-11-28T12:00:00.000Z',
        });
      await publish('Started', released);
      await publish('Started', `${released}-other`);
      await publish('ApprovalRequested', released, { stage: 'promote' });
      await publish('RolledBack', released, { cause: 'x'.repeat(300) });
      // Act
      const response = await fetch(`${local.endpoint}/console/api/executions/release:checkout-v2`);
      // Assess
      const { notifications } = (await response.json()) as { notifications: unknown };
      const at = Date.parse('2026-11-28T12:00:00.000Z');
      expect(notifications).toEqual([
        { type: 'Started', at, message: 'canary release v2 of shop/checkout: Started <b>' },
        {
          type: 'ApprovalRequested',
          at,
          message: 'canary release v2 of shop/checkout: ApprovalRequested <b>',
          detail: '{"stage":"promote"}',
        },
        { type: 'RolledBack', at, message: 'canary release v2 of shop/checkout: RolledBack <b>' },
      ]);
    } finally {
      await local.close();
      temp.remove();
    }
  });
});

describe('POST /console/api/executions/:executionId/abort', () => {
  /** A running execution that waits for a task token nobody sends: nothing but an abort ends it. */
  async function aWaitingExecution(name: string): Promise<string> {
    const { stateMachineArn } = await runtime.client.send(
      new CreateStateMachineCommand({
        name: 'wait-an-hour',
        definition: JSON.stringify({
          StartAt: 'Ask',
          States: { Ask: approval('Done'), Done: { Type: 'Succeed' } },
        }),
        roleArn: 'arn:aws:iam::000000000000:role/console',
      }),
    );
    const { executionArn } = await runtime.client.send(new StartExecutionCommand({ stateMachineArn, name }));
    return executionArn!;
  }

  async function abort(executionId: string, body: string) {
    const response = await fetch(
      `${runtime.endpoint}/console/api/executions/${encodeURIComponent(executionId)}/abort`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body },
    );
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  it('refuses an unknown field, a body that is not an object and a reason longer than a stop cause may be, stopping nothing', async () => {
    // Prepare
    const executionArn = await aWaitingExecution('bad-bodies');
    const executionId = 'wait-an-hour:bad-bodies';
    // Act
    const typo = await abort(executionId, JSON.stringify({ reson: 'typo' }));
    const array = await abort(executionId, '[1,2]');
    const text = await abort(executionId, '"stop"');
    const long = await abort(executionId, JSON.stringify({ reason: 'x'.repeat(60_000) }));
    const notText = await abort(executionId, JSON.stringify({ reason: 5 }));
    const { status } = await runtime.runtime.service.describeExecution({ executionArn });
    // Assess
    expect(typo).toEqual({
      status: 400,
      json: {
        message:
          'invalid abort body:\n  - (request): unknown field reson (allowed: reason): did you mean reason?',
      },
    });
    expect(array).toEqual({
      status: 400,
      json: { message: 'invalid abort body:\n  - (request): must be an object (got [1,2])' },
    });
    expect(text.status).toBe(400);
    expect(text.json.message).toMatch(/must be an object \(got "stop"\)/);
    expect(long.status).toBe(400);
    expect(long.json.message).toMatch(
      /^invalid abort body:\n {2}- reason: must be at most 32768 characters \(got "x/,
    );
    expect(notText.status).toBe(400);
    expect(notText.json.message).toMatch(/reason: must be a string \(got 5\)/);
    expect(status).toBe('RUNNING');
  });

  it('stops the execution with the reason as its cause, by id or by ARN', async () => {
    // Prepare
    const first = await aWaitingExecution('with-reason');
    const second = await aWaitingExecution('by-arn');
    const longest = 'y'.repeat(32_768);
    // Act
    const byId = await abort('wait-an-hour:with-reason', JSON.stringify({ reason: longest }));
    const byArn = await abort(second, '{}');
    // Assess
    expect(byId).toEqual({
      status: 200,
      json: { executionId: 'wait-an-hour:with-reason', status: 'ABORTED' },
    });
    expect(byArn).toEqual({ status: 200, json: { executionId: 'wait-an-hour:by-arn', status: 'ABORTED' } });
    expect(await runtime.runtime.service.describeExecution({ executionArn: first })).toMatchObject({
      status: 'ABORTED',
      error: 'Aborted',
      cause: longest,
    });
    expect(await runtime.runtime.service.describeExecution({ executionArn: second })).toMatchObject({
      status: 'ABORTED',
      cause: 'aborted from the console',
    });
  });

  it('refuses to abort an execution already on its failure path, naming the failure, and leaves it running', async () => {
    // Prepare: past a Catch's `$.error`, waiting in its failure path
    const { stateMachineArn } = await runtime.client.send(
      new CreateStateMachineCommand({
        name: 'rolling-back',
        definition: JSON.stringify({
          StartAt: 'AnalysisCaught',
          States: {
            AnalysisCaught: {
              Type: 'Pass',
              Result: { Error: 'AnalysisFailed', Cause: '{"errorMessage":"errorRate 0.3 > 0.05"}' },
              ResultPath: '$.error',
              Next: 'Rollback',
            },
            Rollback: approval('Failed'),
            Failed: { Type: 'Fail', ErrorPath: '$.error.Error' },
          },
        }),
        roleArn: 'arn:aws:iam::000000000000:role/console',
      }),
    );
    const { executionArn } = await runtime.client.send(
      new StartExecutionCommand({ stateMachineArn, name: 'after-analysis' }),
    );
    await vi.waitFor(async () => {
      const { events = [] } = await runtime.client.send(new GetExecutionHistoryCommand({ executionArn }));
      expect(events.map((event) => event.type)).toContain('TaskStateEntered');
    });
    // Act
    const refused = await abort('rolling-back:after-analysis', '{}');
    // Assess
    expect(refused).toEqual({
      status: 409,
      json: {
        message:
          'after-analysis is already rolling back after AnalysisFailed (errorRate 0.3 > 0.05): an abort would ' +
          'stop that rollback part-way; let it run to its end',
      },
    });
    expect((await runtime.runtime.service.describeExecution({ executionArn: executionArn! })).status).toBe(
      'RUNNING',
    );
  });

  it('refuses to abort an execution that already ended, which keeps its status', async () => {
    // Prepare
    const { stateMachineArn } = await runtime.client.send(
      new CreateStateMachineCommand({
        name: 'done-at-once',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
        roleArn: 'arn:aws:iam::000000000000:role/console',
      }),
    );
    const { executionArn } = await runtime.client.send(
      new StartExecutionCommand({ stateMachineArn, name: 'ended' }),
    );
    await runtime.runtime.service.awaitExecution(executionArn!);
    // Act
    const refused = await abort('done-at-once:ended', '{}');
    // Assess
    expect(refused).toEqual({
      status: 409,
      json: { message: 'done-at-once:ended already ended SUCCEEDED: there is nothing to abort' },
    });
    expect(await runtime.runtime.service.describeExecution({ executionArn: executionArn! })).toMatchObject({
      status: 'SUCCEEDED',
    });
  });

  it('refuses to stop a rollback, naming the release it restores, and the view links that release', async () => {
    // Prepare: a rollback of a stopped execution, still running
    const stopped = await aWaitingExecution('rolled-back');
    const { stateMachineArn } = await runtime.client.send(
      new CreateStateMachineCommand({
        name: 'rollback',
        definition: JSON.stringify({
          StartAt: 'Ask',
          States: { Ask: approval('Done'), Done: { Type: 'Succeed' } },
        }),
        roleArn: 'arn:aws:iam::000000000000:role/console',
      }),
    );
    const input = JSON.stringify({ strategy: 'canary', executionArn: stopped, input: '{}', reason: 'r' });
    const { executionArn } = await runtime.client.send(
      new StartExecutionCommand({ stateMachineArn, name: 'abort-rolled-back', input }),
    );
    // Act
    const refused = await abort('rollback:abort-rolled-back', '{}');
    const view = await consoleView('rollback:abort-rolled-back');
    // Assess
    expect(refused).toEqual({
      status: 400,
      json: {
        message:
          'rollback:abort-rolled-back is the rollback of wait-an-hour:rolled-back: stopping it would leave traffic part-way and the service locked; it must run to its end',
      },
    });
    expect(view.json.restores).toEqual({ executionId: 'wait-an-hour:rolled-back' });
    expect(await runtime.runtime.service.describeExecution({ executionArn: executionArn! })).toMatchObject({
      status: 'RUNNING',
    });
  });
});

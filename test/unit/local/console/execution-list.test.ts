import {
  CreateStateMachineCommand,
  type ExecutionListItem,
  type HistoryEvent,
  type ListExecutionsInput,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '#local/clock.ts';
import {
  CONSOLE_LIST_LIMIT,
  type ExecutionLister,
  listExecutionsPage,
} from '#local/console/execution-list.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import {
  executionHistory,
  startTestRuntime,
  type TestRuntime,
  waitForExecution,
} from '#test/support/local-runtime.ts';
import { pausedStepDefinition } from '#test/support/paused-step.ts';

const MACHINES = 'arn:aws:states:us-east-1:000000000000:stateMachine';

/**
 * Step Functions holding `counts[machine]` executions of each machine, one every `tick` ms (the machines'
 * interleaved), newest first in pages of `maxResults`; those `running` names are RUNNING, each with a history
 * of no events.
 */
function stepFunctions(counts: Record<string, number>, running: readonly string[] = [], tick = 1000) {
  const executions = new Map<string, ExecutionListItem[]>();
  let second = 0;
  for (const [machine, count] of Object.entries(counts)) {
    const list = Array.from({ length: count }, (_, index) => {
      const name = `${machine}-${index}`;
      return {
        executionArn: `arn:aws:states:us-east-1:000000000000:execution:${machine}:${name}`,
        stateMachineArn: `${MACHINES}:${machine}`,
        name,
        status: running.includes(name) ? 'RUNNING' : 'SUCCEEDED',
        startDate: new Date(Date.UTC(2026, 10, 29) + tick * (index * 7 + (second++ % 7))),
      } as ExecutionListItem;
    });
    executions.set(`${MACHINES}:${machine}`, list.reverse());
  }
  const calls: ListExecutionsInput[] = [];
  const service: ExecutionLister = {
    listStateMachines: async () => ({
      stateMachines: Object.keys(counts).map((machine) => ({
        stateMachineArn: `${MACHINES}:${machine}`,
        name: machine,
        type: 'STANDARD',
        creationDate: new Date(0),
      })),
    }),
    listExecutions: async (input) => {
      calls.push(input);
      const all = (executions.get(input.stateMachineArn!) ?? []).filter(
        (execution) => !input.statusFilter || execution.status === input.statusFilter,
      );
      const from = Number(input.nextToken ?? 0);
      const to = from + (input.maxResults ?? 1000);
      return { executions: all.slice(from, to), ...(to < all.length ? { nextToken: String(to) } : {}) };
    },
    getExecutionHistory: async () => ({ events: [] }),
  } as ExecutionLister;
  return { service, calls };
}

describe('listExecutionsPage', () => {
  it('lists the running executions first, then pages through every ended one, newest first, none twice', async () => {
    // Prepare: 105 executions of one machine, 3 of another; an old one of the first waits for approval
    const { service } = stepFunctions({ many: 105, few: 3 }, ['many-2', 'many-104']);
    // Act
    const first = await listExecutionsPage(service);
    const second = await listExecutionsPage(service, first.nextToken);
    // Assess
    expect(first.running.map((execution) => execution.executionId)).toEqual(['many:many-104', 'many:many-2']);
    expect(first.executions).toHaveLength(CONSOLE_LIST_LIMIT);
    expect(second.running).toEqual([]);
    expect(second.nextToken).toBeUndefined();
    const ended = [...first.executions, ...second.executions];
    expect(ended).toHaveLength(106);
    expect(new Set(ended.map((execution) => execution.executionId)).size).toBe(106);
    const starts = ended.map((execution) => execution.startDate!.getTime());
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    expect(ended.map((execution) => execution.status)).not.toContain('RUNNING');
  });

  it('shows every execution once when many start in the same millisecond, across ListExecutions pages', async () => {
    // Prepare: ListExecutions lists those of one millisecond in an order of its own (not by ARN)
    const { service } = stepFunctions({ many: 250, few: 10 }, [], 0);
    // Act
    const pages = [await listExecutionsPage(service)];
    while (pages.at(-1)!.nextToken) pages.push(await listExecutionsPage(service, pages.at(-1)!.nextToken));
    // Assess
    const ended = pages.flatMap((page) => page.executions.map((execution) => execution.executionId));
    expect(pages.map((page) => page.executions.length)).toEqual([100, 100, 60]);
    expect(new Set(ended).size).toBe(260);
  });

  it('looks up where the running executions are at once, a row whose lookup fails showing no state', async () => {
    // Prepare: `many-2` waits in `Bake`; the history of `many-4` cannot be read
    const { service } = stepFunctions({ many: 5 }, ['many-2', 'many-4']);
    let reading = 0;
    let mostAtOnce = 0;
    service.getExecutionHistory = async ({ executionArn }) => {
      mostAtOnce = Math.max(mostAtOnce, ++reading);
      await new Promise((resolve) => setTimeout(resolve, 10));
      reading -= 1;
      if (executionArn!.endsWith(':many-4')) throw new Error('history unavailable');
      const entered: HistoryEvent = {
        id: 3,
        type: 'WaitStateEntered',
        timestamp: new Date(0),
        stateEnteredEventDetails: { name: 'Bake' },
      };
      return { events: [entered] };
    };
    // Act
    const { running } = await listExecutionsPage(service);
    // Assess
    expect(mostAtOnce).toBe(2);
    expect(running).toEqual([
      expect.objectContaining({ executionId: 'many:many-4', status: 'RUNNING' }),
      expect.objectContaining({ executionId: 'many:many-2', state: 'Bake' }),
    ]);
    expect(running[0]).not.toHaveProperty('state');
  });

  it('refuses a token the list did not give', async () => {
    // Prepare
    const { service } = stepFunctions({ few: 3 });
    // Act
    const listing = listExecutionsPage(service, 'not-a-token');
    // Assess
    await expect(listing).rejects.toThrow(/nextToken "not-a-token" is not one the list gave/);
  });
});

describe('GET /console/api/executions', () => {
  let runtime: TestRuntime;
  const machines: Record<string, string> = {};

  /** Starts the executions `names` of the Pass state machine `machine`; they have ended when this returns. */
  async function finished(machine: string, names: readonly string[]): Promise<void> {
    const stateMachineArn = machines[machine];
    const arns = await Promise.all(
      names.map(async (name) => {
        const started = await runtime.client.send(new StartExecutionCommand({ stateMachineArn, name }));
        return started.executionArn!;
      }),
    );
    await Promise.all(arns.map((executionArn) => waitForExecution(runtime.client, executionArn)));
  }

  async function list(nextToken?: string) {
    const query = nextToken === undefined ? '' : `?nextToken=${encodeURIComponent(nextToken)}`;
    const response = await fetch(`${runtime.endpoint}/console/api/executions${query}`);
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  const idsOf = (page: Record<string, unknown>) =>
    (page.executions as { executionId: string }[]).map((execution) => execution.executionId);
  const tokenOf = (cursor: unknown) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

  beforeAll(async () => {
    runtime = await startTestRuntime();
    for (const name of ['paged', 'other']) {
      const { stateMachineArn } = await runtime.client.send(
        new CreateStateMachineCommand({
          name,
          definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
          roleArn: 'arn:aws:iam::000000000000:role/console',
        }),
      );
      machines[name] = stateMachineArn!;
    }
    // The newer `other` ones first: the first page ends part-way into the first ListExecutions page of `paged`
    await finished(
      'paged',
      Array.from({ length: CONSOLE_LIST_LIMIT + 5 }, (_, index) => `old-${index}`),
    );
    await finished('other', ['other-0', 'other-1', 'other-2']);
  });

  afterAll(() => runtime?.close());

  it('leaves Express executions out, as AWS lists none, and lists the others still', async () => {
    // Prepare
    const { stateMachineArn } = await runtime.client.send(
      new CreateStateMachineCommand({
        name: 'quick',
        type: 'EXPRESS',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
        roleArn: 'arn:aws:iam::000000000000:role/console',
      }),
    );
    const { executionArn } = await runtime.client.send(new StartExecutionCommand({ stateMachineArn }));
    await runtime.runtime.service.awaitExecution(executionArn);
    // Act
    const page = await list();
    // Assess
    expect(page.status).toBe(200);
    expect(idsOf(page.json)).toContain('other:other-2');
    expect(idsOf(page.json).filter((id) => id.startsWith('quick:'))).toEqual([]);
  });

  it('pages on from the last row shown, so executions started since the first page repeat none on the next', async () => {
    // Prepare
    const first = await list();
    await finished('paged', ['new-0', 'new-1', 'new-2', 'new-3', 'new-4']);
    // Act
    const older = await list(String(first.json.nextToken));
    // Assess
    const onFirst = idsOf(first.json);
    expect(older.status).toBe(200);
    expect(idsOf(older.json).filter((id) => onFirst.includes(id) || id.startsWith('paged:new-'))).toEqual([]);
    expect(new Set([...onFirst, ...idsOf(older.json)]).size).toBe(CONSOLE_LIST_LIMIT + 8);
    expect(older.json.nextToken).toBeUndefined();
  });

  it('answers 400 for a token it did not give, a forged one of a known state machine too', async () => {
    // Prepare
    const executionArn = `${machines.paged!.replace(':stateMachine:', ':execution:')}:old-0`;
    const forged = [
      'not-a-token',
      tokenOf({ [machines.paged!]: { skip: -5 } }),
      tokenOf({ x: { skip: -1 } }),
      tokenOf([]),
      tokenOf(null),
      tokenOf({ startDate: -1, executionArn }),
      tokenOf({ startDate: '1', executionArn }),
      tokenOf({ startDate: 1, executionArn, skip: 0 }),
      tokenOf({ startDate: 1, executionArn: executionArn.replace(':paged:', ':gone:') }),
    ];
    // Act
    const answers = await Promise.all(forged.map((token) => list(token)));
    // Assess
    for (const [index, answer] of answers.entries()) {
      expect(answer.status).toBe(400);
      expect(answer.json.message).toMatch(
        new RegExp(`^nextToken ${JSON.stringify(forged[index])} is not one the list gave`),
      );
    }
  });
});

describe('GET /console/api/executions, where the running executions are', () => {
  let runtime: TestRuntime;
  /** The executions left running by the test: stopped after it. */
  const running: string[] = [];

  /**
   * Starts `name` of a new state machine `definition`: its ARN once `type` is its newest event, or once its
   * history has every one of `types`.
   */
  async function startedUntil(name: string, definition: object, type: string | string[]): Promise<string> {
    const { stateMachineArn } = await runtime.client.send(
      new CreateStateMachineCommand({
        name,
        definition: JSON.stringify(definition),
        roleArn: 'arn:aws:iam::000000000000:role/console',
      }),
    );
    const { executionArn } = await runtime.client.send(new StartExecutionCommand({ stateMachineArn, name }));
    const reached = (events: { type?: string }[]) =>
      typeof type === 'string'
        ? events.at(-1)?.type === type
        : type.every((wanted) => events.some((event) => event.type === wanted));
    while (!reached(await executionHistory(runtime.client, executionArn!))) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return executionArn!;
  }

  beforeAll(async () => {
    runtime = await startTestRuntime({
      clock: new RealClock(1),
      lambdas: new MapLambdaRegistry({
        ask: () => undefined,
        slice: () => ({
          table: 'public.orders',
          lastKey: ['50000'],
          rowsCopied: 50_000,
          done: false,
          estimatedRows: 150_000,
        }),
      }),
    });
  });

  afterAll(async () => {
    await Promise.all(
      running.map((executionArn) => runtime.client.send(new StopExecutionCommand({ executionArn }))),
    );
    await runtime?.close();
  });

  it('gives a running row its state, and marks one waiting for an approval; ended rows have neither', async () => {
    // Prepare: one waits in a Wait state, one on a `.waitForTaskToken` approval task; one has ended
    const baking = await startedUntil(
      'baking',
      { StartAt: 'BakeStep', States: { BakeStep: { Type: 'Wait', Seconds: 99_999_999, End: true } } },
      'WaitStateEntered',
    );
    const approving = await startedUntil(
      'approving',
      {
        StartAt: 'RequestApproval',
        States: {
          RequestApproval: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: 'ask', Payload: { 'taskToken.$': '$$.Task.Token' } },
            End: true,
          },
        },
      },
      'TaskSubmitted',
    );
    running.push(baking, approving);
    await startedUntil(
      'ended',
      { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } },
      'ExecutionSucceeded',
    );
    // Act
    const response = await fetch(`${runtime.endpoint}/console/api/executions`);
    // Assess
    const page = (await response.json()) as { running: object[]; executions: object[] };
    expect(response.status).toBe(200);
    expect(page.running).toEqual([
      expect.objectContaining({
        executionId: 'approving:approving',
        state: 'RequestApproval',
        awaitingApproval: true,
      }),
      expect.objectContaining({ executionId: 'baking:baking', state: 'BakeStep' }),
    ]);
    expect(page.running[1]).not.toHaveProperty('awaitingApproval');
    expect(page.executions).toEqual([
      expect.objectContaining({ executionId: 'ended:ended', status: 'SUCCEEDED' }),
    ]);
    expect(page.executions[0]).not.toHaveProperty('state');
    expect(page.executions[0]).not.toHaveProperty('awaitingApproval');
  });

  it("gives a running migration's copy by its last slice, as cutover status does", async () => {
    // Prepare: a slice reports 50,000 rows of about 150,000 copied, then the copy waits on its next one
    const copying = await startedUntil(
      'copying',
      {
        StartAt: 'CopySlice',
        States: {
          CopySlice: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: 'slice' },
            Next: 'TableDone',
          },
          TableDone: { Type: 'Wait', Seconds: 99_999_999, End: true },
        },
      },
      'WaitStateEntered',
    );
    running.push(copying);
    // Act
    const response = await fetch(`${runtime.endpoint}/console/api/executions`);
    // Assess
    const page = (await response.json()) as { running: object[] };
    expect(page.running).toContainEqual(
      expect.objectContaining({
        executionId: 'copying:copying',
        state: 'TableDone',
        copy: 'public.orders: 50,000 of about 150,000 rows so far',
      }),
    );
  });

  it('marks one waiting for an approval while another branch records its checks, as a paused canary step does', async () => {
    // Prepare: the approval beside a branch that goes on recording events
    const pausing = await startedUntil(
      'pausing',
      pausedStepDefinition('ask'),
      // Both branches under way: the approval handed out its token, the checks wait
      ['TaskSubmitted', 'WaitStateEntered'],
    );
    running.push(pausing);
    // Act
    const response = await fetch(`${runtime.endpoint}/console/api/executions`);
    // Assess
    const page = (await response.json()) as { running: object[] };
    expect(page.running).toContainEqual(
      expect.objectContaining({ executionId: 'pausing:pausing', awaitingApproval: true }),
    );
  });
});

import {
  CreateStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime, waitForExecution } from '#test/support/local-runtime.ts';

const ROLE = 'arn:aws:iam::000000000000:role/pages';
const PASS = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
const invalidToken = { name: 'InvalidToken', message: expect.stringMatching(/^Invalid Token: /) };

let local: TestRuntime;
let first: string;
let second: string;
let executions: string[];

async function machineWithExecutions(name: string, count: number): Promise<[string, string[]]> {
  const { stateMachineArn } = await local.client.send(
    new CreateStateMachineCommand({ name, definition: PASS, roleArn: ROLE }),
  );
  const arns: string[] = [];
  for (let index = 0; index < count; index++) {
    const { executionArn } = await local.client.send(new StartExecutionCommand({ stateMachineArn }));
    await waitForExecution(local.client, executionArn!);
    arns.push(executionArn!);
  }
  return [stateMachineArn!, arns];
}

beforeAll(async () => {
  local = await startTestRuntime();
  [first, executions] = await machineWithExecutions('pages-first', 3);
  [second] = await machineWithExecutions('pages-second', 3);
});

afterAll(async () => {
  await local?.close();
});

describe('nextToken', () => {
  it('ListExecutions: pages on with the same arguments, whatever maxResults', async () => {
    // Prepare
    const page1 = await local.client.send(
      new ListExecutionsCommand({ stateMachineArn: first, maxResults: 1 }),
    );
    // Act
    const page2 = await local.client.send(
      new ListExecutionsCommand({ stateMachineArn: first, maxResults: 5, nextToken: page1.nextToken }),
    );
    // Assess
    expect([...page1.executions!, ...page2.executions!].map((e) => e.executionArn)).toEqual(
      [...executions].reverse(),
    );
    expect(page2.nextToken).toBeUndefined();
  });

  it('ListExecutions: refuses a token with another stateMachineArn, statusFilter or redriveFilter', async () => {
    // Prepare
    const { nextToken } = await local.client.send(
      new ListExecutionsCommand({ stateMachineArn: first, maxResults: 1 }),
    );
    const list = (input: object) =>
      local.client.send(
        new ListExecutionsCommand({ stateMachineArn: first, maxResults: 1, nextToken, ...input }),
      );
    // Act + Assess
    await expect(list({ stateMachineArn: second })).rejects.toMatchObject(invalidToken);
    await expect(list({ statusFilter: 'SUCCEEDED' })).rejects.toMatchObject(invalidToken);
    await expect(list({ redriveFilter: 'NOT_REDRIVEN' })).rejects.toMatchObject(invalidToken);
  });

  it('GetExecutionHistory: refuses a token with another execution or order, not with another includeExecutionData', async () => {
    // Prepare
    const [executionArn, other] = executions as [string, string];
    const { nextToken } = await local.client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 2 }),
    );
    const history = (input: object) =>
      local.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 2, nextToken, ...input }));
    // Act
    const withoutData = await history({ includeExecutionData: false });
    // Assess
    expect(withoutData.events!.map((event) => event.id)).toEqual([3, 4]);
    await expect(history({ executionArn: other })).rejects.toMatchObject(invalidToken);
    await expect(history({ reverseOrder: true })).rejects.toMatchObject(invalidToken);
  });

  it('refuses a token of one operation given to another', async () => {
    // Prepare
    const executionsToken = (
      await local.client.send(new ListExecutionsCommand({ stateMachineArn: first, maxResults: 1 }))
    ).nextToken;
    const machinesToken = (await local.client.send(new ListStateMachinesCommand({ maxResults: 1 })))
      .nextToken;
    // Act
    const machines = local.client.send(new ListStateMachinesCommand({ nextToken: executionsToken }));
    const history = local.client.send(
      new GetExecutionHistoryCommand({ executionArn: executions[0], nextToken: executionsToken }),
    );
    const list = local.client.send(
      new ListExecutionsCommand({ stateMachineArn: first, nextToken: machinesToken }),
    );
    // Assess
    await expect(machines).rejects.toMatchObject(invalidToken);
    await expect(history).rejects.toMatchObject(invalidToken);
    await expect(list).rejects.toMatchObject(invalidToken);
  });

  it('names the operation that issued a token given to another', async () => {
    // Prepare
    const { nextToken } = await local.client.send(
      new ListExecutionsCommand({ stateMachineArn: first, maxResults: 1 }),
    );
    // Act
    const history = local.client.send(
      new GetExecutionHistoryCommand({ executionArn: executions[0], nextToken }),
    );
    // Assess
    await expect(history).rejects.toMatchObject({
      name: 'InvalidToken',
      message:
        'Invalid Token: the nextToken was issued by ListExecutions, not GetExecutionHistory: pass it to the operation that returned it',
    });
  });

  it('ListStateMachines: pages through every state machine with its own tokens', async () => {
    // Prepare
    const names: string[] = [];
    let nextToken: string | undefined;
    // Act
    do {
      const page = await local.client.send(new ListStateMachinesCommand({ maxResults: 1, nextToken }));
      names.push(...page.stateMachines!.map((machine) => machine.name!));
      nextToken = page.nextToken;
    } while (nextToken);
    // Assess
    expect(names).toEqual(['pages-first', 'pages-second']);
  });

  it('refuses a token this service did not issue', async () => {
    // Act
    const machines = local.client.send(new ListStateMachinesCommand({ nextToken: 'garbage' }));
    const list = local.client.send(
      new ListExecutionsCommand({ stateMachineArn: first, nextToken: 'garbage' }),
    );
    const history = local.client.send(
      new GetExecutionHistoryCommand({ executionArn: executions[0], nextToken: 'e30' }),
    );
    // Assess
    await expect(machines).rejects.toMatchObject(invalidToken);
    await expect(list).rejects.toMatchObject(invalidToken);
    await expect(history).rejects.toMatchObject(invalidToken);
  });
});

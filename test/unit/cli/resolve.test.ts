import {
  CreateStateMachineCommand,
  type ExecutionListItem,
  type ListExecutionsCommand,
  ListStateMachinesCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '#test/support/local-runtime.ts';
import { listCutoverExecutions, resolveExecutionArn } from '../../../src/cli/resolve.ts';
import { serviceReleases } from '../../../src/cli/service-releases.ts';

const machineArn = (name: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`;

/** An execution of `machine` named `name`, started `minute` minutes into the hour. */
function anExecution(machine: string, name: string, minute: number): ExecutionListItem {
  return {
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:${machine}:${name}`,
    stateMachineArn: machineArn(machine),
    name,
    status: 'SUCCEEDED',
    startDate: new Date(Date.UTC(2026, 10, 29, 10, minute)),
  };
}

/** A client that answers each listing in pages of one item, with a `nextToken` to the next; records the calls. */
function aPagingClient(machines: string[], executions: ExecutionListItem[]) {
  const calls: { command: string; nextToken?: string }[] = [];
  const page = <T>(items: T[], nextToken: string | undefined) => {
    const at = Number(nextToken ?? 0);
    return { items: items.slice(at, at + 1), nextToken: at + 1 < items.length ? String(at + 1) : undefined };
  };
  const send = async (command: ListStateMachinesCommand | ListExecutionsCommand) => {
    const { nextToken } = command.input;
    calls.push({ command: command.constructor.name, nextToken });
    if (command instanceof ListStateMachinesCommand) {
      const { items, nextToken: next } = page(machines, nextToken);
      return {
        stateMachines: items.map((name) => ({ name, stateMachineArn: machineArn(name) })),
        nextToken: next,
      };
    }
    const own = executions.filter((execution) => execution.stateMachineArn === command.input.stateMachineArn);
    const { items, nextToken: next } = page(own, nextToken);
    return { executions: items, nextToken: next };
  };
  return { sfn: { send } as unknown as SFNClient, calls };
}

describe('listCutoverExecutions', () => {
  it('reads every page of the state machines and of the executions of each, newest first', async () => {
    // Prepare
    const executions = [
      anExecution('canary', 'checkout-v1', 1),
      anExecution('canary', 'checkout-v3', 3),
      anExecution('rollback', 'abort-checkout-v2', 2),
    ];
    const { sfn, calls } = aPagingClient(['canary', 'other-team', 'rollback'], executions);
    // Act
    const listed = await listCutoverExecutions(sfn);
    // Assess
    expect(listed.map((execution) => execution.name)).toEqual([
      'checkout-v3',
      'abort-checkout-v2',
      'checkout-v1',
    ]);
    expect(calls).toEqual([
      { command: 'ListStateMachinesCommand', nextToken: undefined },
      { command: 'ListStateMachinesCommand', nextToken: '1' },
      { command: 'ListStateMachinesCommand', nextToken: '2' },
      { command: 'ListExecutionsCommand', nextToken: undefined },
      { command: 'ListExecutionsCommand', nextToken: '1' },
      { command: 'ListExecutionsCommand', nextToken: undefined },
    ]);
  });
});

describe('an endpoint without Cutover state machines', () => {
  let local: TestRuntime;
  beforeAll(async () => {
    local = await startTestRuntime();
  });
  afterAll(async () => {
    await local?.close();
  });

  it('is a usage error for plan and status, which would otherwise read no release as a first one', async () => {
    // Act
    const reading = serviceReleases(
      local.client,
      { name: 'checkout', namespace: 'shop' },
      { scan: 25, limit: 5 },
    );
    // Assess
    await expect(reading).rejects.toMatchObject({
      exitCode: 2,
      message:
        'no Cutover state machines at this endpoint (canary, blue-green, rolling, database-migration, rollback): ' +
        'is `cutover local` running, in the Cutover project or with --project-dir naming it?',
    });
  });
});

describe('resolveExecutionArn', () => {
  let local: TestRuntime;
  const pass = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });

  beforeAll(async () => {
    local = await startTestRuntime();
    const { stateMachineArn } = await local.client.send(
      new CreateStateMachineCommand({
        name: 'canary',
        definition: pass,
        roleArn: 'arn:aws:iam::000000000000:role/r',
      }),
    );
    // As `cutover run` names them by default: the release's name, then 6 hex digits
    for (const name of ['checkout-v3-719d88', 'checkout-v3-0b2c4e', 'checkout-v30-aaaaaa']) {
      await local.client.send(new StartExecutionCommand({ stateMachineArn, name }));
    }
  });
  afterAll(async () => {
    await local?.close();
  });

  it('offers the executions named after the name given, newest first, when none has it exactly', async () => {
    // Act
    const resolving = resolveExecutionArn(local.client, 'checkout-v3');
    // Assess
    await expect(resolving).rejects.toMatchObject({
      exitCode: 2,
      message:
        'no execution named "checkout-v3"; did you mean checkout-v3-0b2c4e (SUCCEEDED) or checkout-v3-719d88 (SUCCEEDED)?',
    });
  });

  it('takes an execution id as the console shows it, <state machine>:<name>', async () => {
    // Act
    const resolved = await resolveExecutionArn(local.client, 'canary:checkout-v3-719d88');
    const unknown = await resolveExecutionArn(local.client, 'canary:checkout-v9').catch((e: Error) => e);
    const noMachine = await resolveExecutionArn(local.client, 'canry:checkout-v3-719d88').catch(
      (e: Error) => e,
    );
    // Assess
    expect(resolved).toBe('arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v3-719d88');
    expect(unknown).toMatchObject({
      exitCode: 2,
      message: 'no execution "canary:checkout-v9"',
    });
    expect(noMachine).toMatchObject({
      exitCode: 2,
      message:
        'no execution "canry:checkout-v3-719d88": canry is not a state machine of Cutover here (canary, blue-green, rolling, database-migration, rollback)',
    });
  });

  it('says only that none has the name when no name starts with it', async () => {
    // Act
    const resolving = resolveExecutionArn(local.client, 'orders-v1');
    // Assess
    await expect(resolving).rejects.toMatchObject({ exitCode: 2, message: 'no execution named "orders-v1"' });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '#local/asl/expressions/json-values.ts';
import { type Harness, harness, machine, ROLE_ARN } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.sfn.close();
  h = undefined;
});

const pass = machine({ P: { Type: 'Pass', End: true } });
const waitForever = machine({ W: { Type: 'Wait', Seconds: 3600, End: true } });
const callback = {
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  Parameters: { FunctionName: 'f', 'Token.$': '$$.Task.Token' },
  End: true,
};
/** A `.waitForTaskToken` task inside a Map inside a Parallel branch. */
const nestedCallback = machine({
  Par: {
    Type: 'Parallel',
    End: true,
    Branches: [
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            End: true,
            ItemProcessor: { StartAt: 'Callback', States: { Callback: callback } },
          },
        },
      },
    ],
  },
});

describe('LocalStepFunctions AWS accuracy', () => {
  it('answers an UpdateStateMachine that changes nothing with the current revision, as AWS does', async () => {
    // Prepare
    h = harness();
    const { stateMachineArn } = await h.sfn.createStateMachine({
      name: 'rev',
      definition: pass,
      roleArn: ROLE_ARN,
    });
    const changed = await h.sfn.updateStateMachine({ stateMachineArn, definition: waitForever });
    await h.clock.advance(5000);
    // Act
    const same = await h.sfn.updateStateMachine({ stateMachineArn, definition: waitForever });
    const sameAgain = await h.sfn.updateStateMachine({
      stateMachineArn,
      definition: waitForever,
      roleArn: ROLE_ARN,
    });
    // Assess
    expect(same).toEqual(changed);
    expect(sameAgain).toEqual(changed);
    expect((await h.sfn.describeStateMachine({ stateMachineArn })).revisionId).toBe(changed.revisionId);
  });

  it('refuses a versionDescription without publish, on create and on update, changing nothing', async () => {
    // Prepare
    h = harness();
    const { stateMachineArn } = await h.sfn.createStateMachine({
      name: 'v',
      definition: pass,
      roleArn: ROLE_ARN,
    });
    const refusal = {
      code: 'ValidationException',
      message: 'Version description can only be set when publish is true',
    };
    // Act
    const created = h.sfn.createStateMachine({
      name: 'described',
      definition: pass,
      roleArn: ROLE_ARN,
      versionDescription: 'first',
    });
    const updated = h.sfn.updateStateMachine({
      stateMachineArn,
      definition: waitForever,
      publish: false,
      versionDescription: 'second',
    });
    // Assess
    await expect(created).rejects.toMatchObject(refusal);
    await expect(updated).rejects.toMatchObject(refusal);
    const { stateMachines } = await h.sfn.listStateMachines({});
    expect(stateMachines?.map((machine) => machine.name)).toEqual(['v']);
    expect((await h.sfn.describeStateMachine({ stateMachineArn })).definition).toBe(pass);
  });

  it('treats a create with the same name, definition and type but another roleArn as idempotent', async () => {
    // Prepare
    h = harness();
    const first = await h.sfn.createStateMachine({ name: 'idem', definition: pass, roleArn: ROLE_ARN });
    await h.clock.advance(5000);
    // Act
    const again = await h.sfn.createStateMachine({
      name: 'idem',
      definition: pass,
      roleArn: `${ROLE_ARN}-other`,
    });
    const otherType = h.sfn.createStateMachine({
      name: 'idem',
      definition: pass,
      roleArn: ROLE_ARN,
      type: 'EXPRESS',
    });
    // Assess
    expect(again).toEqual(first);
    await expect(otherType).rejects.toMatchObject({ code: 'StateMachineAlreadyExists' });
    const described = await h.sfn.describeStateMachine({ stateMachineArn: first.stateMachineArn });
    expect(described.roleArn).toBe(ROLE_ARN);
  });

  it('filters ListExecutions by redriveFilter and gives each item redriveCount 0', async () => {
    // Prepare
    h = harness();
    const { stateMachineArn } = await h.sfn.createStateMachine({
      name: 'redrive',
      definition: waitForever,
      roleArn: ROLE_ARN,
    });
    await h.sfn.startExecution({ stateMachineArn, name: 'e1' });
    // Act
    const redriven = await h.sfn.listExecutions({ stateMachineArn, redriveFilter: 'REDRIVEN' });
    const notRedriven = await h.sfn.listExecutions({ stateMachineArn, redriveFilter: 'NOT_REDRIVEN' });
    // Assess
    expect(redriven.executions).toEqual([]);
    expect(notRedriven.executions).toEqual([expect.objectContaining({ name: 'e1', redriveCount: 0 })]);
  });

  it('refuses ListExecutions filters and ARN combinations AWS refuses, naming the field', async () => {
    // Prepare
    h = harness();
    const { stateMachineArn } = await h.sfn.createStateMachine({
      name: 'filters',
      definition: waitForever,
      roleArn: ROLE_ARN,
    });
    const mapRunArn = 'arn:aws:states:us-east-1:000000000000:mapRun:filters/label:00000000-0000';
    const refused = (message: string | RegExp) => ({ code: 'ValidationException', message });
    // Act + Assess
    await expect(
      h.sfn.listExecutions({ stateMachineArn, redriveFilter: 'SOMETIMES' as 'REDRIVEN' }),
    ).rejects.toMatchObject(
      refused('redriveFilter must be one of: REDRIVEN, NOT_REDRIVEN (got "SOMETIMES")'),
    );
    await expect(h.sfn.listExecutions({})).rejects.toMatchObject(
      refused('Must provide a StateMachine ARN or MapRun ARN'),
    );
    await expect(h.sfn.listExecutions({ stateMachineArn, mapRunArn })).rejects.toMatchObject(
      refused(/stateMachineArn or mapRunArn, not both/),
    );
    await expect(
      h.sfn.listExecutions({ stateMachineArn, statusFilter: 'PENDING_REDRIVE' }),
    ).rejects.toMatchObject(refused(/PENDING_REDRIVE/));
  });

  it('answers StopExecution of an ended execution with its stop date and changes nothing', async () => {
    // Prepare
    h = harness();
    const succeeded = (await h.run(pass)).executionArn!;
    const aborted = await h.start(waitForever);
    await h.sfn.stopExecution({ executionArn: aborted, error: 'First', cause: 'the first stop' });
    const before = await Promise.all(
      [succeeded, aborted].map((executionArn) => h!.sfn.describeExecution({ executionArn })),
    );
    const eventsBefore = await Promise.all(
      [succeeded, aborted].map((executionArn) => h!.history(executionArn)),
    );
    // Act
    const answers = await Promise.all(
      [succeeded, aborted].map((executionArn) =>
        h!.sfn.stopExecution({ executionArn, error: 'Late', cause: 'too late' }),
      ),
    );
    // Assess
    expect(answers).toEqual(before.map(({ stopDate }) => ({ stopDate })));
    const after = await Promise.all(
      [succeeded, aborted].map((executionArn) => h!.sfn.describeExecution({ executionArn })),
    );
    expect(after).toEqual(before);
    const eventsAfter = await Promise.all(
      [succeeded, aborted].map((executionArn) => h!.history(executionArn)),
    );
    expect(eventsAfter).toEqual(eventsBefore);
  });

  it('says in redriveStatusReason why each execution cannot be redriven, and none for one that can', async () => {
    // Prepare
    h = harness();
    const succeeded = (await h.run(pass)).executionArn;
    const running = await h.start(waitForever);
    const aborted = await h.start(waitForever);
    await h.sfn.stopExecution({ executionArn: aborted });
    // Act
    const reasons = await Promise.all(
      [running, succeeded, aborted].map(async (executionArn) => {
        const { redriveStatus, redriveStatusReason } = await h!.sfn.describeExecution({ executionArn });
        return [redriveStatus, redriveStatusReason];
      }),
    );
    // Assess
    expect(reasons).toEqual([
      ['NOT_REDRIVABLE', 'Execution is RUNNING and cannot be redriven'],
      ['NOT_REDRIVABLE', 'Execution is SUCCEEDED and cannot be redriven'],
      ['REDRIVABLE', undefined],
    ]);
  });

  it('refuses a qualified ARN in DeleteStateMachine, and a Distributed Map ARN anywhere', async () => {
    // Prepare
    h = harness();
    const { stateMachineArn } = await h.sfn.createStateMachine({
      name: 'qualified',
      definition: pass,
      roleArn: ROLE_ARN,
    });
    const label = `${stateMachineArn}/mapLabel`;
    const alias = `${stateMachineArn}:PROD`;
    // Act + Assess
    for (const qualified of [label, alias, `${stateMachineArn}:1`]) {
      await expect(h.sfn.deleteStateMachine({ stateMachineArn: qualified })).rejects.toMatchObject({
        code: 'ValidationException',
        message: expect.stringContaining('stateMachineArn must be unqualified'),
      });
    }
    await expect(h.sfn.describeStateMachine({ stateMachineArn: label })).rejects.toMatchObject({
      code: 'ValidationException',
    });
    await expect(h.sfn.describeStateMachine({ stateMachineArn: alias })).rejects.toMatchObject({
      code: 'StateMachineDoesNotExist',
    });
    await expect(h.sfn.startExecution({ stateMachineArn: alias })).rejects.toMatchObject({
      code: 'StateMachineDoesNotExist',
    });
    expect((await h.sfn.describeStateMachine({ stateMachineArn })).status).toBe('ACTIVE');
  });

  it('refuses .waitForTaskToken and .sync tasks in an EXPRESS state machine, also nested', async () => {
    // Prepare
    h = harness();
    const sync = machine({
      Run: { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync:2', End: true },
    });
    const { stateMachineArn } = await h.sfn.createStateMachine({
      name: 'express',
      definition: pass,
      roleArn: ROLE_ARN,
      type: 'EXPRESS',
    });
    // Act
    const validated = await h.sfn.validateStateMachineDefinition({
      definition: nestedCallback,
      type: 'EXPRESS',
    });
    const asStandard = await h.sfn.validateStateMachineDefinition({ definition: nestedCallback });
    // Assess
    expect(validated.result).toBe('FAIL');
    expect(validated.diagnostics).toEqual([
      {
        code: 'SCHEMA_VALIDATION_FAILED',
        message: "Express state machine does not support '.waitForTaskToken' service integration ",
        location: '/States/Par/Branches[0]/States/Each/ItemProcessor/States/Callback/Resource',
        severity: 'ERROR',
      },
    ]);
    expect(asStandard.result).toBe('OK');
    await expect(
      h.sfn.createStateMachine({ name: 'x', definition: sync, roleArn: ROLE_ARN, type: 'EXPRESS' }),
    ).rejects.toMatchObject({ code: 'InvalidDefinition', message: expect.stringContaining("'.sync:2'") });
    await expect(
      h.sfn.updateStateMachine({ stateMachineArn, definition: nestedCallback }),
    ).rejects.toMatchObject({
      code: 'InvalidDefinition',
      message: expect.stringContaining('/States/Callback/Resource'),
    });
  });

  it('refuses an empty task token or one over 2048 characters with ValidationException, as the HTTP API does', async () => {
    // Prepare
    h = harness();
    const tooLong = 'x'.repeat(2049);
    const constraint =
      "1 validation error detected: Value at 'taskToken' failed to satisfy constraint: Member";
    // Act
    const answers = [
      h.sfn.sendTaskSuccess({ taskToken: tooLong, output: '{}' }),
      h.sfn.sendTaskFailure({ taskToken: tooLong }),
      h.sfn.sendTaskHeartbeat({ taskToken: tooLong }),
    ];
    const empty = h.sfn.sendTaskHeartbeat({ taskToken: '' });
    // Assess
    for (const answer of answers) {
      await expect(answer).rejects.toMatchObject({
        code: 'ValidationException',
        message: `${constraint} must have length less than or equal to 2048`,
      });
    }
    await expect(empty).rejects.toMatchObject({
      code: 'ValidationException',
      message: `${constraint} must have length greater than or equal to 1`,
    });
  });

  it('words InvalidExecutionInput as AWS does', async () => {
    // Prepare
    h = harness();
    const { stateMachineArn } = await h.sfn.createStateMachine({
      name: 'input',
      definition: pass,
      roleArn: ROLE_ARN,
    });
    // Act
    const started = h.sfn.startExecution({ stateMachineArn, input: '{not json' });
    // Assess
    await expect(started).rejects.toMatchObject({
      code: 'InvalidExecutionInput',
      message: expect.stringMatching(/^Invalid State Machine Execution Input: '.+'$/),
    });
  });

  it(`runs input nested ${MAX_JSON_DEPTH} deep, and refuses one nested deeper (strings do not count)`, async () => {
    // Prepare
    h = harness();
    const { stateMachineArn } = await h.sfn.createStateMachine({
      name: 'deep',
      definition: pass,
      roleArn: ROLE_ARN,
    });
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    // The innermost array holds a string of brackets and an escaped quote, which add no depth.
    const deepest = `[${nested(MAX_JSON_DEPTH - 1).replace('[]', '["[[{\\"[["]')}]`;
    // Act
    const { executionArn } = await h.sfn.startExecution({ stateMachineArn, input: deepest });
    const done = h.sfn.awaitExecution(executionArn);
    await h.clock.runAll();
    const deeper = h.sfn.startExecution({ stateMachineArn, input: nested(MAX_JSON_DEPTH + 1) });
    // Assess
    expect(await done).toMatchObject({ status: 'SUCCEEDED', output: deepest });
    await expect(deeper).rejects.toMatchObject({
      code: 'InvalidExecutionInput',
      message: expect.stringContaining(`nest more than ${MAX_JSON_DEPTH} levels deep`),
    });
  });
});

describe('LocalStepFunctions DeleteStateMachine', () => {
  const HOUR = 3_600_000;
  const waitThenPass = machine({
    W: { Type: 'Wait', Seconds: 3600, Next: 'P' },
    P: { Type: 'Pass', End: true },
  });

  it('deletes a state machine without RUNNING executions at once', async () => {
    // Prepare
    h = harness();
    const { stateMachineArn } = await h.sfn.createStateMachine({
      name: 'idle',
      definition: pass,
      roleArn: ROLE_ARN,
    });
    const { executionArn } = await h.sfn.startExecution({ stateMachineArn });
    await h.sfn.awaitExecution(executionArn);
    // Act
    const deleted = await h.sfn.deleteStateMachine({ stateMachineArn });
    // Assess
    expect(deleted).toEqual({});
    await expect(h.sfn.describeStateMachine({ stateMachineArn })).rejects.toMatchObject({
      code: 'StateMachineDoesNotExist',
    });
    expect((await h.sfn.listStateMachines()).stateMachines).toEqual([]);
    expect((await h.sfn.describeExecution({ executionArn })).status).toBe('SUCCEEDED');
  });

  it('keeps a state machine with a parked execution DELETING, refusing new work, until the wait ends', async () => {
    // Prepare
    h = harness();
    const { stateMachineArn } = await h.sfn.createStateMachine({
      name: 'parked',
      definition: waitThenPass,
      roleArn: ROLE_ARN,
    });
    const { executionArn } = await h.sfn.startExecution({ stateMachineArn });
    await h.clock.advance(1000);
    const deleting = {
      code: 'StateMachineDeleting',
      message: `State Machine is being deleted: '${stateMachineArn}'`,
    };
    // Act
    const deleted = await h.sfn.deleteStateMachine({ stateMachineArn });
    const deletedAgain = await h.sfn.deleteStateMachine({ stateMachineArn });
    const described = await h.sfn.describeStateMachine({ stateMachineArn });
    const listed = await h.sfn.listStateMachines();
    const refusal = (call: Promise<unknown>) => call.catch((error: unknown) => error);
    const started = await refusal(h.sfn.startExecution({ stateMachineArn }));
    const created = await refusal(
      h.sfn.createStateMachine({ name: 'parked', definition: waitThenPass, roleArn: ROLE_ARN }),
    );
    const updated = await refusal(h.sfn.updateStateMachine({ stateMachineArn, definition: pass }));
    const whileWaiting = await h.sfn.describeExecution({ executionArn });
    await h.clock.advance(HOUR);
    const ended = await h.sfn.awaitExecution(executionArn);
    // Assess
    expect([deleted, deletedAgain]).toEqual([{}, {}]);
    expect(described.status).toBe('DELETING');
    expect(listed.stateMachines!.map((item) => item.stateMachineArn)).toEqual([stateMachineArn]);
    expect([started, created, updated]).toMatchObject([deleting, deleting, deleting]);
    expect(whileWaiting.status).toBe('RUNNING');
    expect(ended).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: 'State machine parked has been deleted.',
    });
    expect(ended.stopDate!.getTime() - ended.startDate!.getTime()).toBe(HOUR);
    expect(await h.eventTypes(executionArn!)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'ExecutionFailed',
    ]);
    await expect(h.sfn.describeStateMachine({ stateMachineArn })).rejects.toMatchObject({
      code: 'StateMachineDoesNotExist',
    });
    const recreated = await h.sfn.createStateMachine({ name: 'parked', definition: pass, roleArn: ROLE_ARN });
    expect((await h.sfn.describeStateMachine(recreated)).status).toBe('ACTIVE');
  });

  it('fails an execution whose wait is its last state, and a branch at its next state without waiting for the others', async () => {
    // Prepare
    h = harness();
    const lastWait = await h.start(waitForever);
    const parallel = await h.start(
      machine({
        Par: {
          Type: 'Parallel',
          End: true,
          Branches: [
            {
              StartAt: 'Short',
              States: {
                Short: { Type: 'Wait', Seconds: 10, Next: 'After' },
                After: { Type: 'Pass', End: true },
              },
            },
            { StartAt: 'Long', States: { Long: { Type: 'Wait', Seconds: 3600, End: true } } },
          ],
        },
      }),
    );
    const machineOf = async (executionArn: string) =>
      (await h!.sfn.describeExecution({ executionArn })).stateMachineArn!;
    for (const executionArn of [lastWait, parallel]) {
      await h.sfn.deleteStateMachine({ stateMachineArn: await machineOf(executionArn) });
    }
    // Act
    await h.clock.advance(10_000);
    const parallelEnded = await h.sfn.describeExecution({ executionArn: parallel });
    await h.clock.advance(HOUR);
    const lastWaitEnded = await h.sfn.describeExecution({ executionArn: lastWait });
    // Assess
    expect(parallelEnded).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(parallelEnded.stopDate!.getTime() - parallelEnded.startDate!.getTime()).toBe(10_000);
    expect((await h.eventTypes(parallel)).slice(-2)).toEqual(['WaitStateExited', 'ExecutionFailed']);
    expect(lastWaitEnded).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(lastWaitEnded.cause).toMatch(/^State machine m\d+ has been deleted\.$/);
    for (const executionArn of [lastWait, parallel]) {
      await expect(
        h.sfn.describeStateMachine({ stateMachineArn: await machineOf(executionArn) }),
      ).rejects.toMatchObject({ code: 'StateMachineDoesNotExist' });
    }
  });

  it('fails a states:startExecution task of a DELETING state machine with StateMachineDeletingException', async () => {
    // Prepare
    h = harness();
    const { stateMachineArn } = await h.sfn.createStateMachine({
      name: 'child',
      definition: waitForever,
      roleArn: ROLE_ARN,
    });
    await h.sfn.startExecution({ stateMachineArn });
    await h.sfn.deleteStateMachine({ stateMachineArn });
    const startChild = machine({
      Start: {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution',
        Parameters: { StateMachineArn: stateMachineArn },
        End: true,
      },
    });
    // Act
    const parent = await h.run(startChild);
    // Assess
    expect(parent).toMatchObject({
      status: 'FAILED',
      error: 'StepFunctions.StateMachineDeletingException',
    });
    const requestId = /Request ID: ([0-9a-f-]{36});/.exec(parent.cause ?? '')?.[1];
    expect(parent.cause).toBe(
      `State Machine is being deleted: '${stateMachineArn}' (Service: AWSStepFunctions; Status Code: 400; ` +
        `Error Code: StateMachineDeleting; Request ID: ${requestId}; Proxy: null)`,
    );
  });

  it('removes a DELETING state machine once StopExecution ends its last RUNNING execution', async () => {
    // Prepare
    h = harness();
    const { stateMachineArn } = await h.sfn.createStateMachine({
      name: 'stopped',
      definition: waitForever,
      roleArn: ROLE_ARN,
    });
    const first = await h.sfn.startExecution({ stateMachineArn, name: 'first' });
    const second = await h.sfn.startExecution({ stateMachineArn, name: 'second' });
    await h.sfn.deleteStateMachine({ stateMachineArn });
    // Act
    await h.sfn.stopExecution({ executionArn: first.executionArn });
    const afterFirst = await h.sfn.describeStateMachine({ stateMachineArn });
    await h.sfn.stopExecution({ executionArn: second.executionArn });
    // Assess
    expect(afterFirst.status).toBe('DELETING');
    await expect(h.sfn.describeStateMachine({ stateMachineArn })).rejects.toMatchObject({
      code: 'StateMachineDoesNotExist',
    });
    expect((await h.sfn.describeExecution(second)).status).toBe('ABORTED');
  });
});

describe('LocalStepFunctions page tokens', () => {
  it('refuses a nextToken older than 24 hours with InvalidToken', async () => {
    // Prepare
    h = harness();
    for (const name of ['first', 'second', 'third']) {
      await h.sfn.createStateMachine({ name, definition: pass, roleArn: ROLE_ARN });
    }
    const { nextToken } = await h.sfn.listStateMachines({ maxResults: 1 });
    await h.clock.advance(24 * 3_600_000);
    // Act
    const atExpiry = await h.sfn.listStateMachines({ maxResults: 1, nextToken });
    await h.clock.advance(1);
    const expired = h.sfn.listStateMachines({ maxResults: 1, nextToken });
    // Assess
    expect(atExpiry.stateMachines!.map((item) => item.name)).toEqual(['second']);
    await expect(expired).rejects.toMatchObject({
      code: 'InvalidToken',
      message: 'Invalid Token: the nextToken has expired (a pagination token expires after 24 hours)',
    });
  });
});

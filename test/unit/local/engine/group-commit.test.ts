import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { harness, machine, ROLE_ARN } from './harness.ts';

const directories: string[] = [];
const PASS_THROUGH = machine({ P: { Type: 'Pass', End: true } });

function aDataDir(): string {
  const directory = mkdtempSync(join(tmpdir(), 'cutover-group-commit-'));
  directories.push(directory);
  return directory;
}

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe.each([
  ['in memory', () => undefined],
  ['on a SQLite file', aDataDir],
])('Group commit of starts and ends (%s)', (_label, dataDir) => {
  it('answers two starts of one name and one input in the same turn with one execution', async () => {
    // Prepare
    const h = harness({}, dataDir());
    const { stateMachineArn } = await h.sfn.createStateMachine({
      name: 'same-turn',
      definition: PASS_THROUGH,
      roleArn: ROLE_ARN,
    });

    // Act
    const [first, second] = await Promise.all([
      h.sfn.startExecution({ stateMachineArn, name: 'release-1', input: '{"v":1}' }),
      h.sfn.startExecution({ stateMachineArn, name: 'release-1', input: '{"v":1}' }),
    ]);

    // Assess
    expect(second.executionArn).toBe(first.executionArn);
    const listed = await h.sfn.listExecutions({ stateMachineArn });
    expect(listed.executions).toHaveLength(1);
    await h.sfn.close();
  });

  it('refuses a start of the same name with another input in the same turn (ExecutionAlreadyExists)', async () => {
    // Prepare
    const h = harness({}, dataDir());
    const { stateMachineArn } = await h.sfn.createStateMachine({
      name: 'conflict',
      definition: PASS_THROUGH,
      roleArn: ROLE_ARN,
    });

    // Act
    const results = await Promise.allSettled([
      h.sfn.startExecution({ stateMachineArn, name: 'release-1', input: '{"v":1}' }),
      h.sfn.startExecution({ stateMachineArn, name: 'release-1', input: '{"v":2}' }),
    ]);

    // Assess
    expect(results[0]).toMatchObject({ status: 'fulfilled' });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'ExecutionAlreadyExists' } });
    const [execution] = (await h.sfn.listExecutions({ stateMachineArn })).executions ?? [];
    const described = await h.sfn.describeExecution({ executionArn: execution!.executionArn });
    expect(described.input).toBe('{"v":1}');
    await h.sfn.close();
  });

  it('leaves an execution that has just ended as it ended when asked to stop it, with one terminal event', async () => {
    // Prepare
    const h = harness({}, dataDir());
    const executionArn = await h.start(PASS_THROUGH, { v: 1 });
    const ended = await h.sfn.awaitExecution(executionArn);

    // Act
    const stop = await h.sfn.stopExecution({ executionArn, error: 'Late' });

    // Assess
    expect(stop).toEqual({ stopDate: ended.stopDate });
    expect(ended).toMatchObject({ status: 'SUCCEEDED', output: '{"v":1}' });
    expect(await h.sfn.describeExecution({ executionArn })).toMatchObject({ status: 'SUCCEEDED' });
    expect(await h.eventTypes(executionArn)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    await h.sfn.close();
  });
});

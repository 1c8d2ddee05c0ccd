import { describe, expect, it } from 'vitest';
import {
  type DescribeRollback,
  isRollbackArn,
  rollbackExecutionNames,
  rollbackOfStop,
  rollsBack,
  stoppedExecutionOf,
} from '#core/rollback.ts';

const EXECUTIONS = 'arn:aws:states:us-east-1:000000000000:execution';
const CANARY = `${EXECUTIONS}:canary:checkout-v9`;
const BLUE_GREEN = `${EXECUTIONS}:blue-green:checkout-v9`;

/** The rollback machine holding `rollbacks` (name -> the stopped execution its input names). */
function rollbacksOf(rollbacks: Record<string, string>): DescribeRollback {
  return async (name) => {
    const executionArn = rollbacks[name];
    return executionArn === undefined ? undefined : { input: JSON.stringify({ executionArn }) };
  };
}

describe('rollbackExecutionNames', () => {
  it('names a stop abort-<name> first, then a name of its own ARN', () => {
    // Act
    const [primary, fallback] = rollbackExecutionNames(CANARY);
    // Assess
    expect(primary).toBe('abort-checkout-v9');
    expect(fallback).toMatch(/^abort-[0-9a-f]{8}-checkout-v9$/);
    expect(rollbackExecutionNames(BLUE_GREEN)[0]).toBe(primary);
    expect(rollbackExecutionNames(BLUE_GREEN)[1]).not.toBe(fallback);
  });

  it('keeps both names to 80 characters, the fallback apart for names sharing their first 74', () => {
    // Prepare
    const stem = 'a'.repeat(74);
    // Act
    const [one, two] = [`${stem}-v1-aa`, `${stem}-v2-bb`].map((name) =>
      rollbackExecutionNames(`${EXECUTIONS}:canary:${name}`),
    );
    // Assess
    expect(one![0]).toBe(two![0]);
    expect(one![0]).toHaveLength(80);
    expect(one![1]).toHaveLength(80);
    expect(one![1]).not.toBe(two![1]);
  });
});

describe('rollbackOfStop', () => {
  const [primary, fallback] = rollbackExecutionNames(CANARY);

  it('starts abort-<name> when no rollback holds it', async () => {
    expect(await rollbackOfStop(CANARY, rollbacksOf({}))).toEqual({ name: primary, started: false });
  });

  it('finds abort-<name> when its input names the stop', async () => {
    const rollbacks = rollbacksOf({ [primary]: CANARY });
    expect(await rollbackOfStop(CANARY, rollbacks)).toEqual({ name: primary, started: true });
  });

  it("starts, then finds, the fallback when abort-<name> is another execution's rollback", async () => {
    // Prepare
    const taken = { [primary]: BLUE_GREEN };
    // Act
    const before = await rollbackOfStop(CANARY, rollbacksOf(taken));
    const after = await rollbackOfStop(CANARY, rollbacksOf({ ...taken, [fallback]: CANARY }));
    // Assess
    expect(before).toEqual({ name: fallback, started: false });
    expect(after).toEqual({ name: fallback, started: true });
  });
});

describe('stoppedExecutionOf', () => {
  it("names the stopped execution of a rollback's input, and nothing of an input that names none", () => {
    // Act
    const named = stoppedExecutionOf(JSON.stringify({ strategy: 'canary', executionArn: CANARY }));
    const others = [undefined, '', 'not json', '{"executionArn":7}', '[]'].map(stoppedExecutionOf);
    // Assess
    expect(named).toBe(CANARY);
    expect(others).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('is what rollsBack compares', () => {
    // Prepare
    const input = JSON.stringify({ executionArn: CANARY });
    // Act / Assess
    expect(rollsBack(input, CANARY)).toBe(true);
    expect(rollsBack(input, BLUE_GREEN)).toBe(false);
    expect(rollsBack('not json', CANARY)).toBe(false);
  });
});

describe('isRollbackArn', () => {
  it("is true of the rollback machine's ARN and its executions' (local and as CDK deploys it), false of others", () => {
    // Prepare
    const machines = 'arn:aws:states:eu-west-1:111122223333:stateMachine';
    const rollbacks = [
      `${machines}:rollback`,
      `${machines}:Cutover-rollback`,
      `${machines}:Cutover-rollback:3`,
      `${EXECUTIONS}:rollback:abort-checkout-v9`,
      `${EXECUTIONS}:Cutover-Rollback:retry-1a2b3c4d-checkout-v9`,
    ];
    const others = [
      `${machines}:canary`,
      `${machines}:rollbacks`,
      `${EXECUTIONS}:canary:rollback`,
      `${EXECUTIONS}:Cutover-canary:abort-rollback`,
      'rollback',
      undefined,
    ];
    // Act / Assess
    expect(rollbacks.map(isRollbackArn)).toEqual(rollbacks.map(() => true));
    expect(others.map(isRollbackArn)).toEqual(others.map(() => false));
  });
});

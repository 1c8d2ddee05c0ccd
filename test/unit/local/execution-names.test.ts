import { describe, expect, it } from 'vitest';
import { generatedExecutionName } from '#local/execution-names.ts';
import { harness, machine, ROLE_ARN } from './engine/harness.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The millisecond timestamp in the first 48 bits of a UUID v7. */
const timeOf = (name: string): number => Number.parseInt(name.replaceAll('-', '').slice(0, 12), 16);

describe('generatedExecutionName', () => {
  it('is a UUID v7 carrying the start time, sorting after the names of earlier starts', () => {
    // Prepare
    const start = Date.parse('2026-11-29T10:00:00.123Z');
    // Act
    const names = [start, start + 1, start + 60_000, start + 86_400_000].map(generatedExecutionName);
    // Assess
    for (const name of names) expect(name).toMatch(UUID_V7);
    expect(timeOf(names[0]!)).toBe(start);
    expect([...names].sort()).toEqual(names);
    expect(new Set([generatedExecutionName(start), generatedExecutionName(start)]).size).toBe(2);
  });

  it('names an execution started without a name after its start date', async () => {
    // Prepare
    const h = harness();
    const { stateMachineArn } = await h.sfn.createStateMachine({
      name: 'unnamed',
      definition: machine({ Done: { Type: 'Succeed' } }),
      roleArn: ROLE_ARN,
    });
    try {
      // Act
      const { executionArn } = await h.sfn.startExecution({ stateMachineArn });
      const execution = await h.sfn.awaitExecution(executionArn);
      // Assess
      expect(execution.name).toMatch(UUID_V7);
      expect(timeOf(execution.name!)).toBe(execution.startDate!.getTime());
      expect(executionArn).toBe(
        `${stateMachineArn!.replace(':stateMachine:', ':execution:')}:${execution.name}`,
      );
    } finally {
      await h.sfn.close();
    }
  });
});

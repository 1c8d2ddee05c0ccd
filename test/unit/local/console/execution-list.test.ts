import type { ExecutionListItem, ListExecutionsInput } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import {
  CONSOLE_LIST_LIMIT,
  type ExecutionLister,
  listExecutionsPage,
} from '#local/console/execution-list.ts';

const MACHINES = 'arn:aws:states:us-east-1:000000000000:stateMachine';

/**
 * Step Functions holding `counts[machine]` executions of each machine, one a second (the machines'
 * interleaved), newest first in pages of `maxResults`; those `running` names are RUNNING.
 */
function stepFunctions(counts: Record<string, number>, running: readonly string[] = []) {
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
        startDate: new Date(Date.UTC(2026, 10, 29) + 1000 * (index * 7 + (second++ % 7))),
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

  it('refuses a token the list did not give', async () => {
    // Prepare
    const { service } = stepFunctions({ few: 3 });
    // Act
    const listing = listExecutionsPage(service, 'not-a-token');
    // Assess
    await expect(listing).rejects.toThrow(/nextToken "not-a-token" is not one the list gave/);
  });
});

import type { GetExecutionHistoryCommandInput, HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { ExecutionViews, KEPT_EXECUTION_VIEWS } from '#local/console/execution-views.ts';

/** Histories of one running state each, recording every read. */
function recordedHistories() {
  const reads: GetExecutionHistoryCommandInput[] = [];
  const pages = async (input: GetExecutionHistoryCommandInput) => {
    reads.push(input);
    const event: HistoryEvent = {
      id: 1,
      type: 'PassStateEntered',
      timestamp: new Date(0),
      stateEnteredEventDetails: { name: `state of ${input.executionArn}` },
    };
    return { events: [event] };
  };
  return { reads, views: new ExecutionViews(pages) };
}

const arnOf = (index: number) => `arn:aws:states:us-east-1:000000000000:execution:machine:run-${index}`;

describe('ExecutionViews', () => {
  it('keeps the most recently viewed executions, reading a dropped one from its start again', async () => {
    // Prepare
    const { reads, views } = recordedHistories();
    for (let index = 0; index <= KEPT_EXECUTION_VIEWS; index++) await views.viewOf(arnOf(index));
    reads.length = 0;
    // Act
    const kept = await views.viewOf(arnOf(KEPT_EXECUTION_VIEWS));
    const dropped = await views.viewOf(arnOf(0));
    // Assess
    expect(reads.map(({ executionArn, reverseOrder }) => ({ executionArn, reverseOrder }))).toEqual([
      { executionArn: arnOf(KEPT_EXECUTION_VIEWS), reverseOrder: true },
      { executionArn: arnOf(0), reverseOrder: undefined },
    ]);
    expect(kept.states).toEqual([{ name: `state of ${arnOf(KEPT_EXECUTION_VIEWS)}`, enteredAt: 0 }]);
    expect(dropped.states).toEqual([{ name: `state of ${arnOf(0)}`, enteredAt: 0 }]);
  });

  it('adds the events two overlapping requests both read only once', async () => {
    // Prepare
    const { views } = recordedHistories();
    // Act
    const [first, second] = await Promise.all([views.viewOf(arnOf(1)), views.viewOf(arnOf(1))]);
    // Assess
    expect(first.states).toHaveLength(1);
    expect(second.states).toHaveLength(1);
  });
});

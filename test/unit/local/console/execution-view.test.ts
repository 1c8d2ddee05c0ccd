import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { executionView } from '#local/console/execution-view.ts';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second));

function entered(id: number, name: string): HistoryEvent {
  return { id, type: 'TaskStateEntered', timestamp: at(id), stateEnteredEventDetails: { name } };
}

function taskSucceeded(id: number, output: object): HistoryEvent {
  const Payload = output;
  return {
    id,
    type: 'TaskSucceeded',
    timestamp: at(id),
    taskSucceededEventDetails: {
      resource: 'invoke',
      resourceType: 'lambda',
      output: JSON.stringify({ Payload }),
    },
  };
}

const approvalScheduled: HistoryEvent = {
  id: 5,
  type: 'TaskScheduled',
  timestamp: at(5),
  taskScheduledEventDetails: {
    resource: 'invoke.waitForTaskToken',
    resourceType: 'lambda',
    region: 'us-east-1',
    parameters: JSON.stringify({ Payload: { taskToken: 'token-1' } }),
  },
};

describe('executionView', () => {
  it('keeps the states, the last weights and every verdict, and sees the approval waiting', () => {
    // Prepare
    const history = [
      entered(1, 'SetStepWeights'),
      taskSucceeded(2, { weights: { stable: 90, canary: 10 } }),
      taskSucceeded(3, { weights: { stable: 50, canary: 50 } }),
      taskSucceeded(4, {
        verdict: 'pass',
        reason: 'all metrics within thresholds',
        measurements: { errorRate: 0 },
      }),
      approvalScheduled,
    ];
    // Act
    const view = executionView(history);
    // Assess
    expect(view).toEqual({
      states: [{ name: 'SetStepWeights', enteredAt: at(1).getTime() }],
      weights: { stable: 50, canary: 50 },
      verdicts: [
        {
          verdict: 'pass',
          reason: 'all metrics within thresholds',
          measurements: { errorRate: 0 },
          at: at(4).getTime(),
        },
      ],
      activity: [],
      approvalPending: true,
    });
  });

  it('has no approval waiting once the execution ended, and gives the end with its readable cause', () => {
    // Prepare
    const history: HistoryEvent[] = [
      approvalScheduled,
      {
        id: 6,
        type: 'ExecutionAborted',
        timestamp: at(6),
        executionAbortedEventDetails: { error: 'Aborted', cause: 'wrong image' },
      },
    ];
    // Act
    const view = executionView(history);
    // Assess
    expect(view.approvalPending).toBe(false);
    expect(view.end).toEqual({ status: 'ABORTED', error: 'Aborted', cause: 'wrong image' });
  });

  it('lists what a database migration did, as cutover watch prints it', () => {
    // Prepare
    const history = [
      taskSucceeded(1, { manifestKey: 'shop/orders/database/run-1/manifest.json' }),
      taskSucceeded(2, { table: 'public.orders', lastKey: ['9'], rowsCopied: 150_000, done: true }),
    ];
    // Act
    const view = executionView(history);
    // Assess
    expect(view.activity).toEqual([
      { at: at(1).getTime(), text: 'backup shop/orders/database/run-1/manifest.json' },
      { at: at(2).getTime(), text: 'copy public.orders: 150,000 rows, done' },
    ]);
  });
});

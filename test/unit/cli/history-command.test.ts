import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { historyLine } from '../../../src/cli/commands/history.ts';
import { ProgressReader } from '../../../src/cli/progress.ts';

const at = new Date('2026-11-29T12:00:00Z');

describe('historyLine', () => {
  it('prints a timed-out execution with its error alone: AWS records no cause for it', () => {
    // Prepare: the ExecutionTimedOut event as AWS records it
    const timedOut: HistoryEvent = {
      id: 12,
      previousEventId: 0,
      timestamp: at,
      type: 'ExecutionTimedOut',
      executionTimedOutEventDetails: { error: 'States.Timeout' },
    };
    // Act
    const line = historyLine(timedOut, new ProgressReader());
    // Assess
    expect(line).toBe('  12 2026-11-29T12:00:00.000Z ExecutionTimedOut States.Timeout');
  });

  it('prints a failure as its error and cause, or its cause alone', () => {
    // Prepare
    const aborted = (details: { error?: string; cause?: string }): HistoryEvent => ({
      id: 9,
      timestamp: at,
      type: 'ExecutionAborted',
      executionAbortedEventDetails: details,
    });
    // Act
    const lines = [{ error: 'Aborted', cause: 'wrong image' }, { cause: 'wrong image' }].map((details) =>
      historyLine(aborted(details), new ProgressReader()),
    );
    // Assess
    expect(lines).toEqual([
      '   9 2026-11-29T12:00:00.000Z ExecutionAborted Aborted: wrong image',
      '   9 2026-11-29T12:00:00.000Z ExecutionAborted wrong image',
    ]);
  });
});

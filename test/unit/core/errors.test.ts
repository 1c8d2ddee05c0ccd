import { describe, expect, it } from 'vitest';
import { AnalysisFailedError, CUTOVER_ERROR_NAMES, readableCause, ServiceLockedError } from '#core/errors.ts';

describe('errors', () => {
  it('sets name to the state-machine error name and keeps the cause', () => {
    // Prepare
    const cause = new Error('socket hang up');
    // Act
    const error = new ServiceLockedError('checkout is locked', { cause });
    // Assess
    expect(error.name).toBe('ServiceLocked');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
  });

  it('lists every error name once', () => {
    expect(CUTOVER_ERROR_NAMES.has(new AnalysisFailedError('x').name)).toBe(true);
    expect(CUTOVER_ERROR_NAMES.has('CutoverError')).toBe(false);
  });
});

describe('readableCause', () => {
  it("keeps a Lambda error's message, and a cause that is no JSON as it is", () => {
    // Prepare
    const lambda = JSON.stringify({
      errorMessage: 'errorRate 0.3 > 0.05',
      errorType: 'AnalysisFailed',
      stackTrace: [],
    });
    // Act & Assess
    expect(readableCause(lambda, 'AnalysisFailed')).toBe('errorRate 0.3 > 0.05');
    expect(readableCause('wrong image', 'Aborted')).toBe('wrong image');
    expect(readableCause(undefined)).toBeUndefined();
  });

  it("reads a rejection's body as who rejected it and why, or that no reason was given", () => {
    // Act & Assess
    expect(readableCause('{"reason":"p99 too high <script>","approver":"ci"}', 'ApprovalRejected')).toBe(
      'rejected by ci: p99 too high <script>',
    );
    expect(readableCause('{"reason":"p99 too high"}', 'ApprovalRejected')).toBe('rejected: p99 too high');
    expect(readableCause('{"approver":"ci"}', 'ApprovalRejected')).toBe('rejected by ci (no reason given)');
    expect(readableCause('{}', 'ApprovalRejected')).toBe('rejected (no reason given)');
    expect(readableCause('{"reason":"   ","approver":"cli"}', 'ApprovalRejected')).toBe(
      'rejected by cli (no reason given)',
    );
    expect(readableCause('rejected by test', 'ApprovalRejected')).toBe('rejected by test');
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { AnalysisFailedError } from '#core/errors.ts';
import { logger, logTaskFailure } from '#lambdas/shared/task-handler.ts';

describe('logTaskFailure', () => {
  afterEach(() => vi.restoreAllMocks());

  it('logs a named outcome the state machine handles as a warning with its message, no stack', () => {
    // Prepare
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    // Act
    logTaskFailure(new AnalysisFailedError('errorRate 0.3051 > 0.05'));
    // Assess
    expect(warn).toHaveBeenCalledWith('task failed', {
      errorName: 'AnalysisFailed',
      errorMessage: 'errorRate 0.3051 > 0.05',
    });
    expect(error).not.toHaveBeenCalled();
  });

  it('logs anything else as an error with the error itself (its stack)', () => {
    // Prepare
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const bug = new TypeError("Cannot read properties of undefined (reading 'weights')");
    // Act
    logTaskFailure(bug);
    // Assess
    expect(error).toHaveBeenCalledWith('task failed', { errorName: 'TypeError', error: bug });
  });
});

import { describe, expect, it } from 'vitest';
import { AnalysisFailedError, CUTOVER_ERROR_NAMES, ServiceLockedError } from '#core/errors.ts';

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

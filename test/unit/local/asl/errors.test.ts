import { describe, expect, it } from 'vitest';
import { STATES_ERROR_NAMES, STATES_ERRORS, StatesError } from '#local/asl/errors.ts';

describe('StatesError', () => {
  it('carries the Step Functions error name as name and error, and the cause text', () => {
    // Prepare
    const cause = new Error('inner');
    // Act
    const error = new StatesError(STATES_ERRORS.Runtime, "Invalid path '$.a'", { cause });
    // Assess
    expect(error.name).toBe('States.Runtime');
    expect(error.error).toBe('States.Runtime');
    expect(error.causeText).toBe("Invalid path '$.a'");
    expect(error.message).toBe("Invalid path '$.a'");
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
  });
});

describe('STATES_ERRORS', () => {
  it('lists every predefined States.* error name of the Amazon States Language', () => {
    expect([...STATES_ERROR_NAMES].sort()).toEqual(
      [
        'States.ALL',
        'States.BranchFailed',
        'States.DataLimitExceeded',
        'States.ExceedToleratedFailureThreshold',
        'States.HeartbeatTimeout',
        'States.IntrinsicFailure',
        'States.ItemReaderFailed',
        'States.NoChoiceMatched',
        'States.ParameterPathFailure',
        'States.Permissions',
        'States.QueryEvaluationError',
        'States.ResultPathMatchFailure',
        'States.ResultWriterFailed',
        'States.Runtime',
        'States.TaskFailed',
        'States.Timeout',
      ].sort(),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { asAdapterError } from '#adapters/aws-errors.ts';

describe('asAdapterError', () => {
  it.each([
    ['the SDK timing out', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })],
    [
      "S3's RequestTimeout",
      Object.assign(new Error('Your socket connection to the server was not read from or written to'), {
        name: 'RequestTimeout',
        $metadata: { httpStatusCode: 400 },
      }),
    ],
    [
      'throttling',
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      }),
    ],
  ])('makes %s a TransientAdapterError naming the call', (_, error) => {
    // Act
    const adapterError = asAdapterError(error, 'rds:DescribeDBSnapshots') as Error;
    // Assess
    expect(adapterError.name).toBe('TransientAdapterError');
    expect(adapterError.message).toBe(`rds:DescribeDBSnapshots failed, retry later: ${error.message}`);
    expect(adapterError.cause).toBe(error);
  });

  it('passes a permanent error through unchanged', () => {
    // Prepare
    const error = Object.assign(new Error('not valid'), {
      name: 'InvalidParameterValue',
      $metadata: { httpStatusCode: 400 },
    });
    // Act + Assess
    expect(asAdapterError(error, 'rds:CreateDBSnapshot')).toBe(error);
  });
});

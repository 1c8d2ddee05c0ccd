import { describe, expect, it } from 'vitest';
import { cliFlagsFor } from '#core/cli-flags.ts';

describe('cliFlagsFor', () => {
  const ON_LAMBDA = { AWS_LAMBDA_FUNCTION_NAME: 'Cutover-RequestApproval' };

  it.each([
    [
      'the default stack',
      'arn:aws:states:eu-west-1:111122223333:execution:Cutover-canary:v2',
      ' --aws --region eu-west-1',
    ],
    [
      'another stack',
      'arn:aws:states:us-east-2:111122223333:execution:Payments-blue-green:v2',
      ' --aws --region us-east-2 --stack Payments',
    ],
    [
      'a database migration',
      'arn:aws:states:us-east-2:111122223333:execution:Orders-Db-database-migration:m1',
      ' --aws --region us-east-2 --stack Orders-Db',
    ],
  ])('names --aws, the region and %s on AWS', (_, executionArn, flags) => {
    // Act
    const said = cliFlagsFor(executionArn, ON_LAMBDA);
    // Assess
    expect(said).toBe(flags);
  });

  it('gives what cutover local set for its tasks, and nothing elsewhere', () => {
    // Prepare
    const arn = 'arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v2';
    // Act
    const local = cliFlagsFor(arn, { CUTOVER_CLI_FLAGS: ' --endpoint http://127.0.0.1:8090' });
    const nowhere = cliFlagsFor(arn, {});
    // Assess
    expect(local).toBe(' --endpoint http://127.0.0.1:8090');
    expect(nowhere).toBe('');
  });
});

import { describe, expect, it } from 'vitest';
import { executionArnPattern, executionRefOf } from '#local/api/execution-refs.ts';

const [REGION, ACCOUNT] = ['us-east-1', '000000000000'];
const ARN = 'arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v2';

describe('executionRefOf', () => {
  it('names an execution by its id or by its ARN, the same both ways', () => {
    // Act
    const byId = executionRefOf('canary:checkout-v2', REGION, ACCOUNT);
    const byArn = executionRefOf(ARN, REGION, ACCOUNT);
    // Assess
    expect(byId).toEqual({ executionId: 'canary:checkout-v2', executionArn: ARN });
    expect(byArn).toEqual(byId);
  });

  it('names no execution of another region or account, and nothing that is neither an id nor an execution ARN', () => {
    // Act
    const refs = [
      'arn:aws:states:eu-west-1:000000000000:execution:canary:checkout-v2',
      'arn:aws:states:us-east-1:123456789012:execution:canary:checkout-v2',
      'arn:aws:states:us-east-1:000000000000:stateMachine:canary',
      'arn:aws:states:us-east-1:000000000000:execution:canary',
      'checkout-v2',
      'canary:checkout:v2',
      '',
    ].map((ref) => executionRefOf(ref, REGION, ACCOUNT));
    // Assess
    expect(refs).toEqual(refs.map(() => undefined));
  });

  it('says what an execution ARN of the runtime looks like', () => {
    expect(executionArnPattern(REGION, ACCOUNT)).toBe(
      'arn:aws:states:us-east-1:000000000000:execution:<stateMachine>:<name>',
    );
  });
});

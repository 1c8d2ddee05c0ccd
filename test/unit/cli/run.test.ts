import { describe, expect, it } from 'vitest';
import { defaultExecutionName } from '../../../src/cli/commands/run.ts';

describe('defaultExecutionName', () => {
  it('is <service>-<version>-<random> for a release', () => {
    // Act
    const name = defaultExecutionName({ service: { name: 'checkout' }, release: { version: 'v2.1' } });
    // Assess
    expect(name).toMatch(/^checkout-v2-1-[0-9a-f]{6}$/);
  });

  it('is <service>-<random> for a request without a version, as a database migration', () => {
    // Act
    const name = defaultExecutionName({ service: { name: 'orders' } });
    // Assess
    expect(name).toMatch(/^orders-[0-9a-f]{6}$/);
  });
});

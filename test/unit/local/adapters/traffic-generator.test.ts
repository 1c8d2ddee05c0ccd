import { describe, expect, it } from 'vitest';
import { startTraffic } from '#local/adapters/traffic-generator.ts';

describe('startTraffic', () => {
  it('refuses a URL off this machine, naming the field', () => {
    // Act + Assess
    expect(() => startTraffic({ url: 'http://example.com/', ratePerSecond: 10 })).toThrowError(
      'url must point at 127.0.0.1, localhost or [::1] (got http://example.com/)',
    );
  });

  it('counts a refused connection as failed and stops after the total', async () => {
    // Act
    const stats = await startTraffic({ url: 'http://127.0.0.1:1/', ratePerSecond: 1_000, total: 3 }).done;
    // Assess
    expect({ sent: stats.sent, failed: stats.failed, answered: stats.answered }).toEqual({
      sent: 3,
      failed: 3,
      answered: 0,
    });
  });
});

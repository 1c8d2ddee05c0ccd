import { describe, expect, it } from 'vitest';
import { waitScaleText } from '../../../src/cli/commands/local.ts';

describe('cutover local: what WAIT_TIME_SCALE does, as it tells at start', () => {
  it('says waits and windows shrink below 1 and grow above it, with the traffic that keeps minRequests in reach', () => {
    // Act
    const faster = waitScaleText(0.1);
    const slower = waitScaleText(10);
    const none = waitScaleText(0);
    // Assess
    expect(faster).toBe(
      'Waits take 0.1x their time (WAIT_TIME_SCALE), and so do the windows analyses judge: send 10x the traffic for the same minRequests',
    );
    expect(slower).toBe(
      'Waits take 10x their time (WAIT_TIME_SCALE), and so do the windows analyses judge: send 0.1x the traffic for the same minRequests',
    );
    expect(none).toBe(
      "Waits are skipped (WAIT_TIME_SCALE=0): analyses judge windows of no time, so they find too few requests, and a rollout's progress deadline passes before replicas can become ready: run releases at a small scale such as 0.01",
    );
  });
});

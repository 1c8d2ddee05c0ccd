import { describe, expect, it } from 'vitest';
import { rollingBatches, rollingBounds } from '#core/plan/index.ts';

describe('rollingBounds', () => {
  it('rounds surge up and unavailable down, as Kubernetes does', () => {
    expect(rollingBounds(10, '25%', '25%')).toEqual({ surge: 3, unavailable: 2 });
    expect(rollingBounds(3, 2, '0%')).toEqual({ surge: 2, unavailable: 0 });
  });

  it('allows one unavailable replica when both bounds resolve to 0', () => {
    expect(rollingBounds(1, '10%', '10%')).toEqual({ surge: 1, unavailable: 0 });
    expect(rollingBounds(3, 0, '10%')).toEqual({ surge: 0, unavailable: 1 });
  });
});

describe('rollingBatches', () => {
  const cases = [
    { desired: 4, current: 4, surge: 1, unavailable: 1 },
    { desired: 3, current: 3, surge: 0, unavailable: 1 },
    { desired: 3, current: 5, surge: 1, unavailable: 0 },
    { desired: 10, current: 10, surge: 3, unavailable: 2 },
    { desired: 7, current: 2, surge: 2, unavailable: 0 },
    { desired: 5, current: 0, surge: 1, unavailable: 1 },
  ];

  it.each(cases)('stays within the bounds for %o', ({ desired, current, surge, unavailable }) => {
    // Act
    const batches = rollingBatches(desired, current, { surge, unavailable });
    // Assess
    let previous = { newReplicas: 0, oldReplicas: current };
    for (const batch of batches) {
      // scale-up first: old (not yet scaled down) + new never above desired + surge
      expect(previous.oldReplicas + batch.newReplicas).toBeLessThanOrEqual(
        Math.max(desired + surge, current),
      );
      // then scale-down: ready replicas never below desired - unavailable (unless there were fewer to begin with)
      expect(batch.oldReplicas + batch.newReplicas).toBeGreaterThanOrEqual(
        Math.min(desired - unavailable, current),
      );
      expect(batch.newReplicas).toBeGreaterThanOrEqual(previous.newReplicas);
      expect(batch.oldReplicas).toBeLessThanOrEqual(previous.oldReplicas);
      previous = batch;
    }
    expect(batches.at(-1)).toEqual({ newReplicas: desired, oldReplicas: 0 });
  });

  it('moves 4 replicas with surge 1, unavailable 1 in three batches', () => {
    expect(rollingBatches(4, 4, { surge: 1, unavailable: 1 })).toEqual([
      { newReplicas: 1, oldReplicas: 2 },
      { newReplicas: 3, oldReplicas: 0 },
      { newReplicas: 4, oldReplicas: 0 },
    ]);
  });

  it('refuses bounds that cannot progress', () => {
    expect(() => rollingBatches(3, 3, { surge: 0, unavailable: 0 })).toThrow('cannot progress');
  });
});

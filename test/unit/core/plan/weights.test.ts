import { describe, expect, it } from 'vitest';
import { heaviestTrack, isValidWeights, proportionalWeights, splitWeights } from '#core/plan/index.ts';

describe('weights', () => {
  it('splits between the live and next tracks', () => {
    expect(splitWeights({ live: 'stable', next: 'canary' }, 10)).toEqual({ stable: 90, canary: 10 });
    expect(() => splitWeights({ live: 'stable', next: 'canary' }, 101)).toThrow('0-100');
  });

  it('gives integer proportional weights summing to 100', () => {
    // Prepare
    const cases: Record<string, number>[] = [
      { a: 1, b: 2 },
      { a: 1, b: 1, c: 1 },
      { a: 3, b: 0 },
      { a: 0, b: 0 },
      { a: 7, b: 9, c: 13 },
    ];
    // Act + Assess
    for (const counts of cases) expect(isValidWeights(proportionalWeights(counts))).toBe(true);
    expect(proportionalWeights({ a: 1, b: 1, c: 1 })).toEqual({ a: 34, b: 33, c: 33 });
  });

  it('gives a track with any replica at least 1%, so an analysis of its first replica has requests', () => {
    // Act
    const oneOf250 = proportionalWeights({ green: 1, blue: 249 });
    const twoOf1000 = proportionalWeights({ green: 2, blue: 998 });
    const none = proportionalWeights({ green: 0, blue: 250 });
    // Assess
    expect(oneOf250).toEqual({ green: 1, blue: 99 });
    expect(twoOf1000).toEqual({ green: 1, blue: 99 });
    expect(none).toEqual({ green: 0, blue: 100 });
  });

  it('checks weights', () => {
    expect(isValidWeights({ a: 50, b: 50 })).toBe(true);
    expect(isValidWeights({ a: 50.5, b: 49.5 })).toBe(false);
    expect(isValidWeights({ a: 90 })).toBe(false);
    expect(isValidWeights({})).toBe(false);
  });

  it('finds the heaviest track', () => {
    expect(heaviestTrack({ blue: 10, green: 90 }, ['blue', 'green'])).toBe('green');
    expect(heaviestTrack({}, ['blue', 'green'])).toBeUndefined();
  });
});

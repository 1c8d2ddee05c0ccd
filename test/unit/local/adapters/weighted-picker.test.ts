import { describe, expect, it } from 'vitest';
import { WeightedPicker } from '#local/adapters/weighted-picker.ts';

describe('WeightedPicker', () => {
  it('picks each track exactly its weight in times over 100 picks, never a track at 0', () => {
    // Prepare
    const picker = new WeightedPicker({ stable: 73, canary: 27, old: 0 });
    const counts: Record<string, number> = {};
    // Act
    for (let i = 0; i < 100; i += 1) {
      const track = picker.pick()!;
      counts[track] = (counts[track] ?? 0) + 1;
    }
    // Assess
    expect(counts).toEqual({ stable: 73, canary: 27 });
  });

  it('spreads a small weight evenly instead of in a burst', () => {
    // Prepare
    const picker = new WeightedPicker({ stable: 90, canary: 10 });
    // Act
    const first20 = Array.from({ length: 20 }, () => picker.pick());
    // Assess
    expect(first20.filter((track) => track === 'canary')).toHaveLength(2);
    expect(first20.slice(0, 10).filter((track) => track === 'canary')).toHaveLength(1);
  });

  it('picks nothing when no weight is set', () => {
    // Act + Assess
    expect(new WeightedPicker({}).pick()).toBeUndefined();
  });
});

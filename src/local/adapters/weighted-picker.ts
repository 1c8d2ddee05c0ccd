import type { Weights } from '#core/types.ts';

interface Entry {
  readonly track: string;
  readonly weight: number;
  current: number;
}

/**
 * Smooth weighted round-robin (as in nginx): over any 100 consecutive picks each track is chosen exactly
 * its weight in times, spread evenly (90/10 gives nine stable, one canary, ...). Tracks at 0 are never picked.
 *
 * @example
 * const picker = new WeightedPicker({ stable: 90, canary: 10 });
 * picker.pick(); // 'stable'
 */
export class WeightedPicker {
  readonly #entries: Entry[];
  readonly #total: number;

  constructor(readonly weights: Weights) {
    this.#entries = Object.entries(weights)
      .filter(([, weight]) => weight > 0)
      .map(([track, weight]) => ({ track, weight, current: 0 }));
    this.#total = this.#entries.reduce((sum, entry) => sum + entry.weight, 0);
  }

  /** The next track, or undefined when every weight is 0. */
  pick(): string | undefined {
    let best: Entry | undefined;
    for (const entry of this.#entries) {
      entry.current += entry.weight;
      if (!best || entry.current > best.current) best = entry;
    }
    if (best) best.current -= this.#total;
    return best?.track;
  }
}

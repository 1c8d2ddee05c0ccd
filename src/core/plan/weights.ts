import type { Weights } from '../types.ts';

/** The two tracks of a release: `live` serves now, `next` receives the new release. */
export interface TrackPair {
  readonly live: string;
  readonly next: string;
}

/**
 * Sends `percent` of the traffic to the next track and the rest to the live one.
 *
 * @example
 * splitWeights({ live: 'stable', next: 'canary' }, 10); // { stable: 90, canary: 10 }
 */
export function splitWeights(tracks: TrackPair, percent: number): Weights {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
    throw new RangeError(`weight must be an integer 0-100 (got ${percent})`);
  }
  return { [tracks.live]: 100 - percent, [tracks.next]: percent };
}

/**
 * Integer weights proportional to replica counts, summing to 100 (largest remainder; ties to the
 * earlier track), a track with any replica getting at least 1 (one new replica of 250 gets 1%, not 0:
 * no request would reach it for its analysis to judge). All-zero counts give everything to the first track.
 *
 * @example
 * proportionalWeights({ green: 1, blue: 2 }); // { green: 33, blue: 67 }
 * proportionalWeights({ green: 1, blue: 249 }); // { green: 1, blue: 99 }
 */
export function proportionalWeights(counts: Readonly<Record<string, number>>): Weights {
  const entries = Object.entries(counts);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  if (entries.length === 0) throw new RangeError('proportionalWeights needs at least one track');
  if (total === 0) return Object.fromEntries(entries.map(([track], index) => [track, index === 0 ? 100 : 0]));
  const shares = entries.map(([track, count]) => {
    const exact = (count * 100) / total;
    return { track, exact, weight: Math.max(Math.floor(exact), count > 0 ? 1 : 0) };
  });
  let missing = 100 - shares.reduce((sum, share) => sum + share.weight, 0);
  const byRemainder = [...shares].sort((a, b) => b.exact - b.weight - (a.exact - a.weight));
  for (const share of byRemainder) {
    if (missing <= 0) break;
    share.weight += 1;
    missing -= 1;
  }
  // The least weights given above may take more than 100 together: the heaviest tracks give it back.
  while (missing < 0) {
    const heaviest = shares.reduce((best, share) => (share.weight > best.weight ? share : best));
    heaviest.weight -= 1;
    missing += 1;
  }
  return Object.fromEntries(shares.map((share) => [share.track, share.weight]));
}

/** True when every weight is an integer 0-100 and they sum to 100. */
export function isValidWeights(weights: Weights): boolean {
  const values = Object.values(weights);
  return (
    values.length > 0 &&
    values.every((value) => Number.isInteger(value) && value >= 0 && value <= 100) &&
    values.reduce((sum, value) => sum + value, 0) === 100
  );
}

/** True when both give every track the same weight, a track one leaves out counting as 0. */
export function sameWeights(a: Weights, b: Weights): boolean {
  const tracks = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...tracks].every((track) => (a[track] ?? 0) === (b[track] ?? 0));
}

/** The track with the highest weight (the first on a tie), or `undefined` when none has any. */
export function heaviestTrack(weights: Weights, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const track of candidates) {
    if ((weights[track] ?? 0) > (best === undefined ? 0 : (weights[best] ?? 0))) best = track;
  }
  return best;
}

import type { AnalysisResult } from '../types.ts';

/**
 * The whole seconds an analysis looks back: the configured window, cut to the whole seconds since the
 * weights it judges took effect, so traffic from before the shift (an earlier release on the same track
 * name, another split) never counts — a provider with per-second buckets included. 0 while less than a
 * second has passed (see {@link TOO_SHORT_TO_JUDGE}); a shift in the future (clock skew) counts as now.
 *
 * @example
 * analysisWindowSeconds(300, '2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:00:42.3Z')); // 42
 * analysisWindowSeconds(300, undefined, Date.now()); // 300
 */
export function analysisWindowSeconds(
  windowSeconds: number,
  shiftedAt: string | undefined,
  now: number,
): number {
  if (shiftedAt === undefined) return windowSeconds;
  const sinceShift = Math.floor((now - Date.parse(shiftedAt)) / 1000);
  return Math.max(0, Math.min(windowSeconds, sinceShift));
}

/** The verdict while less than a second of traffic follows the shift: nothing to measure yet. */
export const TOO_SHORT_TO_JUDGE: AnalysisResult = {
  verdict: 'inconclusive',
  reason: 'less than 1 s of traffic since the weights shifted',
  measurements: { requestCount: null, errorRate: null },
};

/**
 * The seconds an analysis looks back: the configured window, cut to the whole seconds since the weights it
 * judges took effect (rounded down, at least 1 s), so traffic from before the shift (an earlier release on
 * the same track name, the previous split) does not count: a window of whole seconds ending now starts
 * after the shift, also for per-second counters. A shift in the future (clock skew) counts as now.
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
  return Math.max(1, Math.min(windowSeconds, sinceShift));
}

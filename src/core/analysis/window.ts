/**
 * The seconds an analysis looks back: the configured window, cut to the time since the weights it judges
 * took effect (rounded up, at least 1 s), so traffic from long before the shift (an earlier release on
 * the same track name, another split) does not count. A shift in the future (clock skew) counts as now.
 *
 * @example
 * analysisWindowSeconds(300, '2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:00:42.3Z')); // 43
 * analysisWindowSeconds(300, undefined, Date.now()); // 300
 */
export function analysisWindowSeconds(
  windowSeconds: number,
  shiftedAt: string | undefined,
  now: number,
): number {
  if (shiftedAt === undefined) return windowSeconds;
  const sinceShift = Math.ceil((now - Date.parse(shiftedAt)) / 1000);
  return Math.max(1, Math.min(windowSeconds, sinceShift));
}

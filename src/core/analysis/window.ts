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

/**
 * The end of the newest data a provider has published at `now`, when it publishes `delaySeconds` late in
 * whole intervals of that length (CloudWatch: an ALB's minutes, a minute after each ends): `delaySeconds`
 * ago, rounded down to a whole interval. `now` for a provider without delay.
 *
 * @example
 * publishedUntil(Date.parse('2026-01-01T12:35:17.9Z'), 60); // Date.parse('2026-01-01T12:34:00Z')
 * publishedUntil(now, 0); // now
 */
export function publishedUntil(now: number, delaySeconds: number): number {
  if (delaySeconds <= 0) return now;
  const interval = delaySeconds * 1000;
  return Math.floor((now - interval) / interval) * interval;
}

import type { MetricQuery, ServiceRef } from '../types.ts';

/**
 * Returns numbers; judging happens in core/analysis.
 *
 * @example
 * const errorRate = await metrics.query({ service, track: 'canary', metric: 'errorRate', windowSeconds: 60 });
 * if (errorRate === undefined) console.log('no data: inconclusive');
 */
export interface MetricProvider {
  readonly type: string;
  /**
   * How late the provider's newest data is, in seconds, published in whole intervals of that length: a
   * window it is asked for ends at the last interval that ended that long ago or more (`publishedUntil`;
   * CloudWatch publishes an ALB's minutes after they end). None: the window ends now.
   */
  readonly publicationDelaySeconds?: number;
  /** The metric's value over the window, or `undefined` when there is no data (never 0 for "no data"). */
  query(query: MetricQuery): Promise<number | undefined>;
  /**
   * Refuses, with a `ValidationError` naming the request's `metrics` field, tracks it could not query, so a
   * release fails before it changes anything rather than at its first analysis. Reads nothing remote.
   * Absent when the provider can query any track.
   */
  checkTracks?(tracks: readonly string[]): void;
  /**
   * Asks each configured query once for each of `tracks`, as an analysis will, and refuses with a
   * `ValidationError` naming `metrics.queries.<metric>` one the provider refuses (a syntax error, several
   * series, a negative value), so a release with a broken query fails before it changes anything; no data
   * is fine. A provider it cannot reach throws `TransientAdapterError`. Absent when there is nothing to try.
   */
  tryQueries?(service: ServiceRef, tracks: readonly string[]): Promise<void>;
}

/**
 * A metric provider that also names the watched alarms in ALARM: an alarm gate (`cloudwatch-alarms`).
 * Analysis asks a gate only {@link AlarmGate.alarmsInAlarm} and judges any alarm in ALARM a failure.
 *
 * @example
 * const firing = await gate.alarmsInAlarm(); // ['checkout-5xx']
 * if (firing.length > 0) console.log(`in ALARM: ${firing.join(', ')}`);
 */
export interface AlarmGate extends MetricProvider {
  /** The watched alarms in state ALARM (not OK, not INSUFFICIENT_DATA). */
  alarmsInAlarm(): Promise<readonly string[]>;
}

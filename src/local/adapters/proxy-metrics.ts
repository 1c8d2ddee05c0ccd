import { ValidationError } from '#core/errors.ts';
import type { MetricProvider } from '#core/ports/metric-provider.ts';
import type { MetricQuery } from '#core/types.ts';
import { MAX_WINDOW_SECONDS, type TrafficCounters, type WindowSummary } from './traffic-counters.ts';
import { assertServiceRef, assertTrackName } from './validation.ts';

const METRICS: Readonly<Record<string, (summary: WindowSummary) => number | undefined>> = {
  requestCount: (summary) => summary.requests,
  errorRate: (summary) => (summary.requests === 0 ? undefined : summary.errors / summary.requests),
  latencyP50Ms: (summary) => summary.percentile(50),
  latencyP95Ms: (summary) => summary.percentile(95),
  latencyP99Ms: (summary) => summary.percentile(99),
};

/** The metric names the `local` provider answers. */
export const LOCAL_METRICS = Object.keys(METRICS);

/**
 * The `local` metric provider: the weighted proxy's own per-track counters. `requestCount` is 0 without
 * traffic; rates and latencies are `undefined` (no data), never 0. A query with a `windowStart` counts the
 * whole seconds from it to `windowEnd` (or now), the current one so far included
 * ({@link TrafficCounters.summarySince}); one without, the last `windowSeconds`.
 *
 * @example
 * const metrics = new ProxyMetrics(counters);
 * await metrics.query({ service, track: 'canary', metric: 'latencyP99Ms', windowSeconds: 60 }); // 41.2
 * await metrics.query({ service, track: 'canary', metric: 'requestCount', windowSeconds: 1, windowStart }); // 201
 */
export class ProxyMetrics implements MetricProvider {
  readonly type = 'local';

  constructor(private readonly counters: TrafficCounters) {}

  async query(query: MetricQuery): Promise<number | undefined> {
    assertServiceRef(query.service);
    assertTrackName(query.track);
    const measure = Object.hasOwn(METRICS, query.metric) ? METRICS[query.metric] : undefined;
    if (!measure) {
      throw new ValidationError(
        `metric must be one of: ${LOCAL_METRICS.join(', ')} for the local provider (got ${JSON.stringify(query.metric)})`,
      );
    }
    const window = query.windowSeconds;
    if (!Number.isInteger(window) || window < 1 || window > MAX_WINDOW_SECONDS) {
      throw new ValidationError(
        `windowSeconds must be an integer between 1 and ${MAX_WINDOW_SECONDS} (got ${JSON.stringify(window)})`,
      );
    }
    const { windowStart, windowEnd } = query;
    assertTime('windowStart', windowStart);
    assertTime('windowEnd', windowEnd);
    return measure(
      windowStart === undefined
        ? this.counters.summary(query.service, query.track, window)
        : this.counters.summarySince(query.service, query.track, windowStart, windowEnd),
    );
  }
}

function assertTime(field: string, value: number | undefined): void {
  if (value !== undefined && !Number.isFinite(value)) {
    throw new ValidationError(`${field} must be a time in epoch ms (got ${JSON.stringify(value)})`);
  }
}

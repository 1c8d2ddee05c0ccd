import type { CloudWatchClient, Dimension, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { publishedUntil } from '#core/analysis/index.ts';
import { TransientAdapterError, ValidationError } from '#core/errors.ts';
import type { MetricProvider } from '#core/ports/metric-provider.ts';
import type { QueryPlaceholder } from '#core/schemas/metrics.ts';
import type { MetricQuery } from '#core/types.ts';
import { asAdapterError } from '../aws-errors.ts';
import { MetricQueryError } from './errors.ts';
import { fillPlaceholders } from './placeholders.ts';

/** The request's `metrics` block for CloudWatch. */
export interface CloudWatchOptions {
  /** ALB `LoadBalancer` dimension, e.g. `app/prod/50dc6c495c0c9188`. */
  readonly loadBalancer: string;
  /** `TargetGroup` dimension per track, e.g. `{ canary: 'targetgroup/checkout-canary/73e2d6bc24d8a067' }`. */
  readonly targetGroups?: Readonly<Record<string, string>>;
  /** Metric-math expression per metric name; may use the ids below and `{{track}}`-style placeholders. */
  readonly queries?: Readonly<Record<string, string>>;
}

/** Ids of the ALB target-group metrics every expression may use. */
const BASE_METRICS: Readonly<Record<string, { readonly name: string; readonly stat: string }>> = {
  requests: { name: 'RequestCount', stat: 'Sum' },
  errors: { name: 'HTTPCode_Target_5XX_Count', stat: 'Sum' },
  p50: { name: 'TargetResponseTime', stat: 'p50' },
  p95: { name: 'TargetResponseTime', stat: 'p95' },
  p99: { name: 'TargetResponseTime', stat: 'p99' },
};

/** The built-in metrics as metric math over {@link BASE_METRICS}. 5XX has no datapoint when there was no error: FILL. */
const DEFAULT_QUERIES: Readonly<Record<string, string>> = {
  requestCount: 'requests',
  errorRate: 'FILL(errors, 0) / requests',
  latencyP50Ms: 'p50 * 1000',
  latencyP95Ms: 'p95 * 1000',
  latencyP99Ms: 'p99 * 1000',
};

/**
 * Metrics from CloudWatch GetMetricData: the ALB target group of each track (AWS/ApplicationELB, dimensions
 * LoadBalancer + TargetGroup) with metric math, as one datapoint: a period of the window's whole minutes
 * (rounded up, at least one) that ends at the query's `windowEnd` or, without one, at the last minute
 * published, the one that ended {@link CloudWatchMetricProvider.publicationDelaySeconds} ago or more.
 * No datapoint means no data: `undefined` (inconclusive), never an error rate of 0; a request count
 * without data is 0.
 *
 * @example
 * const metrics = new CloudWatchMetricProvider(new CloudWatchClient({}), {
 *   loadBalancer: 'app/prod/50dc6c495c0c9188',
 *   targetGroups: { canary: 'targetgroup/checkout-canary/73e2d6bc24d8a067' },
 * });
 * const errorRate = await metrics.query({ service, track: 'canary', metric: 'errorRate', windowSeconds: 300 });
 */
export class CloudWatchMetricProvider implements MetricProvider {
  readonly type = 'cloudwatch';
  /**
   * An ALB sends each minute's datapoints once that minute is over: windows end at the last minute that
   * ended this long ago or more.
   */
  readonly publicationDelaySeconds = 60;

  constructor(
    private readonly cloudwatch: Pick<CloudWatchClient, 'send'>,
    private readonly options: CloudWatchOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async query(query: MetricQuery): Promise<number | undefined> {
    const options = { ...this.options, ...(query.config as Partial<CloudWatchOptions> | undefined) };
    const queries = { ...DEFAULT_QUERIES, ...options.queries };
    const template = queries[query.metric];
    if (!template) {
      throw new ValidationError(
        `metric must be one of: ${Object.keys(queries).join(', ')} (got "${query.metric}")`,
      );
    }
    const targetGroup = targetGroupOf(options, query.track);
    const period = Math.max(60, Math.ceil(query.windowSeconds / 60) * 60);
    const expression = fillPlaceholders(template, {
      service: query.service.name,
      namespace: query.service.namespace,
      track: query.track,
      loadBalancer: options.loadBalancer,
      targetGroup,
      period: String(period),
    } satisfies Record<QueryPlaceholder<'cloudwatch'>, string>);
    const dimensions: Dimension[] = [
      { Name: 'LoadBalancer', Value: options.loadBalancer },
      { Name: 'TargetGroup', Value: targetGroup },
    ];
    // Whole minutes, so CloudWatch answers the one period asked (it rounds StartTime down to the minute).
    const end = new Date(
      query.windowEnd ?? publishedUntil(this.now().getTime(), this.publicationDelaySeconds),
    );
    const start = new Date(end.getTime() - period * 1000);
    const [value] = await this.#values(expression, dimensions, period, { start, end });
    return value ?? (query.metric === 'requestCount' ? 0 : undefined);
  }

  /** Refuses tracks `metrics.targetGroups` has no target group for (no call). */
  checkTracks(tracks: readonly string[]): void {
    for (const track of tracks) targetGroupOf(this.options, track);
  }

  async #values(
    expression: string,
    dimensions: Dimension[],
    period: number,
    { start, end }: { start: Date; end: Date },
  ): Promise<number[]> {
    const used = Object.entries(BASE_METRICS).filter(([id]) => new RegExp(`\\b${id}\\b`).test(expression));
    const queries: MetricDataQuery[] = used.map(([id, metric]) => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: 'AWS/ApplicationELB', MetricName: metric.name, Dimensions: dimensions },
        Period: period,
        Stat: metric.stat,
      },
      ReturnData: false,
    }));
    queries.push({ Id: 'result', Expression: expression, Period: period, ReturnData: true });
    const { GetMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
    const output = await this.cloudwatch
      .send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: start,
          EndTime: end,
          ScanBy: 'TimestampDescending',
        }),
      )
      .catch((error: unknown) => Promise.reject(asAdapterError(error, 'cloudwatch:GetMetricData')));
    const result = output.MetricDataResults?.find((r) => r.Id === 'result');
    const messages = [...(output.Messages ?? []), ...(result?.Messages ?? [])].map(
      (m) => `${m.Code}: ${m.Value}`,
    );
    if (result?.StatusCode === 'InternalError') {
      throw new TransientAdapterError(
        `cloudwatch:GetMetricData failed, retry later: ${messages.join('; ') || 'InternalError'}`,
      );
    }
    if (result?.StatusCode === 'Forbidden') {
      throw new MetricQueryError(
        `cloudwatch:GetMetricData refused "${expression}": ${messages.join('; ') || 'Forbidden'}`,
      );
    }
    return (result?.Values ?? []).filter((v) => Number.isFinite(v));
  }
}

/** The `TargetGroup` dimension of `track`, refused naming `metrics.targetGroups` when there is none. */
function targetGroupOf(options: CloudWatchOptions, track: string): string {
  const targetGroup = options.targetGroups?.[track];
  if (!targetGroup) {
    throw new ValidationError(
      `metrics.targetGroups has no target group for track "${track}" (has: ${Object.keys(options.targetGroups ?? {}).join(', ') || 'none'})`,
    );
  }
  return targetGroup;
}

import * as z from 'zod';
import { JUDGED_METRICS, type JudgedMetric, judgedMetrics } from '../analysis/judge.ts';
import { httpUrl, text } from './fields.ts';

/** The local proxy's own request counters (`cutover local`). */
export const localMetricsSchema = z.strictObject({ type: z.literal('local') });

/** A query per metric an analysis reads: no other name is read, so another is refused as a misspelling. */
const queriesSchema = z.strictObject({
  requestCount: text().optional().describe('requests to the track in the window'),
  errorRate: text().optional().describe('share of 5xx responses in the window, 0-1'),
  latencyP99Ms: text().optional().describe('p99 latency in ms; read when the analysis sets maxLatencyP99Ms'),
} satisfies Record<JudgedMetric, unknown>);

/** CloudWatch GetMetricData: ALB target-group metrics by default, or your own metric-math queries. */
export const cloudwatchMetricsSchema = z.strictObject({
  type: z.literal('cloudwatch'),
  loadBalancer: text().describe('ALB dimension value, e.g. app/prod/50dc6c495c0c9188'),
  targetGroups: z
    .record(text(), text())
    .optional()
    .describe(
      'TargetGroup dimension value per track, e.g. { "canary": "targetgroup/checkout-canary/73e2d6bc24d8a067" }',
    ),
  queries: queriesSchema
    .optional()
    .describe(
      'metric-math expression per metric name (requestCount, errorRate, latencyP99Ms), replacing the default',
    ),
  region: text().optional(),
});

/** A gate: any of the named CloudWatch alarms in ALARM fails the analysis. */
export const cloudwatchAlarmsMetricsSchema = z.strictObject({
  type: z.literal('cloudwatch-alarms'),
  alarmNames: z.array(text()).min(1).describe('alarm names to watch'),
  region: text().optional(),
});

/** A Prometheus HTTP API (optionally Amazon Managed Prometheus with SigV4). */
export const prometheusMetricsSchema = z.strictObject({
  type: z.literal('prometheus'),
  url: httpUrl().describe('base URL of the Prometheus HTTP API'),
  queries: queriesSchema.describe(
    'PromQL per metric name: requestCount and errorRate, and latencyP99Ms with maxLatencyP99Ms, when the request runs an analysis; {{service}}, {{namespace}}, {{track}} and {{window}} are substituted',
  ),
  sigv4: z
    .strictObject({ region: text(), service: text().default('aps') })
    .optional()
    .describe('sign requests for Amazon Managed Prometheus'),
});

/** Where analysis gets its numbers: the request's `metrics` field. */
export const metricsConfigSchema = z.discriminatedUnion('type', [
  localMetricsSchema,
  cloudwatchMetricsSchema,
  cloudwatchAlarmsMetricsSchema,
  prometheusMetricsSchema,
]);

export type MetricsConfig = z.infer<typeof metricsConfigSchema>;

/** One analysis a request runs: where it is (`canary.analysis`) and its thresholds, as given. */
export interface RequestAnalysis {
  readonly path: string;
  readonly analysis: unknown;
}

/**
 * Adds an issue for each metric the request's analyses read that `metrics.queries` of a Prometheus
 * provider does not give (it has no built-in queries): each analysis reads requestCount and errorRate, and
 * latencyP99Ms when its maxLatencyP99Ms is set. Without the query, the first analysis would fail once
 * traffic moved. CloudWatch's built-in queries give every metric.
 */
export function checkMetricQueries(
  request: { metrics?: unknown },
  ctx: z.RefinementCtx,
  analyses: readonly RequestAnalysis[],
): void {
  const { type, queries } = (request.metrics ?? {}) as { type?: unknown; queries?: unknown };
  if (type !== 'prometheus' || typeof queries !== 'object' || queries === null || Array.isArray(queries))
    return;
  const given = Object.keys(queries);
  for (const metric of JUDGED_METRICS) {
    if (given.includes(metric)) continue;
    const readers = analyses.filter(({ analysis }) => judgedMetrics(thresholdsOf(analysis)).includes(metric));
    if (readers.length === 0) continue;
    const paths = readers.map(({ path }) => path);
    const why =
      metric === 'latencyP99Ms'
        ? `${paths.map((path) => `${path}.maxLatencyP99Ms`).join(' and ')} ${paths.length === 1 ? 'is' : 'are'} set, so the analysis reads latencyP99Ms`
        : `${paths.join(' and ')} ${paths.length === 1 ? 'reads' : 'read'} ${metric}`;
    ctx.addIssue({
      code: 'custom',
      path: ['metrics', 'queries', metric],
      message: `is required: ${why} (metrics.queries takes ${JUDGED_METRICS.join(', ')})`,
    });
  }
}

/** The thresholds of an analysis as given: a mistyped latency limit still asks for latency (its own issue names it). */
function thresholdsOf(analysis: unknown): { maxLatencyP99Ms?: number } {
  const given =
    typeof analysis === 'object' && analysis !== null ? (analysis as Record<string, unknown>) : {};
  return given.maxLatencyP99Ms === undefined ? {} : { maxLatencyP99Ms: given.maxLatencyP99Ms as number };
}

/** JSON Schema of {@link metricsConfigSchema}. */
export const metricsConfigJsonSchema = z.toJSONSchema(metricsConfigSchema, { io: 'input' });

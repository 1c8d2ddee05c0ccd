import * as z from 'zod';
import { JUDGED_METRICS, type JudgedMetric, judgedMetrics } from '../analysis/judge.ts';
import { plannedTransitionsIssue } from '../plan/plan.ts';
import type { Strategy } from '../strategies.ts';
import { checkReadinessProbePort, checkVolumeMounts, MAX_LOCAL_REPLICAS } from './cluster.ts';
import { hooksSchemaWith, MAX_RELEASE_REPLICAS, releaseSchema } from './common.ts';
import { envVarName, httpUrl, imageReference, integer, labelValue, text } from './fields.ts';
import type { RequestOf } from './index.ts';
import {
  cloudwatchAlarmsMetricsSchema,
  cloudwatchMetricsSchema,
  localMetricsSchema,
  placeholdersIn,
  prometheusBaseUrl,
  prometheusMetricsSchema,
  QUERY_PLACEHOLDERS,
} from './metrics.ts';
import { checkRoutingCluster } from './traffic.ts';

/**
 * Admission: the rules a request meets to start a release, on top of the shape, defaults and cross-field
 * rules the release's tasks read it with. `validateRequest` applies them (`cutover plan` and `cutover run`,
 * the release API, the ECR trigger check at synth, the ValidateRequest task); `readAdmittedRequest` (every
 * later task) does not, so a release an earlier version admitted still runs, rolls back and unlocks after an
 * upgrade. A request is made stricter here, not in the shape.
 */

/** DescribeAlarms takes at most this many alarm names. */
const MAX_ALARM_NAMES = 100;

/**
 * A query per metric an analysis reads, with only the placeholders its provider fills: no other name is
 * read, so another is refused as a misspelling.
 */
function queriesSchemaFilling(placeholders: readonly string[]) {
  const query = () => text().superRefine(checkPlaceholders(placeholders));
  return z.strictObject({
    requestCount: query().optional().describe('requests to the track in the window'),
    errorRate: query().optional().describe('share of 5xx responses in the window, 0-1'),
    latencyP99Ms: query()
      .optional()
      .describe('p99 latency in ms; read when the analysis sets maxLatencyP99Ms'),
  } satisfies Record<JudgedMetric, unknown>);
}

/**
 * Adds an issue for each placeholder of a query that its provider does not fill: left as written, it
 * would match nothing, and the analysis would see no data.
 */
function checkPlaceholders(allowed: readonly string[]) {
  const names = allowed.map((name) => `{{${name}}}`).join(', ');
  return (query: string, ctx: z.RefinementCtx) => {
    for (const name of placeholdersIn(query)) {
      if (allowed.includes(name)) continue;
      ctx.addIssue({ code: 'custom', message: `unknown placeholder {{${name}}} (allowed: ${names})` });
    }
  };
}

/**
 * `metrics` admitted: a Prometheus URL http(s) without credentials, queries named as analyses read them with
 * the placeholders their provider fills, at most {@link MAX_ALARM_NAMES} alarms.
 */
const metricsSchema = z.discriminatedUnion('type', [
  localMetricsSchema,
  cloudwatchMetricsSchema.extend({
    queries: queriesSchemaFilling(QUERY_PLACEHOLDERS.cloudwatch)
      .optional()
      .describe(
        'metric-math expression per metric name (requestCount, errorRate, latencyP99Ms), replacing the default',
      ),
  }),
  cloudwatchAlarmsMetricsSchema.extend({
    alarmNames: cloudwatchAlarmsMetricsSchema.shape.alarmNames
      .max(MAX_ALARM_NAMES, {
        error: `must name at most ${MAX_ALARM_NAMES} alarms, as many as cloudwatch:DescribeAlarms takes`,
      })
      .describe(`alarm names to watch, at most ${MAX_ALARM_NAMES}`),
  }),
  prometheusMetricsSchema.extend({
    url: prometheusBaseUrl().describe('base URL of the Prometheus HTTP API, without /api/v1/query'),
    queries: queriesSchemaFilling(QUERY_PLACEHOLDERS.prometheus).describe(
      'PromQL per metric name: requestCount and errorRate, and latencyP99Ms with maxLatencyP99Ms, when the request runs an analysis; {{service}}, {{namespace}}, {{track}} and {{window}} are substituted',
    ),
  }),
]);

/**
 * The fields admission checks more strictly than the tasks read them, replacing those of
 * `baseRequestShape` (in place, so issues keep the order of the fields): a version Kubernetes takes as a
 * label value and environment variable names it takes (on every cluster, so a request moves between them),
 * an image reference, the metrics above, hook URLs as {@link httpUrl} takes them.
 *
 * @example
 * const canaryRequest = z.strictObject({ ...baseRequestShape, ...admissionShape, canary: canaryBlockSchema });
 */
export const admissionShape = {
  release: releaseSchema.extend({
    version: labelValue().describe('release version, the label cutover.dev/version of its pods, e.g. v2'),
    replicas: integer(1, MAX_RELEASE_REPLICAS, `at most ${MAX_LOCAL_REPLICAS} on the local cluster`)
      .optional()
      .describe(releaseSchema.shape.replicas.description ?? ''),
    image: imageReference()
      .optional()
      .describe('container image reference, e.g. registry.example/checkout:2.0.0 (Kubernetes clusters)'),
    env: z.record(envVarName(), z.string()).optional().describe('environment variables'),
  }),
  metrics: metricsSchema,
  hooks: hooksSchemaWith(hookUrl()).optional(),
};

/**
 * Hosts a webhook must not name: the link-local range, where cloud instance metadata answers
 * (`169.254.169.254`, `[fd00:ec2::254]`, `[fe80::...]`), and the unspecified addresses. A hook's answer
 * reaches the history and the notifications, so such a URL would read a machine's credentials.
 */
const METADATA_HOST = /^(?:169\.254\.\d{1,3}\.\d{1,3}|0\.0\.0\.0|\[(?:fd00:ec2::254|fe80:[0-9a-f:]*|::)\])$/i;

/** A webhook URL admitted: {@link httpUrl}, not on a link-local or unspecified address. */
function hookUrl() {
  return httpUrl().refine((value) => !URL.canParse(value) || !METADATA_HOST.test(new URL(value).hostname), {
    error:
      'must not be a link-local or unspecified address (169.254.0.0/16, fe80::/10, fd00:ec2::254, 0.0.0.0, ::), where instance metadata answers',
  });
}

/** One analysis a request runs: where it is (`canary.analysis`) and its thresholds, as given. */
export interface RequestAnalysis {
  readonly path: string;
  readonly analysis: unknown;
}

/**
 * The cross-field rules of admission, for a strategy's refinement: a local cluster's replica limit, a
 * readiness probe's port, a Kubernetes router's cluster, and an issue for each metric the request's
 * analyses read that `metrics.queries` of a Prometheus provider does not give (it has no built-in queries):
 * each analysis reads requestCount and errorRate, and latencyP99Ms when its maxLatencyP99Ms is set. Without
 * the query, the first analysis would fail once traffic moved. CloudWatch's built-in queries give every
 * metric.
 *
 * @example
 * checkAdmission(request, ctx, [{ path: 'rolling.analysis', analysis: request.rolling.analysis }]);
 */
export function checkAdmission(
  request: { metrics?: unknown; cluster?: { type?: unknown }; traffic?: { type?: unknown } },
  ctx: z.RefinementCtx,
  analyses: readonly RequestAnalysis[],
): void {
  checkLocalReplicas(request, ctx);
  checkReadinessProbePort(request.cluster, ctx);
  checkVolumeMounts(request.cluster, ctx);
  checkRoutingCluster(request, ctx);
  checkErrorRateLimits(analyses, ctx);
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

/**
 * Refuses `maxErrorRate: 1`, which the shape admits (0-1): no error rate exceeds it, so the analysis would
 * pass a version failing every request.
 */
function checkErrorRateLimits(analyses: readonly RequestAnalysis[], ctx: z.RefinementCtx): void {
  for (const { path, analysis } of analyses) {
    if ((analysis as { maxErrorRate?: unknown } | undefined)?.maxErrorRate !== 1) continue;
    ctx.addIssue({
      code: 'custom',
      path: [...path.split('.'), 'maxErrorRate'],
      input: 1,
      message: 'must be below 1: at 1, a version failing every request would pass',
    });
  }
}

/** The thresholds of an analysis as given: a mistyped latency limit still asks for latency (its own issue names it). */
function thresholdsOf(analysis: unknown): { maxLatencyP99Ms?: number } {
  const given =
    typeof analysis === 'object' && analysis !== null ? (analysis as Record<string, unknown>) : {};
  return given.maxLatencyP99Ms === undefined ? {} : { maxLatencyP99Ms: given.maxLatencyP99Ms as number };
}

/**
 * A refinement that adds an issue when the release's planned path takes more state transitions than
 * one execution's history holds room for (`buildPlan` refuses it with the same words), before anything
 * starts. For a request without other issues: it reads the request whole.
 *
 * @example
 * schema.superRefine(checkPlannedTransitions('canary'), WITHOUT_ISSUES);
 */
export function checkPlannedTransitions<S extends Strategy>(strategy: S) {
  return (request: RequestOf[S], ctx: z.RefinementCtx): void => {
    const issue = plannedTransitionsIssue(strategy, request);
    if (issue) ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message });
  };
}

/**
 * Adds an issue when a release asks the local cluster for more replicas than it runs per track, before
 * anything starts (the deploy would fail once the release had begun).
 */
function checkLocalReplicas(
  request: { cluster?: { type?: unknown }; release?: { replicas?: unknown } },
  ctx: z.RefinementCtx,
): void {
  const replicas = request.release?.replicas;
  if (request.cluster?.type !== 'local' || typeof replicas !== 'number') return;
  // A count no cluster takes is reported by release.replicas' own check, once.
  if (replicas <= MAX_LOCAL_REPLICAS || !Number.isInteger(replicas) || replicas > MAX_RELEASE_REPLICAS)
    return;
  ctx.addIssue({
    code: 'custom',
    path: ['release', 'replicas'],
    message: `must be at most ${MAX_LOCAL_REPLICAS} on the local cluster, which runs each replica as a process on this machine (got ${replicas})`,
  });
}

import * as z from 'zod';
import { httpUrl, text } from './fields.ts';

/** The local proxy's own request counters (`cutover local`). */
export const localMetricsSchema = z.strictObject({ type: z.literal('local') });

/** Metric queries by metric name. */
const queriesSchema = z.record(text(), text());

/** The `{{name}}` placeholders each provider fills in its `metrics.queries`. */
export const QUERY_PLACEHOLDERS = {
  cloudwatch: ['service', 'namespace', 'track', 'loadBalancer', 'targetGroup', 'period'],
  prometheus: ['service', 'namespace', 'track', 'window'],
} as const;

/** The placeholder names a provider of this type fills. */
export type QueryPlaceholder<T extends keyof typeof QUERY_PLACEHOLDERS> =
  (typeof QUERY_PLACEHOLDERS)[T][number];

/**
 * Every `{{name}}` placeholder of a query (spaces inside the braces allowed), group 1 the name: a new
 * global pattern per call, so no caller sees another's `lastIndex`.
 */
const placeholders = () => /\{\{\s*(\w+)\s*\}\}/g;

/**
 * The names of the `{{name}}` placeholders of a query, in order, repeats included.
 *
 * @example
 * placeholdersIn('sum(rate(x{app="{{ service }}"}[{{window}}]))'); // ['service', 'window']
 */
export function placeholdersIn(query: string): string[] {
  return [...query.matchAll(placeholders())].map(([, name]) => name as string);
}

/**
 * A query with each `{{name}}` placeholder replaced by what `replace` returns for its name and the
 * placeholder as written.
 *
 * @example
 * replacePlaceholders('{{ track }}', (name) => name.toUpperCase()); // 'TRACK'
 */
export function replacePlaceholders(query: string, replace: (name: string, whole: string) => string): string {
  return query.replace(placeholders(), (whole, name: string) => replace(name, whole));
}

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
    .describe('metric-math expression per metric name, replacing the defaults'),
  region: text().optional(),
});

/** A gate: any of the named CloudWatch alarms in ALARM fails the analysis. */
export const cloudwatchAlarmsMetricsSchema = z.strictObject({
  type: z.literal('cloudwatch-alarms'),
  alarmNames: z.array(text()).min(1).describe('alarm names to watch'),
  region: text().optional(),
});

/** A path ending in the API path of a query (slashes after it allowed): group 1 what comes before it, group 2 the API path. */
const QUERY_API_PATH = /^(.*?)(\/api\/v1\/query(?:_range)?)\/*$/;

/**
 * A Prometheus `metrics.url` as a request is admitted with it: {@link httpUrl}, the server's base URL, with
 * or without a path (`http://prometheus:9090`, `https://gateway/prometheus`, an AMP workspace URL), not the
 * URL of a query: the provider adds `/api/v1/query` to the path, so `.../api/v1/query` would ask for
 * `/api/v1/query/api/v1/query` and fail at the first analysis, after traffic moved.
 *
 * @example
 * prometheusBaseUrl().parse('http://127.0.0.1:9090/api/v1/query');
 * // must be the server's base URL, without /api/v1/query (got "http://127.0.0.1:9090/api/v1/query"):
 * // Cutover adds the API path, so give "http://127.0.0.1:9090"
 */
export function prometheusBaseUrl() {
  return httpUrl().superRefine((value, ctx) => {
    if (!URL.canParse(value)) return;
    const url = new URL(value);
    const [, base, apiPath] = QUERY_API_PATH.exec(url.pathname) ?? [];
    if (apiPath === undefined) return;
    // The URL as given, but never its credentials (httpUrl refuses them in its own words).
    const given = url.username + url.password === '' ? value : withoutCredentials(url);
    ctx.addIssue({
      code: 'custom',
      message: `must be the server's base URL, without ${apiPath} (got "${given}"): Cutover adds the API path, so give "${url.origin}${base}"`,
    });
  });
}

/** The URL without its `user:password@`. */
function withoutCredentials(url: URL): string {
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  return bare.href;
}

/** A Prometheus HTTP API (optionally Amazon Managed Prometheus with SigV4). */
export const prometheusMetricsSchema = z.strictObject({
  type: z.literal('prometheus'),
  url: z.url({ error: 'must be an http(s) URL' }).describe('base URL of the Prometheus HTTP API'),
  queries: queriesSchema.describe(
    'PromQL per metric name; {{service}}, {{namespace}}, {{track}} and {{window}} are substituted',
  ),
  sigv4: z
    .strictObject({ region: text(), service: text().default('aps') })
    .optional()
    .describe('sign requests for Amazon Managed Prometheus'),
});

/**
 * Where analysis gets its numbers: the request's `metrics` field, as the tasks of a release read it. A
 * request is admitted with a stricter URL and queries (`admission.ts`).
 */
export const metricsConfigSchema = z.discriminatedUnion('type', [
  localMetricsSchema,
  cloudwatchMetricsSchema,
  cloudwatchAlarmsMetricsSchema,
  prometheusMetricsSchema,
]);

export type MetricsConfig = z.infer<typeof metricsConfigSchema>;

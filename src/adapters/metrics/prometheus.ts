import { Sha256 } from '@aws-crypto/sha256-js';
import { getCanonicalQuery, SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, HttpRequest } from '@smithy/types';
import { TransientAdapterError, ValidationError } from '#core/errors.ts';
import type { MetricProvider } from '#core/ports/metric-provider.ts';
import type { QueryPlaceholder } from '#core/schemas/metrics.ts';
import type { MetricQuery, ServiceRef } from '#core/types.ts';
import { defaultCredentialProvider } from '../aws-credentials.ts';
import { fetchFailureDetail } from '../network-errors.ts';
import { oneLine } from '../one-line.ts';
import { MetricQueryError } from './errors.ts';
import { fillPlaceholders } from './placeholders.ts';

/** The request's `metrics` block for Prometheus, plus the transport. */
export interface PrometheusOptions {
  /** Base URL of the HTTP API (`http://prometheus:9090`, or the AMP workspace URL ending in the workspace id). */
  readonly url: string;
  /** PromQL per metric name; `{{service}}`, `{{namespace}}`, `{{track}}`, `{{window}}` (e.g. `300s`) are filled in. */
  readonly queries: Readonly<Record<string, string>>;
  /** Sign requests with SigV4 (Amazon Managed Prometheus: service `aps`). */
  readonly sigv4?: { readonly region: string; readonly service?: string };
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** @default 10000 */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

interface ApiResponse {
  status: 'success' | 'error';
  data?: { resultType: string; result: unknown };
  errorType?: string;
  error?: string;
}

/**
 * Metrics from the Prometheus HTTP API (`/api/v1/query`, an instant query per metric, evaluated at the
 * query's `windowEnd` when it has one). An empty vector is no data (`undefined`); a query returning several
 * series is refused (aggregate it, e.g. `sum(...)`), and so is a negative value. A count of errors needs
 * `or vector(0)`: without any 5xx yet there is no series to sum.
 *
 * @example
 * const metrics = new PrometheusMetricProvider({
 *   url: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1234',
 *   queries: { errorRate: '(sum(rate(http_requests_total{app="{{service}}",track="{{track}}",code=~"5.."}[{{window}}])) or vector(0)) / sum(rate(http_requests_total{app="{{service}}",track="{{track}}"}[{{window}}]))' },
 *   sigv4: { region: 'eu-west-1' },
 * });
 */
/** The window each query is tried over before a release: it only has to run, not judge. */
const TRIAL_WINDOW_SECONDS = 60;

export class PrometheusMetricProvider implements MetricProvider {
  readonly type = 'prometheus';

  constructor(private readonly options: PrometheusOptions) {}

  async tryQueries(service: ServiceRef, tracks: readonly string[]): Promise<void> {
    for (const track of tracks) {
      for (const metric of Object.keys(this.options.queries)) {
        await this.query({ service, track, metric, windowSeconds: TRIAL_WINDOW_SECONDS }).catch((error) => {
          if (!(error instanceof MetricQueryError)) throw error;
          throw new ValidationError(`metrics.queries.${metric}: ${error.message}`, { cause: error });
        });
      }
    }
  }

  async query(query: MetricQuery): Promise<number | undefined> {
    const template = this.options.queries[query.metric];
    if (!template) {
      throw new ValidationError(
        `metric must be one of metrics.queries: ${Object.keys(this.options.queries).join(', ') || 'none'} (got "${query.metric}")`,
      );
    }
    const promql = fillPlaceholders(template, {
      service: query.service.name,
      namespace: query.service.namespace,
      track: query.track,
      window: `${query.windowSeconds}s`,
    } satisfies Record<QueryPlaceholder<'prometheus'>, string>);
    const described = `${query.metric} query "${promql}"`;
    const body = await this.#get('/api/v1/query', { query: promql, ...evaluationTime(query) }, described);
    return sampleValue(body, described);
  }

  /** GETs `path` of the API; `described` names the metric and query in a refusal. */
  async #get(path: string, params: Record<string, string>, described: string): Promise<ApiResponse> {
    const base = new URL(this.options.url);
    const url = new URL(base.pathname.replace(/\/$/, '') + path, base);
    const request: HttpRequest = {
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: params,
      headers: { accept: 'application/json', host: url.host },
    };
    // The SigV4 canonical query (spaces as %20, `+` as %2B), so the query sent is the one signed.
    url.search = getCanonicalQuery(request);
    const headers = await this.#headers(request);
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(url, {
        headers,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new TransientAdapterError(`prometheus ${url.host}: ${unreachableReason(error)}`, {
        cause: error,
      });
    }
    const text = await response.text();
    const body = parse(text);
    if (response.ok && body?.status === 'success') return body;
    // No API error: not the Prometheus API that answered (a wrong path, a proxy's page); say where it asked.
    const excerpt = excerptOf(text, response.headers.get('content-type'));
    const reason = body?.error
      ? `${body.errorType}: ${body.error}`
      : `HTTP ${response.status} from ${url.origin}${url.pathname}${excerpt ? `: ${excerpt}` : ''}`;
    if (response.status >= 500 || response.status === 429 || body?.errorType === 'timeout') {
      throw new TransientAdapterError(`prometheus query failed, retry later: ${reason}`);
    }
    throw new MetricQueryError(`prometheus refused the ${described}: ${reason}`);
  }

  /** The request's headers, signed with SigV4 when `sigv4` is set. */
  async #headers(request: HttpRequest): Promise<Record<string, string>> {
    if (!this.options.sigv4) return request.headers;
    const signer = new SignatureV4({
      service: this.options.sigv4.service ?? 'aps',
      region: this.options.sigv4.region,
      credentials: this.options.credentials ?? defaultCredentialProvider(this.options.sigv4.region),
      sha256: Sha256,
    });
    const signed = await signer.sign(request);
    return signed.headers;
  }
}

/** The instant query's `time`: the query's `windowEnd`, so `[{{window}}]` ends there; none: Prometheus's now. */
function evaluationTime({ windowEnd }: MetricQuery): { time?: string } {
  return windowEnd === undefined ? {} : { time: new Date(windowEnd).toISOString() };
}

/** Why a request got no answer: `fetch failed (ECONNREFUSED)`, `fetch failed (UND_ERR_SOCKET: other side closed)`. */
function unreachableReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const detail = fetchFailureDetail(error);
  return detail ? `${message} (${detail})` : message;
}

/** How much of an answer that is not the API's an error message shows. */
const EXCERPT_LENGTH = 200;

/**
 * A body as one line for an error message: HTML reduced to its text, then {@link oneLine}, at most
 * {@link EXCERPT_LENGTH} characters.
 */
function excerptOf(text: string, contentType: string | null): string {
  // Far more than an excerpt needs, and no more for the patterns below to scan.
  const head = text.slice(0, 20_000);
  const html = /html/i.test(contentType ?? '') || /^\s*</.test(head);
  const plain = html
    ? head
        .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
        .replace(/<!--[\s\S]*?-->/g, ' ')
        .replace(/<[^>]*>/g, ' ')
        .replace(/&nbsp;/g, ' ')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&')
    : head;
  return oneLine(plain, EXCERPT_LENGTH);
}

function parse(text: string): ApiResponse | undefined {
  try {
    return JSON.parse(text) as ApiResponse;
  } catch {
    return undefined;
  }
}

/** The one sample of an instant query's answer (`undefined`: none, or NaN); `described` names the query. */
function sampleValue(body: ApiResponse, described: string): number | undefined {
  const data = body.data;
  let sample: unknown;
  if (data?.resultType === 'scalar') sample = (data.result as [number, string])[1];
  else if (data?.resultType === 'vector') {
    const series = data.result as { value: [number, string] }[];
    if (series.length > 1) {
      throw new MetricQueryError(
        `prometheus ${described} returned ${series.length} series; aggregate it to one (e.g. sum(...))`,
      );
    }
    sample = series[0]?.value[1];
  } else {
    throw new MetricQueryError(
      `prometheus ${described} returned a ${data?.resultType}; an instant vector or scalar is needed`,
    );
  }
  const value = sample === undefined ? Number.NaN : Number(sample);
  if (value < 0) {
    throw new MetricQueryError(`prometheus ${described} returned ${value}; a metric is never negative`);
  }
  return Number.isFinite(value) ? value : undefined;
}

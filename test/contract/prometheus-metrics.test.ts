import { fillPlaceholders } from '#adapters/metrics/placeholders.ts';
import { PrometheusMetricProvider } from '#adapters/metrics/prometheus.ts';
import { startPrometheusServer, vector } from '#test/support/prometheus-server.ts';
import { describeMetricProviderContract } from './metric-provider.contract.ts';

const selector = 'app="{{service}}",namespace="{{namespace}}",track="{{track}}"';
const quantile = (q: number) =>
  `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${selector}}[{{window}}]))) * 1000`;
/** The PromQL a user would configure for the built-in metrics. */
const QUERIES = {
  requestCount: `sum(increase(http_requests_total{${selector}}[{{window}}])) or vector(0)`,
  errorRate: `(sum(rate(http_requests_total{${selector},code=~"5.."}[{{window}}])) or vector(0)) / sum(rate(http_requests_total{${selector}}[{{window}}]))`,
  latencyP50Ms: quantile(0.5),
  latencyP95Ms: quantile(0.95),
  latencyP99Ms: quantile(0.99),
};

let prometheus: Awaited<ReturnType<typeof startPrometheusServer>>;
let serviceCount = 0;

describeMetricProviderContract('prometheus (local Prometheus HTTP API)', {
  async create() {
    prometheus = await startPrometheusServer();
    return new PrometheusMetricProvider({ url: prometheus.url, queries: QUERIES });
  },
  async dispose() {
    await prometheus.close();
  },
  async prepareService() {
    serviceCount += 1;
    return { name: `measured-${serviceCount}`, namespace: 'contract' };
  },
  /** What Prometheus would have recorded for this traffic, as answers to the configured queries. */
  async seed(service, track, traffic) {
    const fill = (query: string) =>
      fillPlaceholders(query, { service: service.name, namespace: service.namespace, track, window: '60s' });
    const answers: Record<keyof typeof QUERIES, number> = {
      requestCount: traffic.requests,
      errorRate: traffic.errorRate,
      latencyP50Ms: traffic.latencyMs + 1,
      latencyP95Ms: traffic.latencyMs + 4,
      latencyP99Ms: traffic.latencyMs + 9,
    };
    for (const [metric, value] of Object.entries(answers)) {
      prometheus.answers.set(fill(QUERIES[metric as keyof typeof QUERIES]), vector(String(value)));
    }
  },
});

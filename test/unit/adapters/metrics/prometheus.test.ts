import { createServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MetricQueryError } from '#adapters/metrics/errors.ts';
import { PrometheusMetricProvider } from '#adapters/metrics/prometheus.ts';
import { TransientAdapterError, ValidationError } from '#core/errors.ts';
import type { MetricQuery } from '#core/types.ts';
import { aService } from '#test/support/kubernetes-fixtures.ts';
import { apiError, startPrometheusServer, vector } from '#test/support/prometheus-server.ts';

const ERROR_RATE =
  'sum(rate(http_requests_total{app="{{service}}",namespace="{{namespace}}",track="{{track}}",code=~"5.."}[{{window}}])) / sum(rate(http_requests_total{app="{{service}}",track="{{track}}"}[{{window}}]))';
const FILLED =
  'sum(rate(http_requests_total{app="checkout",namespace="shop",track="canary",code=~"5.."}[300s])) / sum(rate(http_requests_total{app="checkout",track="canary"}[300s]))';
const AMP_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' };
const aQuery = (overrides: Partial<MetricQuery> = {}): MetricQuery => ({
  service: aService(),
  track: 'canary',
  metric: 'errorRate',
  windowSeconds: 300,
  ...overrides,
});

describe('PrometheusMetricProvider', () => {
  let prometheus: Awaited<ReturnType<typeof startPrometheusServer>>;
  const provider = (extra = {}) =>
    new PrometheusMetricProvider({
      url: prometheus.url,
      queries: { errorRate: ERROR_RATE },
      timeoutMs: 500,
      ...extra,
    });

  beforeAll(async () => {
    prometheus = await startPrometheusServer();
  });
  afterAll(() => prometheus.close());
  beforeEach(() => {
    prometheus.answers.clear();
    prometheus.requests.length = 0;
  });

  it('runs the PromQL of the metric, placeholders filled, as an instant query and reads the vector', async () => {
    // Prepare
    prometheus.answers.set(FILLED, vector('0.0125'));
    // Act
    const value = await provider().query(aQuery());
    // Assess
    expect(value).toBe(0.0125);
    expect(prometheus.requests[0]?.path).toBe('/api/v1/query');
    expect(prometheus.requests[0]?.query.get('query')).toBe(FILLED);
  });

  it("evaluates the query at the query's windowEnd, and at Prometheus's now without one", async () => {
    // Act
    await provider().query(aQuery({ windowEnd: Date.parse('2026-11-28T12:34:56.789Z') }));
    await provider().query(aQuery());
    // Assess
    const times = prometheus.requests.map((request) => request.query.get('time'));
    expect(times).toEqual(['2026-11-28T12:34:56.789Z', null]);
  });

  it('answers undefined for an empty vector and for NaN', async () => {
    // Prepare
    const empty = await provider().query(aQuery());
    prometheus.answers.set(FILLED, vector('NaN'));
    // Act
    const nan = await provider().query(aQuery());
    // Assess
    expect(empty).toBeUndefined();
    expect(nan).toBeUndefined();
  });

  it('refuses a query returning several series, asking for an aggregation', async () => {
    // Prepare
    prometheus.answers.set(FILLED, vector('0.1', '0.2'));
    // Act + Assess
    await expect(provider().query(aQuery())).rejects.toThrow(/returned 2 series; aggregate it to one/);
  });

  it('keeps bad PromQL a persistent MetricQueryError with the Prometheus reason', async () => {
    // Prepare
    prometheus.answers.set(FILLED, apiError(400, 'bad_data', '1:5: parse error: unexpected "}"'));
    // Act
    const error = await provider()
      .query(aQuery())
      .catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(MetricQueryError);
    expect((error as Error).message).toContain('bad_data: 1:5: parse error: unexpected "}"');
  });

  it('names the metric as well as the query in a refusal', async () => {
    // Prepare
    prometheus.answers.set(FILLED, apiError(400, 'bad_data', '1:5: parse error: unexpected "}"'));
    // Act
    const refused = await provider()
      .query(aQuery())
      .catch((e: unknown) => e);
    prometheus.answers.set(FILLED, vector('0.1', '0.2'));
    const several = await provider()
      .query(aQuery())
      .catch((e: unknown) => e);
    // Assess
    expect((refused as Error).message).toBe(
      `prometheus refused the errorRate query "${FILLED}": bad_data: 1:5: parse error: unexpected "}"`,
    );
    expect((several as Error).message).toContain(`prometheus errorRate query "${FILLED}" returned 2 series`);
  });

  it('refuses a negative error rate or latency, naming the metric and the value', async () => {
    // Prepare
    prometheus.answers.set(FILLED, vector('-0.25'));
    prometheus.answers.set('p99{track="canary"}', vector('-12'));
    const queries = { errorRate: ERROR_RATE, latencyP99Ms: 'p99{track="{{track}}"}' };
    // Act
    const errorRate = await provider({ queries })
      .query(aQuery())
      .catch((e: unknown) => e);
    const latency = await provider({ queries })
      .query(aQuery({ metric: 'latencyP99Ms' }))
      .catch((e: unknown) => e);
    // Assess
    expect(errorRate).toBeInstanceOf(MetricQueryError);
    expect((errorRate as Error).message).toBe(
      `prometheus errorRate query "${FILLED}" returned -0.25; a metric is never negative`,
    );
    expect(latency).toBeInstanceOf(MetricQueryError);
    expect((latency as Error).message).toContain('latencyP99Ms query "p99{track="canary"}" returned -12');
  });

  it('tries every query for the tracks before a release changes anything: a refused one is a ValidationError naming it; no data is fine', async () => {
    // Prepare: errorRate is fine (no data yet); requestCount has a typo Prometheus refuses
    const queries = {
      errorRate: ERROR_RATE,
      requestCount: 'sum(increase(http_requests_total{app="{{service}}"[{{window}}]))',
    };
    const typo = 'sum(increase(http_requests_total{app="checkout"[60s]))';
    prometheus.answers.set(typo, apiError(400, 'bad_data', '1:44: parse error: unexpected "["'));
    // Act
    const refused = await provider({ queries })
      .tryQueries(aService(), ['canary'])
      .catch((e: unknown) => e);
    const tried = prometheus.requests.map((request) => request.query.get('query'));
    const fine = await provider().tryQueries(aService(), ['canary', 'stable']);
    // Assess
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as Error).message).toBe(
      'metrics.queries.requestCount: prometheus refused the requestCount query "sum(increase(http_requests_total{app="checkout"[60s]))": bad_data: 1:44: parse error: unexpected "["',
    );
    expect(tried).toEqual([
      'sum(rate(http_requests_total{app="checkout",namespace="shop",track="canary",code=~"5.."}[60s])) / sum(rate(http_requests_total{app="checkout",track="canary"}[60s]))',
      'sum(increase(http_requests_total{app="checkout"[60s]))',
    ]);
    expect(fine).toBeUndefined();
  });

  it('surfaces 5xx, query timeouts and an unreachable server as TransientAdapterError', async () => {
    // Prepare
    prometheus.answers.set(FILLED, apiError(503, 'timeout', 'query timed out in expression evaluation'));
    // Act
    const timeout = await provider()
      .query(aQuery())
      .catch((e: unknown) => e);
    const unreachable = await provider({ url: 'http://127.0.0.1:1' })
      .query(aQuery())
      .catch((e: unknown) => e);
    // Assess
    expect(timeout).toBeInstanceOf(TransientAdapterError);
    expect((timeout as Error).message).toContain('timeout: query timed out');
    expect(unreachable).toBeInstanceOf(TransientAdapterError);
  });

  it('refuses a metric without a query, naming the field', async () => {
    // Act + Assess
    await expect(provider().query(aQuery({ metric: 'latencyP99Ms' }))).rejects.toThrow(ValidationError);
    await expect(provider().query(aQuery({ metric: 'latencyP99Ms' }))).rejects.toThrow(
      'metric must be one of metrics.queries: errorRate (got "latencyP99Ms")',
    );
  });

  it('signs requests with SigV4 for Amazon Managed Prometheus (service aps), under the workspace path', async () => {
    // Prepare
    prometheus.answers.set(FILLED, vector('0'));
    const amp = provider({
      url: `${prometheus.url}/workspaces/ws-1234/`,
      sigv4: { region: 'eu-west-1' },
      credentials: AMP_CREDENTIALS,
    });
    // Act
    const value = await amp.query(aQuery());
    // Assess
    expect(value).toBe(0);
    const { path, headers } = prometheus.requests[0]!;
    expect(path).toBe('/workspaces/ws-1234/api/v1/query');
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/aps\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-security-token']).toBe('token');
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });
});

/**
 * A local HTTP server answering every request alike (by default an empty vector), keeping each request's raw
 * target: a server that is not the Prometheus API (a reverse proxy, a web server) when told to answer otherwise.
 */
async function startRawRecordingServer(
  answer = { status: 200, contentType: 'application/json', body: JSON.stringify(vector().body) },
) {
  const targets: string[] = [];
  const server = createServer((req, res) => {
    targets.push(req.url ?? '');
    res.writeHead(answer.status, { 'content-type': answer.contentType });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('PrometheusMetricProvider query string with SigV4', () => {
  let server: Awaited<ReturnType<typeof startRawRecordingServer>>;

  beforeAll(async () => {
    server = await startRawRecordingServer();
  });
  afterAll(() => server.close());

  it('sends the query in the SigV4 canonical encoding it signed: spaces as %20, a literal + as %2B', async () => {
    // Prepare
    const amp = new PrometheusMetricProvider({
      url: `${server.url}/workspaces/ws-1234`,
      queries: { ratio: 'sum(rate(x[1m])) / sum(rate(y[1m]))', total: 'sum(x) + sum(y)' },
      sigv4: { region: 'eu-west-1' },
      credentials: AMP_CREDENTIALS,
    });
    // Act
    await amp.query(aQuery({ metric: 'ratio' }));
    await amp.query(aQuery({ metric: 'total' }));
    // Assess
    const [ratio, total] = server.targets.map((target) => target.slice(target.indexOf('?') + 1));
    expect(ratio).toBe('query=sum%28rate%28x%5B1m%5D%29%29%20%2F%20sum%28rate%28y%5B1m%5D%29%29');
    expect(ratio).not.toContain('+');
    expect(total).toBe('query=sum%28x%29%20%2B%20sum%28y%29');
  });
});

/** The 404 page a web server in front of Prometheus answers for a path it does not have. */
const NOT_FOUND_PAGE = `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>404 Not Found</title>
</head><body>
<h1>Not Found</h1>
<p>The requested URL was not found on this server.</p>
<hr>
<address>Apache/2.4.58 (Unix) Server at 127.0.0.1 Port 45201</address>
</body></html>
`;

describe('PrometheusMetricProvider answers that are not the Prometheus API', () => {
  const query = (url: string) =>
    new PrometheusMetricProvider({ url, queries: { errorRate: ERROR_RATE }, timeoutMs: 2000 })
      .query(aQuery())
      .catch((e: unknown) => e);

  it('refuses a 404 HTML page in one line: the URL it requested and a trimmed excerpt of the page', async () => {
    // Prepare
    const server = await startRawRecordingServer({
      status: 404,
      contentType: 'text/html',
      body: NOT_FOUND_PAGE,
    });
    try {
      // Act
      const error = await query(`${server.url}/api/v1/query`);
      // Assess
      expect(error).toBeInstanceOf(MetricQueryError);
      expect((error as Error).message).toBe(
        `prometheus refused the errorRate query "${FILLED}": HTTP 404 from ${server.url}/api/v1/query/api/v1/query: ` +
          '404 Not Found Not Found The requested URL was not found on this server. Apache/2.4.58 (Unix) Server at 127.0.0.1 Port 45201',
      );
    } finally {
      await server.close();
    }
  });

  it('cuts a long error page to one line of about 200 characters, a 5xx one still worth retrying', async () => {
    // Prepare
    const page = `<html><head><style>body { color: red }</style><script>var x = "<b>";</script></head><body>\n${'<p>Bad gateway:\n\t upstream   failed</p>\n'.repeat(100)}</body></html>`;
    const server = await startRawRecordingServer({ status: 502, contentType: 'text/html', body: page });
    try {
      // Act
      const error = await query(server.url);
      // Assess
      expect(error).toBeInstanceOf(TransientAdapterError);
      const message = (error as Error).message;
      const excerpt = message.slice(message.indexOf(`${server.url}/api/v1/query: `) + server.url.length + 15);
      expect(message).toContain(
        `prometheus query failed, retry later: HTTP 502 from ${server.url}/api/v1/query: `,
      );
      expect(message).not.toMatch(/[\n\t<>]|color|var x/);
      expect(excerpt).toMatch(/^Bad gateway: upstream failed Bad gateway: upstream failed .*\.\.\.$/);
      expect(excerpt.length).toBeLessThanOrEqual(203);
    } finally {
      await server.close();
    }
  });
});

describe('PrometheusMetricProvider unreachable', () => {
  const query = (url: string) =>
    new PrometheusMetricProvider({ url, queries: { errorRate: ERROR_RATE }, timeoutMs: 2000 })
      .query(aQuery())
      .catch((e: unknown) => e);

  it('says a closed port refused the connection (ECONNREFUSED)', async () => {
    // Prepare: a port just freed, so nothing listens on it
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    // Act
    const error = await query(`http://127.0.0.1:${port}`);
    // Assess
    expect(error).toBeInstanceOf(TransientAdapterError);
    expect((error as Error).message).toBe(`prometheus 127.0.0.1:${port}: fetch failed (ECONNREFUSED)`);
  });

  it('says a connection dropped before an answer was closed by the other side', async () => {
    // Prepare: a server closing each connection once the request arrives
    const dropping = createTcpServer((socket) => socket.on('data', () => socket.destroy()));
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    const { port } = dropping.address() as AddressInfo;
    try {
      // Act
      const error = await query(`http://127.0.0.1:${port}`);
      // Assess
      expect(error).toBeInstanceOf(TransientAdapterError);
      expect((error as Error).message).toBe(
        `prometheus 127.0.0.1:${port}: fetch failed (UND_ERR_SOCKET: other side closed)`,
      );
    } finally {
      await new Promise<void>((resolve) => dropping.close(() => resolve()));
    }
  });
});

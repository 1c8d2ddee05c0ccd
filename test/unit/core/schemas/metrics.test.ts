import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { parseWith, validateRequest } from '#core/schemas/index.ts';
import { placeholdersIn, prometheusBaseUrl, replacePlaceholders } from '#core/schemas/metrics.ts';
import { blueGreenInput, canaryInput, rollingInput } from '#test/builders/release-request.ts';
import { validationMessageOf } from '#test/support/validation.ts';

const REQUEST_COUNT = 'sum(increase(http_requests_total{app="{{service}}",track="{{track}}"}[{{window}}]))';
const ERROR_RATE =
  'sum(rate(http_requests_total{app="{{service}}",track="{{track}}",code=~"5.."}[{{window}}])) / sum(rate(http_requests_total{app="{{service}}",track="{{track}}"}[{{window}}]))';
const LATENCY_P99 =
  'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_ms_bucket{app="{{service}}",track="{{track}}"}[{{window}}])))';

const prometheus = (queries: Record<string, string>, url = 'http://127.0.0.1:18502') => ({
  metrics: { type: 'prometheus', url, queries },
});

const ALLOWED = '(allowed: requestCount, errorRate, latencyP99Ms)';

describe('validateRequest (prometheus metrics url)', () => {
  it('refuses a url that is not http(s), naming the field and the allowed schemes', () => {
    // Prepare
    const input = canaryInput(undefined, {
      ...prometheus({ requestCount: REQUEST_COUNT, errorRate: ERROR_RATE }, 'ftp://127.0.0.1:18502'),
    });
    // Act
    const message = validationMessageOf(() => validateRequest('canary', input));
    // Assess
    expect(message).toContain(
      'metrics.url: must be an http:// or https:// URL (got "ftp://127.0.0.1:18502")',
    );
  });

  it('refuses a url that is no URL, or holds credentials', () => {
    // Prepare
    const queries = { requestCount: REQUEST_COUNT, errorRate: ERROR_RATE };
    // Act
    const notAUrl = validationMessageOf(() =>
      validateRequest('canary', canaryInput(undefined, prometheus(queries, 'prometheus:9090'))),
    );
    const credentials = validationMessageOf(() =>
      validateRequest('canary', canaryInput(undefined, prometheus(queries, 'https://u:p@prom.internal'))),
    );
    // Assess
    expect(notAUrl).toContain('metrics.url: must be an http:// or https:// URL (got "prometheus:9090")');
    expect(credentials).toContain('metrics.url: must not hold credentials (user:password@)');
  });

  it('refuses the URL of a query, so plan refuses it before traffic moves', () => {
    // Prepare
    const queries = { requestCount: REQUEST_COUNT, errorRate: ERROR_RATE };
    const input = canaryInput(undefined, prometheus(queries, 'http://127.0.0.1:45201/api/v1/query'));
    // Act
    const message = validationMessageOf(() => validateRequest('canary', input));
    // Assess
    expect(message).toContain(
      'metrics.url: must be the server\'s base URL, without /api/v1/query (got "http://127.0.0.1:45201/api/v1/query"): Cutover adds the API path, so give "http://127.0.0.1:45201"',
    );
  });

  it('takes http and https urls, with a port and a path', () => {
    // Prepare
    const queries = { requestCount: REQUEST_COUNT, errorRate: ERROR_RATE };
    const urls = [
      'http://127.0.0.1:18502',
      'http://prometheus.monitoring:9090/',
      'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1234',
    ];
    // Act + Assess
    for (const url of urls) {
      expect(validateRequest('canary', canaryInput(undefined, prometheus(queries, url))).metrics).toEqual({
        type: 'prometheus',
        url,
        queries,
      });
    }
  });
});

describe('prometheusBaseUrl (a Prometheus metrics.url as admitted)', () => {
  const schema = z.strictObject({ metrics: z.strictObject({ url: prometheusBaseUrl() }) });
  const parse = (url: string) => parseWith(schema, { metrics: { url } }, 'request');

  it('refuses a url ending in the API path Cutover adds, naming the field and the base URL to give', () => {
    // Act
    const query = validationMessageOf(() => parse('http://127.0.0.1:45201/api/v1/query'));
    const slash = validationMessageOf(() => parse('http://127.0.0.1:45201/api/v1/query/'));
    const range = validationMessageOf(() => parse('https://prom.internal/prometheus/api/v1/query_range?x=1'));
    // Assess
    expect(query).toContain(
      'metrics.url: must be the server\'s base URL, without /api/v1/query (got "http://127.0.0.1:45201/api/v1/query"): Cutover adds the API path, so give "http://127.0.0.1:45201"',
    );
    expect(slash).toContain(
      'metrics.url: must be the server\'s base URL, without /api/v1/query (got "http://127.0.0.1:45201/api/v1/query/"): Cutover adds the API path, so give "http://127.0.0.1:45201"',
    );
    expect(range).toContain(
      'metrics.url: must be the server\'s base URL, without /api/v1/query_range (got "https://prom.internal/prometheus/api/v1/query_range?x=1"): Cutover adds the API path, so give "https://prom.internal/prometheus"',
    );
  });

  it('takes base URLs, with or without a path (a path prefix, an AMP workspace)', () => {
    // Prepare
    const urls = [
      'http://127.0.0.1:45201',
      'http://prometheus.monitoring:9090/',
      'http://gateway.internal/prometheus',
      'http://gateway.internal/prometheus/',
      'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-123',
    ];
    // Act + Assess
    for (const url of urls) expect(parse(url)).toEqual({ metrics: { url } });
  });

  it('still refuses what any admitted http url refuses, without repeating the credentials', () => {
    // Act
    const scheme = validationMessageOf(() => parse('ftp://127.0.0.1:45201'));
    const credentials = validationMessageOf(() => parse('https://u:p@prom.internal/api/v1/query'));
    // Assess
    expect(scheme).toContain('metrics.url: must be an http:// or https:// URL (got "ftp://127.0.0.1:45201")');
    expect(credentials).toContain('metrics.url: must not hold credentials (user:password@)');
    expect(credentials).toContain('(got "https://prom.internal/api/v1/query")');
    expect(credentials).not.toContain('u:p@');
  });
});

describe('validateRequest (metric queries)', () => {
  it('refuses a misspelled query name, and the query the analysis reads that is missing', () => {
    // Prepare
    const input = canaryInput(undefined, prometheus({ requestCount: REQUEST_COUNT, errRate: ERROR_RATE }));
    // Act
    const message = validationMessageOf(() => validateRequest('canary', input));
    // Assess
    expect(message).toContain(`metrics.queries: unknown field errRate ${ALLOWED}`);
    expect(message).toContain(
      'metrics.queries.errorRate: is required: canary.analysis reads errorRate (metrics.queries takes requestCount, errorRate, latencyP99Ms)',
    );
    expect(message).not.toContain('metrics.queries.requestCount');
  });

  it('refuses queries without requestCount', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest('canary', canaryInput(undefined, prometheus({ errorRate: ERROR_RATE }))),
    );
    // Assess
    expect(message).toContain(
      'metrics.queries.requestCount: is required: canary.analysis reads requestCount',
    );
  });

  it('requires latencyP99Ms when an analysis judges latency, naming the threshold', () => {
    // Prepare
    const queries = { requestCount: REQUEST_COUNT, errorRate: ERROR_RATE };
    const latency = { maxLatencyP99Ms: 500 };
    // Act
    const canary = validationMessageOf(() =>
      validateRequest(
        'canary',
        canaryInput({ steps: [{ weight: 10 }], analysis: latency }, prometheus(queries)),
      ),
    );
    const blueGreen = validationMessageOf(() =>
      validateRequest(
        'blue-green',
        blueGreenInput({ preview: {}, postSwitch: { analysis: latency } }, prometheus(queries)),
      ),
    );
    const rolling = validationMessageOf(() =>
      validateRequest('rolling', rollingInput({ analysis: latency }, prometheus(queries))),
    );
    // Assess
    expect(canary).toContain(
      'metrics.queries.latencyP99Ms: is required: canary.analysis.maxLatencyP99Ms is set, so the analysis reads latencyP99Ms',
    );
    expect(blueGreen).toContain(
      'metrics.queries.latencyP99Ms: is required: blueGreen.postSwitch.analysis.maxLatencyP99Ms is set',
    );
    expect(blueGreen).not.toContain('preview');
    expect(rolling).toContain(
      'metrics.queries.latencyP99Ms: is required: rolling.analysis.maxLatencyP99Ms is set',
    );
  });

  it('takes the queries every analysis of the request reads', () => {
    // Prepare
    const queries = { requestCount: REQUEST_COUNT, errorRate: ERROR_RATE, latencyP99Ms: LATENCY_P99 };
    const analysis = { maxLatencyP99Ms: 500 };
    // Act + Assess
    expect(() =>
      validateRequest('canary', canaryInput({ steps: [{ weight: 10 }], analysis }, prometheus(queries))),
    ).not.toThrow();
    expect(() =>
      validateRequest('blue-green', blueGreenInput({ postSwitch: { analysis } }, prometheus(queries))),
    ).not.toThrow();
    expect(() => validateRequest('rolling', rollingInput({ analysis }, prometheus(queries)))).not.toThrow();
    // latencyP99Ms without a latency limit is not read, and allowed.
    expect(() => validateRequest('canary', canaryInput(undefined, prometheus(queries)))).not.toThrow();
  });

  it('requires nothing of a request that runs no analysis, and still refuses unknown names', () => {
    // Act + Assess
    expect(() => validateRequest('blue-green', blueGreenInput({}, prometheus({})))).not.toThrow();
    expect(() => validateRequest('rolling', rollingInput({}, prometheus({})))).not.toThrow();
    expect(() =>
      validateRequest('canary', canaryInput({ preset: 'AllAtOnce' }, prometheus({}))),
    ).not.toThrow();
    expect(
      validationMessageOf(() =>
        validateRequest('rolling', rollingInput({}, prometheus({ cpu: 'sum(cpu)' }))),
      ),
    ).toContain(`metrics.queries: unknown field cpu ${ALLOWED}`);
  });

  it('refuses an unknown CloudWatch query name; the built-in queries cover the rest', () => {
    // Prepare
    const cloudwatch = (queries: Record<string, string>) => ({
      metrics: {
        type: 'cloudwatch',
        loadBalancer: 'app/prod/50dc6c495c0c9188',
        targetGroups: { canary: 'targetgroup/checkout-canary/73e2d6bc24d8a067' },
        queries,
      },
    });
    const latency = { steps: [{ weight: 10 }], analysis: { maxLatencyP99Ms: 500 } };
    // Act
    const message = validationMessageOf(() =>
      validateRequest('canary', canaryInput(latency, cloudwatch({ errRate: 'FILL(errors, 0) / requests' }))),
    );
    // Assess
    expect(message).toContain(`metrics.queries: unknown field errRate ${ALLOWED}`);
    expect(message).not.toContain('is required');
    expect(() =>
      validateRequest(
        'canary',
        canaryInput(latency, cloudwatch({ errorRate: 'FILL(errors, 0) / requests' })),
      ),
    ).not.toThrow();
  });
});

describe('validateRequest (metric query placeholders)', () => {
  const misspelled = ERROR_RATE.replace('app="{{service}}"', 'app="{{servce}}"');

  it('refuses a misspelled Prometheus placeholder, naming the query, the placeholder and those filled in', () => {
    // Prepare
    const input = canaryInput(undefined, prometheus({ requestCount: REQUEST_COUNT, errorRate: misspelled }));
    // Act
    const message = validationMessageOf(() => validateRequest('canary', input));
    // Assess
    expect(message).toContain(
      'metrics.queries.errorRate: unknown placeholder {{servce}} (allowed: {{service}}, {{namespace}}, {{track}}, {{window}})',
    );
  });

  it('refuses a placeholder only another provider fills, in every strategy', () => {
    // Prepare
    const queries = {
      requestCount: REQUEST_COUNT.replace('{{window}}', '{{period}}s'),
      errorRate: ERROR_RATE,
    };
    const refused = 'metrics.queries.requestCount: unknown placeholder {{period}}';
    // Act + Assess
    expect(
      validationMessageOf(() => validateRequest('canary', canaryInput(undefined, prometheus(queries)))),
    ).toContain(refused);
    expect(
      validationMessageOf(() =>
        validateRequest('blue-green', blueGreenInput({ preview: {} }, prometheus(queries))),
      ),
    ).toContain(refused);
    expect(
      validationMessageOf(() => validateRequest('rolling', rollingInput({}, prometheus(queries)))),
    ).toContain(refused);
  });

  it('takes the placeholders CloudWatch fills in its own queries, and refuses {{window}} there', () => {
    // Prepare
    const cloudwatch = (errorRate: string) => ({
      metrics: {
        type: 'cloudwatch',
        loadBalancer: 'app/prod/50dc6c495c0c9188',
        targetGroups: { canary: 'targetgroup/checkout-canary/73e2d6bc24d8a067' },
        queries: { errorRate },
      },
    });
    const filled =
      "SELECT SUM(Errors) FROM \"Shop/{{service}}\" WHERE Namespace = '{{ namespace }}' AND Track = '{{track}}' AND LoadBalancer = '{{loadBalancer}}' AND TargetGroup = '{{targetGroup}}' AND Period = {{period}}";
    // Act
    const message = validationMessageOf(() =>
      validateRequest(
        'canary',
        canaryInput(undefined, cloudwatch('FILL(errors, 0) / requests * {{window}}')),
      ),
    );
    // Assess
    expect(() => validateRequest('canary', canaryInput(undefined, cloudwatch(filled)))).not.toThrow();
    expect(message).toContain(
      'metrics.queries.errorRate: unknown placeholder {{window}} (allowed: {{service}}, {{namespace}}, {{track}}, {{loadBalancer}}, {{targetGroup}}, {{period}})',
    );
  });
});

describe('validateRequest (cloudwatch-alarms)', () => {
  const alarms = (count: number) => ({
    metrics: {
      type: 'cloudwatch-alarms',
      alarmNames: Array.from({ length: count }, (_, i) => `checkout-${i}`),
    },
  });

  it('refuses more than the 100 alarm names DescribeAlarms takes, and takes 100', () => {
    // Act
    const message = validationMessageOf(() => validateRequest('canary', canaryInput(undefined, alarms(101))));
    // Assess
    expect(message).toContain(
      'metrics.alarmNames: must name at most 100 alarms, as many as cloudwatch:DescribeAlarms takes',
    );
    expect(() => validateRequest('canary', canaryInput(undefined, alarms(100)))).not.toThrow();
  });
});

describe('query placeholders', () => {
  const query = 'sum(rate(x{app="{{ service }}",track="{{track}}"}[{{window}}])) / {{track}}';

  it('names the placeholders of a query in order, spaces in the braces allowed, alike on every call', () => {
    // Act
    const names = [placeholdersIn(query), placeholdersIn(query), placeholdersIn('{{track}}')];
    // Assess
    expect(names).toEqual([
      ['service', 'track', 'window', 'track'],
      ['service', 'track', 'window', 'track'],
      ['track'],
    ]);
  });

  it('replaces each placeholder by its name, and can keep one as written', () => {
    // Act
    const filled = replacePlaceholders(query, (name, whole) =>
      name === 'window' ? whole : name.toUpperCase(),
    );
    // Assess
    expect(filled).toBe('sum(rate(x{app="SERVICE",track="TRACK"}[{{window}}])) / TRACK');
  });
});

import { describe, expect, it } from 'vitest';
import { CANARY_PRESETS } from '#core/schemas/canary.ts';
import { readAdmittedRequest, validateRequest } from '#core/schemas/index.ts';
import { blueGreenInput, canaryInput, rollingInput } from '#test/builders/release-request.ts';
import { validationMessageOf } from '#test/support/validation.ts';

const QUERIES = {
  requestCount: 'sum(increase(http_requests_total{app="{{service}}",track="{{track}}"}[{{window}}]))',
  errorRate: 'sum(rate(http_requests_total{app="{{service}}",track="{{track}}",code=~"5.."}[{{window}}]))',
};

/**
 * What earlier versions admitted and the current admission refuses: a query name no analysis reads
 * (and none for the latency an analysis judges), a metrics URL holding credentials, an image that is no
 * image reference, a hook URL without `//`, an analysis's `maxErrorRate: 1` (and, on a rolling request,
 * `scaleDownDelaySeconds`).
 */
const admittedBefore = {
  metrics: {
    type: 'prometheus',
    url: 'http://user:pass@prometheus.monitoring:9090',
    queries: { ...QUERIES, latencyP95Ms: 'histogram_quantile(0.95, sum by (le) (rate(x[{{window}}])))' },
  },
  hooks: { beforeTraffic: [{ name: 'smoke', url: 'http:/hooks.internal/smoke' }] },
};
const onEks = { cluster: { type: 'eks', name: 'prod', region: 'eu-west-1', readinessPath: '/ready' } };
const release = { version: 'v2', image: 'Registry.Example/Checkout:V2 latest', replicas: 2 };
const canary = canaryInput(
  { steps: [{ weight: 10 }], analysis: { maxLatencyP99Ms: 500, maxErrorRate: 1 } },
  admittedBefore,
);
const canaryOnEks = { ...canary, ...onEks, release };

/** Every line validateRequest gives for {@link canaryOnEks}, in its order. */
const ADMISSION_MESSAGE = [
  'invalid canary request:',
  '  - release.image: must be an image reference [registry[:port]/]path[:tag][@sha256:<64 hex digits>]: ' +
    "path components of lowercase letters and digits, separated by '/' and joined by '.', '_', '__' or '-'; " +
    "a tag of letters, digits, '_', '.' and '-', 1-128 characters, not starting with '.' or '-'; no spaces " +
    '(e.g. registry.example/checkout:2.0.0) (got "Registry.Example/Checkout:V2 latest")',
  "  - metrics.url: must not hold credentials (user:password@): it is recorded in the execution's history",
  '  - metrics.queries: unknown field latencyP95Ms (allowed: requestCount, errorRate, latencyP99Ms): did you mean latencyP99Ms?',
  '  - hooks.beforeTraffic[0].url: must be an http:// or https:// URL (got "http:/hooks.internal/smoke")',
  "  - cluster.readinessPath: needs cluster.containerPort: the readiness probe is an HTTP GET on the container's " +
    'port http, which containerPort declares (or give false for no probe)',
  '  - canary.analysis.maxErrorRate: must be below 1: at 1, a version failing every request would pass',
  '  - metrics.queries.latencyP99Ms: is required: canary.analysis.maxLatencyP99Ms is set, so the analysis ' +
    'reads latencyP99Ms (metrics.queries takes requestCount, errorRate, latencyP99Ms)',
].join('\n');

describe('readAdmittedRequest', () => {
  it('reads a request an earlier version admitted, which the current admission refuses, as it was given', () => {
    // Act
    const request = readAdmittedRequest('canary', canaryOnEks);
    // Assess
    expect(request.release.image).toBe('Registry.Example/Checkout:V2 latest');
    expect(request.metrics).toEqual(admittedBefore.metrics);
    expect(request.hooks?.beforeTraffic?.[0]).toEqual({
      name: 'smoke',
      url: 'http:/hooks.internal/smoke',
      timeoutSeconds: 60,
    });
    expect(request.canary.steps).toEqual([{ weight: 10, bakeSeconds: 60 }]);
    expect(request.canary.analysis.maxErrorRate).toBe(1);
    expect(request.cluster).toMatchObject({ type: 'eks', readinessPath: '/ready' });
  });

  it('reads such requests of every strategy, with their defaults', () => {
    // Act
    const blueGreen = readAdmittedRequest('blue-green', blueGreenInput({ preview: {} }, admittedBefore));
    const rolling = readAdmittedRequest(
      'rolling',
      rollingInput({ analysis: { maxLatencyP99Ms: 500 } }, { ...admittedBefore, scaleDownDelaySeconds: 30 }),
    );
    // Assess
    expect(blueGreen.metrics).toEqual(admittedBefore.metrics);
    expect(rolling.metrics).toEqual(admittedBefore.metrics);
    expect(rolling.rolling.analysis).toMatchObject({ maxLatencyP99Ms: 500, minRequests: 50 });
    expect(rolling.scaleDownDelaySeconds).toBe(30);
  });

  it('reads a request validateRequest admitted as validateRequest returned it', () => {
    // Prepare
    const admitted = validateRequest('canary', canaryInput({ preset: 'Canary10Percent5Minutes' }));
    // Act + Assess
    expect(readAdmittedRequest('canary', admitted)).toEqual(admitted);
  });

  it("reads every canary preset and step source validateRequest admitted, AllAtOnce's no steps too", () => {
    // Prepare
    const sources = [
      ...CANARY_PRESETS.map((preset) => ({ preset })),
      { stepWeight: 20, maxWeight: 60 },
      { steps: [{ weight: 10 }] },
    ];
    const admitted = sources.map((source) => validateRequest('canary', canaryInput(source)));
    // Act
    const read = admitted.map((request) => readAdmittedRequest('canary', request));
    // Assess
    expect(read).toEqual(admitted);
    expect(read[0]!.canary.steps).toEqual([]);
  });

  it('refuses what no version admitted, in the words of validateRequest', () => {
    // Prepare
    const input = canaryInput({ steps: [{ weight: 150 }] }, { bogus: true });
    // Act
    const read = validationMessageOf(() => readAdmittedRequest('canary', input));
    // Assess
    expect(read).toBe(validationMessageOf(() => validateRequest('canary', input)));
    expect(read).toContain('canary.steps[0].weight: must be an integer 1-100 (got 150)');
    expect(read).toContain('(request): unknown field bogus');
    expect(validationMessageOf(() => readAdmittedRequest('linear', canary))).toBe(
      'strategy: must be one of: canary, blue-green, rolling (got "linear")',
    );
  });
});

describe('validateRequest (admission of the same request)', () => {
  it('refuses what readAdmittedRequest reads, naming every field in the same words and order', () => {
    // Act
    const message = validationMessageOf(() => validateRequest('canary', canaryOnEks));
    // Assess
    expect(message).toBe(ADMISSION_MESSAGE);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricProvider } from '#core/ports/metric-provider.ts';
import type { ServiceRef } from '#core/types.ts';

/** Traffic to put behind a track before querying. */
export interface SeedTraffic {
  readonly requests: number;
  /** Fraction of requests answered with a 5xx. */
  readonly errorRate: number;
  /** Latency the app adds to every request, in ms. */
  readonly latencyMs: number;
}

/** What a provider's test file supplies to {@link describeMetricProviderContract}. */
export interface MetricProviderContractFixture {
  create(): Promise<MetricProvider>;
  dispose(provider: MetricProvider): Promise<void>;
  /** A service of its own, with no traffic yet. */
  prepareService(): Promise<ServiceRef>;
  /** Makes the provider see this traffic on the track (real requests, or the backend's recorded data). */
  seed(service: ServiceRef, track: string, traffic: SeedTraffic): Promise<void>;
  /** Extra `config` for every query (e.g. target groups per track). */
  readonly queryConfig?: Readonly<Record<string, unknown>>;
}

/**
 * The behaviour every `MetricProvider` shares for the built-in metrics: `requestCount`, `errorRate`,
 * `latencyP50Ms`/`P95Ms`/`P99Ms`; no data is `undefined` (a request count of 0), never a rate of 0.
 *
 * @example
 * describeMetricProviderContract('local', { create, dispose, prepareService, seed });
 */
export function describeMetricProviderContract(name: string, fixture: MetricProviderContractFixture): void {
  describe(`MetricProvider contract: ${name}`, () => {
    let provider: MetricProvider;
    const query = (service: ServiceRef, track: string, metric: string) =>
      provider.query({ service, track, metric, windowSeconds: 60, config: fixture.queryConfig });

    beforeAll(async () => {
      provider = await fixture.create();
    });
    afterAll(async () => {
      await fixture.dispose(provider);
    });

    it('answers "no data" for rates and latencies of a track without traffic', async () => {
      // Prepare
      const service = await fixture.prepareService();
      // Act
      const values = await Promise.all(
        ['errorRate', 'latencyP50Ms', 'latencyP99Ms'].map((metric) => query(service, 'canary', metric)),
      );
      const requests = await query(service, 'canary', 'requestCount');
      // Assess
      expect(values).toEqual([undefined, undefined, undefined]);
      expect(requests).toBe(0);
    });

    it('counts requests and the fraction answered with 5xx', async () => {
      // Prepare
      const service = await fixture.prepareService();
      await fixture.seed(service, 'canary', { requests: 200, errorRate: 0.25, latencyMs: 0 });
      // Act
      const requests = await query(service, 'canary', 'requestCount');
      const errorRate = await query(service, 'canary', 'errorRate');
      // Assess
      expect(requests).toBe(200);
      expect(errorRate).toBeCloseTo(0.25, 6);
    });

    it('reports latency percentiles at least the latency the app adds, in order', async () => {
      // Prepare
      const service = await fixture.prepareService();
      await fixture.seed(service, 'canary', { requests: 100, errorRate: 0, latencyMs: 20 });
      // Act
      const [p50, p95, p99] = (await Promise.all(
        ['latencyP50Ms', 'latencyP95Ms', 'latencyP99Ms'].map((metric) => query(service, 'canary', metric)),
      )) as number[];
      // Assess (a timer may fire up to 1 ms early against another process's clock)
      expect(p50).toBeGreaterThanOrEqual(19);
      expect(p95).toBeGreaterThanOrEqual(p50!);
      expect(p99).toBeGreaterThanOrEqual(p95!);
    });

    it('keeps the tracks apart', async () => {
      // Prepare
      const service = await fixture.prepareService();
      await fixture.seed(service, 'canary', { requests: 50, errorRate: 1, latencyMs: 0 });
      // Act
      const stableErrors = await query(service, 'stable', 'errorRate');
      const canaryErrors = await query(service, 'canary', 'errorRate');
      // Assess
      expect(stableErrors).toBeUndefined();
      expect(canaryErrors).toBe(1);
    });

    it('refuses an unknown metric, naming the field', async () => {
      // Prepare
      const service = await fixture.prepareService();
      // Act
      const querying = query(service, 'canary', 'no-such-metric');
      // Assess
      await expect(querying).rejects.toThrow(/metric/);
    });
  });
}

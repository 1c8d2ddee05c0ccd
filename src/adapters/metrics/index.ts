import type { MetricProvider } from '#core/ports/metric-provider.ts';
import type { MetricsConfig } from '#core/schemas/metrics.ts';
import { AdapterRegistry } from '../registry.ts';
import { PRODUCTION_METRIC_PROVIDERS } from './production.ts';

/** The `metrics` adapter family: one factory per `metrics.type` of the request. */
export const metricProviders = new AdapterRegistry<MetricsConfig, MetricProvider>('metrics');

/**
 * Builds the MetricProvider for a request's `metrics` field. Throws `UnknownAdapterTypeError` naming the
 * registered types when none is registered for `config.type`.
 *
 * @example
 * const adapter = createMetricProvider(request.metrics);
 */
export function createMetricProvider(config: MetricsConfig): MetricProvider {
  return metricProviders.create(config);
}

for (const [type, factory] of Object.entries(PRODUCTION_METRIC_PROVIDERS)) {
  metricProviders.register(type, factory as (config: MetricsConfig) => MetricProvider);
}

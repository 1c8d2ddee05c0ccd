import type { MetricProvider } from '#core/ports/metric-provider.ts';
import type { MetricsConfig } from '#core/schemas/metrics.ts';
import { clientOnFirstSend } from '../aws-clients.ts';
import { CloudWatchMetricProvider } from './cloudwatch.ts';
import { CloudWatchAlarmsMetricProvider } from './cloudwatch-alarms.ts';
import { PrometheusMetricProvider } from './prometheus.ts';

type Config<T extends MetricsConfig['type']> = Extract<MetricsConfig, { type: T }>;

const cloudWatchClient = (region: string | undefined) =>
  clientOnFirstSend(
    async () => new (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient({ region }),
  );

/**
 * Factories of the production metric providers by `metrics.type`, registered in `./index.ts`.
 *
 * @example
 * const metrics = PRODUCTION_METRIC_PROVIDERS.prometheus({ type: 'prometheus', url: 'http://prometheus:9090', queries });
 */
export const PRODUCTION_METRIC_PROVIDERS: {
  readonly [T in Exclude<MetricsConfig['type'], 'local'>]: (config: Config<T>) => MetricProvider;
} = {
  cloudwatch: (config) => new CloudWatchMetricProvider(cloudWatchClient(config.region), config),
  'cloudwatch-alarms': (config) =>
    new CloudWatchAlarmsMetricProvider(cloudWatchClient(config.region), config),
  prometheus: (config) => new PrometheusMetricProvider(config),
};

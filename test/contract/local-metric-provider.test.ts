import type { ServiceRef } from '#core/types.ts';
import { type LocalAdaptersHandle, registerLocalAdapters } from '#local/adapters/register.ts';
import { startTraffic } from '#local/adapters/traffic-generator.ts';
import { anAppRelease, aTempDataDir, pollStatus } from '#test/support/local-app.ts';
import { describeMetricProviderContract } from './metric-provider.contract.ts';

const temp = aTempDataDir();
let local: LocalAdaptersHandle;
let services = 0;

describeMetricProviderContract('local', {
  create: async () => {
    local = registerLocalAdapters({ dataDir: temp.dataDir, cluster: { probeIntervalMs: 50 } });
    return local.adapters.metrics;
  },
  dispose: async () => {
    await local.close();
    temp.remove();
  },
  prepareService: async () => {
    services += 1;
    return { name: `measured-${services}`, namespace: 'contract' };
  },
  // Real requests through the service's proxy to one replica of the example app.
  seed: async (service: ServiceRef, track, traffic) => {
    const { cluster, router } = local.adapters;
    const env = { ERROR_RATE: String(traffic.errorRate), LATENCY_MS: String(traffic.latencyMs) };
    await cluster.apply(service, track, anAppRelease('v1', 1, env));
    await pollStatus(cluster, service, track);
    await router.setWeights(service, { [track]: 100 });
    await startTraffic({ url: await router.url(service), ratePerSecond: 2_000, total: traffic.requests })
      .done;
  },
});

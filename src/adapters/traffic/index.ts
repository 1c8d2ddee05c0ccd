import type { TrafficRouter } from '#core/ports/traffic-router.ts';
import type { TrafficConfig } from '#core/schemas/traffic.ts';
import { AdapterRegistry } from '../registry.ts';
import { PRODUCTION_TRAFFIC_ROUTERS } from './production.ts';

/** The `traffic` adapter family: one factory per `traffic.type` of the request. */
export const trafficRouters = new AdapterRegistry<TrafficConfig, TrafficRouter>('traffic');

/**
 * Builds the TrafficRouter for a request's `traffic` field. Throws `UnknownAdapterTypeError` naming the
 * registered types when none is registered for `config.type`.
 *
 * @example
 * const adapter = createTrafficRouter(request.traffic);
 */
export function createTrafficRouter(config: TrafficConfig): TrafficRouter {
  return trafficRouters.create(config);
}

for (const [type, factory] of Object.entries(PRODUCTION_TRAFFIC_ROUTERS)) {
  trafficRouters.register(type, factory as (config: TrafficConfig) => TrafficRouter);
}

import type { TrafficRouter } from '#core/ports/traffic-router.ts';
import type { TrafficConfig } from '#core/schemas/traffic.ts';
import { AdapterRegistry } from '../registry.ts';

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

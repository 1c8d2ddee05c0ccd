import type { TrafficRouter } from '#core/ports/traffic-router.ts';
import type { ClusterConfig } from '#core/schemas/cluster.ts';
import type { TrafficConfig } from '#core/schemas/traffic.ts';
import { clientOnFirstSend } from '../aws-clients.ts';
import { kubernetesObjectsFor } from '../kubernetes/connections.ts';
import { AlbIngressTrafficRouter } from './alb-ingress.ts';
import { Elbv2TrafficRouter } from './elbv2.ts';
import { GatewayApiTrafficRouter } from './gateway-api.ts';
import { IstioTrafficRouter } from './istio.ts';
import { NginxIngressTrafficRouter } from './nginx-ingress.ts';
import { ServiceSelectorTrafficRouter } from './service-selector.ts';

type Config<T extends TrafficConfig['type']> = Extract<TrafficConfig, { type: T }> & {
  cluster?: ClusterConfig;
};

/** The routers' cluster: `traffic.cluster`, which the task functions default to the request's `cluster`. */
const objectsOf = (config: { cluster?: ClusterConfig }) =>
  kubernetesObjectsFor(config.cluster, 'traffic.cluster');

const elbv2Client = (region: string | undefined) =>
  clientOnFirstSend(
    async () =>
      new (await import('@aws-sdk/client-elastic-load-balancing-v2')).ElasticLoadBalancingV2Client({
        region,
      }),
  );

/**
 * Factories of the production traffic routers by `traffic.type`, registered in `./index.ts`.
 *
 * @example
 * const router = PRODUCTION_TRAFFIC_ROUTERS['gateway-api']({ type: 'gateway-api', httpRoute: 'checkout', cluster });
 */
export const PRODUCTION_TRAFFIC_ROUTERS: {
  readonly [T in Exclude<TrafficConfig['type'], 'local'>]: (config: Config<T>) => TrafficRouter;
} = {
  'service-selector': (config) =>
    new ServiceSelectorTrafficRouter(objectsOf(config), { service: config.service }),
  'alb-ingress': (config) =>
    new AlbIngressTrafficRouter(objectsOf(config), elbv2Client(config.region), config),
  elbv2: (config) =>
    new Elbv2TrafficRouter(
      elbv2Client(config.region),
      config.listenerArn
        ? { listenerArn: config.listenerArn, targetGroups: config.targetGroups }
        : { ruleArn: config.ruleArn!, targetGroups: config.targetGroups },
    ),
  'gateway-api': (config) => new GatewayApiTrafficRouter(objectsOf(config), { httpRoute: config.httpRoute }),
  istio: (config) =>
    new IstioTrafficRouter(objectsOf(config), { virtualService: config.virtualService, route: config.route }),
  'nginx-ingress': (config) => new NginxIngressTrafficRouter(objectsOf(config), { ingress: config.ingress }),
};

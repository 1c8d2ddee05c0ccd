import * as z from 'zod';
import type { Strategy } from '../strategies.ts';
import { eksClusterSchema, kubeconfigClusterSchema } from './cluster.ts';
import { arn, EVEN_WITH_ISSUES, integer, objectName, text } from './fields.ts';

/** The cluster holding the routing objects; the request's `cluster` when omitted. */
const routingCluster = z
  .discriminatedUnion('type', [eksClusterSchema, kubeconfigClusterSchema])
  .optional()
  .describe("the Kubernetes cluster holding the routing objects; default the request's cluster");

/** The local weighted HTTP proxy (`cutover local`). */
export const localTrafficSchema = z.strictObject({ type: z.literal('local') });

/** A Kubernetes Service whose selector points at one track: 0/100 switches only (blue-green). */
export const serviceSelectorTrafficSchema = z.strictObject({
  type: z.literal('service-selector'),
  service: objectName('checkout-route').describe('the Service whose selector is switched'),
  cluster: routingCluster,
});

/** An Ingress of the AWS Load Balancer Controller, with a weighted forward action. */
export const albIngressTrafficSchema = z.strictObject({
  type: z.literal('alb-ingress'),
  ingress: objectName('checkout-route').describe('Ingress name'),
  rootService: objectName('checkout-route')
    .optional()
    .describe('backend service name the action replaces; default the service name'),
  servicePort: z
    .union([integer(1, 65535), text()], { error: 'must be a port number 1-65535 or a port name' })
    .optional()
    .describe('port of the track Services; default 80'),
  stickiness: z
    .strictObject({ enabled: z.boolean(), durationSeconds: integer(1, 604800).optional() })
    .optional()
    .describe('target-group stickiness of the forward action'),
  region: text()
    .optional()
    .describe('AWS region of the ALB (verification reads its rules); default the Lambda region'),
  cluster: routingCluster,
});

/** An ALB listener or rule forwarding to one target group per track, through the ELBv2 API. */
export const elbv2TrafficSchema = z
  .strictObject({
    type: z.literal('elbv2'),
    listenerArn: arn('elasticloadbalancing').optional().describe("the listener's default action is weighted"),
    ruleArn: arn('elasticloadbalancing').optional().describe("the rule's forward action is weighted"),
    targetGroups: z.record(text(), arn('elasticloadbalancing')).describe('target group ARN per track'),
    region: text().optional(),
  })
  .superRefine((value, ctx) => {
    if ((value.listenerArn === undefined) === (value.ruleArn === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of listenerArn or ruleArn', path: [] });
    }
  }, EVEN_WITH_ISSUES);

/** A Gateway API HTTPRoute whose backendRefs carry the weights. */
export const gatewayApiTrafficSchema = z.strictObject({
  type: z.literal('gateway-api'),
  httpRoute: objectName('checkout-route').describe('HTTPRoute name'),
  cluster: routingCluster,
});

/** An Istio VirtualService whose route destinations carry the weights. */
export const istioTrafficSchema = z.strictObject({
  type: z.literal('istio'),
  virtualService: objectName('checkout-route').describe('VirtualService name'),
  route: text()
    .optional()
    .describe('name of the http route to weight; default the only one, else the one routing to both tracks'),
  cluster: routingCluster,
});

/** ingress-nginx canary annotations (`canary-weight`) on a twin Ingress. */
export const nginxIngressTrafficSchema = z.strictObject({
  type: z.literal('nginx-ingress'),
  ingress: objectName('checkout-route').describe('the primary Ingress name'),
  cluster: routingCluster,
});

/** How traffic is split between tracks: the request's `traffic` field. */
export const trafficConfigSchema = z.discriminatedUnion('type', [
  localTrafficSchema,
  serviceSelectorTrafficSchema,
  albIngressTrafficSchema,
  elbv2TrafficSchema,
  gatewayApiTrafficSchema,
  istioTrafficSchema,
  nginxIngressTrafficSchema,
]);

export type TrafficConfig = z.infer<typeof trafficConfigSchema>;

/** Routers whose routing objects live in a Kubernetes cluster: `traffic.cluster`, else the request's. */
const KUBERNETES_TRAFFIC_TYPES: ReadonlySet<string> = new Set(
  [
    serviceSelectorTrafficSchema,
    albIngressTrafficSchema,
    gatewayApiTrafficSchema,
    istioTrafficSchema,
    nginxIngressTrafficSchema,
  ].map((schema) => schema.shape.type.value),
);

/**
 * Adds an issue when a Kubernetes router has no Kubernetes cluster to read its routing objects from: no
 * `traffic.cluster`, and the request's `cluster` is not one (the local cluster).
 */
export function checkRoutingCluster(
  request: { cluster?: { type?: unknown }; traffic?: { type?: unknown; cluster?: unknown } },
  ctx: z.RefinementCtx,
): void {
  const { traffic, cluster } = request;
  if (!KUBERNETES_TRAFFIC_TYPES.has(String(traffic?.type)) || traffic?.cluster !== undefined) return;
  if (cluster?.type !== 'local') return;
  ctx.addIssue({
    code: 'custom',
    path: ['traffic', 'cluster'],
    message: `is required with cluster.type local: the ${String(traffic?.type)} router reads its routing objects from a Kubernetes cluster (give traffic.cluster of type eks or kubeconfig, or route with traffic.type local)`,
  });
}

/** Routers that can only send all traffic to one track. */
export const SWITCH_ONLY_TRAFFIC_TYPES: ReadonlySet<TrafficConfig['type']> = new Set(['service-selector']);

/**
 * Routers that move a release onto the new track beside a primary route that keeps its own track: they
 * serve canary releases, whose stable track keeps running under that route, only.
 */
const CANARY_ONLY_TRAFFIC_TYPES: ReadonlySet<TrafficConfig['type']> = new Set(['nginx-ingress']);

/** Every router, as the request names them. */
const TRAFFIC_TYPES = trafficConfigSchema.options.map((option) => option.shape.type.value);

/** A release of each strategy, as the refusals name it. */
const RELEASE_NAMES: Readonly<Record<Strategy, string>> = {
  canary: 'a canary',
  'blue-green': 'a blue-green release',
  rolling: 'a rolling release',
};

/**
 * The routers a strategy accepts, as the request names them: a switch-only router cannot step a canary
 * or a rolling release, and a canary-only router serves canary releases only.
 */
function routersFor(strategy: Strategy): TrafficConfig['type'][] {
  return TRAFFIC_TYPES.filter(
    (type) =>
      (strategy === 'blue-green' || !SWITCH_ONLY_TRAFFIC_TYPES.has(type)) &&
      (strategy === 'canary' || !CANARY_ONLY_TRAFFIC_TYPES.has(type)),
  );
}

/** Adds an issue when the request's router cannot split traffic by weight, which `strategy` needs. */
export function checkWeightedRouter(
  request: { traffic?: { type: string } },
  ctx: z.RefinementCtx,
  strategy: Strategy,
): void {
  const type = request.traffic?.type;
  if (type !== undefined && SWITCH_ONLY_TRAFFIC_TYPES.has(type as TrafficConfig['type'])) {
    ctx.addIssue({
      code: 'custom',
      path: ['traffic', 'type'],
      message: `${type} can only switch all traffic; ${RELEASE_NAMES[strategy]} needs a weighted router (one of: ${routersFor(strategy).join(', ')})`,
    });
  }
}

/**
 * Adds an issue when a blue-green or rolling release (`strategy`) would route through a canary-only
 * router: ingress-nginx answers 503 once the primary Ingress's Service has no endpoints, even with the
 * canary Ingress at weight 100, and these strategies scale the old track down.
 */
export function checkNotCanaryOnlyRouter(
  request: { traffic?: { type: string } },
  ctx: z.RefinementCtx,
  strategy: Exclude<Strategy, 'canary'>,
): void {
  const type = request.traffic?.type;
  if (type === undefined || !CANARY_ONLY_TRAFFIC_TYPES.has(type as TrafficConfig['type'])) return;
  ctx.addIssue({
    code: 'custom',
    path: ['traffic', 'type'],
    message:
      `${type} sends a release to the new track through a canary Ingress while the primary Ingress keeps routing ` +
      `to its own track, so it serves canary releases only; ${RELEASE_NAMES[strategy]} would scale that track down ` +
      'to nothing under the primary Ingress, where ingress-nginx answers 503 even at canary-weight 100 ' +
      `(use one of: ${routersFor(strategy).join(', ')})`,
  });
}

/** JSON Schema of {@link trafficConfigSchema}. */
export const trafficConfigJsonSchema = z.toJSONSchema(trafficConfigSchema, { io: 'input' });

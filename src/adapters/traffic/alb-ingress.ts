import { ValidationError } from '#core/errors.ts';
import type { TrafficRouter } from '#core/ports/traffic-router.ts';
import type { ServiceRef, Weights } from '#core/types.ts';
import type { KubeObject, KubernetesObjects, ObjectRef } from '../kubernetes/client.ts';
import { readRequired } from '../kubernetes/read-required.ts';
import { albForwardWeights, type Elbv2Api } from './alb-verification.ts';
import type { Elbv2RetryOptions } from './elbv2-calls.ts';
import { assertWeights, backendName, backendWeights, trackOfBackend } from './weights.ts';

/** Where the weighted action lives, from the request's `traffic` block. */
export interface AlbIngressOptions {
  /** The Ingress; default the Ingress named like the service. */
  readonly ingress?: string;
  /** The action name (the backend service name the Ingress rule uses); default the service name. */
  readonly rootService?: string;
  /** Port of the track Services. @default 80 */
  readonly servicePort?: number | string;
  readonly stickiness?: { readonly enabled: boolean; readonly durationSeconds?: number };
  readonly retry?: Elbv2RetryOptions;
}

interface ForwardAction {
  type: 'forward';
  forwardConfig: {
    targetGroups: { serviceName: string; servicePort: string; weight: number }[];
    targetGroupStickinessConfig?: { enabled: boolean; durationSeconds?: number };
  };
}

// biome-ignore lint/suspicious/noExplicitAny: Ingress rules are read as untyped JSON
type Loose = any;

/**
 * Weights through the AWS Load Balancer Controller: the Ingress annotation
 * `alb.ingress.kubernetes.io/actions.<rootService>` holds a forward action with one target group per track
 * Service (`<service>-<track>`); verification reads the ALB's rules through ELBv2, as Argo Rollouts does.
 *
 * @example
 * const router = new AlbIngressTrafficRouter(client, new ElasticLoadBalancingV2Client({}), { ingress: 'checkout' });
 * await router.setWeights(service, { stable: 90, canary: 10 });
 * await router.verifyWeights(service, { stable: 90, canary: 10 }); // true once the controller reconciled
 */
export class AlbIngressTrafficRouter implements TrafficRouter {
  readonly type = 'alb-ingress';

  constructor(
    private readonly client: KubernetesObjects,
    private readonly elbv2: Elbv2Api,
    private readonly options: AlbIngressOptions,
  ) {}

  async setWeights(service: ServiceRef, weights: Weights): Promise<void> {
    assertWeights(weights);
    await this.#weightedIngress(service);
    const action = this.#actionName(service);
    const forward: ForwardAction = {
      type: 'forward',
      forwardConfig: {
        targetGroups: Object.entries(weights).map(([track, weight]) => ({
          serviceName: backendName(service, track),
          servicePort: String(this.options.servicePort ?? 80),
          weight,
        })),
        ...(this.options.stickiness ? { targetGroupStickinessConfig: this.options.stickiness } : {}),
      },
    };
    await this.client.mergePatch(this.#ref(service), {
      metadata: { annotations: { [annotationKey(action)]: JSON.stringify(forward) } },
    });
  }

  /** Any track can be routed: the forward action names its Service; the Ingress must use the action. */
  async checkTracks(service: ServiceRef): Promise<void> {
    await this.#weightedIngress(service);
  }

  /** The Ingress, refused unless a rule sends its traffic to the weighted action. */
  async #weightedIngress(service: ServiceRef): Promise<KubeObject> {
    const ingress = await readRequired(this.client, this.#ref(service), 'traffic.ingress');
    const action = this.#actionName(service);
    if (!usesAction(ingress, action)) {
      throw new ValidationError(
        `traffic.rootService: Ingress ${ingress.metadata.name} has no rule with backend service "${action}" and port name "use-annotation"`,
      );
    }
    return ingress;
  }

  async getWeights(service: ServiceRef): Promise<Weights> {
    const ingress = await readRequired(this.client, this.#ref(service), 'traffic.ingress');
    const json = ingress.metadata.annotations?.[annotationKey(this.#actionName(service))];
    if (!json) return {};
    const targetGroups = (JSON.parse(json) as ForwardAction).forwardConfig?.targetGroups ?? [];
    return backendWeights(targetGroups.map((tg) => [trackOfBackend(service, tg.serviceName), tg.weight]));
  }

  /** True when a rule of the ALB behind the Ingress forwards to the track target groups with these weights. */
  async verifyWeights(service: ServiceRef, weights: Weights): Promise<boolean> {
    const ingress = await readRequired(this.client, this.#ref(service), 'traffic.ingress');
    const hostname = (ingress.status as Loose)?.loadBalancer?.ingress?.[0]?.hostname as string | undefined;
    if (!hostname) return false;
    const prefix = `${service.namespace}/${ingress.metadata.name}-`;
    const trackOfTag = (tag: string) =>
      tag.startsWith(prefix)
        ? trackOfBackend(service, tag.slice(prefix.length).replace(/:[^:]*$/, ''))
        : undefined;
    const rules = await albForwardWeights(this.elbv2, hostname, trackOfTag, this.options.retry);
    const tracks = Object.keys(weights);
    return rules.length > 0 && rules.every((actual) => tracks.every((t) => (actual[t] ?? 0) === weights[t]));
  }

  #actionName(service: ServiceRef): string {
    return this.options.rootService ?? service.name;
  }

  #ref(service: ServiceRef): ObjectRef {
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      namespace: service.namespace,
      name: this.options.ingress ?? service.name,
    };
  }
}

function annotationKey(action: string): string {
  return `alb.ingress.kubernetes.io/actions.${action}`;
}

function usesAction(ingress: KubeObject, action: string): boolean {
  const rules: Loose[] = (ingress.spec?.rules as Loose[]) ?? [];
  const paths: Loose[] = rules.flatMap((rule) => rule.http?.paths ?? []);
  const defaultBackend = (ingress.spec as Loose)?.defaultBackend;
  return [...paths.map((p) => p.backend), defaultBackend].some(
    (b) => b?.service?.name === action && b.service.port?.name === 'use-annotation',
  );
}

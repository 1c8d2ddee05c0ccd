import { ValidationError } from '#core/errors.ts';
import type { TrafficRouter } from '#core/ports/traffic-router.ts';
import type { ServiceRef, Weights } from '#core/types.ts';
import type { KubeObject, KubernetesObjects, ObjectRef } from '../kubernetes/client.ts';
import { readRequired } from '../kubernetes/read-required.ts';
import { albForwardWeights, type Elbv2Api } from './alb-verification.ts';
import type { Elbv2RetryOptions } from './elbv2-calls.ts';
import {
  assertWeights,
  backendName,
  backendWeights,
  routesEveryTrack,
  trackOfBackend,
  weightedTracks,
} from './weights.ts';

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

  /**
   * Rewrites the tracks' target groups of the forward action with the weights (percentages, summing to 100).
   * Target groups of other Services keep their weight, so with one at weight 20 the tracks share 100/120 of
   * the traffic as `weights` splits it; the action's stickiness is kept unless `stickiness` is configured.
   */
  async setWeights(service: ServiceRef, weights: Weights): Promise<void> {
    assertWeights(weights);
    const ingress = await this.#weightedIngress(service);
    const key = annotationKey(this.#actionName(service));
    const current = forwardActionOf(ingress, key)?.forwardConfig;
    const tracks = weightedTracks(weights);
    const others = (current?.targetGroups ?? []).filter(
      (tg) => trackOfBackend(service, tg.serviceName, tracks) === undefined,
    );
    const stickiness = this.options.stickiness ?? current?.targetGroupStickinessConfig;
    const forward: ForwardAction = {
      type: 'forward',
      forwardConfig: {
        targetGroups: [
          ...Object.entries(weights).map(([track, weight]) => ({
            serviceName: backendName(service, track),
            servicePort: String(this.options.servicePort ?? 80),
            weight,
          })),
          ...others,
        ],
        ...(stickiness ? { targetGroupStickinessConfig: stickiness } : {}),
      },
    };
    await this.client.mergePatch(this.#ref(service), {
      metadata: {
        resourceVersion: ingress.metadata.resourceVersion,
        annotations: { [key]: JSON.stringify(forward) },
      },
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
    const targetGroups =
      forwardActionOf(ingress, annotationKey(this.#actionName(service)))?.forwardConfig?.targetGroups ?? [];
    return backendWeights(targetGroups.map((tg) => [trackOfBackend(service, tg.serviceName), tg.weight]));
  }

  /**
   * True when the ALB behind the Ingress forwards with these weights in every rule whose target groups include
   * each track taking traffic; rules forwarding elsewhere (another service, a path pinned to one track) are
   * not the weighted action and are not compared.
   */
  async verifyWeights(service: ServiceRef, weights: Weights): Promise<boolean> {
    const ingress = await readRequired(this.client, this.#ref(service), 'traffic.ingress');
    const hostname = (ingress.status as Loose)?.loadBalancer?.ingress?.[0]?.hostname as string | undefined;
    if (!hostname) return false;
    const prefix = `${service.namespace}/${ingress.metadata.name}-`;
    const tracks = weightedTracks(weights);
    const trackOfTag = (tag: string) =>
      tag.startsWith(prefix)
        ? trackOfBackend(service, tag.slice(prefix.length).replace(/:[^:]*$/, ''), tracks)
        : undefined;
    const rules = await albForwardWeights(this.elbv2, hostname, trackOfTag, this.options.retry);
    const weighted = rules.filter((actual) => routesEveryTrack(new Set(Object.keys(actual)), weights));
    return (
      weighted.length > 0 &&
      weighted.every((actual) => [...tracks].every((t) => (actual[t] ?? 0) === (weights[t] ?? 0)))
    );
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

/** The forward action the Ingress annotation `key` holds, if any; a malformed one is refused, naming both. */
function forwardActionOf(ingress: KubeObject, key: string): ForwardAction | undefined {
  const json = ingress.metadata.annotations?.[key];
  if (!json) return undefined;
  try {
    return JSON.parse(json) as ForwardAction;
  } catch (error) {
    const { namespace, name } = ingress.metadata;
    throw new ValidationError(
      `traffic.ingress: Ingress ${namespace}/${name} has a malformed annotation ${key} (${(error as Error).message}): it must hold the forward action as JSON`,
      { cause: error },
    );
  }
}

function usesAction(ingress: KubeObject, action: string): boolean {
  const rules: Loose[] = (ingress.spec?.rules as Loose[]) ?? [];
  const paths: Loose[] = rules.flatMap((rule) => rule.http?.paths ?? []);
  const defaultBackend = (ingress.spec as Loose)?.defaultBackend;
  return [...paths.map((p) => p.backend), defaultBackend].some(
    (b) => b?.service?.name === action && b.service.port?.name === 'use-annotation',
  );
}

import type { TrafficRouter } from '#core/ports/traffic-router.ts';
import type { ServiceRef, Weights } from '#core/types.ts';
import type { KubeObject, KubernetesObjects, ObjectRef } from '../kubernetes/client.ts';
import { readRequired } from '../kubernetes/read-required.ts';
import {
  assertBackendsFor,
  assertRoutable,
  assertWeights,
  backendName,
  backendWeights,
  trackOfBackend,
} from './weights.ts';

/** The HTTPRoute to weight; default the route named like the service. */
export interface GatewayApiOptions {
  readonly httpRoute?: string;
}

interface BackendRef {
  name: string;
  weight?: number;
  [field: string]: unknown;
}
interface Rule {
  backendRefs?: BackendRef[];
  [field: string]: unknown;
}

/**
 * Weights as Gateway API HTTPRoute `backendRefs[].weight`: every rule that routes to the service's track
 * Services (`<service>-<track>`) gets the same split. Written with a JSON merge patch guarded by the
 * route's resourceVersion.
 *
 * @example
 * const router = new GatewayApiTrafficRouter(client, { httpRoute: 'checkout' });
 * await router.setWeights(service, { stable: 90, canary: 10 });
 */
export class GatewayApiTrafficRouter implements TrafficRouter {
  readonly type = 'gateway-api';

  constructor(
    private readonly client: KubernetesObjects,
    private readonly options: GatewayApiOptions = {},
  ) {}

  async setWeights(service: ServiceRef, weights: Weights): Promise<void> {
    assertWeights(weights);
    const route = await readRequired(this.client, this.#ref(service), 'traffic.httpRoute');
    const rules = rulesOf(route);
    assertRoutable(weights, routableTracks(service, rules), `HTTPRoute ${route.metadata.name}`);
    const weighted = rules.map((rule) =>
      tracksOf(service, rule).length === 0
        ? rule
        : {
            ...rule,
            backendRefs: rule.backendRefs?.map((ref) => {
              const track = trackOfBackend(service, ref.name);
              return track === undefined ? ref : { ...ref, weight: weights[track] ?? 0 };
            }),
          },
    );
    await this.client.mergePatch(this.#ref(service), {
      metadata: { resourceVersion: route.metadata.resourceVersion },
      spec: { rules: weighted },
    });
  }

  /** The split of the first rule routing to the service's tracks, in percent (all 0 when every weight is). */
  async getWeights(service: ServiceRef): Promise<Weights> {
    const route = await readRequired(this.client, this.#ref(service), 'traffic.httpRoute');
    const rule = rulesOf(route).find((r) => tracksOf(service, r).length > 0);
    return backendWeights(
      (rule?.backendRefs ?? []).map((ref) => [trackOfBackend(service, ref.name), ref.weight ?? 1]),
    );
  }

  /** Refuses tracks the HTTPRoute has no backendRef for, naming `traffic.httpRoute` (reads the route). */
  async checkTracks(service: ServiceRef, tracks: readonly string[]): Promise<void> {
    const route = await readRequired(this.client, this.#ref(service), 'traffic.httpRoute');
    assertBackendsFor(
      tracks,
      routableTracks(service, rulesOf(route)),
      `traffic.httpRoute: HTTPRoute ${route.metadata.namespace}/${route.metadata.name}`,
      (track) => `a backendRef to Service ${backendName(service, track)}`,
    );
  }

  #ref(service: ServiceRef): ObjectRef {
    return {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      namespace: service.namespace,
      name: this.options.httpRoute ?? service.name,
    };
  }
}

const rulesOf = (route: KubeObject) => (route.spec?.rules as Rule[] | undefined) ?? [];

const routableTracks = (service: ServiceRef, rules: Rule[]) =>
  new Set(rules.flatMap((rule) => tracksOf(service, rule)));

function tracksOf(service: ServiceRef, rule: Rule): string[] {
  return (rule.backendRefs ?? [])
    .map((ref) => trackOfBackend(service, ref.name))
    .filter((t): t is string => t !== undefined);
}

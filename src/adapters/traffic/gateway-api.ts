import { ValidationError } from '#core/errors.ts';
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
  splitRules,
  trackOfBackend,
  trafficTracks,
  weightedTracks,
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
 * Weights as Gateway API HTTPRoute `backendRefs[].weight`: every rule with a backendRef to each track Service
 * (`<service>-<track>`, exact names) that takes traffic gets the same split; other rules and other services'
 * backendRefs are left as they are. Written with a JSON merge patch guarded by the route's resourceVersion.
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
    const tracks = weightedTracks(weights);
    assertRoutable(weights, routableTracks(service, rules), `HTTPRoute ${route.metadata.name}`);
    const splits = splitRules(
      rules.map((rule) => tracksOf(service, rule, tracks)),
      weights,
    );
    if (!splits.includes(true)) {
      throw new ValidationError(
        `HTTPRoute ${route.metadata.name} has no rule with backendRefs to every track taking traffic (${trafficTracks(weights).join(', ')})`,
      );
    }
    const weighted = rules.map((rule, i) => (splits[i] ? withWeights(service, rule, weights, tracks) : rule));
    await this.client.mergePatch(this.#ref(service), {
      metadata: { resourceVersion: route.metadata.resourceVersion },
      spec: { rules: weighted },
    });
  }

  /** The split of the rule with backends for the most tracks (the first of those), in percent (all 0 when every weight is). */
  async getWeights(service: ServiceRef): Promise<Weights> {
    const route = await readRequired(this.client, this.#ref(service), 'traffic.httpRoute');
    const rule = widestRule(service, rulesOf(route));
    return backendWeights(
      (rule?.backendRefs ?? []).map((ref) => [trackOfBackend(service, ref.name), ref.weight ?? 1]),
    );
  }

  /**
   * Refuses tracks the HTTPRoute's split rule (the one with backendRefs to the most of `tracks`) has no
   * backendRef for, naming `traffic.httpRoute` (reads the route): the split is written to one rule's backends.
   */
  async checkTracks(service: ServiceRef, tracks: readonly string[]): Promise<void> {
    const route = await readRequired(this.client, this.#ref(service), 'traffic.httpRoute');
    const rule = widestRule(service, rulesOf(route), tracks);
    assertBackendsFor(
      tracks,
      rule ? tracksOf(service, rule, tracks) : new Set(),
      `traffic.httpRoute: HTTPRoute ${route.metadata.namespace}/${route.metadata.name}'s split rule`,
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
  new Set(rules.flatMap((rule) => [...tracksOf(service, rule)]));

/** The rule with backendRefs to the most tracks (of `tracks` when given), the first of those. */
function widestRule(service: ServiceRef, rules: Rule[], tracks?: Iterable<string>): Rule | undefined {
  return [...rules].sort((a, b) => tracksOf(service, b, tracks).size - tracksOf(service, a, tracks).size)[0];
}

function tracksOf(service: ServiceRef, rule: Rule, tracks?: Iterable<string>): Set<string> {
  const named = (rule.backendRefs ?? []).map((ref) => trackOfBackend(service, ref.name, tracks));
  return new Set(named.filter((t): t is string => t !== undefined));
}

/** The rule with each track backend at its track's weight (0 for a track `weights` leaves out); other backends as they are. */
function withWeights(service: ServiceRef, rule: Rule, weights: Weights, tracks: Iterable<string>): Rule {
  return {
    ...rule,
    backendRefs: rule.backendRefs?.map((ref) => {
      const track = trackOfBackend(service, ref.name, tracks);
      return track === undefined ? ref : { ...ref, weight: weights[track] ?? 0 };
    }),
  };
}

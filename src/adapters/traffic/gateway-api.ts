import { RouteNotAcceptedError, TransientAdapterError, ValidationError } from '#core/errors.ts';
import { sameWeights } from '#core/plan/index.ts';
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
interface ParentRef {
  name: string;
  namespace?: string;
  group?: string;
  kind?: string;
  sectionName?: string;
  port?: number;
}
interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}
interface ParentStatus {
  parentRef: ParentRef;
  controllerName?: string;
  conditions?: Condition[];
}

/**
 * Weights as Gateway API HTTPRoute `backendRefs[].weight`: every rule with a backendRef to each track Service
 * (`<service>-<track>`, exact names) that takes traffic gets the same split; other rules and other services'
 * backendRefs are left as they are. Written with a JSON merge patch guarded by the route's resourceVersion;
 * verified once each parent Gateway's controller reports it accepted that version of the route.
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

  /**
   * True once the route still has `weights` (false when something rewrote them) and, for each of its
   * `parentRefs`, every controller reporting on that parent in `status.parents` has an `Accepted` condition
   * for the route's current generation. While one has not reported on that generation yet, a
   * `TransientAdapterError` (retried) names the parent, the controller and what it last reported. A parent
   * that did not accept the route is a {@link RouteNotAcceptedError} with the controller's reason and
   * message: the route carries no traffic through that Gateway, whatever its weights.
   */
  async verifyWeights(service: ServiceRef, weights: Weights): Promise<boolean> {
    const route = await readRequired(this.client, this.#ref(service), 'traffic.httpRoute');
    if (!sameWeights(splitWeights(service, rulesOf(route)), weights)) return false;
    const namespace = route.metadata.namespace ?? service.namespace;
    const generation = route.metadata.generation ?? 0;
    const reports = (route.status?.parents as ParentStatus[] | undefined) ?? [];
    for (const parent of (route.spec?.parentRefs as ParentRef[] | undefined) ?? []) {
      const accepted = reports
        .filter((report) => sameParent(report.parentRef, parent, namespace))
        .map((report) => ({ report, condition: report.conditions?.find((c) => c.type === 'Accepted') }));
      const where = `HTTPRoute ${namespace}/${route.metadata.name}`;
      if (accepted.length === 0) {
        throw new TransientAdapterError(
          `${where}: no controller has reported on it for ${parentName(parent, namespace)} in status.parents yet ` +
            "(does a Gateway API controller run for that Gateway's GatewayClass?)",
        );
      }
      for (const { report, condition } of accepted) {
        const controller = report.controllerName ?? 'its controller';
        if (!condition || (condition.observedGeneration ?? generation) < generation) {
          const reported = condition ? `generation ${condition.observedGeneration}` : 'no Accepted condition';
          throw new TransientAdapterError(
            `${where}: ${controller} has not reported on its generation ${generation} for ` +
              `${parentName(parent, namespace)} yet (it reported ${reported})`,
          );
        }
        if (condition.status !== 'True') {
          throw new RouteNotAcceptedError(
            `${where} is not accepted by ${parentName(parent, namespace)} (${controller}): ` +
              `${condition.reason ?? 'no reason'}: ${condition.message ?? ''}`,
          );
        }
      }
    }
    return true;
  }

  /** The split of the rule with backends for the most tracks (the first of those), in percent (all 0 when every weight is). */
  async getWeights(service: ServiceRef): Promise<Weights> {
    const route = await readRequired(this.client, this.#ref(service), 'traffic.httpRoute');
    return splitWeights(service, rulesOf(route));
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

/** The split of the rule with backends for the most tracks, in percent. */
function splitWeights(service: ServiceRef, rules: Rule[]): Weights {
  const rule = widestRule(service, rules);
  return backendWeights(
    (rule?.backendRefs ?? []).map((ref) => [trackOfBackend(service, ref.name), ref.weight ?? 1]),
  );
}

/**
 * Whether a status entry's `parentRef` is `parent`, with the API's defaults: group
 * `gateway.networking.k8s.io`, kind `Gateway`, the route's namespace.
 */
function sameParent(reported: ParentRef | undefined, parent: ParentRef, routeNamespace: string): boolean {
  const key = (ref: ParentRef) =>
    [
      ref.group ?? 'gateway.networking.k8s.io',
      ref.kind ?? 'Gateway',
      ref.namespace ?? routeNamespace,
      ref.name,
      ref.sectionName ?? '',
      ref.port ?? '',
    ].join('/');
  return reported !== undefined && key(reported) === key(parent);
}

/** `Gateway shop/public` (with its listener, `Gateway shop/public section https`). */
function parentName(parent: ParentRef, routeNamespace: string): string {
  const section = parent.sectionName === undefined ? '' : ` section ${parent.sectionName}`;
  return `${parent.kind ?? 'Gateway'} ${parent.namespace ?? routeNamespace}/${parent.name}${section}`;
}

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

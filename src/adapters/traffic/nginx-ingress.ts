import { ValidationError } from '#core/errors.ts';
import type { TrafficRouter } from '#core/ports/traffic-router.ts';
import type { ServiceRef, Weights } from '#core/types.ts';
import type { KubeObject, KubernetesObjects, ObjectRef } from '../kubernetes/client.ts';
import { readRequired } from '../kubernetes/read-required.ts';
import { assertWeights, backendName, trackOfBackend } from './weights.ts';

const CANARY = 'nginx.ingress.kubernetes.io/canary';
const CANARY_WEIGHT = 'nginx.ingress.kubernetes.io/canary-weight';
const CANARY_WEIGHT_TOTAL = 'nginx.ingress.kubernetes.io/canary-weight-total';
/** The class annotation older Ingresses use instead of `spec.ingressClassName`. */
const INGRESS_CLASS = 'kubernetes.io/ingress.class';
/** The label Cutover puts on the twin it owns. */
const MANAGED_BY = 'app.kubernetes.io/managed-by';

/** The primary Ingress; default the Ingress named like the service. */
export interface NginxIngressOptions {
  readonly ingress?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: Ingress rules are copied as untyped JSON
type Loose = any;

/**
 * Weights with ingress-nginx canary annotations. The primary Ingress routes to one track's Service
 * (`<service>-<track>`); Cutover applies a twin `<ingress>-canary` with the same hosts, paths and ingress class
 * (`spec.ingressClassName` or the `kubernetes.io/ingress.class` annotation), pointing at the other track,
 * labelled `app.kubernetes.io/managed-by: cutover` and annotated `canary: "true"` and
 * `canary-weight: <percent of that track>`. Weights naming only the primary Ingress's track (what
 * `getWeights` reads with no twin) set a twin's canary-weight to 0 and create none. An Ingress of that
 * name that is no canary is refused.
 *
 * @example
 * const router = new NginxIngressTrafficRouter(client, { ingress: 'checkout' });
 * await router.setWeights(service, { stable: 90, canary: 10 }); // checkout-canary Ingress, canary-weight 10
 * await router.setWeights(service, { stable: 100 }); // checkout-canary at canary-weight 0
 */
export class NginxIngressTrafficRouter implements TrafficRouter {
  readonly type = 'nginx-ingress';

  constructor(
    private readonly client: KubernetesObjects,
    private readonly options: NginxIngressOptions = {},
  ) {}

  async setWeights(service: ServiceRef, weights: Weights): Promise<void> {
    assertWeights(weights);
    const primary = await readRequired(this.client, this.#ref(service), 'traffic.ingress');
    const primaryTrack = this.#primaryTrack(service, primary);
    const others = Object.keys(weights).filter((track) => track !== primaryTrack);
    if (others.length === 0) return this.#closeTwin(service);
    if (others.length !== 1 || !(primaryTrack in weights)) {
      throw new ValidationError(
        `weights must name the primary Ingress's track "${primaryTrack}" and one canary track (got ${JSON.stringify(weights)})`,
      );
    }
    await this.#refuseForeignTwin(service);
    const canaryTrack = others[0]!;
    await this.client.apply(canaryIngress(primary, backendName(service, canaryTrack), weights[canaryTrack]!));
  }

  async getWeights(service: ServiceRef): Promise<Weights> {
    const primary = await readRequired(this.client, this.#ref(service), 'traffic.ingress');
    const primaryTrack = this.#primaryTrack(service, primary);
    const canary = await this.client.read(this.#twinRef(service));
    const canaryTrack = canary && trackOfBackend(service, backendsOf(canary)[0] ?? '');
    if (!canary || !canaryTrack || canary.metadata.annotations?.[CANARY] !== 'true')
      return { [primaryTrack]: 100 };
    const weight = Number(canary.metadata.annotations?.[CANARY_WEIGHT] ?? 0);
    return { [primaryTrack]: 100 - weight, [canaryTrack]: weight };
  }

  /**
   * Refuses, before a release, a primary Ingress that does not route to exactly one track, and an Ingress
   * `<ingress>-canary` that is not a Cutover canary twin (Cutover would replace its hosts and backends).
   */
  async checkTracks(service: ServiceRef): Promise<void> {
    const primary = await readRequired(this.client, this.#ref(service), 'traffic.ingress');
    this.#primaryTrack(service, primary);
    await this.#refuseForeignTwin(service);
  }

  /** All traffic to the primary Ingress: the twin's canary-weight 0, the rest of it as it is; no twin, no write. */
  async #closeTwin(service: ServiceRef): Promise<void> {
    const twin = await this.#refuseForeignTwin(service);
    if (!twin) return;
    await this.client.mergePatch(this.#twinRef(service), {
      metadata: { resourceVersion: twin.metadata.resourceVersion, annotations: { [CANARY_WEIGHT]: '0' } },
    });
  }

  /** Refuses an Ingress named like the twin that is no canary; returns the twin (`undefined`: none). */
  async #refuseForeignTwin(service: ServiceRef): Promise<KubeObject | undefined> {
    const twin = await this.client.read(this.#twinRef(service));
    if (!twin || isCanaryTwin(twin)) return twin;
    const { namespace, name } = twin.metadata;
    throw new ValidationError(
      `traffic.ingress: Ingress ${namespace}/${name} exists and is not a canary Ingress (no label ${MANAGED_BY}: cutover, ` +
        `no annotation ${CANARY}: "true"): Cutover writes its canary twin under that name; rename that Ingress or ` +
        'weight another primary Ingress',
    );
  }

  /**
   * The one track every path of the primary Ingress routes to. ingress-nginx weights a whole Ingress
   * against its canary twin, so one also routing to another service's backend (its `/api`), to two
   * tracks, or to none is refused, saying how to fix it.
   */
  #primaryTrack(service: ServiceRef, primary: KubeObject): string {
    const backends = [...new Set(backendsOf(primary).map((name) => name || 'a resource backend'))];
    const trackBackends = backends.filter((name) => trackOfBackend(service, name));
    const others = backends.filter((name) => !trackOfBackend(service, name));
    const ingress = `Ingress ${primary.metadata.namespace}/${primary.metadata.name}`;
    if (trackBackends.length === 0) {
      throw new ValidationError(
        `traffic.ingress: ${ingress} routes to no track Service ${service.name}-<track> (found ${backends.join(', ') || 'none'}): ` +
          `route its paths to the live track's Service, such as ${backendName(service, 'stable')}`,
      );
    }
    if (others.length > 0) {
      const trackServices = trackBackends.length === 1 ? 'track Service' : 'track Services';
      const otherPaths = others.length === 1 ? `${others[0]}'s paths` : `the paths to ${inWords(others)}`;
      throw new ValidationError(
        `traffic.ingress: ${ingress} routes to ${inWords(others)} besides the ${trackServices} ${inWords(trackBackends)}: ` +
          `ingress-nginx weights a whole Ingress (through its canary twin), so give ${service.name} its own Ingress, ` +
          `with ${otherPaths} in another`,
      );
    }
    if (trackBackends.length > 1) {
      const twin = `${primary.metadata.namespace}/${primary.metadata.name}-canary`;
      throw new ValidationError(
        `traffic.ingress: ${ingress} routes to more than one track Service (${trackBackends.join(', ')}): ` +
          'ingress-nginx weights a whole Ingress against its canary twin, so route every path of it to the live ' +
          `track's Service; Cutover's twin Ingress ${twin} routes to the other track`,
      );
    }
    return trackOfBackend(service, trackBackends[0]!)!;
  }

  #ref(service: ServiceRef): ObjectRef {
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      namespace: service.namespace,
      name: this.options.ingress ?? service.name,
    };
  }

  /** `<ingress>-canary`: the twin Ingress Cutover applies. */
  #twinRef(service: ServiceRef): ObjectRef {
    const ref = this.#ref(service);
    return { ...ref, name: `${ref.name}-canary` };
  }
}

/** True for a canary Ingress: one Cutover applied, or an ingress-nginx canary of the primary. */
function isCanaryTwin(ingress: KubeObject): boolean {
  return (
    ingress.metadata.labels?.[MANAGED_BY] === 'cutover' || ingress.metadata.annotations?.[CANARY] === 'true'
  );
}

/** `a`, `a and b`, `a, b and c`. */
function inWords(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** The Service names an Ingress's rules route to. */
function backendsOf(ingress: KubeObject): string[] {
  const rules: Loose[] = (ingress.spec?.rules as Loose[]) ?? [];
  return rules.flatMap((rule) =>
    (rule.http?.paths ?? []).map((p: Loose) => p.backend?.service?.name as string),
  );
}

function canaryIngress(primary: KubeObject, backend: string, weight: number): KubeObject {
  const spec: Loose = primary.spec ?? {};
  const rules = (spec.rules ?? []).map((rule: Loose) => ({
    ...rule,
    http: {
      paths: (rule.http?.paths ?? []).map((p: Loose) => ({
        ...p,
        backend: { service: { ...p.backend?.service, name: backend } },
      })),
    },
  }));
  const ingressClass = primary.metadata.annotations?.[INGRESS_CLASS];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: `${primary.metadata.name}-canary`,
      namespace: primary.metadata.namespace,
      labels: { [MANAGED_BY]: 'cutover' },
      annotations: {
        ...(ingressClass ? { [INGRESS_CLASS]: ingressClass } : {}),
        [CANARY]: 'true',
        [CANARY_WEIGHT]: String(weight),
        [CANARY_WEIGHT_TOTAL]: '100',
      },
    },
    spec: { ...(spec.ingressClassName ? { ingressClassName: spec.ingressClassName } : {}), rules },
  };
}

import { ValidationError } from '#core/errors.ts';
import type { TrafficRouter } from '#core/ports/traffic-router.ts';
import type { ServiceRef, Weights } from '#core/types.ts';
import type { KubeObject, KubernetesObjects, ObjectRef } from '../kubernetes/client.ts';
import { readRequired } from '../kubernetes/read-required.ts';
import { assertWeights, backendName, trackOfBackend } from './weights.ts';

const CANARY = 'nginx.ingress.kubernetes.io/canary';
const CANARY_WEIGHT = 'nginx.ingress.kubernetes.io/canary-weight';
const CANARY_WEIGHT_TOTAL = 'nginx.ingress.kubernetes.io/canary-weight-total';

/** The primary Ingress; default the Ingress named like the service. */
export interface NginxIngressOptions {
  readonly ingress?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: Ingress rules are copied as untyped JSON
type Loose = any;

/**
 * Weights with ingress-nginx canary annotations. The primary Ingress routes to one track's Service
 * (`<service>-<track>`); Cutover applies a twin `<ingress>-canary` with the same hosts and paths, pointing at
 * the other track, annotated `canary: "true"` and `canary-weight: <percent of that track>`.
 *
 * @example
 * const router = new NginxIngressTrafficRouter(client, { ingress: 'checkout' });
 * await router.setWeights(service, { stable: 90, canary: 10 }); // checkout-canary Ingress, canary-weight 10
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
    if (others.length !== 1 || !(primaryTrack in weights)) {
      throw new ValidationError(
        `weights must name the primary Ingress's track "${primaryTrack}" and one canary track (got ${JSON.stringify(weights)})`,
      );
    }
    const canaryTrack = others[0]!;
    await this.client.apply(canaryIngress(primary, backendName(service, canaryTrack), weights[canaryTrack]!));
  }

  async getWeights(service: ServiceRef): Promise<Weights> {
    const ref = this.#ref(service);
    const primary = await readRequired(this.client, ref, 'traffic.ingress');
    const primaryTrack = this.#primaryTrack(service, primary);
    const canary = await this.client.read({ ...ref, name: `${ref.name}-canary` });
    const canaryTrack = canary && trackOfBackend(service, backendsOf(canary)[0] ?? '');
    if (!canary || !canaryTrack || canary.metadata.annotations?.[CANARY] !== 'true')
      return { [primaryTrack]: 100 };
    const weight = Number(canary.metadata.annotations?.[CANARY_WEIGHT] ?? 0);
    return { [primaryTrack]: 100 - weight, [canaryTrack]: weight };
  }

  #primaryTrack(service: ServiceRef, primary: KubeObject): string {
    const tracks = new Set(backendsOf(primary).map((name) => trackOfBackend(service, name)));
    const [track] = tracks;
    if (tracks.size !== 1 || !track) {
      throw new ValidationError(
        `traffic.ingress: Ingress ${primary.metadata.name} must route to exactly one track Service ${service.name}-<track> (found ${backendsOf(primary).join(', ') || 'none'})`,
      );
    }
    return track;
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
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: `${primary.metadata.name}-canary`,
      namespace: primary.metadata.namespace,
      annotations: { [CANARY]: 'true', [CANARY_WEIGHT]: String(weight), [CANARY_WEIGHT_TOTAL]: '100' },
    },
    spec: { ...(spec.ingressClassName ? { ingressClassName: spec.ingressClassName } : {}), rules },
  };
}

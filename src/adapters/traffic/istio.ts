import { ValidationError } from '#core/errors.ts';
import type { TrafficRouter } from '#core/ports/traffic-router.ts';
import { RELEASE_TRACKS } from '#core/strategies.ts';
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
  weightedTracks,
} from './weights.ts';

/**
 * The VirtualService (default: named like the service) and its http route (default: the only one, else the
 * one with destinations for two tracks).
 */
export interface IstioOptions {
  readonly virtualService?: string;
  readonly route?: string;
}

interface Destination {
  destination: { host: string; subset?: string; [field: string]: unknown };
  weight?: number;
}
interface HttpRoute {
  name?: string;
  route?: Destination[];
  [field: string]: unknown;
}

/**
 * Weights as Istio VirtualService route weights. A destination belongs to a track by its `subset` of the
 * service's host (`{ host: checkout, subset: canary }`, with a DestinationRule) or by a per-track host
 * (`checkout-canary`, `checkout-canary.shop.svc.cluster.local`). Other destinations keep their weight: Istio
 * weights are relative, so with `checkout-legacy` at 10 the tracks share 100/110 of the route's traffic as
 * the weights split it.
 *
 * @example
 * const router = new IstioTrafficRouter(client, { virtualService: 'checkout', route: 'primary' });
 * await router.setWeights(service, { stable: 90, canary: 10 });
 */
export class IstioTrafficRouter implements TrafficRouter {
  readonly type = 'istio';

  constructor(
    private readonly client: KubernetesObjects,
    private readonly options: IstioOptions = {},
  ) {}

  async setWeights(service: ServiceRef, weights: Weights): Promise<void> {
    assertWeights(weights);
    const virtualService = await readRequired(this.client, this.#ref(service), 'traffic.virtualService');
    const routes = httpRoutes(virtualService);
    const index = this.#routeIndex(service, routes, virtualService);
    const tracks = weightedTracks(weights);
    assertRoutable(
      weights,
      destinationTracks(service, routes[index]!),
      `VirtualService ${virtualService.metadata.name}`,
    );
    const weighted = routes.map((route, i) =>
      i !== index
        ? route
        : {
            ...route,
            route: route.route?.map((d) => {
              const track = trackOf(service, d, tracks);
              return track === undefined ? d : { ...d, weight: weights[track] ?? 0 };
            }),
          },
    );
    await this.client.mergePatch(this.#ref(service), {
      metadata: { resourceVersion: virtualService.metadata.resourceVersion },
      spec: { http: weighted },
    });
  }

  /**
   * The tracks' split of the route in percent, other destinations left out (all 0 when every track's
   * weight is): `{ stable: 100, canary: 0 }` for stable 90, canary 0 and `checkout-legacy` 10.
   */
  async getWeights(service: ServiceRef): Promise<Weights> {
    const virtualService = await readRequired(this.client, this.#ref(service), 'traffic.virtualService');
    const routes = httpRoutes(virtualService);
    const destinations = routes[this.#routeIndex(service, routes, virtualService)]?.route ?? [];
    return backendWeights(
      destinations.map((d) => [trackOf(service, d), d.weight ?? (destinations.length === 1 ? 100 : 0)]),
    );
  }

  /**
   * Refuses tracks the selected http route has no destination for, naming `traffic.virtualService`, and an
   * http route that cannot be chosen without `traffic.route`, naming it.
   */
  async checkTracks(service: ServiceRef, tracks: readonly string[]): Promise<void> {
    const virtualService = await readRequired(this.client, this.#ref(service), 'traffic.virtualService');
    const routes = httpRoutes(virtualService);
    const route = routes[this.#routeIndex(service, routes, virtualService)]!;
    const { namespace, name } = virtualService.metadata;
    assertBackendsFor(
      tracks,
      destinationTracks(service, route),
      `traffic.virtualService: VirtualService ${namespace}/${name}, http route ${route.name ?? 'unnamed'},`,
      (track) =>
        `a destination for track ${track} (subset ${track} of host ${service.name}, or host ${backendName(service, track)})`,
    );
  }

  /** The http route to weight: the one `traffic.route` names, else the only one, else {@link splitRouteIndex}. */
  #routeIndex(service: ServiceRef, routes: HttpRoute[], virtualService: KubeObject): number {
    if (!this.options.route && routes.length > 1) return splitRouteIndex(service, routes, virtualService);
    const index = this.options.route ? routes.findIndex((r) => r.name === this.options.route) : 0;
    if (index < 0 || routes.length === 0) {
      const names = routes.map((r) => r.name ?? '(unnamed)').join(', ') || 'none';
      throw new ValidationError(
        `traffic.route must name an http route of VirtualService ${virtualService.metadata.name}: ${names} (got ${JSON.stringify(this.options.route)})`,
      );
    }
    return index;
  }

  #ref(service: ServiceRef): ObjectRef {
    return {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      namespace: service.namespace,
      name: this.options.virtualService ?? service.name,
    };
  }
}

function httpRoutes(virtualService: KubeObject): HttpRoute[] {
  return (virtualService.spec?.http as HttpRoute[] | undefined) ?? [];
}

const destinationTracks = (service: ServiceRef, route: HttpRoute) =>
  new Set((route.route ?? []).map((d) => trackOf(service, d)).filter((t) => t !== undefined));

/**
 * The http route with destinations for two tracks or more (the split, not a route pinned to one track), when
 * exactly one route has them; refused otherwise, naming `traffic.route` and the routes to choose from.
 */
function splitRouteIndex(service: ServiceRef, routes: HttpRoute[], virtualService: KubeObject): number {
  const splits = routes.flatMap((route, i) => (destinationTracks(service, route).size > 1 ? [i] : []));
  if (splits.length === 1) return splits[0]!;
  const { namespace, name } = virtualService.metadata;
  const nameOf = (route: HttpRoute) => route.name ?? '(unnamed)';
  const found =
    splits.length === 0
      ? 'none of them routes'
      : `${splits.length} of them (${splits.map((i) => nameOf(routes[i]!)).join(', ')}) route`;
  const unnamed = routes.some((route) => route.name === undefined)
    ? '; an unnamed route cannot be chosen: give it a name'
    : '';
  throw new ValidationError(
    `traffic.route is required: VirtualService ${namespace}/${name} has ${routes.length} http routes and ` +
      `${found} to both tracks of ${service.name}, so Cutover cannot tell which to weight: set traffic.route to the ` +
      `name of the http route to weight (http routes: ${routes.map(nameOf).join(', ')}${unnamed})`,
  );
}

/**
 * The track of a destination: a track subset of the service's host (`{ host: checkout, subset: canary }`) or a
 * per-track host (`checkout-canary`, `checkout-canary.shop.svc.cluster.local`), by exact names; `undefined`
 * for other services' destinations.
 */
function trackOf(
  service: ServiceRef,
  d: Destination,
  tracks: Iterable<string> = RELEASE_TRACKS,
): string | undefined {
  const host = d.destination.host.split('.')[0] ?? '';
  if (d.destination.subset === undefined) return trackOfBackend(service, host, tracks);
  return host === service.name && new Set(tracks).has(d.destination.subset)
    ? d.destination.subset
    : undefined;
}

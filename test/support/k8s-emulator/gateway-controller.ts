import type { KubeObject, ObjectStore } from './store.ts';

/** The controller name the emulator's Gateway controller reports its route statuses under. */
export const GATEWAY_CONTROLLER_NAME = 'emulator.cutover.dev/gateway-controller';

/** Why the Gateway controller does not accept a route: the `Accepted` condition's reason and message. */
export interface RouteRejection {
  readonly reason: string;
  readonly message: string;
}

// biome-ignore lint/suspicious/noExplicitAny: the controller walks untyped JSON
type Loose = any;

/**
 * The part of a Gateway API implementation that reports on HTTPRoutes: each `step()` writes, for every
 * route, one `status.parents` entry per `spec.parentRefs` with an `Accepted` condition at the route's
 * generation (True, or False with a {@link reject}ed route's reason), as conformant controllers do. A
 * {@link hold}ed route keeps the status it has (a controller that has not reconciled its change yet).
 */
export class GatewayController {
  readonly #held = new Set<string>();
  readonly #rejected = new Map<string, RouteRejection>();

  constructor(private readonly store: ObjectStore) {}

  /** From now on the route's status stays as it is. */
  hold(namespace: string, name: string): void {
    this.#held.add(`${namespace}/${name}`);
  }

  /** The route's parents stop accepting it: `Accepted` False with this reason. */
  reject(namespace: string, name: string, rejection: RouteRejection): void {
    this.#rejected.set(`${namespace}/${name}`, rejection);
  }

  /** Forgets holds and rejections. */
  reset(): void {
    this.#held.clear();
    this.#rejected.clear();
  }

  /** One reconcile pass over every HTTPRoute. */
  step(): void {
    for (const route of this.store.list('httproutes', '')) {
      const { name, namespace = 'default' } = route.metadata;
      const id = `${namespace}/${name}`;
      if (this.#held.has(id)) continue;
      const status = { parents: parentStatuses(route, this.#rejected.get(id)) };
      if (JSON.stringify(status) !== JSON.stringify(route.status)) {
        this.store.updateStatus('httproutes', namespace, name, status);
      }
    }
  }
}

function parentStatuses(route: KubeObject, rejection: RouteRejection | undefined): object[] {
  const parentRefs: Loose[] = (route.spec as Loose)?.parentRefs ?? [];
  return parentRefs.map((parentRef) => ({
    parentRef,
    controllerName: GATEWAY_CONTROLLER_NAME,
    conditions: [
      {
        type: 'Accepted',
        status: rejection ? 'False' : 'True',
        reason: rejection?.reason ?? 'Accepted',
        message: rejection?.message ?? 'Route is accepted',
        observedGeneration: route.metadata.generation,
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
  }));
}

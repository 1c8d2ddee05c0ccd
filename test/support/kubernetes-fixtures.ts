import type { Release, ServiceRef } from '#core/types.ts';

/** Builders for the Kubernetes adapter tests. */

export function aService(overrides: Partial<ServiceRef> = {}): ServiceRef {
  return { name: 'checkout', namespace: 'shop', ...overrides };
}

export function aRelease(overrides: Partial<Release> = {}): Release {
  return { version: 'v2', image: 'registry.example/checkout:v2', replicas: 2, ...overrides };
}

/** A v1 Service selecting one track of `service`, on port 80 -> http. */
export function aTrackService(service: ServiceRef, name: string, track: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: service.namespace },
    spec: {
      selector: { app: service.name, 'cutover.dev/track': track },
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
    },
  };
}

/**
 * The HTTPRoute `checkout` in `shop`, sending its traffic to the track Services with these weights, in
 * their order: `{ stable: 100, canary: 0 }`, `{ blue: 100, green: 0 }`.
 */
export function aCheckoutRoute(weights: Readonly<Record<string, number>>): Record<string, unknown> {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'checkout', namespace: 'shop' },
    spec: {
      parentRefs: [{ name: 'public' }],
      rules: [
        {
          backendRefs: Object.entries(weights).map(([track, weight]) => ({
            name: `checkout-${track}`,
            port: 80,
            weight,
          })),
        },
      ],
    },
  };
}

/** A gateway.networking.k8s.io/v1 HTTPRoute `name` in `shop` with these rules and no parentRefs. */
export function anHttpRoute(rules: object[], name = 'checkout'): Record<string, unknown> {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'shop' },
    spec: { rules },
  };
}

/** A networking.istio.io/v1 VirtualService `name` in `shop` with these http routes. */
export function aVirtualService(http: object[], name = 'checkout'): Record<string, unknown> {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'shop' },
    spec: { http },
  };
}

/** A networking.k8s.io/v1 Ingress `name` in `shop` with this spec, and these annotations if any are given. */
export function anIngress(
  spec: object,
  { name = 'checkout', annotations }: { name?: string; annotations?: Record<string, string> } = {},
): Record<string, unknown> {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'shop', ...(annotations && { annotations }) },
    spec,
  };
}

/** An autoscaling/v2 HorizontalPodAutoscaler `name` in `shop` scaling the Deployment `deployment` (2-10 replicas on CPU). */
export function anAutoscaler(name: string, deployment: string): Record<string, unknown> {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: 'shop' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ],
    },
  };
}

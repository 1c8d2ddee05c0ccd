/** The API resources the emulator serves, with the discovery documents `KubernetesObjectApi` reads. */

export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
}

export const RESOURCE_TYPES: readonly ResourceType[] = [
  { group: '', version: 'v1', plural: 'services', singular: 'service', kind: 'Service' },
  { group: '', version: 'v1', plural: 'pods', singular: 'pod', kind: 'Pod' },
  { group: 'apps', version: 'v1', plural: 'deployments', singular: 'deployment', kind: 'Deployment' },
  { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', singular: 'ingress', kind: 'Ingress' },
  {
    group: 'autoscaling',
    version: 'v2',
    plural: 'horizontalpodautoscalers',
    singular: 'horizontalpodautoscaler',
    kind: 'HorizontalPodAutoscaler',
  },
  {
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    plural: 'httproutes',
    singular: 'httproute',
    kind: 'HTTPRoute',
  },
  {
    group: 'networking.istio.io',
    version: 'v1',
    plural: 'virtualservices',
    singular: 'virtualservice',
    kind: 'VirtualService',
  },
];

/** `v1` or `apps/v1`: the `apiVersion` of objects of this type. */
export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** The type served at `/api/<version>/...` (group '') or `/apis/<group>/<version>/...`. */
export function findResourceType(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

/** The `APIResourceList` of one group version, or undefined when the emulator does not serve it. */
export function discoveryDocument(group: string, version: string): object | undefined {
  const types = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: types.map((t) => ({
      name: t.plural,
      singularName: t.singular,
      namespaced: true,
      kind: t.kind,
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update'],
    })),
  };
}

import type { Cluster } from '#core/ports/cluster.ts';
import type { ClusterConfig } from '#core/schemas/cluster.ts';
import { createKubernetesCluster, type KubernetesClusterConfig } from '../kubernetes/connections.ts';
import { AdapterRegistry } from '../registry.ts';

/** The `cluster` adapter family: one factory per `cluster.type` of the request. */
export const clusters = new AdapterRegistry<ClusterConfig, Cluster>('cluster');

/**
 * Builds the Cluster for a request's `cluster` field (a Kubernetes one also takes the `routingObjects` its
 * snapshots keep). Throws `UnknownAdapterTypeError` naming the registered types when none is registered
 * for `config.type`.
 *
 * @example
 * const adapter = createCluster(request.cluster);
 */
export function createCluster(
  config: ClusterConfig & { readonly routingObjects?: readonly string[] },
): Cluster {
  return clusters.create(config);
}

clusters.register('eks', (config) => createKubernetesCluster(config as KubernetesClusterConfig));
clusters.register('kubeconfig', (config) => createKubernetesCluster(config as KubernetesClusterConfig));

import { ValidationError } from '#core/errors.ts';
import type { ClusterConfig } from '#core/schemas/cluster.ts';
import type { KubernetesObjects } from './client.ts';
import { eksObjects, kubeconfigObjects } from './connect.ts';
import { kubeconfigConnection } from './kubeconfig-env.ts';
import { KubernetesCluster, type KubernetesClusterOptions } from './kubernetes-cluster.ts';

/** The `cluster` configs that name a Kubernetes cluster. */
export type KubernetesClusterConfig = Extract<ClusterConfig, { type: 'eks' | 'kubeconfig' }>;

const connections = new Map<string, KubernetesObjects>();

/**
 * The client for a cluster config, shared by every adapter of the same cluster in this process (one
 * DescribeCluster and one token cache per EKS cluster). A non-Kubernetes config, or a kubeconfig file or
 * context that is not there, is refused, naming `field` (`traffic.cluster.context`).
 *
 * @example
 * const client = kubernetesObjectsFor({ type: 'eks', name: 'prod', region: 'eu-west-1' });
 */
export function kubernetesObjectsFor(
  config: ClusterConfig | undefined,
  field = 'cluster',
): KubernetesObjects {
  if (config?.type !== 'eks' && config?.type !== 'kubeconfig') {
    throw new ValidationError(
      `${field}.type must be eks or kubeconfig for a Kubernetes router (got ${JSON.stringify(config?.type)})`,
    );
  }
  const kubeconfig = config.type === 'kubeconfig' ? kubeconfigConnection(config) : undefined;
  const key =
    config.type === 'eks'
      ? JSON.stringify(['eks', config.region, config.name, config.roleArn ?? null])
      : JSON.stringify(['kubeconfig', kubeconfig?.path ?? null, kubeconfig?.context ?? null]);
  let client = connections.get(key);
  if (!client) {
    client =
      config.type === 'eks'
        ? eksObjects({ name: config.name, region: config.region, roleArn: config.roleArn })
        : kubeconfigObjects(kubeconfig!, {}, field);
    connections.set(key, client);
  }
  return client;
}

/**
 * The `eks` and `kubeconfig` cluster adapter, shaping tracks by the config's track template fields; its
 * snapshots keep the `routingObjects` the release's router weights.
 *
 * @example
 * const cluster = createKubernetesCluster({ type: 'kubeconfig', context: 'kind-cutover', containerPort: 8080 });
 */
export function createKubernetesCluster(
  config: KubernetesClusterConfig & Pick<KubernetesClusterOptions, 'routingObjects'>,
): KubernetesCluster {
  return new KubernetesCluster(kubernetesObjectsFor(config), {
    routingObjects: config.routingObjects,
    containerPort: config.containerPort,
    readinessPath: config.readinessPath,
    resources: config.resources,
    minReadySeconds: config.minReadySeconds,
    progressDeadlineSeconds: config.progressDeadlineSeconds,
    pod: config.pod,
    container: config.container,
  });
}

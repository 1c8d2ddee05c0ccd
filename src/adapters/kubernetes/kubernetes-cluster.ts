import type { Cluster } from '#core/ports/cluster.ts';
import type { ClusterSnapshot, Release, RolloutStatus, ServiceRef } from '#core/types.ts';
import type { KubeObject, KubernetesObjects } from './client.ts';
import { KubernetesApiError } from './errors.ts';
import {
  appliedForm,
  deploymentRef,
  TRACK_LABEL,
  type TrackTemplateOptions,
  trackDeployment,
  trackSelector,
} from './manifests.ts';
import { rolloutStatus } from './rollout-status.ts';
import { refuseAutoscaledTracks } from './track-autoscalers.ts';

/** The kinds a snapshot keeps, in the order a restore applies them (workloads first, routing last). */
const SNAPSHOT_KINDS = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' },
  { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' },
] as const;

/**
 * Tracks as Deployments `<service>-<track>` on any Kubernetes cluster (EKS or a kubeconfig context),
 * written with server-side apply (field manager `cutover`) so every call is idempotent.
 *
 * @example
 * const cluster = new KubernetesCluster(KubernetesObjectClient.fromKubeConfig(kc), { containerPort: 8080 });
 * await cluster.apply({ name: 'checkout', namespace: 'shop' }, 'canary', { version: 'v2', image: 'checkout:v2', replicas: 2 });
 * const { complete, failed } = await cluster.status({ name: 'checkout', namespace: 'shop' }, 'canary');
 */
export class KubernetesCluster implements Cluster {
  readonly type = 'kubernetes';

  constructor(
    private readonly client: KubernetesObjects,
    private readonly options: TrackTemplateOptions = {},
  ) {}

  async apply(service: ServiceRef, track: string, release: Release): Promise<void> {
    await this.client.apply(trackDeployment(service, track, release, this.options));
  }

  async status(service: ServiceRef, track: string): Promise<RolloutStatus> {
    const ref = deploymentRef(service, track);
    const deployment = await this.client.read(ref);
    if (!deployment) {
      return {
        desired: 0,
        updated: 0,
        ready: 0,
        available: 0,
        complete: false,
        failed: {
          reason: 'DeploymentNotFound',
          message: `Deployment ${ref.namespace}/${ref.name} does not exist`,
        },
      };
    }
    const counts = rolloutStatus(deployment, []);
    if (counts.complete || counts.failed) return counts;
    const pods = await this.client.list(
      'v1',
      'Pod',
      service.namespace,
      selector(trackSelector(service, track)),
    );
    return rolloutStatus(deployment, pods);
  }

  async scale(service: ServiceRef, track: string, replicas: number): Promise<void> {
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new RangeError(`replicas must be a whole number >= 0 (got ${replicas})`);
    }
    await this.client.mergePatch(deploymentRef(service, track), { spec: { replicas } });
  }

  async remove(service: ServiceRef, track: string): Promise<void> {
    await this.client.delete(deploymentRef(service, track));
  }

  /** Refuses tracks a HorizontalPodAutoscaler of the service's namespace scales (`ValidationError`, `cluster`). */
  async checkTracks(service: ServiceRef, tracks: readonly string[]): Promise<void> {
    await refuseAutoscaledTracks(this.client, service, tracks);
  }

  /** The service's Deployments, Services, Ingresses, HTTPRoutes and VirtualServices, as applied objects. */
  async snapshot(service: ServiceRef): Promise<ClusterSnapshot> {
    const objects: KubeObject[] = [];
    for (const { apiVersion, kind } of SNAPSHOT_KINDS) {
      const live = await this.#listIfServed(apiVersion, kind, service.namespace);
      objects.push(...live.filter((o) => belongsTo(o, service)).map(appliedForm));
    }
    return { service, takenAt: new Date().toISOString(), objects };
  }

  /** Re-applies the snapshot's objects, then deletes track Deployments created after it. */
  async restore(snapshot: ClusterSnapshot): Promise<void> {
    const objects = snapshot.objects as KubeObject[];
    for (const object of objects) await this.client.apply(object);
    const kept = new Set(objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name));
    const { service } = snapshot;
    const tracks = await this.client.list('apps/v1', 'Deployment', service.namespace, `app=${service.name}`);
    for (const deployment of tracks) {
      if (deployment.metadata.labels?.[TRACK_LABEL] && !kept.has(deployment.metadata.name)) {
        await this.client.delete({ ...deploymentRef(service, ''), name: deployment.metadata.name });
      }
    }
  }

  /** Lists a kind, or nothing when the cluster does not serve it (no Gateway API or Istio installed). */
  async #listIfServed(apiVersion: string, kind: string, namespace: string): Promise<KubeObject[]> {
    try {
      return await this.client.list(apiVersion, kind, namespace);
    } catch (error) {
      const unserved =
        (error instanceof KubernetesApiError && error.code === 404) ||
        /Unrecognized API version and kind/.test(String((error as Error).message));
      if (unserved) return [];
      throw error;
    }
  }
}

function selector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

function belongsTo(object: KubeObject, service: ServiceRef): boolean {
  const { name, labels } = object.metadata;
  return labels?.app === service.name || name === service.name || name.startsWith(`${service.name}-`);
}

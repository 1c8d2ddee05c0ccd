import type { Cluster, RestoreOptions, RolloutCheck } from '#core/ports/cluster.ts';
import { RELEASE_TRACKS } from '#core/strategies.ts';
import type { ClusterSnapshot, Release, RolloutStatus, ServiceRef } from '#core/types.ts';
import type { KubeObject, KubernetesObjects, ObjectRef } from './client.ts';
import { KubernetesApiNotServedError } from './errors.ts';
import {
  appliedForm,
  deploymentRef,
  replicasAnnotation,
  TRACK_LABEL,
  type TrackTemplateOptions,
  trackDeployment,
  trackName,
  trackSelector,
} from './manifests.ts';
import { rolloutStatus } from './rollout-status.ts';
import { refuseUnknownTemplateFields } from './template-fields.ts';
import { refuseAutoscaledTracks } from './track-autoscalers.ts';
import { replicasChange, sizingConflict } from './track-sizing.ts';

/** The kinds a snapshot keeps, in the order a restore applies them (workloads first, routing last). */
const SNAPSHOT_KINDS = [
  { apiVersion: 'apps/v1', kind: 'Deployment', routing: false },
  // A Service is a routing object too: the service-selector router switches one.
  { apiVersion: 'v1', kind: 'Service', routing: true },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', routing: true },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', routing: true },
  { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', routing: true },
] as const;

/** How the cluster shapes tracks, and which routing objects of the service its snapshots keep. */
export interface KubernetesClusterOptions extends TrackTemplateOptions {
  /**
   * Names of the Ingress, HTTPRoute, VirtualService or Service the release's router weights or switches
   * (`traffic.ingress`, `traffic.httpRoute`, `traffic.virtualService`, `traffic.service`); a snapshot keeps
   * them and their `<name>-canary` twins.
   * @default [] (the routing objects named like the service are kept in any case)
   */
  readonly routingObjects?: readonly string[];
}

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
    private readonly options: KubernetesClusterOptions = {},
  ) {}

  async apply(service: ServiceRef, track: string, release: Release): Promise<void> {
    await this.client.apply(trackDeployment(service, track, release, this.options));
  }

  /**
   * The Deployment's rollout (its pods too, while it is not complete). With `check`, also
   * failed when an autoscaler now scales one of `check.tracks` (`Autoscaled`), or the Deployment's replicas
   * are not the ones Cutover last set (`ReplicasOverridden`).
   */
  async status(service: ServiceRef, track: string, check?: RolloutCheck): Promise<RolloutStatus> {
    const ref = deploymentRef(service, track);
    const deployment = await this.client.read(ref);
    if (!deployment) {
      return {
        desired: 0,
        updated: 0,
        ready: 0,
        updatedReady: 0,
        available: 0,
        complete: false,
        failed: {
          reason: 'DeploymentNotFound',
          message: `Deployment ${ref.namespace}/${ref.name} does not exist`,
        },
      };
    }
    const status = await this.#rollout(service, track, deployment);
    return check && !status.failed ? this.#checkSizing(service, deployment, status, check.tracks) : status;
  }

  async scale(service: ServiceRef, track: string, replicas: number): Promise<void> {
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new RangeError(`replicas must be a whole number >= 0 (got ${replicas})`);
    }
    const annotations = replicasAnnotation(replicas);
    await this.client.mergePatch(deploymentRef(service, track), {
      metadata: { annotations },
      spec: { replicas },
    });
  }

  async remove(service: ServiceRef, track: string): Promise<void> {
    await this.client.delete(deploymentRef(service, track));
  }

  /**
   * Refuses (`ValidationError`) fields of `cluster.pod` and `cluster.container` Kubernetes lacks, and tracks
   * a HorizontalPodAutoscaler of the service's namespace scales.
   */
  async checkTracks(service: ServiceRef, tracks: readonly string[]): Promise<void> {
    refuseUnknownTemplateFields(this.options);
    await refuseAutoscaledTracks(this.client, service, tracks);
  }

  /**
   * The service's own Deployments, Services, Ingresses, HTTPRoutes and VirtualServices, as applied objects: by
   * exact name `<service>`, `<service>-<track>` (a strategy's track, or one whose Deployment Cutover applied),
   * the configured routing objects and their `-canary` twins; never another service's `<service>-api-stable`.
   */
  async snapshot(service: ServiceRef): Promise<ClusterSnapshot> {
    const objects: KubeObject[] = [];
    for (const { apiVersion, kind, routing } of SNAPSHOT_KINDS) {
      const names = this.#ownNames(service, routing);
      const live = await this.#listIfServed(apiVersion, kind, service.namespace);
      const own = live.filter((o) => names.has(o.metadata.name) || isAppliedTrack(o, service));
      objects.push(...own.map(appliedForm));
    }
    return { service, takenAt: new Date().toISOString(), objects };
  }

  /**
   * Re-applies the snapshot's objects (with `keepRouting`, only the routing objects that no longer exist),
   * then deletes the service's track Deployments created after it; answers how many it re-applied.
   */
  async restore(snapshot: ClusterSnapshot, options: RestoreOptions = {}): Promise<number> {
    const objects = snapshot.objects as KubeObject[];
    let applied = 0;
    for (const object of objects) {
      if (options.keepRouting && isRoutingKind(object) && (await this.client.read(refOf(object)))) continue;
      await this.client.apply(object);
      applied += 1;
    }
    const kept = new Set(objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name));
    const { service } = snapshot;
    const tracks = await this.client.list('apps/v1', 'Deployment', service.namespace, `app=${service.name}`);
    for (const deployment of tracks) {
      if (isAppliedTrack(deployment, service) && !kept.has(deployment.metadata.name)) {
        await this.client.delete({ ...deploymentRef(service, ''), name: deployment.metadata.name });
      }
    }
    return applied;
  }

  /**
   * A track Deployment's rollout: from the Deployment alone when complete, else with its pods (which of
   * them run the current template and are ready, what holds them up).
   */
  async #rollout(service: ServiceRef, track: string, deployment: KubeObject): Promise<RolloutStatus> {
    const counts = rolloutStatus(deployment, []);
    if (counts.complete) return counts;
    const pods = await this.client.list(
      'v1',
      'Pod',
      service.namespace,
      selector(trackSelector(service, track)),
    );
    return rolloutStatus(deployment, pods);
  }

  /**
   * `status`, failed when something other than Cutover sizes the release's `tracks` ({@link sizingConflict}).
   * The autoscalers are listed (once) only when that can change what the check reports: replicas changed
   * since Cutover set them, or a complete rollout, the check that lets the release go on (one still rolling
   * out is checked again anyway): once per rollout a release waits for (each batch of a rolling release).
   */
  async #checkSizing(
    service: ServiceRef,
    deployment: KubeObject,
    status: RolloutStatus,
    tracks: readonly string[],
  ): Promise<RolloutStatus> {
    if (!status.complete && !replicasChange(deployment)) return status;
    const failed = await sizingConflict(this.client, service, deployment, tracks);
    return failed ? { ...status, failed } : status;
  }

  /** The names of the service's own objects of a kind: routing kinds add the configured routing objects and twins. */
  #ownNames(service: ServiceRef, routing: boolean): Set<string> {
    const routed = routing ? [service.name, ...(this.options.routingObjects ?? [])] : [];
    return new Set([
      service.name,
      ...RELEASE_TRACKS.map((track) => trackName(service, track)),
      ...routed.map((name) => `${name}-canary`),
      ...routed,
    ]);
  }

  /** Lists a kind, or nothing when the cluster does not serve it (no Gateway API or Istio installed). */
  async #listIfServed(apiVersion: string, kind: string, namespace: string): Promise<KubeObject[]> {
    try {
      return await this.client.list(apiVersion, kind, namespace);
    } catch (error) {
      if (error instanceof KubernetesApiNotServedError) return [];
      throw error;
    }
  }
}

function refOf({ apiVersion, kind, metadata }: KubeObject): ObjectRef {
  return { apiVersion, kind, namespace: metadata.namespace!, name: metadata.name };
}

/** True for the kinds a router weights or switches (Service, Ingress, HTTPRoute, VirtualService). */
function isRoutingKind(object: KubeObject): boolean {
  return SNAPSHOT_KINDS.some(
    ({ apiVersion, kind, routing }) => routing && object.apiVersion === apiVersion && object.kind === kind,
  );
}

function selector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/** A track Deployment as Cutover applies it: labelled with the service and a track, named after both. */
function isAppliedTrack(object: KubeObject, service: ServiceRef): boolean {
  const { name, labels } = object.metadata;
  const track = labels?.[TRACK_LABEL];
  return labels?.app === service.name && track !== undefined && name === trackName(service, track);
}

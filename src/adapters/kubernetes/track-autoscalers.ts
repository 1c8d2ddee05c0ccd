import { ValidationError } from '#core/errors.ts';
import type { ServiceRef } from '#core/types.ts';
import type { KubeObject, KubernetesObjects } from './client.ts';
import { KubernetesApiError } from './errors.ts';
import { trackName } from './manifests.ts';

/** `spec.scaleTargetRef` of an autoscaling/v2 HorizontalPodAutoscaler. */
interface ScaleTargetRef {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
}

/**
 * Refuses, with a `ValidationError` naming the request's `cluster` field, a HorizontalPodAutoscaler
 * (autoscaling/v2) of the service's namespace that scales the Deployment of one of `tracks`: it would undo
 * the replica counts Cutover sets. Reads only; skipped where the autoscalers cannot be listed (a Role
 * without the `horizontalpodautoscalers` rule, a cluster without autoscaling/v2).
 *
 * @example
 * await refuseAutoscaledTracks(client, { name: 'checkout', namespace: 'shop' }, ['stable', 'canary']);
 */
export async function refuseAutoscaledTracks(
  client: KubernetesObjects,
  service: ServiceRef,
  tracks: readonly string[],
): Promise<void> {
  const deployments = new Set(tracks.map((track) => trackName(service, track)));
  const autoscalers = await client
    .list('autoscaling/v2', 'HorizontalPodAutoscaler', service.namespace)
    .catch((error: unknown) => {
      // A Role from before this check (403) or a cluster without autoscaling/v2 (404) cannot be asked:
      // releases go on as before rather than all failing after an upgrade.
      if (error instanceof KubernetesApiError && (error.code === 403 || error.code === 404)) return [];
      throw error;
    });
  const autoscaler = autoscalers.find((candidate) => deployments.has(scaledDeployment(candidate) ?? ''));
  if (!autoscaler) return;
  throw new ValidationError(
    `cluster: HorizontalPodAutoscaler ${service.namespace}/${autoscaler.metadata.name} scales Deployment ` +
      `${scaledDeployment(autoscaler)}, a track Cutover sizes itself (each would overwrite the other's ` +
      'spec.replicas during the release): delete it or point it at another workload; Cutover does not ' +
      'support autoscaled tracks yet',
  );
}

/** The name of the apps/v1 Deployment an autoscaler scales, if it scales one. */
function scaledDeployment(autoscaler: KubeObject): string | undefined {
  const target = autoscaler.spec?.scaleTargetRef as ScaleTargetRef | undefined;
  return target?.kind === 'Deployment' && target.apiVersion === 'apps/v1' ? target.name : undefined;
}

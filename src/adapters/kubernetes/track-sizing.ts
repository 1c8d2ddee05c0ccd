import type { RolloutStatus, ServiceRef } from '#core/types.ts';
import type { KubeObject, KubernetesObjects } from './client.ts';
import { replicasSetByCutover } from './manifests.ts';
import { findTrackAutoscaler, type TrackAutoscaler } from './track-autoscalers.ts';

/** What to do about an autoscaler that scales a track. */
const REMEDY = '(delete it or point it at another workload)';

/** Who else changes a track's replicas, and what to do about it. */
const CHANGED_BY_SOMEONE_ELSE =
  'someone else changed them during the release (kubectl scale, a GitOps sync, another controller); ' +
  "leave the tracks' replicas to Cutover until it ends";

/**
 * Why a rollout check fails a track Cutover has just sized, if something other than Cutover sizes the
 * release's tracks now: `Autoscaled` when a HorizontalPodAutoscaler of the namespace scales the Deployment
 * of one of `tracks` (found as ValidateRequest finds one, with one list of the autoscalers), else
 * `ReplicasOverridden` when `deployment`'s `spec.replicas` are not the ones Cutover last set.
 *
 * @example
 * await sizingConflict(client, service, green, ['blue', 'green']);
 * // { reason: 'Autoscaled', message: 'checkout-green has 6 replicas, Cutover set 1: a HorizontalPodAutoscaler shop/checkout now scales it (...)' }
 */
export async function sizingConflict(
  client: KubernetesObjects,
  service: ServiceRef,
  deployment: KubeObject,
  tracks: readonly string[],
): Promise<RolloutStatus['failed']> {
  const change = replicasChange(deployment);
  const autoscaler = await findTrackAutoscaler(client, service, tracks);
  if (autoscaler) {
    return { reason: 'Autoscaled', message: autoscaled(service, autoscaler, deployment, change) };
  }
  if (!change) return undefined;
  return { reason: 'ReplicasOverridden', message: `${change}: ${CHANGED_BY_SOMEONE_ELSE}` };
}

/**
 * `checkout-green has 6 replicas, Cutover set 1`, when a track Deployment's `spec.replicas` are not the
 * ones Cutover last set on it; nothing when they are, or when Cutover recorded none.
 */
export function replicasChange(deployment: KubeObject): string | undefined {
  const set = replicasSetByCutover(deployment);
  const has = (deployment.spec?.replicas as number | undefined) ?? 1;
  if (set === undefined || set === has) return undefined;
  return `${deployment.metadata.name} has ${has} replica${has === 1 ? '' : 's'}, Cutover set ${set}`;
}

/** The autoscaler that now scales a track, and what it changed of `deployment`, the track checked. */
function autoscaled(
  service: ServiceRef,
  autoscaler: TrackAutoscaler,
  deployment: KubeObject,
  change: string | undefined,
): string {
  const scales = `a HorizontalPodAutoscaler ${service.namespace}/${autoscaler.name} now scales`;
  if (!change) return `${scales} ${autoscaler.deployment}, a track Cutover sizes ${REMEDY}`;
  const target = autoscaler.deployment === deployment.metadata.name ? 'it' : autoscaler.deployment;
  return `${change}: ${scales} ${target} ${REMEDY}`;
}

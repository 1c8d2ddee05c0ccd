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
 * The API groups a `scaleTargetRef` of kind Deployment resolves to the Deployments Cutover applies: the HPA
 * controller looks the target up by group and kind, whatever the version (`apps/v1beta2` and
 * `extensions/v1beta1` name the same Deployment as `apps/v1`).
 */
const DEPLOYMENT_GROUPS: ReadonlySet<string> = new Set(['apps', 'extensions']);

/** Why the autoscalers of a namespace cannot be listed, by the status the API server answers. */
const UNLISTABLE: Readonly<Record<number, string>> = {
  403: 'the Role may not list horizontalpodautoscalers',
  404: 'the cluster does not serve autoscaling/v2',
};

/** A HorizontalPodAutoscaler that scales a track's Deployment: its name, and the Deployment's. */
export interface TrackAutoscaler {
  readonly name: string;
  readonly deployment: string;
}

/**
 * Refuses, with a `ValidationError` naming the request's `cluster` field, a HorizontalPodAutoscaler
 * (autoscaling/v2) of the service's namespace that scales the Deployment of one of `tracks`: it would undo
 * the replica counts Cutover sets. Reads only; skipped, with one warning line on the console, where the
 * autoscalers cannot be listed (a Role without the `horizontalpodautoscalers` rule, a cluster without
 * autoscaling/v2).
 *
 * @example
 * await refuseAutoscaledTracks(client, { name: 'checkout', namespace: 'shop' }, ['stable', 'canary']);
 */
export async function refuseAutoscaledTracks(
  client: KubernetesObjects,
  service: ServiceRef,
  tracks: readonly string[],
): Promise<void> {
  const autoscaler = await findTrackAutoscaler(client, service, tracks);
  if (!autoscaler) return;
  throw new ValidationError(
    `cluster: HorizontalPodAutoscaler ${service.namespace}/${autoscaler.name} scales Deployment ` +
      `${autoscaler.deployment}, a track Cutover sizes itself (each would overwrite the other's ` +
      'spec.replicas during the release): delete it or point it at another workload; Cutover does not ' +
      'support autoscaled tracks yet',
  );
}

/**
 * The first HorizontalPodAutoscaler (autoscaling/v2) of the service's namespace that scales the Deployment
 * of one of `tracks`, from one list of them; none where they cannot be listed, after one warning line on
 * the console saying the check is skipped and why.
 *
 * @example
 * await findTrackAutoscaler(client, service, ['blue', 'green']); // { name: 'checkout', deployment: 'checkout-green' }
 */
export async function findTrackAutoscaler(
  client: KubernetesObjects,
  service: ServiceRef,
  tracks: readonly string[],
): Promise<TrackAutoscaler | undefined> {
  const deployments = new Set(tracks.map((track) => trackName(service, track)));
  for (const autoscaler of await listAutoscalers(client, service)) {
    const deployment = scaledDeployment(autoscaler);
    if (deployment && deployments.has(deployment)) return { name: autoscaler.metadata.name, deployment };
  }
  return undefined;
}

/**
 * The autoscalers of the service's namespace; none, after a warning saying the check is skipped and why
 * (once per process for each namespace, service and reason),
 * where they cannot be listed: a Role from before this check (403) or a cluster without autoscaling/v2
 * (404) cannot be asked, and releases go on as before rather than all failing after an upgrade.
 */
async function listAutoscalers(client: KubernetesObjects, service: ServiceRef): Promise<KubeObject[]> {
  try {
    return await client.list('autoscaling/v2', 'HorizontalPodAutoscaler', service.namespace);
  } catch (error) {
    if (!(error instanceof KubernetesApiError) || UNLISTABLE[error.code] === undefined) throw error;
    warnOnce(skippedCheck(service, error.code));
    return [];
  }
}

/** The warnings this process wrote: a release checks at every batch, and one line says it. */
const warned = new Set<string>();

function warnOnce(line: string): void {
  if (warned.has(line)) return;
  warned.add(line);
  console.warn(line);
}

/** The warning line of a check skipped because listing the autoscalers answered `code`. */
function skippedCheck(service: ServiceRef, code: number): string {
  return (
    `warning: HorizontalPodAutoscaler check skipped in namespace ${service.namespace}: ${UNLISTABLE[code]} ` +
    `(${code}); an autoscaler scaling a track of ${service.name} would go unnoticed and overwrite the ` +
    'replica counts Cutover sets'
  );
}

/** The API group of an `apiVersion`: `apps` of `apps/v1`, the core group `''` of `v1`. */
function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * The name of the Deployment an autoscaler scales, if it scales one: a `scaleTargetRef` of kind Deployment
 * in the group `apps` or `extensions`, at any version.
 */
function scaledDeployment(autoscaler: KubeObject): string | undefined {
  const target = autoscaler.spec?.scaleTargetRef as ScaleTargetRef | undefined;
  if (target?.kind !== 'Deployment' || typeof target.apiVersion !== 'string') return undefined;
  return DEPLOYMENT_GROUPS.has(apiGroup(target.apiVersion)) ? target.name : undefined;
}

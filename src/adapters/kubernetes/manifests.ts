import { createHash } from 'node:crypto';
import { ValidationError } from '#core/errors.ts';
import type { Release, ServiceRef } from '#core/types.ts';
import type { KubeObject, ObjectRef } from './client.ts';

/** Labels Cutover puts on every track's Deployment and pods. */
export const TRACK_LABEL = 'cutover.dev/track';
export const VERSION_LABEL = 'cutover.dev/version';
/**
 * On a track's pods: a digest of the container Cutover wrote, so the pods of the current template are
 * told from earlier ones by labels alone (an admission webhook may rewrite the image a pod runs).
 */
export const TEMPLATE_LABEL = 'cutover.dev/template';
/**
 * On a track's Deployment: the `spec.replicas` Cutover last set, written with them (apply or scale), so a
 * rollout check tells replicas someone else changed since (an autoscaler, `kubectl scale`) from its own.
 */
const REPLICAS_ANNOTATION = 'cutover.dev/replicas';

/** CPU and memory quantities of a container (`250m`, `512Mi`), as Kubernetes takes them. */
export interface ComputeResources {
  readonly cpu?: string;
  readonly memory?: string;
}

/** How tracks are shaped on the cluster, from the request's `cluster` block. */
export interface TrackTemplateOptions {
  /** The container port, exposed as the named port `http`. */
  readonly containerPort?: number;
  /**
   * Path of the readiness probe, an HTTP GET on the port `http` (so written only with `containerPort`);
   * `false` for no probe. @default '/healthz' (what the local cluster probes)
   */
  readonly readinessPath?: string | false;
  /** The container's `resources`, written as is. */
  readonly resources?: { readonly requests?: ComputeResources; readonly limits?: ComputeResources };
  /** `spec.minReadySeconds`: how long a ready pod stays ready before it counts as available. */
  readonly minReadySeconds?: number;
  /** `spec.progressDeadlineSeconds` of each Deployment. @default 600 (the Kubernetes default) */
  readonly progressDeadlineSeconds?: number;
}

/** The readiness probe: ready at the first 2xx, out of the Service after 3 failures 5 s apart. */
function readinessProbe(path: string): Record<string, unknown> {
  return { httpGet: { path, port: 'http' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 };
}

/** `checkout-canary`: the Deployment (and per-track Service) name of one track. */
export function trackName(service: ServiceRef, track: string): string {
  return `${service.name}-${track}`;
}

export function deploymentRef(service: ServiceRef, track: string): ObjectRef {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: service.namespace,
    name: trackName(service, track),
  };
}

/** The labels that select one track's pods (also the Deployment's immutable selector). */
export function trackSelector(service: ServiceRef, track: string): Record<string, string> {
  return { app: service.name, [TRACK_LABEL]: track };
}

/**
 * The Deployment Cutover applies for one track: labels `app`, `cutover.dev/track`, `cutover.dev/version`
 * (and on its pods `cutover.dev/template`, a digest of the container), the annotation
 * `cutover.dev/replicas` recording the replicas it sets, selector on `app` + track only (so a new version
 * never changes the immutable selector); the container gets the port `http`, its readiness probe and the
 * resources of `options`.
 */
export function trackDeployment(
  service: ServiceRef,
  track: string,
  release: Release,
  options: TrackTemplateOptions = {},
): KubeObject {
  if (!release.image) {
    throw new ValidationError(
      'release.image is required on a Kubernetes cluster (release.command alone runs only locally)',
    );
  }
  if (!Number.isInteger(release.replicas) || release.replicas < 0) {
    throw new ValidationError(`release.replicas must be an integer >= 0 (got ${release.replicas})`);
  }
  const { containerPort, readinessPath = '/healthz', resources, minReadySeconds } = options;
  const progressDeadlineSeconds = options.progressDeadlineSeconds ?? 600;
  const labels = { ...trackSelector(service, track), [VERSION_LABEL]: release.version };
  const container: Record<string, unknown> = { name: service.name, image: release.image };
  if (release.command) container.command = [...release.command];
  if (release.env) container.env = Object.entries(release.env).map(([name, value]) => ({ name, value }));
  if (containerPort) {
    container.ports = [{ name: 'http', containerPort }];
    if (readinessPath !== false) container.readinessProbe = readinessProbe(readinessPath);
  }
  if (resources) container.resources = resources;
  const podLabels = { ...labels, [TEMPLATE_LABEL]: digestOf(container) };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: trackName(service, track),
      namespace: service.namespace,
      labels,
      annotations: replicasAnnotation(release.replicas),
    },
    spec: {
      replicas: release.replicas,
      ...(minReadySeconds === undefined ? {} : { minReadySeconds }),
      progressDeadlineSeconds,
      selector: { matchLabels: trackSelector(service, track) },
      template: { metadata: { labels: podLabels }, spec: { containers: [container] } },
    },
  };
}

/** The annotations recording `replicas` as the ones Cutover set, written with them (apply and scale). */
export function replicasAnnotation(replicas: number): Record<string, string> {
  return { [REPLICAS_ANNOTATION]: String(replicas) };
}

/** The `spec.replicas` Cutover last set on a track's Deployment, if it recorded them. */
export function replicasSetByCutover(deployment: KubeObject): number | undefined {
  const recorded = deployment.metadata.annotations?.[REPLICAS_ANNOTATION];
  return recorded === undefined || !/^\d+$/.test(recorded) ? undefined : Number(recorded);
}

/** The first 10 hex digits of the sha256 of a value's JSON: a label value (at most 63 characters). */
function digestOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 10);
}

/** The object as it would be applied: identity, labels, annotations and spec; no status or server fields. */
export function appliedForm(object: KubeObject): KubeObject {
  const { name, namespace, labels, annotations } = object.metadata;
  const metadata: KubeObject['metadata'] = { name, namespace };
  if (labels) metadata.labels = labels;
  if (annotations) metadata.annotations = annotations;
  return { apiVersion: object.apiVersion, kind: object.kind, metadata, spec: object.spec };
}

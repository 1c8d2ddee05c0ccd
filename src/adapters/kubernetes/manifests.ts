import { createHash } from 'node:crypto';
import { ValidationError } from '#core/errors.ts';
import type { Release, ServiceRef } from '#core/types.ts';
import type { KubeObject, ObjectRef } from './client.ts';

/** Labels Cutover puts on every track's Deployment and pods. */
export const TRACK_LABEL = 'cutover.dev/track';
export const VERSION_LABEL = 'cutover.dev/version';
/**
 * On a track's pods: a digest of the pod spec Cutover wrote (of its container alone when the cluster block
 * sets no `pod` field, as before there were any, so those tracks keep their digest), so the pods of the
 * current template are told from earlier ones by labels alone (an admission webhook may rewrite the image a
 * pod runs).
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

/** A Kubernetes object written as given (an affinity, a toleration, a volume source): the API server checks it. */
export type KubernetesFields = Readonly<Record<string, unknown>>;

/** Fields of the track's pod spec, written as given beside Cutover's `containers`. */
export interface PodTemplateFields {
  readonly serviceAccountName?: string;
  readonly imagePullSecrets?: readonly { readonly name: string }[];
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly KubernetesFields[];
  readonly affinity?: KubernetesFields;
  readonly topologySpreadConstraints?: readonly KubernetesFields[];
  readonly securityContext?: KubernetesFields;
  readonly priorityClassName?: string;
  readonly terminationGracePeriodSeconds?: number;
  readonly volumes?: readonly KubernetesFields[];
}

/** Fields of the track's container, written as given beside Cutover's own. */
export interface ContainerTemplateFields {
  readonly envFrom?: readonly KubernetesFields[];
  readonly volumeMounts?: readonly KubernetesFields[];
  readonly securityContext?: KubernetesFields;
  readonly lifecycle?: KubernetesFields;
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
  /** Fields of `spec.template.spec`, written as given; its `containers` stay Cutover's. */
  readonly pod?: PodTemplateFields;
  /** Fields of the track's container, written as given; Cutover's own fields win. */
  readonly container?: ContainerTemplateFields;
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
 * (and on its pods `cutover.dev/template`, a digest of the pod spec), the annotation
 * `cutover.dev/replicas` recording the replicas it sets, selector on `app` + track only (so a new version
 * never changes the immutable selector); the container gets the port `http`, its readiness probe and the
 * resources of `options`, then the fields of `options.container`; the pod spec the fields of
 * `options.pod` beside its one container.
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
  // The options' container fields first: Cutover's own, set after them, win where they overlap.
  const container: Record<string, unknown> = {
    ...definedFields(options.container),
    name: service.name,
    image: release.image,
  };
  if (release.command) container.command = [...release.command];
  if (release.env) container.env = Object.entries(release.env).map(([name, value]) => ({ name, value }));
  if (containerPort) {
    container.ports = [{ name: 'http', containerPort }];
    if (readinessPath !== false) container.readinessProbe = readinessProbe(readinessPath);
  }
  if (resources) container.resources = resources;
  const podSpec = { ...definedFields(options.pod), containers: [container] };
  const podLabels = { ...labels, [TEMPLATE_LABEL]: templateDigest(podSpec) };
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
      template: { metadata: { labels: podLabels }, spec: podSpec },
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

/** The fields of `fields` that have a value. */
function definedFields(fields: object | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields ?? {}).filter(([, value]) => value !== undefined));
}

/**
 * The `cutover.dev/template` digest of a pod spec: of its one container when it has no other field (the
 * digest tracks had before the cluster block's `pod` existed), else of the whole spec.
 */
function templateDigest(podSpec: { readonly containers: readonly unknown[] }): string {
  const { containers, ...podFields } = podSpec;
  return digestOf(Object.keys(podFields).length === 0 ? containers[0] : podSpec);
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

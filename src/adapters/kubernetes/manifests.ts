import { ValidationError } from '#core/errors.ts';
import type { Release, ServiceRef } from '#core/types.ts';
import type { KubeObject, ObjectRef } from './client.ts';

/** Labels Cutover puts on every track's Deployment and pods. */
export const TRACK_LABEL = 'cutover.dev/track';
export const VERSION_LABEL = 'cutover.dev/version';

/** How tracks are shaped on the cluster, from the request's `cluster` block. */
export interface TrackTemplateOptions {
  /** The container port, exposed as the named port `http`. */
  readonly containerPort?: number;
  /** `spec.progressDeadlineSeconds` of each Deployment. @default 600 (the Kubernetes default) */
  readonly progressDeadlineSeconds?: number;
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
 * The Deployment Cutover applies for one track: labels `app`, `cutover.dev/track`, `cutover.dev/version`,
 * selector on `app` + track only (so a new version never changes the immutable selector).
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
  const labels = { ...trackSelector(service, track), [VERSION_LABEL]: release.version };
  const container: Record<string, unknown> = { name: service.name, image: release.image };
  if (release.command) container.command = [...release.command];
  if (release.env) container.env = Object.entries(release.env).map(([name, value]) => ({ name, value }));
  if (options.containerPort) container.ports = [{ name: 'http', containerPort: options.containerPort }];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: trackName(service, track), namespace: service.namespace, labels },
    spec: {
      replicas: release.replicas,
      progressDeadlineSeconds: options.progressDeadlineSeconds ?? 600,
      selector: { matchLabels: trackSelector(service, track) },
      template: { metadata: { labels }, spec: { containers: [container] } },
    },
  };
}

/** The object as it would be applied: identity, labels, annotations and spec; no status or server fields. */
export function appliedForm(object: KubeObject): KubeObject {
  const { name, namespace, labels, annotations } = object.metadata;
  const metadata: KubeObject['metadata'] = { name, namespace };
  if (labels) metadata.labels = labels;
  if (annotations) metadata.annotations = annotations;
  return { apiVersion: object.apiVersion, kind: object.kind, metadata, spec: object.spec };
}

import type { RolloutStatus } from '#core/types.ts';
import type { KubeObject } from './client.ts';
import { TEMPLATE_LABEL } from './manifests.ts';

/**
 * Container waiting reasons of a configuration no retry resolves: they fail the rollout at once.
 * `ErrImagePull` alone is not one: the kubelet retries it, and a pull that keeps failing turns into
 * `ImagePullBackOff`.
 */
const CONFIGURATION_ERRORS = new Set(['ErrImageNeverPull', 'InvalidImageName']);

/**
 * Container waiting reasons the kubelet keeps retrying, often with success (a registry throttling a pull, a
 * Secret created seconds after the pod): they fail the rollout once the pod is `PERSISTENT_ERROR_MS` old.
 */
const RETRIED_ERRORS = new Set([
  'ImagePullBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/**
 * Restarts after which a crash loop fails the rollout: the kubelet backs off 10 s, 20 s, then 40 s, so about
 * 70 s of crashing, past an app that exits once at start because a sidecar or database is not up yet.
 */
const CRASH_LOOP_RESTARTS = 3;

/**
 * How old a pod with a retried error gets before it fails the rollout: a throttled pull or a Secret
 * created a few seconds late clears well within it.
 */
const PERSISTENT_ERROR_MS = 60_000;

// biome-ignore lint/suspicious/noExplicitAny: Deployment and Pod status are read as untyped JSON
type Loose = any;

/**
 * A track's rollout status from its Deployment (and, when not complete, its pods): complete when
 * updated = ready = available = desired at the current generation with no old pods left. `updatedReady`
 * counts the ready pods of the current template alone (all of them once complete): the Deployment's
 * `readyReplicas` also counts the pods of an earlier template a rolling update keeps until the new ones
 * are ready, and its `updatedReplicas` those of the template the controller last observed. Failed when the
 * Deployment is paused with a template change held back (a paused Deployment that is only scaled reports
 * its progress as any other), and, once the controller has observed the current spec, on
 * `ProgressDeadlineExceeded` or a pod of the current template stuck (pods of an earlier template are going
 * away and say nothing of this one): at once on an image it can never run, in a crash loop once its
 * container restarted `CRASH_LOOP_RESTARTS` times, in an image pull back-off or a container it cannot
 * create or start once the pod is `PERSISTENT_ERROR_MS` old (as of `now`, ms; a pod without a
 * `creationTimestamp` counts as that old). `waiting` says what holds the rollout up: a ReplicaSet that
 * cannot create pods (a quota), an unschedulable pod, a container not started or not ready, with how far
 * a crash loop or retried error is from failing the release.
 */
export function rolloutStatus(
  deployment: KubeObject,
  pods: readonly KubeObject[],
  now = Date.now(),
): RolloutStatus {
  const spec: Loose = deployment.spec ?? {};
  const status: Loose = deployment.status ?? {};
  const desired: number = spec.replicas ?? 1;
  const updated: number = status.updatedReplicas ?? 0;
  const ready: number = status.readyReplicas ?? 0;
  const available: number = status.availableReplicas ?? 0;
  const current = (status.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 0);
  const complete =
    current &&
    updated === desired &&
    ready === desired &&
    available === desired &&
    (status.replicas ?? 0) === desired;
  const ofTemplate = pods.filter((pod) => runsTemplate(pod, spec.template));
  const updatedReady = complete ? ready : ofTemplate.filter(isReady).length;
  const counts = { desired, updated, ready, updatedReady, available, complete };
  if (complete) return counts;
  if (spec.paused === true && holdsTemplate(status, spec.template, current, pods)) {
    return { ...counts, failed: paused(deployment) };
  }
  if (!current) return counts;
  // A terminating pod (of a Deployment deleted a moment ago, whose pods match the same labels) says nothing.
  const failed = deadlineExceeded(status, spec) ?? stuckPod(ofTemplate.filter(isLive), now);
  if (failed) return { ...counts, failed };
  const waiting = replicaFailure(status) ?? podWaiting(ofTemplate, now);
  return waiting ? { ...counts, waiting } : counts;
}

/**
 * Whether a paused Deployment holds back a template change. Kubernetes still scales a paused Deployment,
 * but starts no pod of a changed template: once the controller has observed the spec, it counts replicas
 * of an earlier template (`updatedReplicas` below `replicas`); before, pods of an earlier template tell.
 */
function holdsTemplate(
  status: Loose,
  template: Loose,
  current: boolean,
  pods: readonly KubeObject[],
): boolean {
  if (current) return (status.updatedReplicas ?? 0) < (status.replicas ?? 0);
  return pods.some((pod) => !runsTemplate(pod, template));
}

function paused(deployment: KubeObject): NonNullable<RolloutStatus['failed']> {
  const { name, namespace } = deployment.metadata;
  return {
    reason: 'DeploymentPaused',
    message:
      `Deployment ${namespace}/${name} is paused (spec.paused), so it rolls nothing out: resume it ` +
      `(kubectl rollout resume deployment/${name} -n ${namespace}) and run the release again`,
  };
}

function deadlineExceeded(status: Loose, spec: Loose): RolloutStatus['failed'] {
  const progressing = conditionOf(status, 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    const deadline = spec.progressDeadlineSeconds ?? 600;
    return {
      reason: 'ProgressDeadlineExceeded',
      message: `${progressing.message ?? 'the rollout timed out progressing'} (the Deployment's progressDeadlineSeconds: ${deadline})`,
    };
  }
  return undefined;
}

/**
 * Whether a pod runs the Deployment's current template: it carries the template's labels, Cutover's
 * version and template digest among them (labels, as an admission webhook may rewrite a pod's image). A
 * template from before the digest label is matched on its images too.
 */
function runsTemplate(pod: KubeObject, template: Loose): boolean {
  const labels: Record<string, string> = template?.metadata?.labels ?? {};
  if (Object.entries(labels).some(([key, value]) => pod.metadata.labels?.[key] !== value)) return false;
  if (TEMPLATE_LABEL in labels) return true;
  const images = new Map<string, string>(
    ((pod.spec as Loose)?.containers ?? []).map((c: Loose) => [c.name, c.image]),
  );
  return (template?.spec?.containers ?? []).every((c: Loose) => images.get(c.name) === c.image);
}

/**
 * Whether a pod counts as ready, as its ReplicaSet counts it: its `Ready` condition (every container ready
 * when it has none), and not terminating.
 */
function isReady(pod: KubeObject): boolean {
  if (!isLive(pod)) return false;
  const ready = conditionOf(pod.status, 'Ready');
  if (ready) return ready.status === 'True';
  const containers: Loose[] = (pod.status as Loose)?.containerStatuses ?? [];
  return containers.length > 0 && containers.every((container) => container.ready === true);
}

/** Whether a pod is not being deleted (no `deletionTimestamp`). */
function isLive(pod: KubeObject): boolean {
  return !(pod.metadata as Loose).deletionTimestamp;
}

function containersOf(pod: KubeObject): Loose[] {
  const status: Loose = pod.status ?? {};
  return [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])];
}

function stuckPod(pods: readonly KubeObject[], now: number): RolloutStatus['failed'] {
  for (const pod of pods) {
    for (const container of containersOf(pod)) {
      const waiting = container.state?.waiting;
      const persistence = waiting && persistenceOf(waiting.reason, pod, container, now);
      if (persistence?.persisted) {
        const detail = waiting.message ? `: ${waiting.message}` : '';
        const extent = persistence.extent ? ` (${persistence.extent})` : '';
        return {
          reason: waiting.reason,
          message: `pod ${pod.metadata.name} container ${container.name}${detail}${extent}${lastExit(container)}`,
        };
      }
    }
  }
  return undefined;
}

/**
 * How far a waiting container is toward failing the rollout: `persisted` once it fails it, how long or how
 * often so far (`extent`: `restarted 1 time`) and the limit (`limit`: `3 restarts`), unless it fails at once.
 */
interface Persistence {
  readonly persisted: boolean;
  readonly extent?: string;
  readonly limit?: string;
}

/**
 * How far a container waiting for `reason` is toward failing the rollout; undefined for a reason that never
 * does (`ContainerCreating`, a first `ErrImagePull`).
 */
function persistenceOf(
  reason: string,
  pod: KubeObject,
  container: Loose,
  now: number,
): Persistence | undefined {
  if (CONFIGURATION_ERRORS.has(reason)) return { persisted: true };
  if (reason === 'CrashLoopBackOff') return restartsOf(container);
  if (RETRIED_ERRORS.has(reason)) return ageOf(pod, now);
  return undefined;
}

function restartsOf(container: Loose): Persistence {
  const restarts: number = container.restartCount ?? 0;
  return {
    persisted: restarts >= CRASH_LOOP_RESTARTS,
    extent: `restarted ${restarts} ${restarts === 1 ? 'time' : 'times'}`,
    limit: `${CRASH_LOOP_RESTARTS} restarts`,
  };
}

function ageOf(pod: KubeObject, now: number): Persistence {
  const created = Date.parse((pod.metadata as Loose).creationTimestamp ?? '');
  if (Number.isNaN(created)) return { persisted: true };
  const age = Math.max(0, now - created);
  return {
    persisted: age >= PERSISTENT_ERROR_MS,
    extent: `pod created ${Math.floor(age / 1000)} s ago`,
    limit: `${PERSISTENT_ERROR_MS / 1000} s`,
  };
}

/** How a restarted container last ended: `; last terminated: OOMKilled (exit code 137)`. */
function lastExit(container: Loose): string {
  const terminated = container.lastState?.terminated;
  if (!terminated) return '';
  return `; last terminated: ${terminated.reason ?? 'Error'} (exit code ${terminated.exitCode})`;
}

/** A ReplicaSet that cannot create pods: `ReplicaFailure` (a quota, an admission webhook). */
function replicaFailure(status: Loose): string | undefined {
  const failure = conditionOf(status, 'ReplicaFailure');
  if (failure?.status !== 'True') return undefined;
  return `pods cannot be created: ${failure.reason ?? 'ReplicaFailure'}: ${failure.message ?? ''}`.trim();
}

/** The first pod of the template not ready yet, and why: not scheduled, a container waiting, not ready. */
function podWaiting(pods: readonly KubeObject[], now: number): string | undefined {
  for (const pod of pods) {
    const name = `pod ${pod.metadata.name}`;
    const scheduled = conditionOf(pod.status, 'PodScheduled');
    if (scheduled?.status === 'False') {
      return `${name} not scheduled: ${scheduled.reason ?? 'Unschedulable'}: ${scheduled.message ?? ''}`.trim();
    }
    for (const container of containersOf(pod)) {
      if (container.ready) continue;
      const waiting = container.state?.waiting;
      if (waiting?.reason) {
        const detail = waiting.message ? `: ${waiting.message}` : '';
        const persistence = persistenceOf(waiting.reason, pod, container, now);
        return `${name} container ${container.name} ${waiting.reason}${detail}${untilFailure(persistence)}`;
      }
      if (container.state?.running) return `${name} container ${container.name} running, not ready`;
    }
  }
  return undefined;
}

/** How far a waiting container is from failing its rollout: ` (restarted 1 time; fails at 3 restarts)`. */
function untilFailure(persistence: Persistence | undefined): string {
  if (!persistence?.limit) return '';
  return ` (${persistence.extent}; fails at ${persistence.limit})`;
}

function conditionOf(status: Loose, type: string): Loose {
  return (status?.conditions ?? []).find((c: Loose) => c.type === type);
}

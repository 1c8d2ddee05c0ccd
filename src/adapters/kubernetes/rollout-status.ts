import type { RolloutStatus } from '#core/types.ts';
import type { KubeObject } from './client.ts';

/** Container waiting reasons that mean the rollout will not progress on its own. */
const FAILED_WAITING_REASONS = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

// biome-ignore lint/suspicious/noExplicitAny: Deployment and Pod status are read as untyped JSON
type Loose = any;

/**
 * A track's rollout status from its Deployment (and, when not complete, its pods): complete when
 * updated = ready = available = desired at the current generation with no old pods left; failed on
 * `ProgressDeadlineExceeded` or on a pod stuck in an image pull error or crash loop.
 */
export function rolloutStatus(deployment: KubeObject, pods: readonly KubeObject[]): RolloutStatus {
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
  const counts = { desired, updated, ready, available, complete };
  if (complete) return counts;
  const failed = deadlineExceeded(status) ?? stuckPod(pods);
  return failed ? { ...counts, failed } : counts;
}

function deadlineExceeded(status: Loose): RolloutStatus['failed'] {
  const progressing = (status.conditions ?? []).find((c: Loose) => c.type === 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return {
      reason: 'ProgressDeadlineExceeded',
      message: progressing.message ?? 'the rollout timed out progressing',
    };
  }
  return undefined;
}

function stuckPod(pods: readonly KubeObject[]): RolloutStatus['failed'] {
  for (const pod of pods) {
    const status: Loose = pod.status ?? {};
    const containers: Loose[] = [
      ...(status.initContainerStatuses ?? []),
      ...(status.containerStatuses ?? []),
    ];
    for (const container of containers) {
      const waiting = container.state?.waiting;
      if (waiting && FAILED_WAITING_REASONS.has(waiting.reason)) {
        const detail = waiting.message ? `: ${waiting.message}` : '';
        return {
          reason: waiting.reason,
          message: `pod ${pod.metadata.name} container ${container.name}${detail}`,
        };
      }
    }
  }
  return undefined;
}

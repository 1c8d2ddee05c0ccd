import { createHash } from 'node:crypto';
import { enforceAutoscalerBounds } from './autoscalers.ts';
import type { KubeObject, ObjectStore } from './store.ts';

/**
 * What the controller gives a deployment's new pods instead of making them ready: a container waiting
 * for a reason (with how it last ended and how often it restarted, for a crash loop), or no node to
 * schedule on (`Unschedulable`).
 */
export interface PodFault {
  readonly reason: 'ImagePullBackOff' | 'ErrImagePull' | 'CrashLoopBackOff' | 'Unschedulable';
  readonly message: string;
  readonly lastTerminated?: { readonly reason: string; readonly exitCode: number };
  /**
   * The containers' `restartCount`: by default 5 for a crash loop (one that lasts), else 0. Below 3, a crash
   * loop that has only begun (an app that exits once at start).
   */
  readonly restartCount?: number;
  /** How long the pods have been failing so when created: their `creationTimestamp` is that far back. Default 0. */
  readonly failingForSeconds?: number;
}

/** A crash loop's restarts unless its fault says otherwise: enough for one that lasts. */
const CRASH_LOOP_RESTARTS = 5;

// biome-ignore lint/suspicious/noExplicitAny: the controller walks untyped JSON
type Loose = any;

/**
 * The deployment controller and kubelet in one: each `step()` moves every Deployment one action toward its
 * desired state (create a pod of the current template, make one ready, remove old or extra pods) and
 * writes the Deployment's status and conditions as the real controller does; a paused one (`spec.paused`)
 * is scaled, but its template changes wait. Each step first brings the Deployments HorizontalPodAutoscalers
 * target within their bounds, as the HPA controller does.
 */
export class DeploymentController {
  readonly #stalled = new Set<string>();
  readonly #podFaults = new Map<string, PodFault>();
  readonly #imageFaults = new Map<string, PodFault>();
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: ObjectStore) {}

  /** From now on the deployment stops progressing and reports `ProgressDeadlineExceeded`. */
  stall(namespace: string, name: string): void {
    this.#stalled.add(`${namespace}/${name}`);
  }

  /** New pods of the deployment get this container state and never become ready. */
  failPods(namespace: string, name: string, fault: PodFault): void {
    this.#podFaults.set(`${namespace}/${name}`, fault);
  }

  /**
   * The deployment's pods stop failing as `failPods` made them: those waiting become ready at the next steps,
   * as when a crash or a pull does not recur.
   */
  recoverPods(namespace: string, name: string): void {
    this.#podFaults.delete(`${namespace}/${name}`);
  }

  /** New pods running `image` get this container state (an image that cannot be pulled or crashes at start). */
  failImage(image: string, fault: PodFault): void {
    this.#imageFaults.set(image, fault);
  }

  /** Forgets stalls and pod faults. */
  reset(): void {
    this.#stalled.clear();
    this.#podFaults.clear();
    this.#imageFaults.clear();
  }

  /** Runs `step()` every `intervalMs` until `stop()`. */
  start(intervalMs: number): void {
    this.#timer = setInterval(() => this.step(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** One reconcile pass over every deployment; returns whether anything changed. */
  step(): boolean {
    let changed = enforceAutoscalerBounds(this.store);
    for (const deployment of this.store.list('deployments', '')) {
      changed = this.#reconcile(deployment) || changed;
    }
    return changed;
  }

  /** Steps until nothing changes (at most `maxSteps`); returns the number of steps that changed something. */
  settle(maxSteps = 1000): number {
    let steps = 0;
    while (steps < maxSteps && this.step()) steps++;
    return steps;
  }

  #reconcile(deployment: KubeObject): boolean {
    const { name, namespace = 'default' } = deployment.metadata;
    const id = `${namespace}/${name}`;
    const spec = deployment.spec as Loose;
    const desired: number = spec.replicas ?? 1;
    const hash = createHash('sha256').update(JSON.stringify(spec.template)).digest('hex').slice(0, 10);
    const pods = this.store
      .list('pods', namespace)
      .filter((p) => (p.metadata as Loose).ownerReferences?.[0]?.name === name);
    const current = pods.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
    const old = pods.filter((p) => p.metadata.labels?.['pod-template-hash'] !== hash);
    // A paused Deployment is scaled, but rolls nothing out: a changed template waits, and its pods of the
    // earlier template are the ones scaled (as Kubernetes scales the ReplicaSet it has).
    const paused = spec.paused === true;
    const held = paused && current.length === 0 && old.length > 0;
    const sizedHash = (held && old[0]!.metadata.labels?.['pod-template-hash']) || hash;
    const sized = held ? old.filter((p) => p.metadata.labels?.['pod-template-hash'] === sizedHash) : current;
    const template = held ? templateOf(old[0]!) : spec.template;
    const images: string[] = (template?.spec?.containers ?? []).map((c: Loose) => c.image);
    const fault = this.#podFaults.get(id) ?? images.map((i) => this.#imageFaults.get(i)).find(Boolean);
    let changed = false;
    if (!this.#stalled.has(id)) {
      const pending = sized.find((p) => !isReady(p) && !fault);
      if (pending) {
        this.store.updateStatus('pods', namespace, pending.metadata.name, podStatus(pending, true));
        changed = true;
      } else if (sized.length < desired) {
        const createdAt = new Date(Date.now() - (fault?.failingForSeconds ?? 0) * 1000);
        this.store.create('pods', newPod(deployment, sizedHash, fault, template), { createdAt });
        changed = true;
      } else if (!paused && old.length > 0 && current.filter(isReady).length >= desired) {
        for (const pod of old) this.store.delete('pods', namespace, pod.metadata.name, 'Pod');
        changed = true;
      } else if (sized.length > desired) {
        this.store.delete('pods', namespace, sized.at(-1)!.metadata.name, 'Pod');
        changed = true;
      }
    }
    const status = this.#status(deployment, desired, hash, this.#stalled.has(id));
    if (JSON.stringify(withoutTimes(status)) === JSON.stringify(withoutTimes(deployment.status)))
      return changed;
    this.store.updateStatus('deployments', namespace, name, status);
    return true;
  }

  #status(deployment: KubeObject, desired: number, hash: string, stalled: boolean): Record<string, unknown> {
    const { name, namespace = 'default' } = deployment.metadata;
    const pods = this.store
      .list('pods', namespace)
      .filter((p) => (p.metadata as Loose).ownerReferences?.[0]?.name === name);
    const updated = pods.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash).length;
    const ready = pods.filter(isReady).length;
    const complete = updated === desired && ready === desired && pods.length === desired;
    const progressing = stalled
      ? condition(
          'Progressing',
          'False',
          'ProgressDeadlineExceeded',
          `ReplicaSet "${name}-${hash}" has timed out progressing.`,
        )
      : complete
        ? condition(
            'Progressing',
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${name}-${hash}" has successfully progressed.`,
          )
        : condition(
            'Progressing',
            'True',
            'ReplicaSetUpdated',
            `ReplicaSet "${name}-${hash}" is progressing.`,
          );
    const available =
      ready >= desired
        ? condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
        : condition(
            'Available',
            'False',
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
          );
    return {
      observedGeneration: deployment.metadata.generation,
      replicas: pods.length,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: Math.max(0, desired - ready),
      conditions: [available, progressing],
    };
  }
}

function isReady(pod: KubeObject): boolean {
  return (pod.status as Loose)?.containerStatuses?.every((c: Loose) => c.ready) ?? false;
}

function condition(type: string, status: string, reason: string, message: string): object {
  const now = new Date().toISOString();
  return { type, status, reason, message, lastUpdateTime: now, lastTransitionTime: now };
}

function withoutTimes(status: unknown): unknown {
  return JSON.parse(JSON.stringify(status ?? {}, (key, value) => (key.endsWith('Time') ? undefined : value)));
}

function newPod(
  deployment: KubeObject,
  hash: string,
  fault: PodFault | undefined,
  template: Loose = (deployment.spec as Loose).template,
): KubeObject {
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${deployment.metadata.name}-${hash}-${Math.random().toString(36).slice(2, 7)}`,
      namespace: deployment.metadata.namespace,
      labels: { ...template.metadata?.labels, 'pod-template-hash': hash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: deployment.metadata.name }],
    } as KubeObject['metadata'],
    spec: template.spec,
  };
  return { ...pod, status: fault ? faultedStatus(pod, fault) : podStatus(pod, false) };
}

/** The pod template a pod was made from: its labels (without `pod-template-hash`) and its spec. */
function templateOf(pod: KubeObject): Loose {
  const { 'pod-template-hash': _hash, ...labels } = pod.metadata.labels ?? {};
  return { metadata: { labels }, spec: pod.spec };
}

function podStatus(pod: KubeObject, ready: boolean): Record<string, unknown> {
  const containers: Loose[] = (pod.spec as Loose).containers;
  return {
    phase: ready ? 'Running' : 'Pending',
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: c.image,
      ready,
      restartCount: 0,
      state: ready
        ? { running: { startedAt: new Date().toISOString() } }
        : { waiting: { reason: 'ContainerCreating' } },
    })),
  };
}

function faultedStatus(pod: KubeObject, fault: PodFault): Record<string, unknown> {
  const containers: Loose[] = (pod.spec as Loose).containers;
  if (fault.reason === 'Unschedulable') {
    const scheduled = { type: 'PodScheduled', status: 'False', reason: fault.reason, message: fault.message };
    return { phase: 'Pending', conditions: [scheduled] };
  }
  return {
    phase: fault.reason === 'CrashLoopBackOff' ? 'Running' : 'Pending',
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: c.image,
      ready: false,
      restartCount: fault.restartCount ?? (fault.reason === 'CrashLoopBackOff' ? CRASH_LOOP_RESTARTS : 0),
      state: { waiting: { reason: fault.reason, message: fault.message } },
      ...(fault.lastTerminated ? { lastState: { terminated: fault.lastTerminated } } : {}),
    })),
  };
}

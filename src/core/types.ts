/** The words of the domain, shared by every port, adapter, handler and the CLI. */

/** What users deploy: `checkout` in namespace `shop`. */
export interface ServiceRef {
  readonly name: string;
  readonly namespace: string;
}

/** What one track runs. An image on Kubernetes, a command (argv) on the local cluster. */
export interface Release {
  readonly version: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly replicas: number;
  readonly env?: Readonly<Record<string, string>>;
}

/** Traffic split: `{ [track]: percent }`, integers summing to 100. */
export type Weights = Readonly<Record<string, number>>;

/** Rollout progress of one track, as a Deployment's status reports it. */
export interface RolloutStatus {
  readonly desired: number;
  /** Replicas of the current release (spec): a rolling update's new ones, ready or not. */
  readonly updated: number;
  /** Ready replicas of any release: those of an earlier spec a rolling update keeps until it is done too. */
  readonly ready: number;
  /**
   * Ready replicas of the current release alone (updated and ready): whether the release the track was
   * last given serves, as Argo Rollouts reports its ReplicaSet's own availability. Below `ready` while a
   * rolling update keeps replicas of an earlier spec: those serve instead.
   */
  readonly updatedReady: number;
  readonly available: number;
  /** True once updated = ready = available = desired for the current release. */
  readonly complete: boolean;
  /** Set when the rollout cannot progress (crash loop, image pull error, deadline). */
  readonly failed?: { readonly reason: string; readonly message: string };
  /** What holds an unfinished rollout up, when the cluster says (an unschedulable pod, a quota). */
  readonly waiting?: string;
}

/** Enough of a service's cluster objects to put them back as they were. */
export interface ClusterSnapshot {
  readonly service: ServiceRef;
  readonly takenAt: string;
  /** Adapter-specific serialized objects (applied manifests, or local track releases). */
  readonly objects: readonly unknown[];
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** The outcome of one analysis run, with the numbers that led to it. */
export interface AnalysisResult {
  readonly verdict: Verdict;
  readonly reason: string;
  readonly measurements: Readonly<Record<string, number | null>>;
}

/** What a metric query asks for: one named metric of one track over a window. */
export interface MetricQuery {
  readonly service: ServiceRef;
  readonly track: string;
  /** `requestCount`, `errorRate`, `latencyP99Ms`, or a user-defined metric name. */
  readonly metric: string;
  readonly windowSeconds: number;
  /**
   * When the window ends, in epoch ms: where the analysis found the provider's published data to end
   * (`publishedUntil`), so the window asked for is the one judged. None: the provider ends it at its newest
   * published data by its own clock.
   */
  readonly windowEnd?: number;
  /**
   * When the window starts, in epoch ms: the shift of the weights or the check before that it judges from,
   * or `windowSeconds` before `windowEnd` when that is later. A provider with per-second counts (`local`)
   * counts the whole seconds from there to the window's end, which `windowSeconds`, whole seconds rounded
   * down, would cut short (to the current second alone, a second and a half after the check before); the
   * others ask for `windowSeconds`. None: the window is the last `windowSeconds`.
   */
  readonly windowStart?: number;
  /** Adapter-specific settings from the request's `metrics` block. */
  readonly config?: Readonly<Record<string, unknown>>;
}

/** A deployment lifecycle event, published by the Notify task. */
export interface DeploymentEvent {
  readonly type: string;
  readonly service: ServiceRef;
  readonly executionArn?: string;
  readonly strategy?: string;
  readonly version?: string;
  readonly message: string;
  readonly detail?: Readonly<Record<string, unknown>>;
  readonly at: string;
}

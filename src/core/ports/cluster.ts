import type { ClusterSnapshot, Release, RolloutStatus, ServiceRef } from '../types.ts';

/**
 * What a release's rollout check asks of `status` besides the rollout: that only Cutover sizes its tracks.
 *
 * @example
 * await cluster.status(service, 'green', { tracks: ['blue', 'green'] });
 */
export interface RolloutCheck {
  /** The release's tracks (`blue` and `green`): none may be sized by anything but Cutover. */
  readonly tracks: readonly string[];
}

/**
 * Where tracks run. Every method is idempotent: applying the same release twice has the effect of once.
 *
 * @example
 * const cluster = createCluster({ type: 'local' });
 * await cluster.apply({ name: 'checkout', namespace: 'shop' }, 'canary', { version: 'v2', command: ['node', 'app.js'], replicas: 1 });
 * const status = await cluster.status({ name: 'checkout', namespace: 'shop' }, 'canary');
 */
export interface Cluster {
  readonly type: string;
  apply(service: ServiceRef, track: string, release: Release): Promise<void>;
  /**
   * The track's rollout. With `check` (a release's rollout check, right after Cutover sized the track), also
   * failed when something other than Cutover now sizes it or another of `check.tracks`: replicas not the
   * ones Cutover last set, a HorizontalPodAutoscaler. Clusters only Cutover sizes ignore `check`.
   */
  status(service: ServiceRef, track: string, check?: RolloutCheck): Promise<RolloutStatus>;
  scale(service: ServiceRef, track: string, replicas: number): Promise<void>;
  remove(service: ServiceRef, track: string): Promise<void>;
  snapshot(service: ServiceRef): Promise<ClusterSnapshot>;
  /**
   * Puts the snapshot's objects back and removes the service's tracks created since. With `keepRouting`, a
   * routing object (Service, Ingress, route) that exists is left as it is, for when the router has put its
   * weights back: an edit someone made to it meanwhile stays; one that is gone is re-created. Answers how
   * many of the snapshot's objects it applied.
   */
  restore(snapshot: ClusterSnapshot, options?: RestoreOptions): Promise<number>;
  /**
   * Refuses, with a `ValidationError` naming the request's `cluster` field, tracks something other than
   * Cutover sizes (a HorizontalPodAutoscaler), so a release fails before it changes anything rather than
   * fighting it over replicas, and template fields the cluster would not apply. Reads only. Absent when
   * there is nothing to check.
   */
  checkTracks?(service: ServiceRef, tracks: readonly string[]): Promise<void>;
}

/** How {@link Cluster.restore} treats the snapshot's routing objects. */
export interface RestoreOptions {
  /** Re-create missing routing objects only; leave existing ones as they are. @default false */
  readonly keepRouting?: boolean;
}

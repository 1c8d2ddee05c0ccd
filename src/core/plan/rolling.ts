/** Rolling-update batch math, bounded like a Kubernetes Deployment's RollingUpdate strategy. */

/** A bound as the request gives it: a replica count or a percentage string (`'25%'`). */
export type CountOrPercent = number | string;

/** The resolved bounds: replicas allowed above and below the desired count. */
export interface RollingBounds {
  readonly surge: number;
  readonly unavailable: number;
}

/** The replica counts of both tracks once a batch is done. */
export interface RollingBatch {
  readonly newReplicas: number;
  readonly oldReplicas: number;
}

function resolve(value: CountOrPercent, desired: number, round: (x: number) => number): number {
  if (typeof value === 'number') return value;
  return round((Number(value.replace('%', '')) * desired) / 100);
}

/**
 * Resolves `maxSurge` (percent rounded up) and `maxUnavailable` (percent rounded down) against the
 * desired replicas. Both resolving to 0 gives `unavailable: 1`, as Kubernetes does.
 *
 * @example
 * rollingBounds(10, '25%', '25%'); // { surge: 3, unavailable: 2 }
 */
export function rollingBounds(
  desired: number,
  maxSurge: CountOrPercent,
  maxUnavailable: CountOrPercent,
): RollingBounds {
  const surge = resolve(maxSurge, desired, Math.ceil);
  const unavailable = resolve(maxUnavailable, desired, Math.floor);
  return surge === 0 && unavailable === 0 ? { surge, unavailable: 1 } : { surge, unavailable };
}

/**
 * The batches that move a service from `currentReplicas` on the old track to `desired` on the new one.
 * Each batch first scales the new track up as far as the surge allows (replicas never above
 * `desired + surge`), waits for it, then scales the old track down as far as availability allows (ready
 * replicas never below `desired - unavailable`). The last batch is `{ newReplicas: desired, oldReplicas: 0 }`.
 * With no surge the first batch only scales the old track down.
 *
 * @example
 * rollingBatches(4, 4, { surge: 1, unavailable: 1 });
 * // [{ newReplicas: 1, oldReplicas: 2 }, { newReplicas: 3, oldReplicas: 0 }, { newReplicas: 4, oldReplicas: 0 }]
 */
export function rollingBatches(
  desired: number,
  currentReplicas: number,
  bounds: RollingBounds,
): RollingBatch[] {
  const minAvailable = desired - bounds.unavailable;
  const maxTotal = desired + bounds.surge;
  const batches: RollingBatch[] = [];
  let [oldReplicas, newReplicas] = [currentReplicas, 0];
  while (newReplicas < desired || oldReplicas > 0) {
    const nextNew = Math.max(newReplicas, Math.min(desired, maxTotal - oldReplicas));
    const nextOld = Math.max(0, Math.min(oldReplicas, minAvailable - nextNew));
    if (nextOld === oldReplicas && nextNew === newReplicas) {
      throw new RangeError(
        `rolling update cannot progress with surge ${bounds.surge}, unavailable ${bounds.unavailable}`,
      );
    }
    [oldReplicas, newReplicas] = [nextOld, nextNew];
    batches.push({ newReplicas, oldReplicas });
  }
  return batches;
}

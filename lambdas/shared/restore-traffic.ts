import { TransientAdapterError } from '#core/errors.ts';
import { isValidWeights, sameWeights } from '#core/plan/index.ts';
import type { TrafficRouter } from '#core/ports/index.ts';
import type { ServiceRef, Weights } from '#core/types.ts';
import { applyWeights } from './apply-weights.ts';
import type { ReleaseBackup } from './release-backup.ts';
import { logger } from './task-handler.ts';

/**
 * What {@link restoreTraffic} did: `moved` the traffic (with the `weights` now set: the backup's, and 0
 * for every other track the router weighted, such as the release's new track), found it `unchanged`, or
 * `not restored` it.
 */
export type TrafficRestore =
  | { readonly outcome: 'moved'; readonly weights: Weights }
  | { readonly outcome: 'unchanged' | 'not restored' };

/**
 * Sets the backup's weights: `moved` when the router had others, `unchanged` when it had these already,
 * `not restored` when the backup has none to set or the router failed (logged: the snapshot then puts the
 * routing objects back). A transient failure is thrown, for the state machine to retry.
 *
 * @example
 * if ((await restoreTraffic(router, request.service, backup)).outcome === 'moved') await drain();
 */
export async function restoreTraffic(
  router: TrafficRouter,
  service: ServiceRef,
  backup: ReleaseBackup,
): Promise<TrafficRestore> {
  if (!isValidWeights(backup.weights)) return { outcome: 'not restored' };
  try {
    const before = await router.getWeights(service);
    if (sameWeights(before, backup.weights)) return { outcome: 'unchanged' };
    await applyWeights(router, service, backup.weights);
    const emptied = Object.fromEntries(Object.keys(before).map((track) => [track, 0]));
    return { outcome: 'moved', weights: { ...emptied, ...backup.weights } };
  } catch (failure) {
    if (failure instanceof TransientAdapterError) throw failure;
    logger.warn('weights not restored before the snapshot', { cause: (failure as Error).message });
    return { outcome: 'not restored' };
  }
}

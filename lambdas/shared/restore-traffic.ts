import { TransientAdapterError } from '#core/errors.ts';
import { isValidWeights, sameWeights } from '#core/plan/index.ts';
import type { TrafficRouter } from '#core/ports/index.ts';
import type { ServiceRef } from '#core/types.ts';
import { applyWeights } from './apply-weights.ts';
import type { ReleaseBackup } from './release-backup.ts';
import { logger } from './task-handler.ts';

/** What {@link restoreTraffic} did. */
export type TrafficRestore = 'moved' | 'unchanged' | 'not restored';

/**
 * Sets the backup's weights: `moved` when the router had others, `unchanged` when it had these already,
 * `not restored` when the backup has none to set or the router failed (logged: the snapshot then puts the
 * routing objects back). A transient failure is thrown, for the state machine to retry.
 *
 * @example
 * if ((await restoreTraffic(router, request.service, backup)) === 'moved') await drain();
 */
export async function restoreTraffic(
  router: TrafficRouter,
  service: ServiceRef,
  backup: ReleaseBackup,
): Promise<TrafficRestore> {
  if (!isValidWeights(backup.weights)) return 'not restored';
  try {
    if (sameWeights(await router.getWeights(service), backup.weights)) return 'unchanged';
    await applyWeights(router, service, backup.weights);
    return 'moved';
  } catch (failure) {
    if (failure instanceof TransientAdapterError) throw failure;
    logger.warn('weights not restored before the snapshot', { cause: (failure as Error).message });
    return 'not restored';
  }
}

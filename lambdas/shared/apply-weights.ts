import { TransientAdapterError } from '#core/errors.ts';
import type { TrafficRouter } from '#core/ports/index.ts';
import type { ServiceRef, Weights } from '#core/types.ts';

/**
 * Sets absolute weights and, when the router can check its data plane, confirms them: weights not in
 * effect yet throw `TransientAdapterError`, which the state machines retry.
 *
 * @example
 * await applyWeights(router, request.service, { stable: 90, canary: 10 });
 */
export async function applyWeights(
  router: TrafficRouter,
  service: ServiceRef,
  weights: Weights,
): Promise<void> {
  await router.setWeights(service, weights);
  if (router.verifyWeights && !(await router.verifyWeights(service, weights))) {
    throw new TransientAdapterError(`${router.type} does not apply ${JSON.stringify(weights)} yet`);
  }
}

import type { ServiceRef, Weights } from '../types.ts';

/**
 * Splits a service's traffic between its tracks. Weights are absolute, so setting them is idempotent.
 *
 * @example
 * await router.setWeights(service, { stable: 90, canary: 10 });
 * const weights = await router.getWeights(service); // { stable: 90, canary: 10 }
 */
export interface TrafficRouter {
  readonly type: string;
  setWeights(service: ServiceRef, weights: Weights): Promise<void>;
  getWeights(service: ServiceRef): Promise<Weights>;
  /**
   * Checks the data plane really applies the weights: false while it does not, or a `TransientAdapterError`
   * saying why not yet when the router knows. Absent when the router cannot verify.
   */
  verifyWeights?(service: ServiceRef, weights: Weights): Promise<boolean>;
  /**
   * Refuses, with a `ValidationError` naming the request's `traffic` field, tracks the routing object has
   * no backend for, so a release fails before it changes anything rather than at its first weight change.
   * Reads only. Absent when the router can route any track.
   */
  checkTracks?(service: ServiceRef, tracks: readonly string[]): Promise<void>;
}

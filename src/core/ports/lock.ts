import type { ServiceRef } from '../types.ts';

/**
 * One release at a time per service. Acquire is idempotent for the same owner.
 *
 * @example
 * if (!(await lock.acquire(service, executionArn, 86_400))) throw new ServiceLockedError('checkout is being released');
 * await lock.release(service, executionArn);
 */
export interface Lock {
  /** True when `owner` holds the lock after the call (newly or already). */
  acquire(service: ServiceRef, owner: string, ttlSeconds: number): Promise<boolean>;
  /** Releases the lock if `owner` holds it; a no-op otherwise. */
  release(service: ServiceRef, owner: string): Promise<void>;
  /** The current holder, if any. */
  holder(service: ServiceRef): Promise<string | undefined>;
}

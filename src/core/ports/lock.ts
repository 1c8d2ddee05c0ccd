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
  /**
   * Acquires the lock for `owner` as {@link acquire} does, and also when `previousOwner` holds it: true when
   * `owner` holds it after the call, false when someone else than either does (another took it over first).
   */
  takeOver(service: ServiceRef, previousOwner: string, owner: string, ttlSeconds: number): Promise<boolean>;
  /** Releases the lock if `owner` holds it; a no-op otherwise. */
  release(service: ServiceRef, owner: string): Promise<void>;
  /** The current holder, if any. */
  holder(service: ServiceRef): Promise<string | undefined>;
  /**
   * Claims the clean-up after the stopped execution `executionArn` for the rollback `rollbackArn`: true when
   * `rollbackArn` holds the claim after the call (newly or already), false when another rollback claimed it
   * first. A claim lasts `ttlSeconds`, so a duplicate started later (EventBridge delivers at least once) finds it.
   */
  claimRollback(executionArn: string, rollbackArn: string, ttlSeconds: number): Promise<boolean>;
  /**
   * The rollback that claimed `executionArn`'s clean-up, if any: a task of that execution still in flight
   * must then change nothing.
   */
  rollbackOf(executionArn: string): Promise<string | undefined>;
  /** Gives up `rollbackArn`'s claim on `executionArn` (a rollback that failed), so another may clean up. */
  releaseRollback(executionArn: string, rollbackArn: string): Promise<void>;
}

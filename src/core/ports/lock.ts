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
   * `rollbackArn` holds the claim after the call (newly, again, or over a claim no longer held), false when
   * another rollback holds it. The claim is held for `ttlSeconds`, so a duplicate started later (EventBridge
   * delivers at least once) finds it, and kept, held or not, for at least `STOPPED_CLAIM_KEPT_SECONDS`.
   */
  claimRollback(executionArn: string, rollbackArn: string, ttlSeconds: number): Promise<boolean>;
  /**
   * The claim on `executionArn`'s clean-up while it is kept, held or not: while there is one, that execution
   * was stopped, and a task of it (in flight, or run again by a redrive) must change nothing.
   */
  rollbackOf(executionArn: string): Promise<RollbackClaim | undefined>;
  /**
   * Gives up `rollbackArn`'s claim on `executionArn` (a rollback that failed): another rollback may claim the
   * clean-up, and the claim is kept `STOPPED_CLAIM_KEPT_SECONDS` from now. A no-op when `rollbackArn` does
   * not hold the claim.
   */
  giveUpRollback(executionArn: string, rollbackArn: string): Promise<void>;
}

/** A rollback's claim on the clean-up after a stopped execution. */
export interface RollbackClaim {
  /** The rollback execution that claimed it. */
  readonly rollbackArn: string;
  /**
   * True once no rollback holds it: the one that claimed it failed and gave it up, or its hold lapsed (it
   * was stopped or lost mid-way). Another rollback may claim it.
   */
  readonly givenUp: boolean;
}

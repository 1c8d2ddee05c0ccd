import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lock } from '#core/ports/lock.ts';
import { STOPPED_CLAIM_KEPT_SECONDS } from '#core/rollback.ts';
import type { ServiceRef } from '#core/types.ts';

/** What a lock adapter's test file supplies to {@link describeLockContract}. */
export interface LockContractFixture {
  /** A lock reading the time from `now` (so expiry is tested without waiting). */
  create(now: () => Date): Promise<Lock>;
  dispose(lock: Lock): Promise<void>;
}

let serviceCount = 0;
function aService(): ServiceRef {
  serviceCount += 1;
  return { name: `locked-${serviceCount}`, namespace: 'contract' };
}

/**
 * The behaviour every `Lock` adapter shares: one holder per service, idempotent for that holder, free
 * again after release or expiry; one rollback per stopped execution, the same way.
 *
 * @example
 * describeLockContract('local', { create: async (now) => new SqliteLock(db, now), dispose: async () => {} });
 */
export function describeLockContract(name: string, fixture: LockContractFixture): void {
  describe(`Lock contract: ${name}`, () => {
    let lock: Lock;
    let clock = Date.parse('2026-11-28T12:00:00Z');

    beforeAll(async () => {
      lock = await fixture.create(() => new Date(clock));
    });
    afterAll(async () => {
      await fixture.dispose(lock);
    });

    it('gives the lock to the first owner, again to the same owner, not to another', async () => {
      // Prepare
      const service = aService();
      // Act
      const first = await lock.acquire(service, 'execution-a', 600);
      const again = await lock.acquire(service, 'execution-a', 600);
      const other = await lock.acquire(service, 'execution-b', 600);
      // Assess
      expect([first, again, other]).toEqual([true, true, false]);
      expect(await lock.holder(service)).toBe('execution-a');
    });

    it('frees the lock on release by its holder only', async () => {
      // Prepare
      const service = aService();
      await lock.acquire(service, 'execution-a', 600);
      // Act
      await lock.release(service, 'execution-b');
      const heldAfterOtherRelease = await lock.holder(service);
      await lock.release(service, 'execution-a');
      // Assess
      expect(heldAfterOtherRelease).toBe('execution-a');
      expect(await lock.holder(service)).toBeUndefined();
      expect(await lock.acquire(service, 'execution-b', 600)).toBe(true);
    });

    it('frees an expired lock', async () => {
      // Prepare
      const service = aService();
      await lock.acquire(service, 'execution-a', 60);
      // Act
      clock += 61_000;
      const taken = await lock.acquire(service, 'execution-b', 60);
      // Assess
      expect(taken).toBe(true);
      expect(await lock.holder(service)).toBe('execution-b');
    });

    it('takes the lock over from the holder named, from no other', async () => {
      // Prepare
      const service = aService();
      await lock.acquire(service, 'execution-a', 600);
      // Act
      const fromOther = await lock.takeOver(service, 'execution-b', 'execution-c', 600);
      const fromHolder = await lock.takeOver(service, 'execution-a', 'execution-c', 600);
      const late = await lock.takeOver(service, 'execution-a', 'execution-d', 600);
      // Assess
      expect([fromOther, fromHolder, late]).toEqual([false, true, false]);
      expect(await lock.holder(service)).toBe('execution-c');
    });

    it('takes over a free lock as acquire does', async () => {
      // Prepare
      const service = aService();
      // Act
      const taken = await lock.takeOver(service, 'execution-a', 'execution-b', 600);
      // Assess
      expect(taken).toBe(true);
      expect(await lock.holder(service)).toBe('execution-b');
    });

    it("gives a stopped execution's clean-up to its first rollback only, and names that rollback", async () => {
      // Prepare
      const stopped = `arn:aws:states:eu-west-1:123456789012:execution:canary:release-${aService().name}`;
      const unclaimed = await lock.rollbackOf(stopped);
      // Act
      const first = await lock.claimRollback(stopped, 'rollback-a', 600);
      const again = await lock.claimRollback(stopped, 'rollback-a', 600);
      const duplicate = await lock.claimRollback(stopped, 'rollback-b', 600);
      // Assess
      expect(unclaimed).toBeUndefined();
      expect([first, again, duplicate]).toEqual([true, true, false]);
      expect(await lock.rollbackOf(stopped)).toEqual({ rollbackArn: 'rollback-a', givenUp: false });
    });

    it('lets another rollback claim a clean-up given up by its holder, and keeps it 15 days, given up', async () => {
      // Prepare
      const stopped = `execution-${aService().name}`;
      await lock.claimRollback(stopped, 'rollback-a', 600);
      // Act
      await lock.giveUpRollback(stopped, 'rollback-b');
      const afterOther = await lock.rollbackOf(stopped);
      await lock.giveUpRollback(stopped, 'rollback-a');
      clock += (STOPPED_CLAIM_KEPT_SECONDS - 1) * 1000;
      const givenUp = await lock.rollbackOf(stopped);
      clock += 1_000;
      const gone = await lock.rollbackOf(stopped);
      // Assess
      expect(afterOther).toEqual({ rollbackArn: 'rollback-a', givenUp: false });
      expect(givenUp).toEqual({ rollbackArn: 'rollback-a', givenUp: true });
      expect(gone).toBeUndefined();
    });

    it('gives a clean-up given up to the next rollback that claims it, and to no other', async () => {
      // Prepare
      const stopped = `execution-${aService().name}`;
      await lock.claimRollback(stopped, 'rollback-a', 600);
      await lock.giveUpRollback(stopped, 'rollback-a');
      // Act
      const next = await lock.claimRollback(stopped, 'rollback-b', 600);
      const other = await lock.claimRollback(stopped, 'rollback-a', 600);
      // Assess
      expect([next, other]).toEqual([true, false]);
      expect(await lock.rollbackOf(stopped)).toEqual({ rollbackArn: 'rollback-b', givenUp: false });
    });

    it('keeps rollback claims apart from service locks; one whose hold lapsed is given up, kept 15 days', async () => {
      // Prepare
      const service = aService();
      const stopped = `execution-${service.name}`;
      await lock.acquire(service, stopped, 600);
      // Act
      const claimed = await lock.claimRollback(stopped, 'rollback-a', 60);
      const heldAfterClaim = await lock.holder(service);
      clock += 61_000;
      const lapsed = await lock.rollbackOf(stopped);
      clock += STOPPED_CLAIM_KEPT_SECONDS * 1000;
      const gone = await lock.rollbackOf(stopped);
      // Assess
      expect(claimed).toBe(true);
      expect(heldAfterClaim).toBe(stopped);
      expect(lapsed).toEqual({ rollbackArn: 'rollback-a', givenUp: true });
      expect(gone).toBeUndefined();
      expect(await lock.claimRollback(stopped, 'rollback-b', 60)).toBe(true);
    });

    it('keeps services apart', async () => {
      // Prepare
      const [checkout, payments] = [aService(), aService()];
      // Act
      const results = [await lock.acquire(checkout, 'a', 600), await lock.acquire(payments, 'b', 600)];
      // Assess
      expect(results).toEqual([true, true]);
      expect([await lock.holder(checkout), await lock.holder(payments)]).toEqual(['a', 'b']);
    });
  });
}

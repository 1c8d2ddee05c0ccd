import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalRequest, ApprovalStore } from '#core/ports/approval-store.ts';

/** What an approval store's test file supplies to {@link describeApprovalStoreContract}. */
export interface ApprovalStoreContractFixture {
  create(): Promise<ApprovalStore>;
  dispose(store: ApprovalStore): Promise<void>;
}

let executionCount = 0;

/** A pending approval of an execution of its own, with a one-hour timeout after which the release rolls back. */
function aPendingApproval(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  executionCount += 1;
  return {
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:cutover-canary:contract-${executionCount}`,
    taskToken: `token-${executionCount}`,
    stage: 'promote',
    requestedAt: '2026-11-28T12:00:00.000Z',
    timeoutSeconds: 3600,
    onTimeout: 'rollback',
    ...overrides,
  };
}

/**
 * The behaviour every `ApprovalStore` shares: one pending approval per execution, replaced by a new put,
 * gone after delete.
 *
 * @example
 * describeApprovalStoreContract('local', { create, dispose });
 */
export function describeApprovalStoreContract(name: string, fixture: ApprovalStoreContractFixture): void {
  describe(`ApprovalStore contract: ${name}`, () => {
    let store: ApprovalStore;

    beforeAll(async () => {
      store = await fixture.create();
    });
    afterAll(async () => {
      await fixture.dispose(store);
    });

    it('returns the pending approval that was put, with its timeout and what follows it', async () => {
      // Prepare
      const approval = aPendingApproval();
      // Act
      await store.put(approval);
      // Assess
      expect(await store.get(approval.executionArn)).toEqual(approval);
    });

    it('answers undefined for an execution without a pending approval', async () => {
      // Act
      const pending = await store.get(aPendingApproval().executionArn);
      // Assess
      expect(pending).toBeUndefined();
    });

    it('replaces the token when the same execution asks again', async () => {
      // Prepare
      const first = aPendingApproval();
      const second = {
        ...first,
        taskToken: 'token-retried',
        stage: 'after step 1 of 2',
        timeoutSeconds: 600,
        onTimeout: 'continue' as const,
      };
      // Act
      await store.put(first);
      await store.put(second);
      // Assess
      expect(await store.get(first.executionArn)).toEqual(second);
    });

    it('forgets a deleted approval; deleting again is a no-op', async () => {
      // Prepare
      const approval = aPendingApproval();
      await store.put(approval);
      // Act
      await store.delete(approval.executionArn);
      await store.delete(approval.executionArn);
      // Assess
      expect(await store.get(approval.executionArn)).toBeUndefined();
    });
  });
}

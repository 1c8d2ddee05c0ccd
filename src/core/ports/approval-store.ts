import type { ApprovalTimeoutAction } from '#core/schemas/index.ts';

/** A pending approval: the task token a `.waitForTaskToken` state is waiting on. */
export interface PendingApproval {
  readonly executionArn: string;
  readonly taskToken: string;
  readonly stage: string;
  readonly requestedAt: string;
  /**
   * The approval state's `TimeoutSeconds` (on the clock of the runtime that runs it); absent for a token
   * stored before stores kept it.
   */
  readonly timeoutSeconds?: number;
  /** What follows when no answer comes in time (`approval.onTimeout`); absent as `timeoutSeconds` is. */
  readonly onTimeout?: ApprovalTimeoutAction;
}

/** What {@link ApprovalStore.put} is given: a pending approval, how long its state waits for an answer and what then. */
export interface ApprovalRequest extends PendingApproval {
  /** The approval state's `TimeoutSeconds`: a store that expires tokens keeps this one at least as long. */
  readonly timeoutSeconds: number;
  readonly onTimeout: ApprovalTimeoutAction;
}

/**
 * Keeps the task tokens of pending approvals, so `cutover approve <execution>` can find them.
 *
 * @example
 * await approvals.put({ executionArn, taskToken, stage: 'promote', requestedAt: new Date().toISOString(), timeoutSeconds: 3600, onTimeout: 'rollback' });
 * const pending = await approvals.get(executionArn);
 */
export interface ApprovalStore {
  put(approval: ApprovalRequest): Promise<void>;
  get(executionArn: string): Promise<PendingApproval | undefined>;
  delete(executionArn: string): Promise<void>;
}

/** A pending approval: the task token a `.waitForTaskToken` state is waiting on. */
export interface PendingApproval {
  readonly executionArn: string;
  readonly taskToken: string;
  readonly stage: string;
  readonly requestedAt: string;
}

/**
 * Keeps the task tokens of pending approvals, so `cutover approve <execution>` can find them.
 *
 * @example
 * await approvals.put({ executionArn, taskToken, stage: 'promote', requestedAt: new Date().toISOString() });
 * const pending = await approvals.get(executionArn);
 */
export interface ApprovalStore {
  put(approval: PendingApproval): Promise<void>;
  get(executionArn: string): Promise<PendingApproval | undefined>;
  delete(executionArn: string): Promise<void>;
}

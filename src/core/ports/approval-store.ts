/** A pending approval: the task token a `.waitForTaskToken` state is waiting on. */
export interface PendingApproval {
  readonly executionArn: string;
  readonly taskToken: string;
  readonly stage: string;
  readonly requestedAt: string;
}

/** What {@link ApprovalStore.put} is given: a pending approval and how long its state waits for an answer. */
export interface ApprovalRequest extends PendingApproval {
  /** The approval state's `TimeoutSeconds`: a store that expires tokens keeps this one at least as long. */
  readonly timeoutSeconds: number;
}

/**
 * Keeps the task tokens of pending approvals, so `cutover approve <execution>` can find them.
 *
 * @example
 * await approvals.put({ executionArn, taskToken, stage: 'promote', requestedAt: new Date().toISOString(), timeoutSeconds: 3600 });
 * const pending = await approvals.get(executionArn);
 */
export interface ApprovalStore {
  put(approval: ApprovalRequest): Promise<void>;
  get(executionArn: string): Promise<PendingApproval | undefined>;
  delete(executionArn: string): Promise<void>;
}

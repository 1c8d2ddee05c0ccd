/**
 * Layout of the DynamoDB state table (`CUTOVER_STATE_TABLE`) shared by the lock (service locks, rollback claims) and approval adapters and
 * the CDK app: one string partition key, one TTL attribute in epoch seconds, one item kind per key prefix.
 */
export const STATE_TABLE = {
  /** Partition key attribute (string). */
  partitionKey: 'pk',
  /** TTL attribute (number, epoch seconds); DynamoDB deletes expired items within a few days. */
  ttlAttribute: 'expiresAt',
} as const;

/** The key of a service's lock item: `lock#<namespace>/<name>`. */
export function lockKey(service: { readonly name: string; readonly namespace: string }): string {
  return `lock#${service.namespace}/${service.name}`;
}

/** The key of an execution's pending approval item: `approval#<executionArn>`. */
export function approvalKey(executionArn: string): string {
  return `approval#${executionArn}`;
}

/** The key of the claim on a stopped execution's clean-up: `rollback#<executionArn>`. */
export function rollbackClaimKey(executionArn: string): string {
  return `rollback#${executionArn}`;
}

/** Epoch seconds of `date`, the unit of the TTL attribute. */
export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

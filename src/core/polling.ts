/**
 * How polled waits (a Wait / check task / Choice loop) count their checks: the database migration's RDS
 * waits and a rollback's wait for capacity; `cutover plan` shows the same numbers.
 */

/** Seconds between checks of an RDS wait when the request gives no `rds.pollSeconds`. */
export const DEFAULT_RDS_POLL_SECONDS = 30;

/**
 * The most checks of a wait of `timeoutSeconds` polled every `pollSeconds`: one per poll, at least one.
 *
 * @example
 * maxPollChecks(7200, 30); // 240
 */
export function maxPollChecks(timeoutSeconds: number, pollSeconds: number): number {
  return Math.max(1, Math.ceil(timeoutSeconds / pollSeconds));
}

/**
 * How long the switchover check waits: RDS's own switchover timeout (it rolls back by itself after it),
 * then two more polls to see the outcome.
 *
 * @example
 * switchoverWaitSeconds(300, 30); // 360
 */
export function switchoverWaitSeconds(switchoverTimeoutSeconds: number, pollSeconds: number): number {
  return switchoverTimeoutSeconds + 2 * pollSeconds;
}

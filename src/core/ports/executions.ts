/**
 * What became of a state machine's executions, as Step Functions tells it: the lock reads it to tell a
 * holder that ended without giving the lock back from one still running.
 *
 * @example
 * if ((await executions.status(holder)) === 'FAILED') await lock.takeOver(service, holder, executionArn, ttl);
 */
export interface ExecutionReader {
  /**
   * The execution's status (`RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`, `PENDING_REDRIVE`);
   * undefined when there is no such execution.
   */
  status(executionArn: string): Promise<string | undefined>;
}

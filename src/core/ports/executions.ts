/** How an execution stands, as DescribeExecution tells it. */
export interface ExecutionOutcome {
  /** `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED` or `PENDING_REDRIVE`. */
  readonly status: string;
  /** The error it failed with (`AnalysisFailed`, `States.Runtime`, ...), once it failed. */
  readonly error?: string;
  /** Its input, the JSON text it was started with. */
  readonly input?: string;
  /** When it started. */
  readonly startDate?: Date;
  /** When it ended, once it has. */
  readonly stopDate?: Date;
}

/**
 * What became of a state machine's executions, as Step Functions tells it: the lock reads it to tell a
 * holder that ended without giving the lock back from one still running.
 *
 * @example
 * const holder = await executions.describe(holderArn); // { status: 'FAILED', error: 'AnalysisFailed', input: '{...}' }
 */
export interface ExecutionReader {
  /** The execution's status and error; undefined when there is no such execution. */
  describe(executionArn: string): Promise<ExecutionOutcome | undefined>;
}

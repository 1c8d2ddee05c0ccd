/** The state machine that restores a stopped release: `statemachines/rollback.asl.json`. */
export const ROLLBACK_MACHINE = 'rollback';

/** The reason of a rollback started for a stop that named none (and always, by the AWS rule). */
export const ABORTED_REASON = 'the execution was stopped (Step Functions Execution Status Change: ABORTED)';

/** Step Functions execution names are at most 80 characters. */
const MAX_EXECUTION_NAME = 80;

/** The rollback machine's input for a stopped release (what the AWS EventBridge rule passes too). */
export interface RollbackInput {
  readonly strategy: string;
  readonly executionArn: string;
  /** The stopped execution's input, as a JSON string (as the EventBridge status-change event carries it). */
  readonly input: string;
  readonly reason: string;
}

/** `abort-<execution name>`: one rollback per stopped release, whoever asks twice. */
export function rollbackExecutionName(executionArn: string): string {
  return `abort-${executionArn.split(':').at(-1)}`.slice(0, MAX_EXECUTION_NAME);
}

import { executionNameOf } from './api-routes.ts';
import { isStrategy, type Strategy } from './strategies.ts';

/**
 * The state machine that cleans up after a stopped execution: `statemachines/rollback.asl.json` restores a
 * release and unlocks its service; it only unlocks the service of a database migration.
 */
export const ROLLBACK_MACHINE = 'rollback';

/** The database migration's workflow, `statemachines/database-migration.asl.json`. */
export const DATABASE_MIGRATION = 'database-migration';

/** The workflows whose stopped executions the rollback machine cleans up after. */
export type RollbackWorkflow = Strategy | typeof DATABASE_MIGRATION;

/** True for a release strategy or the database migration. */
export function isRollbackWorkflow(value: unknown): value is RollbackWorkflow {
  return isStrategy(value) || value === DATABASE_MIGRATION;
}

/** The reason of a rollback started for a stop that named none (and always, by the AWS rule). */
export const ABORTED_REASON = 'the execution was stopped (Step Functions Execution Status Change: ABORTED)';

/** Step Functions execution names are at most 80 characters. */
const MAX_EXECUTION_NAME = 80;

/** The rollback machine's input for a stopped execution (what the AWS EventBridge rule passes too). */
export interface RollbackInput {
  readonly strategy: RollbackWorkflow;
  readonly executionArn: string;
  /** The stopped execution's input, as a JSON string (as the EventBridge status-change event carries it). */
  readonly input: string;
  readonly reason: string;
}

/** `abort-<execution name>`: one rollback per stopped execution, whoever asks twice. */
export function rollbackExecutionName(executionArn: string): string {
  return `abort-${executionNameOf(executionArn)}`.slice(0, MAX_EXECUTION_NAME);
}

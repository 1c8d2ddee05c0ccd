import {
  DescribeExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { type RollbackWorkflow, rollbackExecutionName } from '#core/rollback.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import { readHistory, rollbackInputOf } from './history.ts';
import { resolveRollbackMachineArn } from './resolve.ts';

/** What {@link abortRelease} did. */
export interface AbortOutcome {
  /**
   * The rollback execution: it restores a release, or only unlocks the service of a database migration;
   * absent when the execution stopped before changing anything.
   */
  readonly rollbackExecutionArn?: string;
  /** The stopped execution's workflow, given with the rollback. */
  readonly strategy?: RollbackWorkflow;
}

/**
 * Aborts a release or a database migration: StopExecution (which runs no Catch, so nothing rolls back or
 * unlocks by itself), then starts the rollback state machine as `abort-<execution name>` with the input
 * and workflow read from the stopped execution's history. Idempotent: aborting an already aborted
 * execution finds or starts that same rollback; an execution that already ended is refused.
 *
 * @example
 * const { rollbackExecutionArn } = await abortRelease(sfn, executionArn, 'wrong image');
 */
export async function abortRelease(
  sfn: SFNClient,
  executionArn: string,
  reason: string,
): Promise<AbortOutcome> {
  const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  if (status === 'RUNNING') {
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Aborted', cause: reason }));
  } else if (status !== 'ABORTED') {
    throw new CliError(`${executionArn} already ended ${status}: nothing to abort`, ExitCode.Usage);
  }
  const input = rollbackInputOf(await readHistory(sfn, executionArn), executionArn, reason);
  if (!input) return {};
  const { strategy } = input;
  const stateMachineArn = await resolveRollbackMachineArn(sfn);
  const name = rollbackExecutionName(executionArn);
  try {
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    return { rollbackExecutionArn: started.executionArn, strategy };
  } catch (error) {
    if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
    return {
      rollbackExecutionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
      strategy,
    };
  }
}

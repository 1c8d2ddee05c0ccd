import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { executionArnIn } from '#core/api-routes.ts';
import {
  type DescribeRollback,
  type RollbackInput,
  type RollbackWorkflow,
  rollbackOfStop,
  rollsBack,
} from '#core/rollback.ts';
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
  /** Set when the execution was stopped before this call (this call stopped nothing). */
  readonly alreadyStopped?: true;
}

/** How long {@link abortRelease} looks for the rollback the platform starts before starting one itself. */
const PLATFORM_ROLLBACK_WAIT_MS = 20_000;
/** How often it looks. */
const LOOK_EVERY_MS = 500;
/** Rollbacks started this long before the stop still count as its own (clocks of two machines differ). */
const CLOCK_SKEW_MS = 60_000;

/**
 * Aborts a release or a database migration: StopExecution (which runs no Catch, so nothing rolls back or
 * unlocks by itself), then finds the rollback state machine's execution the platform starts for every
 * ABORTED execution (the EventBridge rule on AWS, under a generated name; `cutover local`, as
 * `abort-<execution name>`). Only when none appears within `waitMs` does it start one itself, as
 * `abort-<execution name>` (`abort-<8 hex>-<execution name>` when another execution's rollback holds that
 * name) with the input and workflow read from the stopped execution's history: one rollback per stop, not
 * two racing. Idempotent: aborting an already aborted execution finds that same
 * rollback; an execution that already ended otherwise is refused.
 *
 * @example
 * const { rollbackExecutionArn } = await abortRelease(sfn, executionArn, 'wrong image');
 */
export async function abortRelease(
  sfn: SFNClient,
  executionArn: string,
  reason: string,
  waitMs = PLATFORM_ROLLBACK_WAIT_MS,
): Promise<AbortOutcome> {
  let { status, stopDate } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  if (status === 'RUNNING') {
    ({ stopDate } = await sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Aborted', cause: reason }),
    ));
  } else if (status !== 'ABORTED') {
    throw new CliError(`${executionArn} already ended ${status}: nothing to abort`, ExitCode.Usage);
  }
  const stopped = status === 'ABORTED' ? ({ alreadyStopped: true } as const) : {};
  const input = rollbackInputOf(await readHistory(sfn, executionArn), executionArn, reason);
  if (!input) return stopped;
  const stateMachineArn = await resolveRollbackMachineArn(sfn);
  const since = (stopDate?.getTime() ?? Date.now()) - CLOCK_SKEW_MS;
  const deadline = Date.now() + waitMs;
  const others = new Set<string>();
  for (;;) {
    const found = await startedRollback(sfn, stateMachineArn, executionArn, since, others);
    if (found) {
      return { rollbackExecutionArn: await cleanerOf(sfn, found), strategy: input.strategy, ...stopped };
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, LOOK_EVERY_MS));
  }
  const rollbackExecutionArn = await startRollback(sfn, stateMachineArn, input);
  return { rollbackExecutionArn, strategy: input.strategy, ...stopped };
}

/** The stopped `executionArn`'s rollback named as `abort-<execution name>` or its fallback, if it exists. */
async function namedRollbackArn(
  sfn: SFNClient,
  stateMachineArn: string,
  executionArn: string,
): Promise<string | undefined> {
  const { name, started } = await rollbackOfStop(executionArn, rollbacksIn(sfn, stateMachineArn));
  return started ? executionArnIn(stateMachineArn, name) : undefined;
}

/** The rollback machine's executions by name, for `rollbackOfStop`. */
function rollbacksIn(sfn: SFNClient, stateMachineArn: string): DescribeRollback {
  return async (name) => {
    try {
      return await sfn.send(
        new DescribeExecutionCommand({ executionArn: executionArnIn(stateMachineArn, name) }),
      );
    } catch (error) {
      if ((error as Error).name === 'ExecutionDoesNotExist') return undefined;
      throw error;
    }
  };
}

/**
 * The rollback execution of the stopped `executionArn`: `abort-<its name>` (or its fallback), or one
 * started since `since` whose input names it; undefined while there is none. Rollbacks of `others` (found
 * before) are not read again, and those read now join them.
 */
async function startedRollback(
  sfn: SFNClient,
  stateMachineArn: string,
  executionArn: string,
  since: number,
  others: Set<string>,
): Promise<string | undefined> {
  const named = await namedRollbackArn(sfn, stateMachineArn, executionArn);
  if (named) return named;
  let nextToken: string | undefined;
  do {
    // Newest first: the pages end at the first rollback started before the stop.
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken, maxResults: 100 }));
    const recent: ExecutionListItem[] = [];
    for (const execution of page.executions ?? []) {
      if ((execution.startDate?.getTime() ?? 0) < since) break;
      recent.push(execution);
    }
    for (const { executionArn: candidate } of recent) {
      if (!candidate || others.has(candidate)) continue;
      if (await rollbackInputNames(sfn, candidate, executionArn)) return candidate;
      others.add(candidate);
    }
    nextToken = recent.length === (page.executions ?? []).length ? page.nextToken : undefined;
  } while (nextToken);
  return undefined;
}

/**
 * The rollback that cleans up: `rollbackArn`, unless it ended at AlreadyClaimed, finding the clean-up
 * claimed by another rollback of the same stop (then that one).
 */
async function cleanerOf(sfn: SFNClient, rollbackArn: string): Promise<string> {
  const { output } = await sfn.send(new DescribeExecutionCommand({ executionArn: rollbackArn }));
  const claim = (JSON.parse(output ?? '{}') as { claim?: { claimed?: unknown; by?: unknown } }).claim;
  return claim?.claimed === false && typeof claim.by === 'string' ? claim.by : rollbackArn;
}

/** Whether the rollback execution `candidate` exists and was started for `executionArn`. */
async function rollbackInputNames(sfn: SFNClient, candidate: string, executionArn: string): Promise<boolean> {
  try {
    const { input } = await sfn.send(new DescribeExecutionCommand({ executionArn: candidate }));
    return rollsBack(input, executionArn);
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return false;
    throw error;
  }
}

/**
 * Starts `abort-<execution name>` (or its fallback when another execution's rollback holds that name); its
 * ARN, also when it exists already.
 */
async function startRollback(sfn: SFNClient, stateMachineArn: string, input: RollbackInput): Promise<string> {
  const { executionArn } = input;
  const { name, started } = await rollbackOfStop(executionArn, rollbacksIn(sfn, stateMachineArn));
  if (started) return executionArnIn(stateMachineArn, name);
  try {
    const start = new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) });
    return (await sfn.send(start)).executionArn!;
  } catch (error) {
    if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
    // Started meanwhile for this stop (by `cutover local`), or held by another stop's rollback.
    const named = await namedRollbackArn(sfn, stateMachineArn, executionArn);
    if (named) return named;
    throw error;
  }
}

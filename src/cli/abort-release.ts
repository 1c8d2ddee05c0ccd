import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { executionArnIn, executionIdOf, executionNameOf } from '#core/api-routes.ts';
import {
  type DescribeRollback,
  ROLLBACK_MACHINE,
  type RollbackInput,
  type RollbackWorkflow,
  RUNNING_CLAIM_SECONDS,
  rollbackOfStop,
  rollsBack,
  taggedExecutionName,
} from '#core/rollback.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import { readHistory, rollbackInputOf } from './history.ts';
import { isWorkflowMachineName, resolveRollbackMachineArn } from './resolve.ts';

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
  /**
   * Set when `rollbackExecutionArn` ended without cleaning up and no new rollback could be started: why, and
   * what to do instead.
   */
  readonly notRolledBack?: string;
}

/** How long {@link abortRelease} looks for the rollback the platform starts before starting one itself. */
const PLATFORM_ROLLBACK_WAIT_MS = 20_000;
/** How often it looks. */
const LOOK_EVERY_MS = 500;
/** Rollbacks started this long before the stop still count as its own (clocks of two machines differ). */
const CLOCK_SKEW_MS = 60_000;
/**
 * How long a rollback that claimed the clean-up and was then stopped keeps the claim: a rollback started
 * meanwhile ends at AlreadyClaimed and restores nothing.
 */
const STOPPED_ROLLBACK_CLAIM_MS = RUNNING_CLAIM_SECONDS * 1000;
/** The longest `cause` StopExecution takes (its `error`, `Aborted` here, has a limit of its own: 256). */
export const MAX_STOP_CAUSE = 32_768;

/**
 * Aborts a release or a database migration: StopExecution (which runs no Catch, so nothing rolls back or
 * unlocks by itself), then finds the rollback state machine's execution the platform starts for every
 * ABORTED execution (the EventBridge rule on AWS, under a generated name; `cutover local`, as
 * `abort-<execution name>`). Only when none appears within `waitMs` does it start one itself, as
 * `abort-<execution name>` (`abort-<8 hex>-<execution name>` when another execution's rollback holds that
 * name) with the input and workflow read from the stopped execution's history: one rollback per stop, not
 * two racing. Idempotent: aborting an already aborted execution finds that same
 * rollback; an execution that already ended otherwise is refused, and so is a rollback (stopped part-way,
 * it would leave traffic split and the service locked; ended, it has nothing to stop). When the rollback
 * found ended FAILED or ABORTED without cleaning up, a new one is started if the clean-up claim allows it
 * (see {@link retriedRollback}).
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
  refuseLongReason(reason);
  const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  refuseRollback(execution);
  let { status, stopDate } = execution;
  if (status === 'RUNNING') {
    ({ stopDate } = await sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Aborted', cause: reason }),
    ));
  } else if (status !== 'ABORTED') {
    throw alreadyEnded(executionArn, status);
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
      const retried = await retriedRollback(sfn, stateMachineArn, input, await cleanerOf(sfn, found));
      return { ...retried, strategy: input.strategy, ...stopped };
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, LOOK_EVERY_MS));
  }
  const rollbackExecutionArn = await startRollback(sfn, stateMachineArn, input);
  return { rollbackExecutionArn, strategy: input.strategy, ...stopped };
}

/**
 * Refuses a reason StopExecution would refuse as its cause (the execution would keep running): longer than
 * {@link MAX_STOP_CAUSE} UTF-16 code units, which is never fewer characters than the API counts.
 */
function refuseLongReason(reason: string): void {
  if (reason.length <= MAX_STOP_CAUSE) return;
  throw new CliError(
    `--reason must be at most ${MAX_STOP_CAUSE.toLocaleString('en-US')} characters, StopExecution's limit on ` +
      `its cause (got ${reason.length.toLocaleString('en-US')}): nothing was stopped`,
    ExitCode.Usage,
  );
}

/** A stop's rollback execution, and its status as DescribeExecution answers it. */
export interface StopRollbackStatus {
  readonly executionArn: string;
  readonly status: string;
}

/**
 * The rollback of the ABORTED `executionArn`, stopped at `stopDate`, as {@link abortRelease} finds it (the
 * rollback that cleans up, or its latest retry), with its status; undefined while there is none. Starts
 * nothing and waits for nothing: two DescribeExecution calls of its names, else one ListExecutions page of
 * the rollbacks started since the stop (more only when over a hundred were) and a DescribeExecution of
 * each, then one of the rollback found and of each retry.
 *
 * @example
 * const rollback = await stopRollbackStatus(sfn, rollbackMachineArn, executionArn, stopDate);
 */
export async function stopRollbackStatus(
  sfn: SFNClient,
  stateMachineArn: string,
  executionArn: string,
  stopDate: Date | undefined,
): Promise<StopRollbackStatus | undefined> {
  const since = (stopDate?.getTime() ?? Date.now()) - CLOCK_SKEW_MS;
  const found = await startedRollback(sfn, stateMachineArn, executionArn, since, new Set());
  if (!found) return undefined;
  const latest = await latestRetry(sfn, stateMachineArn, executionArn, await cleanerOf(sfn, found));
  return { executionArn: latest.executionArn!, status: latest.status ?? 'UNKNOWN' };
}

/** Whether `executionArn` is an execution of the rollback machine (`<prefix>-rollback` as CDK deploys it). */
export function isRollbackExecution(executionArn: string): boolean {
  const [machine = ''] = executionIdOf(executionArn).split(':');
  return isWorkflowMachineName(machine, ROLLBACK_MACHINE);
}

/** The usage error of an execution that has already ended `status`: there is nothing to stop. */
function alreadyEnded(executionArn: string, status: string | undefined): CliError {
  return new CliError(`${executionArn} already ended ${status}: nothing to abort`, ExitCode.Usage);
}

/**
 * Refuses to stop an execution of the rollback machine: a running one, naming the release it restores; one
 * that ended, as any execution that ended.
 */
function refuseRollback({
  executionArn,
  stateMachineArn,
  input,
  status,
}: DescribeExecutionCommandOutput): void {
  const machine = stateMachineArn?.split(':stateMachine:')[1] ?? '';
  if (!isWorkflowMachineName(machine, ROLLBACK_MACHINE)) return;
  if (status !== 'RUNNING') throw alreadyEnded(executionArn!, status);
  const restored = stoppedExecutionOf(input);
  throw new CliError(
    `${executionArn} is the rollback of ${restored ?? 'a stopped execution'}: stopping it would leave traffic ` +
      `part-way and the service locked. Let it run to its end (\`cutover watch ${executionArn}\`).`,
    ExitCode.Usage,
  );
}

/** The stopped execution a rollback's input (a {@link RollbackInput}) names, if it names one. */
export function stoppedExecutionOf(input: string | undefined): string | undefined {
  try {
    const { executionArn } = JSON.parse(input ?? '{}') as { executionArn?: unknown };
    return typeof executionArn === 'string' ? executionArn : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The rollback that restores the stop `input` names, starting from `rollbackArn`: that one unless it ended
 * FAILED, ABORTED or TIMED_OUT. Then its retry, `retry-<8 hex of its ARN>-<execution name>` (and that
 * one's, in turn, see {@link latestRetry}), started here when it does not exist yet and the claim allows:
 * at once after a rollback that failed (it gave up its claim), not while a stopped one may still hold its
 * claim (two hours after it claimed), never after ServiceLocked (another execution holds the service:
 * restoring would undo it).
 */
async function retriedRollback(
  sfn: SFNClient,
  stateMachineArn: string,
  input: RollbackInput,
  rollbackArn: string,
): Promise<Pick<AbortOutcome, 'rollbackExecutionArn' | 'notRolledBack'>> {
  const rollback = await latestRetry(sfn, stateMachineArn, input.executionArn, rollbackArn);
  const { executionArn: latestArn, status, error, cause } = rollback;
  if (!endedWithoutCleaningUp(rollback)) return { rollbackExecutionArn: latestArn };
  if (error === 'ServiceLocked') {
    return {
      rollbackExecutionArn: latestArn,
      notRolledBack:
        `its rollback ${latestArn} restored nothing: ${cause ?? 'another execution holds the service'}. ` +
        'Nothing to roll back: the execution that holds the service now owns its traffic (`cutover status`).',
    };
  }
  const claimedAt = status === 'FAILED' ? undefined : await claimTime(sfn, latestArn!);
  const claimFreeAt = claimedAt === undefined ? 0 : claimedAt.getTime() + STOPPED_ROLLBACK_CLAIM_MS;
  if (claimFreeAt > Date.now()) {
    return {
      rollbackExecutionArn: latestArn,
      notRolledBack:
        `its rollback ${latestArn} ended ${status} part-way: traffic may be split and the service locked. ` +
        `It holds the clean-up claim until ${new Date(claimFreeAt).toISOString()} (two hours after it took ` +
        'it): a rollback started before then ends at AlreadyClaimed and restores nothing. Run ' +
        `\`cutover abort ${input.executionArn}\` again after then to start a new one.`,
    };
  }
  const start = new StartExecutionCommand({
    stateMachineArn,
    name: retryNameOf(latestArn!, input.executionArn),
    input: JSON.stringify(input),
  });
  return { rollbackExecutionArn: (await sfn.send(start)).executionArn! };
}

/** Whether a rollback ended FAILED, ABORTED or TIMED_OUT: without cleaning up. */
function endedWithoutCleaningUp({ status }: DescribeExecutionCommandOutput): boolean {
  return status === 'FAILED' || status === 'ABORTED' || status === 'TIMED_OUT';
}

/**
 * The rollback `rollbackArn` of the stopped `executionArn`, or, when it ended without cleaning up (not at
 * ServiceLocked), its retry `retry-<8 hex of its ARN>-<execution name>` if that exists (and that one's, in
 * turn), as DescribeExecution answers; starts nothing.
 */
async function latestRetry(
  sfn: SFNClient,
  stateMachineArn: string,
  executionArn: string,
  rollbackArn: string,
): Promise<DescribeExecutionCommandOutput> {
  const rollback = await sfn.send(new DescribeExecutionCommand({ executionArn: rollbackArn }));
  if (!endedWithoutCleaningUp(rollback) || rollback.error === 'ServiceLocked') return rollback;
  const retryArn = executionArnIn(stateMachineArn, retryNameOf(rollbackArn, executionArn));
  const retry = await describeOrUndefined(sfn, retryArn);
  if (!retry) return rollback;
  if (!rollsBack(retry.input, executionArn)) throw new CliError(`${retryArn} restores another execution`);
  return latestRetry(sfn, stateMachineArn, executionArn, retryArn);
}

/** `retry-<8 hex of the ended rollback's ARN>-<stopped execution's name>`, cut to 80 characters. */
function retryNameOf(rollbackArn: string, executionArn: string): string {
  return taggedExecutionName('retry', rollbackArn, executionNameOf(executionArn));
}

/**
 * When the rollback entered ClaimRollback, where it took the clean-up claim it may hold for
 * {@link RUNNING_CLAIM_SECONDS}; undefined when it never did.
 */
async function claimTime(sfn: SFNClient, rollbackArn: string): Promise<Date | undefined> {
  const events = await readHistory(sfn, rollbackArn);
  const entered = events.find((event) => event.stateEnteredEventDetails?.name === 'ClaimRollback');
  return entered && (entered.timestamp ?? new Date());
}

async function describeOrUndefined(
  sfn: SFNClient,
  executionArn: string,
): Promise<DescribeExecutionCommandOutput | undefined> {
  try {
    return await sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return undefined;
    throw error;
  }
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
  return (name) => describeOrUndefined(sfn, executionArnIn(stateMachineArn, name));
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
  const rollback = await describeOrUndefined(sfn, candidate);
  return rollback !== undefined && rollsBack(rollback.input, executionArn);
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

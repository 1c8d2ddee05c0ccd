import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ABORT_ERROR, executionArnIn, executionNameOf } from '#core/api-routes.ts';
import { RollbackStoppedError, readableCause } from '#core/errors.ts';
import { abortOnFailurePathText } from '#core/failure-path.ts';
import {
  CAUSE_MAX_LENGTH,
  type DescribeRollback,
  isRollbackArn,
  type RollbackInput,
  type RollbackWorkflow,
  RUNNING_CLAIM_SECONDS,
  rollbackOfStop,
  rollsBack,
  stoppedExecutionOf,
  taggedExecutionName,
} from '#core/rollback.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import { failureOnItsPath, readHistory, rollbackInputOf } from './history.ts';
import { namingOfExecution, resolveRollbackMachineArn } from './resolve.ts';

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
  /** The status of a rollback found already started (`RUNNING`, `SUCCEEDED`); absent for one this call started. */
  readonly rollbackStatus?: string;
  /**
   * Set when `rollbackExecutionArn` ended without cleaning up and no new rollback could be started: why, and
   * what to do instead.
   */
  readonly notRolledBack?: string;
}

/**
 * How long {@link abortRelease} looks for the rollback the platform starts before starting one itself, and
 * {@link awaitStopRollbackStatus} for the one the EventBridge rule starts.
 */
export const PLATFORM_ROLLBACK_WAIT_MS = 20_000;
/** How often it looks. */
const LOOK_EVERY_MS = 500;
/** Rollbacks started this long before the stop still count as its own (clocks of two machines differ). */
const CLOCK_SKEW_MS = 60_000;
/**
 * How long a rollback that claimed the clean-up and was then stopped keeps the claim: a rollback started
 * meanwhile ends at AlreadyClaimed and restores nothing.
 */
const STOPPED_ROLLBACK_CLAIM_MS = RUNNING_CLAIM_SECONDS * 1000;
/**
 * Added to when a claim lapses: it is timed from ClaimRollback's success as the history records it, a
 * little after the claim-rollback function wrote the claim (on a clock of its own).
 */
const CLAIM_LAPSE_MARGIN_MS = 60_000;

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
 * (see {@link retriedRollback}); when it does not, `notRolledBack` says when to run `cutover abort <execution
 * name>` again, with `endpointFlags` (the command's endpoint options, as `endpointFlags()` gives them).
 *
 * @example
 * const { rollbackExecutionArn } = await abortRelease(sfn, executionArn, 'wrong image');
 */
export async function abortRelease(
  sfn: SFNClient,
  executionArn: string,
  reason: string,
  waitMs = PLATFORM_ROLLBACK_WAIT_MS,
  endpointFlags = '',
): Promise<AbortOutcome> {
  refuseLongReason(reason);
  const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  refuseRollback(execution, endpointFlags);
  let { status, stopDate } = execution;
  if (status === 'RUNNING') {
    await refuseFailurePath(sfn, executionArn, endpointFlags);
    ({ stopDate } = await sfn.send(
      new StopExecutionCommand({ executionArn, error: ABORT_ERROR, cause: reason }),
    ));
    // StopExecution of an execution that ended meanwhile answers as well, and changes nothing.
    const stopped = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (stopped.status !== 'ABORTED') throw alreadyEnded(executionArn, stopped.status);
  } else if (status !== 'ABORTED') {
    throw alreadyEnded(executionArn, status);
  }
  const stopped = status === 'ABORTED' ? ({ alreadyStopped: true } as const) : {};
  const input = rollbackInputOf(await readHistory(sfn, executionArn), executionArn, reason);
  if (!input) return stopped;
  const stateMachineArn = await resolveRollbackMachineArn(sfn, namingOfExecution(executionArn));
  const since = (stopDate?.getTime() ?? Date.now()) - CLOCK_SKEW_MS;
  const others = new Set<string>();
  const found = await lookUntilFound(
    () => startedRollback(sfn, stateMachineArn, executionArn, since, others),
    waitMs,
  );
  if (found) {
    const cleaner = await cleanerOf(sfn, found);
    const retried = await retriedRollback(sfn, stateMachineArn, input, cleaner, {
      endpointFlags,
      stoppedNow: status === 'RUNNING',
    });
    return { ...retried, strategy: input.strategy, ...stopped };
  }
  const rollbackExecutionArn = await startRollback(sfn, stateMachineArn, input);
  return { rollbackExecutionArn, strategy: input.strategy, ...stopped };
}

/**
 * Refuses a reason StopExecution would refuse as its cause (the execution would keep running): longer than
 * {@link CAUSE_MAX_LENGTH} UTF-16 code units, which is never fewer characters than the API counts.
 */
function refuseLongReason(reason: string): void {
  if (reason.length <= CAUSE_MAX_LENGTH) return;
  throw new CliError(
    `--reason must be at most ${CAUSE_MAX_LENGTH.toLocaleString('en-US')} characters, StopExecution's limit on ` +
      `its cause (got ${reason.length.toLocaleString('en-US')}): nothing was stopped`,
    ExitCode.Usage,
  );
}

/**
 * Refuses to stop an execution already on its failure path (a release rolling back after a failed analysis,
 * say): the stop would halt that rollback part-way, and the rollback machine would repeat it under
 * `Aborted`, losing the failure's own cause.
 */
async function refuseFailurePath(sfn: SFNClient, executionArn: string, endpointFlags: string): Promise<void> {
  const failure = await failureOnItsPath(
    (input) => sfn.send(new GetExecutionHistoryCommand(input)),
    executionArn,
  );
  if (!failure) return;
  throw new CliError(
    `${abortOnFailurePathText(executionArn, failure)}. Let it run to its end ` +
      `(\`cutover watch ${executionNameOf(executionArn)}${endpointFlags}\`).`,
    ExitCode.Usage,
  );
}

/**
 * A stop's rollback execution, and its status as DescribeExecution answers it; `ALREADY_CLAIMED` for a
 * retry that SUCCEEDED at AlreadyClaimed (another rollback held the clean-up claim): it restored nothing.
 */
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
  const status = claimHolderOf(latest) === undefined ? (latest.status ?? 'UNKNOWN') : 'ALREADY_CLAIMED';
  return { executionArn: latest.executionArn!, status };
}

/**
 * {@link stopRollbackStatus}, looked for again every half second until found or `waitMs` passed: the
 * EventBridge rule starts the rollback of a stop within seconds of it, not at once.
 *
 * @example
 * const rollback = await awaitStopRollbackStatus(sfn, rollbackMachineArn, executionArn, stopDate);
 */
export function awaitStopRollbackStatus(
  sfn: SFNClient,
  stateMachineArn: string,
  executionArn: string,
  stopDate: Date | undefined,
  waitMs = PLATFORM_ROLLBACK_WAIT_MS,
): Promise<StopRollbackStatus | undefined> {
  return lookUntilFound(() => stopRollbackStatus(sfn, stateMachineArn, executionArn, stopDate), waitMs);
}

/** `look()`, again every {@link LOOK_EVERY_MS} until it finds something or `waitMs` passed. */
async function lookUntilFound<T>(look: () => Promise<T | undefined>, waitMs: number): Promise<T | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const found = await look();
    if (found !== undefined || Date.now() >= deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, LOOK_EVERY_MS));
  }
}

/** The usage error of an execution that has already ended `status`: there is nothing to stop. */
function alreadyEnded(executionArn: string, status: string | undefined): CliError {
  return new CliError(`${executionArn} already ended ${status}: nothing to abort`, ExitCode.Usage);
}

/**
 * Refuses to stop an execution of the rollback machine: a running one, naming the release it restores (and
 * how to follow it, with the command's `endpointFlags`); one that ended, as any execution that ended.
 */
function refuseRollback(
  { executionArn, stateMachineArn, input, status }: DescribeExecutionCommandOutput,
  endpointFlags: string,
): void {
  if (!isRollbackArn(stateMachineArn)) return;
  if (status !== 'RUNNING') throw alreadyEnded(executionArn!, status);
  const restored = stoppedExecutionOf(input);
  throw new CliError(
    `${executionArn} is the rollback of ${restored ?? 'a stopped execution'}: stopping it would leave traffic ` +
      `part-way and the service locked. Let it run to its end (\`cutover watch ${executionArn}${endpointFlags}\`).`,
    ExitCode.Usage,
  );
}

/**
 * The rollback that restores the stop `input` names, starting from `rollbackArn`: that one unless it ended
 * FAILED, ABORTED or TIMED_OUT, or at AlreadyClaimed. Then its retry, `retry-<8 hex of its ARN>-<execution
 * name>` (and that one's, in turn, see {@link latestRetry}), started here when it does not exist yet and the
 * claim allows: at once after a rollback that gave up its claim (GiveUpClaim succeeded) or never took it,
 * not while one that took it (stopped, or failed before giving it up) may still hold it (two hours after
 * it claimed; after AlreadyClaimed, the claim of the rollback that holds it), never after ServiceLocked
 * (another execution holds the service: restoring would undo it). `endpointFlags` are repeated in the
 * command it suggests.
 */
async function retriedRollback(
  sfn: SFNClient,
  stateMachineArn: string,
  input: RollbackInput,
  rollbackArn: string,
  { endpointFlags, stoppedNow }: { readonly endpointFlags: string; readonly stoppedNow: boolean },
): Promise<Pick<AbortOutcome, 'rollbackExecutionArn' | 'notRolledBack' | 'rollbackStatus'>> {
  const rollback = await latestRetry(sfn, stateMachineArn, input.executionArn, rollbackArn);
  const { executionArn: latestArn, status, error, cause } = rollback;
  if (!endedWithoutCleaningUp(rollback)) return { rollbackExecutionArn: latestArn, rollbackStatus: status };
  if (error === RollbackStoppedError.errorName && stoppedNow) {
    // Its track has no ready replica yet: a retry now would stop the same way (and notify again).
    return {
      rollbackExecutionArn: latestArn,
      notRolledBack:
        `its rollback ${latestArn} stopped before moving the traffic: ${readableCause(cause, error) ?? error}. ` +
        `Run \`cutover abort ${executionNameOf(input.executionArn)}${endpointFlags}\` again once that track is ready.`,
    };
  }
  if (error === 'ServiceLocked') {
    return {
      rollbackExecutionArn: latestArn,
      notRolledBack:
        `its rollback ${latestArn} restored nothing: ${cause ?? 'another execution holds the service'}. ` +
        'Nothing to roll back: the execution that holds the service now owns its traffic (`cutover status`).',
    };
  }
  const holder = claimHolderOf(rollback);
  const claimFreeAt = await claimLapse(sfn, holder ?? latestArn!);
  if (claimFreeAt > Date.now()) {
    const ended =
      holder !== undefined
        ? `restored nothing: it ended at AlreadyClaimed, and ${holder}`
        : status === 'FAILED'
          ? `ended FAILED without giving up its clean-up claim: traffic may be split and the service locked. It`
          : `ended ${status} part-way: traffic may be split and the service locked. It`;
    return {
      rollbackExecutionArn: latestArn,
      notRolledBack:
        `its rollback ${latestArn} ${ended} holds the clean-up claim until ${new Date(claimFreeAt).toISOString()} ` +
        '(two hours after it took it): a rollback started before then ends at AlreadyClaimed and restores ' +
        `nothing. Run \`cutover abort ${executionNameOf(input.executionArn)}${endpointFlags}\` again after ` +
        'then to start a new one.',
    };
  }
  const start = new StartExecutionCommand({
    stateMachineArn,
    name: retryNameOf(latestArn!, input.executionArn),
    input: JSON.stringify(input),
  });
  return { rollbackExecutionArn: (await sfn.send(start)).executionArn! };
}

/**
 * Whether a rollback ended without cleaning up: FAILED, ABORTED or TIMED_OUT, or SUCCEEDED at AlreadyClaimed
 * (it restored nothing).
 */
function endedWithoutCleaningUp(rollback: DescribeExecutionCommandOutput): boolean {
  const { status } = rollback;
  if (status === 'SUCCEEDED') return claimHolderOf(rollback) !== undefined;
  return status === 'FAILED' || status === 'ABORTED' || status === 'TIMED_OUT';
}

/**
 * Of a rollback that SUCCEEDED at AlreadyClaimed (its output's `claim` is `{ claimed: false, by }`), the
 * rollback that holds the clean-up claim; undefined for any other.
 */
function claimHolderOf({ status, output }: DescribeExecutionCommandOutput): string | undefined {
  if (status !== 'SUCCEEDED') return undefined;
  try {
    const { claim } = JSON.parse(output ?? '{}') as { claim?: { claimed?: unknown; by?: unknown } };
    return claim?.claimed === false && typeof claim.by === 'string' ? claim.by : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The rollback `rollbackArn` of the stopped `executionArn`, or, when it ended without cleaning up (not at
 * ServiceLocked; at AlreadyClaimed too), its retry `retry-<8 hex of its ARN>-<execution name>` if that exists (and that one's, in
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
 * When (ms since the epoch) the clean-up claim the rollback `rollbackArn` may hold lapses: 0 when it holds
 * none, never having taken it (ClaimRollback did not succeed with `claimed: true`) or having given it up
 * (GiveUpClaim succeeded; on its way to RollbackFailed only, and its failure is caught into RollbackFailed
 * too); else {@link RUNNING_CLAIM_SECONDS} after ClaimRollback succeeded, plus {@link CLAIM_LAPSE_MARGIN_MS}.
 */
async function claimLapse(sfn: SFNClient, rollbackArn: string): Promise<number> {
  let claimedAt: Date | undefined;
  let gaveUp = false;
  for (const { state, event } of taskSuccesses(await readHistory(sfn, rollbackArn))) {
    if (state === 'ClaimRollback' && claimedOutput(event)) claimedAt = event.timestamp ?? new Date();
    if (state === 'GiveUpClaim') gaveUp = true;
  }
  if (!claimedAt || gaveUp) return 0;
  return claimedAt.getTime() + STOPPED_ROLLBACK_CLAIM_MS + CLAIM_LAPSE_MARGIN_MS;
}

/** The events of a history where a task succeeded (a Lambda function's, or an integration's), each with its state. */
function* taskSuccesses(events: readonly HistoryEvent[]): Generator<{ state: string; event: HistoryEvent }> {
  let state = '';
  for (const event of events) {
    state = event.stateEnteredEventDetails?.name ?? state;
    if (event.type === 'LambdaFunctionSucceeded' || event.type === 'TaskSucceeded') yield { state, event };
  }
}

/** Whether a ClaimRollback success event's output is `{ claimed: true }`: the rollback took the claim. */
function claimedOutput(event: HistoryEvent): boolean {
  const output = event.lambdaFunctionSucceededEventDetails?.output ?? event.taskSucceededEventDetails?.output;
  try {
    const result = JSON.parse(output ?? '{}') as { claimed?: unknown; Payload?: { claimed?: unknown } };
    return (result.Payload?.claimed ?? result.claimed) === true;
  } catch {
    return false;
  }
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
  const rollback = await sfn.send(new DescribeExecutionCommand({ executionArn: rollbackArn }));
  return claimHolderOf(rollback) ?? rollbackArn;
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

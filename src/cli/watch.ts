import { setTimeout as sleep } from 'node:timers/promises';
import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { UNREACHABLE_CODES } from '#adapters/network-errors.ts';
import { executionNameOf } from '#core/api-routes.ts';
import { isRollbackArn } from '#core/rollback.ts';
import { awaitStopRollbackStatus, PLATFORM_ROLLBACK_WAIT_MS } from './abort-release.ts';
import { type ApprovalDeadline, approvalDeadlineFor, withApprovalDeadline } from './approval-deadline.ts';
import { isRefusedCredentials, isThrottled, REFRESH_CREDENTIALS } from './aws-errors.ts';
import { type EndpointOptions, endpointFlags, unnamedLocalEndpoint } from './endpoint.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import { describeFailedCall, failedCallSite, failureInBrief, isForeignAnswer } from './failed-call.ts';
import { readEventsAfter } from './history.ts';
import { formatProgress, ProgressReader } from './progress.ts';
import { namingOfExecution, resolveRollbackMachineArn } from './resolve.ts';
import { type ReleaseRollback, withRollbackShortfall } from './service-releases.ts';

/** How {@link watchExecution} reads and reports. */
export interface WatchOptions {
  /** Where progress lines go. @default console.log */
  readonly print?: (line: string) => void;
  /** Where contact lost and found again is said. @default console.error */
  readonly warn?: (line: string) => void;
  /** How often the history is read, and an endpoint that does not answer is tried again. @default 500 */
  readonly pollMs?: number;
  /** How long the endpoint may stay unreachable before following ends with exit code 3. @default 120 */
  readonly reconnectSeconds?: number;
  /** The endpoint flags the commands an approval names need (` --endpoint <url>`). @default '' */
  readonly endpointFlags?: string;
  /** When a waiting approval times out at the endpoint. @default unknown: its logical timeout is stated */
  readonly approvalDeadline?: ApprovalDeadline;
  /**
   * The local endpoint tried without the user naming it (see {@link unnamedLocalEndpoint}): when it does not
   * answer, it is named, with how to start it or name another. @default undefined: `the endpoint`
   */
  readonly unnamedEndpoint?: string;
  /**
   * The rollback of the execution, stopped at `stopDate`, when it ends ABORTED (and is not a rollback
   * itself): a last line names it, its status and what it did not restore in full (see {@link rollbackText}).
   * @default none: no such line
   */
  readonly rollbackOf?: (
    executionArn: string,
    stopDate: Date | undefined,
  ) => Promise<ReleaseRollback | undefined>;
}

/** Says that the endpoint does not answer, naming the one the user did not name and how to reach one. */
function doesNotAnswer(reason: string, unnamedEndpoint: string | undefined): string {
  if (unnamedEndpoint === undefined) return `the endpoint does not answer (${reason})`;
  return `${unnamedEndpoint} does not answer (${reason}): is cutover local running there? (or pass --endpoint <url>)`;
}

/** What a proxy answers while nothing answers behind it (a `cutover local` restarting). */
const PROXY_UNAVAILABLE: ReadonlySet<number> = new Set([502, 503, 504]);

/**
 * An error that says nothing of the execution, only that its endpoint did not answer for now: no
 * connection, no answer in time, a proxy's 502, 503 or 504, or a 5xx error of Step Functions itself. Any
 * other answer that is not Step Functions' (a web server's 500 or 501) is a wrong endpoint, not a lost one.
 */
function isLostContact(error: unknown): boolean {
  const { code, name, $metadata } = (error ?? {}) as {
    code?: string;
    name?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const status = $metadata?.httpStatusCode ?? 0;
  if (UNREACHABLE_CODES.has(code ?? '') || name === 'TimeoutError' || PROXY_UNAVAILABLE.has(status))
    return true;
  return status >= 500 && !isForeignAnswer(error);
}

/** How often the local runtime is read: it answers at once, and costs nothing. */
const LOCAL_POLL_MS = 500;
/** How often AWS is read: every call counts against the account's Step Functions quota. */
const AWS_POLL_MS = 2000;
/** The longest wait between two calls AWS throttles. */
const MAX_THROTTLED_WAIT_MS = 30_000;

/** The outcome-unknown error of a read AWS refused the credentials of (expired, unknown, unloadable). */
function refusedCredentials(error: unknown): CliError {
  // The SDK's own error, not the usage error `withSetupHints` made of one it could not load.
  const refused = error instanceof CliError && error.cause !== undefined ? error.cause : error;
  const { name, message } = refused as Error;
  return new CliError(
    `stopped following: AWS refused the credentials (${name}: ${message}), so the outcome is unknown`,
    ExitCode.Unknown,
    { cause: error },
  );
}

/** How long the endpoint has not answered, across the reads of one command. */
export interface Contact {
  lostSince?: number;
  /** Set once AWS throttled a read, so that it is said once. */
  throttled?: boolean;
  /**
   * Set once the execution is followed ({@link watchExecution}): credentials the SDK can no longer load then
   * end it with exit code 3, not as the usage error (exit 2) they are before.
   */
  following?: boolean;
}

/**
 * `read()`, tried again every `pollMs` while the endpoint does not answer (a restarted `cutover local`),
 * saying so once with `warn`, and once more when it answers; past `reconnectSeconds` without an answer,
 * `CliError` with exit code 3: what became of the execution is unknown. A call AWS throttles is tried
 * again after twice as long each time (up to 30 s), however long; one whose credentials AWS refuses
 * (expired, unknown) ends with exit code 3 at once. A usage error (exit code 2: no credentials, no region)
 * is thrown as it is until the execution is followed ({@link Contact.following}).
 *
 * @example
 * const arn = await throughLostContact(() => resolveExecutionArn(sfn, ref), { reconnectSeconds: 120 });
 */
export async function throughLostContact<T>(
  read: () => Promise<T>,
  { warn = console.error, pollMs = 500, reconnectSeconds = 120, unnamedEndpoint }: WatchOptions,
  contact: Contact = {},
): Promise<T> {
  let throttled = 0;
  for (;;) {
    try {
      const value = await read();
      if (contact.lostSince !== undefined) {
        warn('the endpoint answers again; following');
        contact.lostSince = undefined;
      }
      return value;
    } catch (error) {
      // No credentials or region before anything is followed: the usage error that says how to set them.
      if (error instanceof CliError && error.exitCode === ExitCode.Usage && !contact.following) throw error;
      if (isRefusedCredentials(error)) throw refusedCredentials(error);
      if (isThrottled(error)) {
        if (!contact.throttled)
          warn(`AWS throttles the calls (${(error as Error).name}); following more slowly`);
        contact.throttled = true;
        throttled += 1;
        await sleep(Math.min(pollMs * 2 ** throttled, MAX_THROTTLED_WAIT_MS));
        continue;
      }
      if (!isLostContact(error)) throw error;
      const reason = failureInBrief(error);
      if (contact.lostSince === undefined) {
        contact.lostSince = Date.now();
        warn(`${doesNotAnswer(reason, unnamedEndpoint)}; trying again for up to ${reconnectSeconds}s`);
      } else if (Date.now() - contact.lostSince >= reconnectSeconds * 1000) {
        throw new CliError(
          `stopped following: no answer from the endpoint for ${reconnectSeconds}s (${reason}), so the outcome is unknown`,
          ExitCode.Unknown,
          { cause: error },
        );
      }
      await sleep(pollMs);
    }
  }
}

/**
 * What became of an ABORTED execution's rollback, with the commands that follow it (with `flags`, the
 * endpoint flags they need): `rollback: abort-checkout-v7 RUNNING — \`cutover watch abort-checkout-v7\``;
 * one that SUCCEEDED without bringing every track back in full says which (`rollback: abort-checkout-v7
 * SUCCEEDED but did not restore in full: stable 0/2 ready of v6 (CrashLoopBackOff; v7's 2 replicas still
 * serve) — ...`), and a database migration's, what stays applied (`rollback: abort-orders-db SUCCEEDED:
 * V1__items, applied before the stop, stays applied (nothing is rolled back) — ...`); one that ended
 * without cleaning up, or none, names `cutover abort <execution>`, which starts a new one or says why not.
 */
export function rollbackText(rollback: ReleaseRollback | undefined, execution: string, flags = ''): string {
  const abort = `\`cutover abort ${execution}${flags}\``;
  if (!rollback) return `rollback: none found — ${abort} finds or starts it`;
  const name = executionNameOf(rollback.executionArn);
  const { status } = rollback;
  const next =
    status === 'RUNNING' || status === 'SUCCEEDED'
      ? `\`cutover watch ${name}${flags}\``
      : `${abort} starts a new one or says why not`;
  const short = rollback.notRestored ? ` but did not restore in full: ${rollback.notRestored}` : '';
  const applied = rollback.migrationsApplied ? `: ${rollback.migrationsApplied}` : '';
  return `rollback: ${name} ${status}${short}${applied} — ${next}`;
}

/**
 * Prints an execution's progress as it happens until it ends (a track that is not ready yet, with why, only
 * when that changes, not at every check), then, given `rollbackOf`, what became of an ABORTED one's
 * rollback (a lookup that fails is warned of); returns the exit code for its final status (0 SUCCEEDED, 1
 * otherwise). While the endpoint does not answer it waits, as {@link throughLostContact} says; once it
 * no longer has the execution, or what answers there is not Step Functions, `CliError` with exit code 3.
 */
export async function watchExecution(
  sfn: SFNClient,
  executionArn: string,
  options: WatchOptions = {},
  contact: Contact = {},
): Promise<number> {
  const { print = console.log, warn = console.error, pollMs = 500, endpointFlags = '', rollbackOf } = options;
  const execution = `${executionNameOf(executionArn)}${endpointFlags}`;
  contact.following = true;
  let lastEventId = 0;
  const reader = new ProgressReader();
  for (;;) {
    const events = await throughLostContact(
      () => readEventsAfter(sfn, executionArn, lastEventId),
      options,
      contact,
    ).catch((error: unknown) => {
      throw outcomeUnknown(error, executionArn);
    });
    for (const [index, event] of events.entries()) {
      lastEventId = event.id ?? lastEventId;
      for (const line of reader.linesOf(event)) {
        print(
          formatProgress(await withApprovalDeadline(line, executionArn, options.approvalDeadline), execution),
        );
        // An end that a redrive undid (RedriveExecution) is followed on.
        if (line.kind !== 'end' || redrivenAfter(events, index)) continue;
        if (line.status === 'ABORTED' && rollbackOf && !isRollbackArn(executionArn)) {
          await rollbackOf(executionArn, event.timestamp).then(
            (rollback) => print(rollbackText(rollback, executionNameOf(executionArn), endpointFlags)),
            (error: Error) => warn(`rollback: not looked up (${error.message})`),
          );
        }
        return line.status === 'SUCCEEDED' ? ExitCode.Succeeded : ExitCode.Failed;
      }
    }
    await sleep(pollMs);
  }
}

/** Whether an `ExecutionRedriven` event comes after `events[index]`. */
function redrivenAfter(events: readonly HistoryEvent[], index: number): boolean {
  return events.slice(index + 1).some((event) => event.type === 'ExecutionRedriven');
}

/** Whether `error` is Step Functions saying it has no such execution. */
function isExecutionGone(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'ExecutionDoesNotExist';
}

/**
 * Why a read of the history of `executionArn`, which exists (it was started, or found, before it is
 * followed), failed with `error` without saying the execution failed: the endpoint no longer has it (a
 * `cutover local` started again on another data directory), or what answers there is not Step Functions;
 * undefined for any other error.
 */
function whyOutcomeUnknown(error: unknown, executionArn: string): string | undefined {
  if (isForeignAnswer(error)) return describeFailedCall(error) ?? failureInBrief(error);
  if (!isExecutionGone(error)) return undefined;
  const site = failedCallSite(error);
  const hint = site?.aws ? '' : ' (was cutover local restarted with another --data-dir?)';
  return `${executionNameOf(executionArn)} is not at ${site?.endpoint ?? 'the endpoint'} any more${hint}`;
}

/** `error` of a read of the followed execution, or the outcome-unknown error (exit code 3) it stands for. */
function outcomeUnknown(error: unknown, executionArn: string): unknown {
  const why = whyOutcomeUnknown(error, executionArn);
  if (why === undefined) return error;
  return new CliError(`stopped following: ${why}, so the outcome is unknown`, ExitCode.Unknown, {
    cause: error,
  });
}

/** The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it. */
const INTERRUPTED = 130;

/**
 * {@link watchExecution} at a terminal: Ctrl-C (SIGINT) stops the following, not the execution, and says
 * so, with the commands that follow it again or stop it (with the same endpoint options); so does an
 * endpoint that stays unreachable past `reconnectSeconds` (exit code 3). An approval's deadline is read from
 * the local runtime's console, which runs it at its `WAIT_TIME_SCALE`, or, with `--aws`, is at real time.
 *
 * @example
 * process.exitCode = await followExecution(sfn, executionArn, { endpoint: 'http://127.0.0.1:8083' });
 */
export async function followExecution(
  sfn: SFNClient,
  executionArn: string,
  options: EndpointOptions & { readonly reconnectSeconds?: number },
  contact: Contact = {},
): Promise<number> {
  const name = executionNameOf(executionArn);
  const rollback = isRollbackArn(executionArn);
  const interrupted = (): void => {
    console.error(
      `\nstopped following ${name}; the execution keeps running: ${followUpCommands(name, options, rollback)}`,
    );
    process.exit(INTERRUPTED);
  };
  process.once('SIGINT', interrupted);
  try {
    const { reconnectSeconds } = options;
    const flags = endpointFlags(options);
    const approvalDeadline = approvalDeadlineFor(options);
    const unnamedEndpoint = unnamedLocalEndpoint(options);
    const pollMs = options.aws ? AWS_POLL_MS : LOCAL_POLL_MS;
    // On AWS an EventBridge rule starts the rollback of a stop, seconds after it; locally, the stop does.
    const rollbackWaitMs = options.aws ? PLATFORM_ROLLBACK_WAIT_MS : 0;
    const rollbackOf = async (stopped: string, stopDate: Date | undefined) => {
      const machineArn = await resolveRollbackMachineArn(sfn, namingOfExecution(stopped));
      const rollback = await awaitStopRollbackStatus(sfn, machineArn, stopped, stopDate, rollbackWaitMs);
      return (
        rollback &&
        withRollbackShortfall((input) => sfn.send(new GetExecutionHistoryCommand(input)), rollback)
      );
    };
    return await watchExecution(
      sfn,
      executionArn,
      { reconnectSeconds, pollMs, endpointFlags: flags, approvalDeadline, unnamedEndpoint, rollbackOf },
      contact,
    );
  } catch (error) {
    throw withFollowUp(error, name, options, rollback);
  } finally {
    process.off('SIGINT', interrupted);
  }
}

/**
 * The commands that follow `execution` again or stop it, with the endpoint flags of `options`; only the one
 * that follows it for a `rollback`, which `cutover abort` refuses to stop part-way.
 */
function followUpCommands(execution: string, options: EndpointOptions, rollback: boolean): string {
  const flags = endpointFlags(options);
  const follow = `follow it with \`cutover watch ${execution}${flags}\``;
  return rollback ? follow : `${follow}, or stop it with \`cutover abort ${execution}${flags}\``;
}

/**
 * `error`, or, when it is an outcome-unknown error (the endpoint stopped answering, AWS refused the
 * credentials), the same error saying how to follow or stop `execution` once the endpoint answers again,
 * or once the credentials are refreshed: only how to follow it when it is a `rollback` (by default when
 * `execution` is a rollback's ARN).
 */
export function withFollowUp(
  error: unknown,
  execution: string,
  options: EndpointOptions,
  rollback = isRollbackArn(execution),
): unknown {
  if (!(error instanceof CliError) || error.exitCode !== ExitCode.Unknown) return error;
  const commands = followUpCommands(execution, options, rollback);
  return new CliError(`${error.message}: ${onceText(error.cause)}, ${commands}`, ExitCode.Unknown, {
    cause: error,
  });
}

/** When following again can tell the outcome, after an outcome-unknown error caused by `cause`. */
function onceText(cause: unknown): string {
  if (isRefusedCredentials(cause)) return `once the credentials are refreshed (${REFRESH_CREDENTIALS})`;
  if (isExecutionGone(cause)) return 'once it is back there';
  if (isForeignAnswer(cause) && !isLostContact(cause)) return 'once Step Functions answers there';
  return 'once it answers';
}

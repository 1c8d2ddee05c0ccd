import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { AT_A_CHECK, unquoteMeasurements } from '#core/analysis/index.ts';
import { approvalStageText, UNANSWERED_RELEASE } from '#core/approval-stages.ts';
import {
  AnalysisFailedError,
  AnalysisInconclusiveError,
  ApprovalRejectedError,
  readableCause,
  rejectedText,
  rejectionOf,
  TransientAdapterError,
} from '#core/errors.ts';
import { type MigrationsApplied, migrationsAppliedClause } from '#core/rollback.ts';
import { isApprovalTimeoutAction } from '#core/schemas/common.ts';
import { type ApprovalTimeout, approvalTimeoutText } from './approval-deadline.ts';
import { counted, measurementsShown } from './format.ts';
import { scheduledParametersOf, schedulesApproval, TASK_WAIT_ENDS } from './history.ts';

/** One line of progress worth showing a person, derived from one history event. */
export type ProgressLine =
  /** A state entered; a step or batch selected says which of how many (`step 2 of 3`). */
  | { readonly kind: 'state'; readonly name: string; readonly position?: string }
  | { readonly kind: 'weights'; readonly weights: Record<string, number> }
  /** The router's weights as BackupState found them when the release started: no weights the release set. */
  | { readonly kind: 'foundWeights'; readonly weights: Record<string, number> }
  /** ValidateRequest found no track serving the service: it goes to 100% without steps, analysis or approval. */
  | { readonly kind: 'firstRelease'; readonly service: string }
  | {
      readonly kind: 'verdict';
      readonly verdict: string;
      readonly reason: string;
      readonly measurements: object;
      /** A check during a bake, not the analysis at its end. */
      readonly duringBake?: true;
    }
  | { readonly kind: 'backup'; readonly manifestKey: string }
  | {
      readonly kind: 'migrations';
      readonly applied: readonly number[];
      /** Applied by an earlier attempt of the task, cut off (killed or timed out) before it answered. */
      readonly appliedEarlier: readonly number[];
      readonly pending: readonly number[];
      /** Applied migrations the run had no file of (`V1__items`). */
      readonly withoutFile: readonly string[];
    }
  | ({ readonly kind: 'copy' } & CopyReport)
  | {
      readonly kind: 'validated';
      readonly tables: number;
      readonly rows: number;
      /** Columns compared through a type the migrations changed: `public.m.price numeric(12,4) → numeric(14,4)`. */
      readonly converted: readonly string[];
    }
  | { readonly kind: 'copyUndone'; readonly emptied: readonly string[] }
  /**
   * What the rollback put back: the backup's tracks, and, when the task says so, how many cluster objects it
   * re-applied (Deployments, Services, routes); `objects` alone from a rollback that counted only those.
   */
  | { readonly kind: 'rolledBack'; readonly tracks?: number; readonly objects?: number }
  /**
   * The tracks a rollback did not bring back in full, as RestoreCapacity's last check (before the traffic
   * returns, or CheckRolledBack's after Rollback) writes them in `shortfall`: `green 2/4 ready: ImagePullBackOff`.
   */
  | { readonly kind: 'shortfall'; readonly shortfall: readonly string[] }
  /** A lifecycle event Notify published (`Started`, `Succeeded`, `RolledBack`, `Failed`). */
  | { readonly kind: 'notified'; readonly type: string }
  /** A lifecycle event that did not go out (which does not stop the execution), and why. */
  | { readonly kind: 'notifyFailed'; readonly type: string; readonly error: string; readonly cause?: string }
  /** A rollback that found the stop's clean-up claimed by another rollback, `by`, which does it. */
  | { readonly kind: 'claimedElsewhere'; readonly by: string }
  /** A rollout check that found the track not ready yet, and why (`0/4 ready, 4 updated; pod ... not scheduled: ...`). */
  | { readonly kind: 'rollout'; readonly track: string; readonly reason: string }
  | {
      readonly kind: 'hooks';
      readonly hooks: readonly { readonly name: string; readonly status: number; readonly ms: number }[];
    }
  /** A task attempt that failed with an error the state machines retry; `attempt` counts from 1 per state entered. */
  | { readonly kind: 'attemptFailed'; readonly cause: string; readonly attempt?: number }
  /** The answer to the approval the execution waited for: who approved it and what they said, if they did. */
  | { readonly kind: 'approved'; readonly approver?: string; readonly comment?: string }
  /** A rejection of the approval the execution waited for: who rejected it and why, if they said. */
  | { readonly kind: 'rejected'; readonly approver?: string; readonly reason?: string }
  /** The approval the execution waited for got no answer in time; what follows, when its task said. */
  | ({ readonly kind: 'unanswered' } & Pick<WaitingApproval, 'timeoutSeconds' | 'onTimeout'>)
  /** An approval the execution now waits for, with its timeout when it has one. */
  | ({ readonly kind: 'approval' } & WaitingApproval)
  /** The execution was redriven (`RedriveExecution`): it goes on from where it ended, the end before it undone. */
  | { readonly kind: 'redriven'; readonly redriveCount: number }
  | {
      readonly kind: 'end';
      readonly status: string;
      readonly error?: string;
      readonly cause?: string;
      /** A FAILED execution's own rollback: whether it put back every track (`full`) or left some short. */
      readonly rolledBack?: 'full' | 'short';
    };

/** What a database migration's copy task reported of one slice. */
export interface CopyReport {
  readonly table: string;
  readonly rowsCopied: number;
  readonly done: boolean;
  /** The source's estimate of the table's rows, as the slice read it. */
  readonly estimatedRows?: number;
}

function parseOutput(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    const payload = (value as { Payload?: unknown })?.Payload ?? value;
    return payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The output of a task (a Lambda function's result) that succeeded, as an object. */
function taskOutputOf(event: HistoryEvent): Record<string, unknown> | undefined {
  return parseOutput(
    event.taskSucceededEventDetails?.output ?? event.lambdaFunctionSucceededEventDetails?.output,
  );
}

/**
 * The error and cause of a failed, aborted or timed-out execution, task or Lambda function event. A Lambda
 * error's cause is its JSON (`{"errorMessage", "errorType", "stackTrace"}`): only the message is kept; a
 * rejected approval's is the reject body: `rejected by ci: p99 too high` (see `readableCause`).
 */
export function failureOf(event: HistoryEvent): { error?: string; cause?: string } | undefined {
  const failure =
    event.executionFailedEventDetails ??
    event.executionAbortedEventDetails ??
    event.executionTimedOutEventDetails ??
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails;
  return failure ? readableFailure(failure.error, failure.cause) : undefined;
}

/** A failure's error with its cause as {@link failureOf} gives it: the message, or who rejected it and why. */
export function readableFailure(
  error: string | undefined,
  cause: string | undefined,
): { error?: string; cause?: string } {
  const readable = readableCause(cause, error);
  return {
    ...(error === undefined ? {} : { error }),
    ...(readable === undefined ? {} : { cause: readable }),
  };
}

/**
 * A failure as the end of a line: `: <error> — <cause>`, `: <cause>` (an execution stopped through the API
 * with a cause alone), or nothing.
 *
 * @example
 * failureText({ error: 'Aborted', cause: 'wrong image' }); // ': Aborted — wrong image'
 */
export function failureText({ error, cause }: { error?: string; cause?: string }): string {
  if (error) return `: ${error}${cause ? ` — ${cause}` : ''}`;
  return cause ? `: ${cause}` : '';
}

/** An approval an execution waits for: its timeout, and what it is for (`stage`). */
export type WaitingApproval = ApprovalTimeout & {
  /** `promote`, `after step 1 of 3`, `inconclusive-analysis`, ... (see {@link approvalStageText}). */
  readonly stage?: string;
};

/**
 * What a `.waitForTaskToken` approval task waits for and what follows its timeout: the `stage` and
 * `onTimeout` of its payload, when it names them.
 */
function approvalPayloadOf(event: HistoryEvent): Pick<WaitingApproval, 'stage' | 'onTimeout'> {
  const payload = (scheduledParametersOf(event) as { Payload?: { stage?: unknown; onTimeout?: unknown } })
    .Payload;
  const { stage, onTimeout } = payload ?? {};
  return {
    ...(typeof stage === 'string' ? { stage } : {}),
    ...(isApprovalTimeoutAction(onTimeout) ? { onTimeout } : {}),
  };
}

/** The verdict of the analysis that ends a release by failing its task, by the error it fails with. */
const DECIDING_VERDICTS: Record<string, string> = {
  [AnalysisFailedError.errorName]: 'fail',
  [AnalysisInconclusiveError.errorName]: 'inconclusive',
};

/** The states that select the next canary step or rolling batch, and what they select. */
const SELECTED_UNITS: Readonly<Record<string, string>> = { SelectStep: 'step', SelectBatch: 'batch' };

/**
 * Which `unit` a selecting state's input points at, from its cursor and plan: `batch 2 of 3`; `undefined`
 * when the input is not there (a history read without execution data) or not of that shape.
 */
function positionOf(unit: string, input: string | undefined): string | undefined {
  if (!input) return undefined;
  try {
    const { cursor, plan } = JSON.parse(input) as {
      cursor?: { index?: unknown };
      plan?: { stepCount?: unknown };
    };
    const index = cursor?.index;
    const count = plan?.stepCount;
    return typeof index === 'number' && typeof count === 'number'
      ? `${unit} ${index + 1} of ${count}`
      : undefined;
  } catch {
    return undefined;
  }
}

const END_EVENTS: Record<string, string> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionAborted: 'ABORTED',
  ExecutionTimedOut: 'TIMED_OUT',
};

/**
 * What a person watching a release wants from one history event: states entered, the traffic weights
 * found when the release started and those it set, analysis verdicts with their numbers, a rollout check
 * that found its track not ready and why, what a database migration did, a task attempt failing with an
 * error the state machines retry (`TransientAdapterError`), and the end. Tasks report weights set as
 * `weights` (BackupState those it found as `foundWeights`), verdicts as `verdict` +
 * `reason` + `measurements`, rollout checks as `track` + `ready` + `reason` + `attempt` (see
 * {@link rolloutCheckOf}), tracks a rollback did not bring back in full as `shortfall` (see
 * {@link shortfallOf}), and the database steps as `manifestKey`
 * (backup), `applied` + `pending` (migrations), `table` + `rowsCopied` + `done` (a copy slice), `tables`
 * of `{ table, rows }` (validation) and `emptied` (the copy undone) in their output.
 */
export function progressOf(event: HistoryEvent): ProgressLine[] {
  const type = event.type ?? '';
  if (type.endsWith('StateEntered') && event.stateEnteredEventDetails?.name) {
    const { name, input } = event.stateEnteredEventDetails;
    const position = SELECTED_UNITS[name] && positionOf(SELECTED_UNITS[name], input);
    return [{ kind: 'state', name, ...(position ? { position } : {}) }];
  }
  if (type === 'ExecutionRedriven') {
    return [{ kind: 'redriven', redriveCount: event.executionRedrivenEventDetails?.redriveCount ?? 0 }];
  }
  if (type in END_EVENTS) {
    return [{ kind: 'end', status: END_EVENTS[type]!, ...failureOf(event) }];
  }
  if (schedulesApproval(event)) {
    const timeoutSeconds = event.taskScheduledEventDetails?.timeoutInSeconds;
    return [
      {
        kind: 'approval',
        ...approvalPayloadOf(event),
        ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
        ...(event.timestamp ? { scheduledAt: new Date(event.timestamp).getTime() } : {}),
      },
    ];
  }
  const failed = event.taskFailedEventDetails ?? event.lambdaFunctionFailedEventDetails;
  if (failed?.error === TransientAdapterError.errorName) {
    return [{ kind: 'attemptFailed', cause: readableCause(failed.cause) ?? failed.error }];
  }
  // The analysis that ends a release fails its task; its message holds the verdict's reason and numbers.
  const deciding = DECIDING_VERDICTS[failed?.error ?? ''];
  if (deciding) {
    const { reason, measurements } = unquoteMeasurements(readableCause(failed?.cause) ?? '');
    const duringBake = reason.includes(AT_A_CHECK) ? { duringBake: true as const } : {};
    return [{ kind: 'verdict', verdict: deciding, reason, measurements, ...duringBake }];
  }
  const output = taskOutputOf(event);
  if (!output) return [];
  const lines: ProgressLine[] = [];
  const firstRelease = firstReleaseIn(output);
  if (firstRelease) lines.push(firstRelease);
  const check = rolloutCheckIn(output);
  if (check && !check.ready) lines.push({ kind: 'rollout', track: check.track, reason: check.reason });
  if (output.weights && typeof output.weights === 'object') {
    lines.push({ kind: 'weights', weights: output.weights as Record<string, number> });
  }
  const found = output.foundWeights;
  // A router without weights yet (a first release) found no split to show.
  if (found && typeof found === 'object' && Object.keys(found).length > 0) {
    lines.push({ kind: 'foundWeights', weights: found as Record<string, number> });
  }
  if (typeof output.verdict === 'string') {
    lines.push({
      kind: 'verdict',
      verdict: output.verdict,
      reason: String(output.reason ?? ''),
      measurements: (output.measurements as object) ?? {},
      ...(output.action === 'bake' ? { duringBake: true as const } : {}),
    });
  }
  if (Array.isArray(output.hooks)) lines.push({ kind: 'hooks', hooks: output.hooks });
  if (typeof output.type === 'string' && output.published === true) {
    lines.push({ kind: 'notified', type: output.type });
  }
  const notifyFailed = notifyFailedIn(output);
  if (notifyFailed) lines.push(notifyFailed);
  if (output.claimed === false && typeof output.by === 'string') {
    lines.push({ kind: 'claimedElsewhere', by: output.by });
  }
  const rolledBack = rolledBackOf(output);
  if (rolledBack) lines.push(rolledBack);
  const shortfall = shortfallOf(output);
  if (shortfall) lines.push(shortfall);
  const database = databaseStepOf(output);
  if (database) lines.push(database);
  return lines;
}

/** The event a task (Promote, RequestApproval) could not publish: its `type` and `notifyError`. */
function notifyFailedIn(output: Record<string, unknown>): ProgressLine | undefined {
  const { type, notifyError } = output as {
    type?: unknown;
    notifyError?: { Error?: unknown; Cause?: unknown };
  };
  if (typeof type !== 'string' || typeof notifyError?.Error !== 'string') return undefined;
  const cause = typeof notifyError.Cause === 'string' ? notifyError.Cause : undefined;
  return { kind: 'notifyFailed', type, error: notifyError.Error, ...(cause ? { cause } : {}) };
}

/** ValidateRequest's plan of a first release, naming its service (`shop/checkout`). */
function firstReleaseIn(output: Record<string, unknown>): ProgressLine | undefined {
  const plan = output.plan as { firstRelease?: unknown } | undefined;
  const service = (output.request as { service?: { name?: unknown; namespace?: unknown } } | undefined)
    ?.service;
  if (plan?.firstRelease !== true || typeof service?.name !== 'string') return undefined;
  return { kind: 'firstRelease', service: `${String(service.namespace)}/${service.name}` };
}

/**
 * Rollback: the tracks it put back as the backup had them (a release's versions and replicas) and the cluster
 * objects it re-applied. A rollback that reports no `objects` counted objects as `tracks`.
 */
function rolledBackOf(output: Record<string, unknown>): ProgressLine | undefined {
  if (typeof output.backupKey !== 'string' || typeof output.tracks !== 'number') return undefined;
  if (typeof output.objects !== 'number') return { kind: 'rolledBack', objects: output.tracks };
  return { kind: 'rolledBack', tracks: output.tracks, objects: output.objects };
}

/**
 * RestoreCapacity's last check (`ready`), when it names tracks not back in full in its `shortfall`; a check
 * still waiting says nothing, as the next one names them again.
 */
function shortfallOf(output: Record<string, unknown>): ProgressLine | undefined {
  const shortfall = finalShortfallIn(output);
  return shortfall?.length ? { kind: 'shortfall', shortfall } : undefined;
}

/**
 * The tracks a rollback's last check (RestoreCapacity's `{ ready: true, waiting, shortfall? }`) found short,
 * `[]` for none (it leaves `shortfall` out then); `undefined` for any other output.
 */
function finalShortfallIn(output: Record<string, unknown>): string[] | undefined {
  const { ready, waiting, shortfall } = output;
  if (ready !== true) return undefined;
  if (Array.isArray(shortfall)) return shortfall.map(String);
  return Array.isArray(waiting) ? [] : undefined;
}

/**
 * What the newest of `newestFirst` that is a rollback's last check says of the tracks it did not bring back
 * in full: `green 2/4 ready (not back after 120s of checks)`; `undefined` when all came back, or no such
 * check is among them.
 */
export function rollbackShortfallText(newestFirst: readonly HistoryEvent[]): string | undefined {
  for (const event of newestFirst) {
    const output = taskOutputOf(event);
    const shortfall = output && finalShortfallIn(output);
    if (shortfall) return shortfall.length > 0 ? shortfallText(shortfall) : undefined;
  }
  return undefined;
}

/**
 * What the rollback of a stopped database migration read of the migrations the execution applied, from
 * the rollback's newest events (its end's output), as {@link migrationsAppliedClause} words it; none for a
 * release's rollback, or one that has not ended.
 */
export function migrationsAppliedText(newestFirst: readonly HistoryEvent[]): string | undefined {
  const ended = newestFirst.find((event) => event.executionSucceededEventDetails?.output !== undefined);
  const output = parseOutput(ended?.executionSucceededEventDetails?.output);
  const applied = output?.migrationsApplied as Partial<Record<'migrations' | 'Error', unknown>> | undefined;
  if (Array.isArray(applied?.migrations)) return migrationsAppliedClause({ migrations: applied.migrations });
  if (typeof applied?.Error === 'string') return migrationsAppliedClause(applied as MigrationsApplied);
  return undefined;
}

/** One rollout check, as CheckRollout reports it: the track, whether it is ready, and its progress. */
export interface RolloutCheck {
  readonly track: string;
  readonly ready: boolean;
  /** `0/4 ready, 4 updated`, then what holds the rollout up when the cluster says (`; pod ... not scheduled: ...`). */
  readonly reason: string;
}

/**
 * The rollout check a task's output reports (CheckRollout's `{ track, ready, reason, attempt }`, `attempt`
 * 1 or more), if the event is one. DeployTrack's `{ ..., reason: 'applied', attempt: 0 }` checked nothing.
 */
export function rolloutCheckOf(event: HistoryEvent): RolloutCheck | undefined {
  return rolloutCheckIn(taskOutputOf(event));
}

function rolloutCheckIn(output: Record<string, unknown> | undefined): RolloutCheck | undefined {
  const { track, ready, reason, attempt } = output ?? {};
  if (typeof track !== 'string' || typeof ready !== 'boolean' || typeof reason !== 'string') return undefined;
  return typeof attempt === 'number' && attempt >= 1 ? { track, ready, reason } : undefined;
}

/**
 * Reads an execution's history, oldest first, into what a person follows: the lines of {@link progressOf},
 * but a track's rollout reason only when it changes, or again after the track was ready (a track that is
 * not ready is checked every few seconds, up to `progressDeadlineSeconds / 5` times).
 *
 * @example
 * const reader = new ProgressReader();
 * for (const event of events) for (const line of reader.linesOf(event)) print(formatProgress(line));
 */
export class ProgressReader {
  readonly #said = new Map<string, string>();
  /** The approval a `.waitForTaskToken` task waits for, until it ends. */
  #waiting: WaitingApproval | undefined;
  #notify: NotifyAttempts | undefined;
  /** The state entry (its `*StateEntered` event's id) of each event read that belongs to one. */
  readonly #entryOf = new Map<number, number>();
  /** The tasks scheduled so far by each state entry: the attempt a failure ends. */
  readonly #attemptsOf = new Map<number, number>();
  /** A first release: the tracks its weights leave at 0 do not run. */
  #firstRelease = false;
  /** What the execution's rollback restored, once it ran: its last check's shortfall decides. */
  #rolledBack: 'full' | 'short' | undefined;

  /**
   * The lines of one event, read after those before it; an approval's answer says who gave it and why (or
   * that none came in time, and what followed), a failed task attempt its number within its state, and
   * a Notify state that its `Catch` left (after its retries, without the event) which event did not go out.
   */
  linesOf(event: HistoryEvent): ProgressLine[] {
    const check = rolloutCheckOf(event);
    if (check?.ready) this.#said.delete(check.track);
    const attempt = this.#attemptOf(event);
    const lines = progressOf(event)
      .filter((line) => line.kind !== 'rollout' || this.#isNew(line))
      .map((line) => (line.kind === 'attemptFailed' && attempt !== undefined ? { ...line, attempt } : line))
      .map((line) => this.#runningTracksOnly(line))
      .map((line) => this.#withRollback(line));
    const entered = event.stateEnteredEventDetails?.name;
    if (entered !== undefined)
      this.#notify = entered.startsWith(NOTIFY_STATE) ? { state: entered } : undefined;
    const notifyFailed = this.#notifyStateFailure(event);
    if (notifyFailed) lines.push(notifyFailed);
    if (schedulesApproval(event)) {
      this.#waiting = lines.find((line) => line.kind === 'approval') ?? {};
    } else if (this.#waiting && TASK_WAIT_ENDS.has(event.type ?? '')) {
      const { timeoutSeconds, onTimeout } = this.#waiting;
      this.#waiting = undefined;
      const answer = approvalAnswerOf(event);
      if (answer) lines.unshift(answer);
      if (event.type === 'TaskTimedOut') lines.unshift({ kind: 'unanswered', timeoutSeconds, onTimeout });
    }
    return lines;
  }

  /**
   * The end of a FAILED execution that rolled back, saying whether every track came back; remembers what
   * a rollback line says (a later check that finds every track back follows a shortfall before it).
   */
  #withRollback(line: ProgressLine): ProgressLine {
    if (line.kind === 'rolledBack') this.#rolledBack = 'full';
    if (line.kind === 'shortfall') this.#rolledBack = 'short';
    if (line.kind !== 'end' || line.status !== 'FAILED' || !this.#rolledBack) return line;
    return { ...line, rolledBack: this.#rolledBack };
  }

  /** A first release's weights without the tracks it leaves at 0, which it never deployed: `green 100%`. */
  #runningTracksOnly(line: ProgressLine): ProgressLine {
    if (line.kind === 'firstRelease') this.#firstRelease = true;
    if (line.kind !== 'weights' || !this.#firstRelease) return line;
    return { ...line, weights: Object.fromEntries(Object.entries(line.weights).filter(([, w]) => w > 0)) };
  }

  /**
   * The attempt of its state's task that `event` belongs to, following `previousEventId` back to the state's
   * `*StateEntered` (a retry's `TaskScheduled` follows the failure it retries); `undefined` outside a state.
   */
  #attemptOf(event: HistoryEvent): number | undefined {
    const type = event.type ?? '';
    const entry = type.endsWith('StateEntered') ? event.id : this.#entryOf.get(event.previousEventId ?? 0);
    if (entry === undefined || event.id === undefined) return undefined;
    this.#entryOf.set(event.id, entry);
    if (type === 'TaskScheduled' || type === 'LambdaFunctionScheduled') {
      this.#attemptsOf.set(entry, (this.#attemptsOf.get(entry) ?? 0) + 1);
    }
    return this.#attemptsOf.get(entry);
  }

  /**
   * Follows a Notify state's attempts: the event type its task was given, and whether the last attempt
   * failed. Its exit after a failed attempt is its `Catch` (`States.ALL`), which goes on without the event:
   * the error is the `notifyError` the `Catch` wrote to the output, else (a `Catch` whose `ResultPath` is
   * null) the last attempt's. An attempt its `Retry` tries again says nothing here.
   */
  #notifyStateFailure(event: HistoryEvent): ProgressLine | undefined {
    const notify = this.#notify;
    if (!notify) return undefined;
    const type = event.type ?? '';
    if (type === 'TaskScheduled' || type === 'LambdaFunctionScheduled') {
      notify.failure = undefined;
      const given = parseOutput(
        event.taskScheduledEventDetails?.parameters ?? event.lambdaFunctionScheduledEventDetails?.input,
      )?.type;
      if (typeof given === 'string' && given) notify.type = given;
      return undefined;
    }
    if (type === 'TaskSucceeded' || type === 'LambdaFunctionSucceeded') notify.failure = undefined;
    const failed = attemptFailureOf(event);
    if (failed) notify.failure = failed;
    const exited = event.stateExitedEventDetails;
    if (!exited || exited.name !== notify.state) return undefined;
    this.#notify = undefined;
    if (!notify.failure) return undefined;
    const caught = notifyErrorIn(parseOutput(exited.output)) ?? notify.failure;
    const cause = readableCause(caught.cause, caught.error);
    return {
      kind: 'notifyFailed',
      type: notify.type ?? notify.state.slice(NOTIFY_STATE.length),
      error: caught.error,
      ...(cause ? { cause } : {}),
    };
  }

  #isNew({ track, reason }: { track: string; reason: string }): boolean {
    if (this.#said.get(track) === reason) return false;
    this.#said.set(track, reason);
    return true;
  }
}

/** A Notify state being followed: its name, the event type its task was given, its last attempt's failure. */
interface NotifyAttempts {
  readonly state: string;
  type?: string;
  failure?: { error: string; cause?: string };
}

/** The error and cause of a task attempt that failed, timed out or could not start, if the event is one. */
function attemptFailureOf(event: HistoryEvent): { error: string; cause?: string } | undefined {
  const failure =
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.taskStartFailedEventDetails ??
    event.taskSubmitFailedEventDetails ??
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.lambdaFunctionStartFailedEventDetails ??
    event.lambdaFunctionScheduleFailedEventDetails;
  if (!failure) return undefined;
  const error = failure.error ?? 'States.TaskFailed';
  return failure.cause === undefined ? { error } : { error, cause: failure.cause };
}

/** The `notifyError` (`{ Error, Cause }`) a Notify state's `Catch` wrote to its output, if it holds one. */
function notifyErrorIn(
  output: Record<string, unknown> | undefined,
): { error: string; cause?: string } | undefined {
  const notifyError = output?.notifyError as { Error?: unknown; Cause?: unknown } | undefined;
  if (typeof notifyError?.Error !== 'string') return undefined;
  const cause = typeof notifyError.Cause === 'string' ? notifyError.Cause : undefined;
  return { error: notifyError.Error, ...(cause === undefined ? {} : { cause }) };
}

const isNumbers = (value: unknown): value is number[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'number');

/** The database migration step a task's output reports, if it is one. */
function databaseStepOf(output: Record<string, unknown>): ProgressLine | undefined {
  if (typeof output.manifestKey === 'string') return { kind: 'backup', manifestKey: output.manifestKey };
  if (Array.isArray(output.emptied)) return { kind: 'copyUndone', emptied: output.emptied.map(String) };
  if (isNumbers(output.applied) && isNumbers(output.pending)) {
    const withoutFile = Array.isArray(output.withoutFile) ? output.withoutFile.map(String) : [];
    const appliedEarlier = isNumbers(output.appliedEarlier) ? output.appliedEarlier : [];
    return {
      kind: 'migrations',
      applied: output.applied,
      appliedEarlier,
      pending: output.pending,
      withoutFile,
    };
  }
  if (typeof output.table === 'string' && typeof output.rowsCopied === 'number') {
    const { table, rowsCopied, estimatedRows } = output;
    return {
      kind: 'copy',
      table,
      rowsCopied,
      done: output.done === true,
      ...(typeof estimatedRows === 'number' ? { estimatedRows } : {}),
    };
  }
  const tables = output.tables;
  // ListTables and a Validate without a source report no table: nothing was compared.
  if (
    Array.isArray(tables) &&
    tables.length > 0 &&
    tables.every((t) => typeof (t as { rows?: unknown })?.rows === 'number')
  ) {
    const rows = tables.reduce((sum: number, t: { rows: number }) => sum + t.rows, 0);
    return { kind: 'validated', tables: tables.length, rows, converted: tables.flatMap(convertedColumns) };
  }
  return undefined;
}

const count = (n: number): string => n.toLocaleString('en-US');
const versions = (list: readonly number[]): string => list.map((v) => `V${v}`).join(', ');

/** `1 track put back as the backup had them (4 objects re-applied)`, or the objects alone. */
function rolledBackText({ tracks, objects = 0 }: { tracks?: number; objects?: number }): string {
  if (tracks === undefined) return `${counted(objects, 'object')} put back as the backup had them`;
  const reapplied = objects > tracks ? ` (${counted(objects, 'object')} re-applied)` : '';
  return `${counted(tracks, 'track')} put back as the backup had them${reapplied}`;
}

/**
 * A shortfall as a person reads it, each track's reason in brackets.
 *
 * @example
 * shortfallText(['green 2/4 ready: ImagePullBackOff']); // 'green 2/4 ready (ImagePullBackOff)'
 */
function shortfallText(shortfall: readonly string[]): string {
  return shortfall.map((track) => track.replace(/: (.*)$/s, ' ($1)')).join(', ');
}

/** `applied V3, after V2 applied by an attempt of this task that was cut off`, or `nothing to apply`. */
function migrationsApplied(applied: readonly number[], earlier: readonly number[]): string {
  const cutOff = 'by an attempt of this task that was cut off';
  if (earlier.length === 0) return applied.length > 0 ? `applied ${versions(applied)}` : 'nothing to apply';
  if (applied.length === 0) return `applied ${versions(earlier)} ${cutOff}`;
  return `applied ${versions(applied)}, after ${versions(earlier)} applied ${cutOff}`;
}

/** A 40-character bar of the weights: `stable ██████████████████████████████████░░░░░░ canary 85/15`. */
export function weightsBar(weights: Record<string, number>): string {
  const entries = Object.entries(weights);
  if (entries.length !== 2) return percentagesOf(weights).join('  ');
  const [[first, a], [second, b]] = entries as [[string, number], [string, number]];
  const filled = Math.round((a / 100) * 40);
  return `${first} ${'█'.repeat(filled)}${'░'.repeat(40 - filled)} ${second} ${a}/${b}`;
}

/** Each track's weight as `green 100%`, in the order the weights list them. */
function percentagesOf(weights: Record<string, number>): string[] {
  return Object.entries(weights).map(([track, weight]) => `${track} ${weight}%`);
}

/** A progress line as running text, without the terminal's indentation and column: `copy public.orders: ...`. */
export function progressText(line: ProgressLine): string {
  return formatProgress(line).trim().replace(/\s+/, ' ');
}

/** How the states that publish a lifecycle event are named: `Notify<event>` (`NotifyStarted`). */
const NOTIFY_STATE = 'Notify';

/** How an approval was answered: approved or rejected, by whom and what they said. */
export type ApprovalAnswer = Extract<ProgressLine, { kind: 'approved' | 'rejected' }>;

/**
 * The answer the end of an approval's `.waitForTaskToken` task gives: SendTaskSuccess's output `{ approver?,
 * comment? }` or, failing with `ApprovalRejected`, SendTaskFailure's cause `{ approver?, reason? }` (the
 * release API's and the CLI's bodies); `undefined` for an end that is no answer (a timeout, an abort).
 */
function approvalAnswerOf(event: HistoryEvent): ApprovalAnswer | undefined {
  if (event.type === 'TaskSucceeded') {
    const { approver, comment } = parseOutput(event.taskSucceededEventDetails?.output) ?? {};
    return {
      kind: 'approved',
      ...(typeof approver === 'string' && approver ? { approver } : {}),
      ...(typeof comment === 'string' && comment ? { comment } : {}),
    };
  }
  const { error, cause } = event.taskFailedEventDetails ?? {};
  if (event.type !== 'TaskFailed' || error !== ApprovalRejectedError.errorName) return undefined;
  // A cause that is no reject body (another client's SendTaskFailure) is the reason as it was given.
  return { kind: 'rejected', ...(rejectionOf(cause) ?? (cause ? { reason: cause } : {})) };
}

/**
 * How the newest approval of a history (oldest first) was answered, as `watch` reads it; `undefined` when it
 * was not (it waits, timed out or was aborted) or the execution waited for none.
 *
 * @example
 * lastApprovalAnswer(await readHistory(sfn, executionArn)); // { kind: 'rejected', approver: 'bob', reason: 'p99 up' }
 */
export function lastApprovalAnswer(events: readonly HistoryEvent[]): ApprovalAnswer | undefined {
  const reader = new ProgressReader();
  let answer: ApprovalAnswer | undefined;
  for (const event of events) {
    for (const line of reader.linesOf(event)) {
      if (line.kind === 'approval') answer = undefined;
      if (line.kind === 'approved' || line.kind === 'rejected') answer = line;
    }
  }
  return answer;
}

/**
 * What a task reported (weights, a verdict, webhooks, a database step), one text each: `weights stable ... canary
 * 90/10`, `copy public.orders: 150,000 rows, done`. States entered and the end are not task reports.
 */
export function taskReportsOf(event: HistoryEvent): string[] {
  return progressOf(event)
    .filter((line) => line.kind !== 'state' && line.kind !== 'end' && line.kind !== 'approval')
    .map(progressText);
}

/**
 * Formats a progress line for the terminal; an approval names the commands that answer it, for
 * `execution` (its name, with the endpoint flags it needs).
 */
export function formatProgress(line: ProgressLine, execution = '<execution>'): string {
  switch (line.kind) {
    case 'state':
      return `→ ${line.name}${line.position ? ` (${line.position})` : ''}`;
    case 'weights':
      return `  weights  ${weightsBar(line.weights)}`;
    case 'foundWeights':
      return `  traffic  found ${percentagesOf(line.weights).join(' ')} when the release started`;
    case 'firstRelease':
      return `  first release of ${line.service}: no track serves it yet, so it goes straight to 100% without steps, analysis or approval`;
    case 'verdict': {
      const numbers = measurementsShown(line.measurements);
      const what = line.duringBake ? 'check   ' : 'analysis';
      return `  ${what} ${line.verdict.toUpperCase()}: ${line.reason}${numbers ? ` (${numbers})` : ''}`;
    }
    case 'backup':
      return `  backup   ${line.manifestKey}`;
    case 'migrations': {
      const applied = migrationsApplied(line.applied, line.appliedEarlier);
      const pending = line.pending.length > 0 ? ` (pending: ${versions(line.pending)})` : '';
      const withoutFile =
        line.withoutFile.length > 0
          ? `; applied before, with no file in the migrations: ${line.withoutFile.join(', ')} (another service's, in a shared history table? or files removed, or the wrong directory?)`
          : '';
      return `  migrate  ${applied}${pending}${withoutFile}`;
    }
    case 'copy':
      return `  copy     ${line.table}: ${copiedText(line)}`;
    case 'validated':
      return `  validate ${counted(line.tables, 'table')}, ${counted(line.rows, 'row')}: counts and checksums match${
        line.converted.length > 0 ? `, no value changed by the new types of ${line.converted.join(', ')}` : ''
      }`;
    case 'rolledBack':
      return `  rollback ${rolledBackText(line)}`;
    case 'shortfall':
      return `  rollback not restored in full: ${shortfallText(line.shortfall)}`;
    case 'rollout':
      return `  rollout  ${line.track}: ${line.reason}`;
    case 'copyUndone':
      return line.emptied.length > 0
        ? `  undo     emptied ${line.emptied.join(', ')}: the copy can run again`
        : '  undo     nothing was copied';
    case 'attemptFailed':
      return `  attempt ${line.attempt === undefined ? '' : `${line.attempt} `}failed: ${line.cause}`;
    case 'approval': {
      const timeoutText = approvalTimeoutText(line);
      const timeout = timeoutText === undefined ? '' : ` (${timeoutText})`;
      const stage = line.stage ? ` ${approvalStageText(line.stage)}` : '';
      return `  approval waiting${stage}${timeout}: \`cutover approve ${execution}\` goes on, \`cutover reject ${execution} --reason <why>\` rolls back`;
    }
    case 'notified':
      return `  notify   ${line.type} published`;
    case 'notifyFailed':
      return `  notify   ${line.type} not published (which does not stop the execution)${failureText(line)}`;
    case 'approved':
      return `  approval approved${line.approver ? ` by ${line.approver}` : ''}${line.comment ? `: ${line.comment}` : ''}`;
    case 'rejected':
      return `  approval ${rejectedText(line)}`;
    case 'unanswered': {
      const within =
        line.timeoutSeconds === undefined ? '' : ` within ${line.timeoutSeconds.toLocaleString('en-US')} s`;
      return `  approval not answered${within}${line.onTimeout ? `: the release ${UNANSWERED_RELEASE[line.onTimeout]}` : ''}`;
    }
    case 'claimedElsewhere':
      return `  rollback another rollback cleans up after this stop, this one changes nothing: ${line.by}`;
    case 'hooks':
      return `  hooks    ${line.hooks.map((hook) => `${hook.name} ${hook.status} (${count(hook.ms)} ms)`).join(', ')}`;
    case 'redriven':
      return `REDRIVEN (redrive ${line.redriveCount}): goes on from the state it stopped at`;
    case 'end':
      return `${line.status}${line.rolledBack ? ` (${ROLLED_BACK[line.rolledBack]})` : ''}${failureText(line)}`;
  }
}

/**
 * A copy slice's rows: `150,000 rows, done`; before the end, of how many the source's statistics estimate
 * when more than copied (`50,000 of about 150,000 rows so far`).
 */
export function copiedText(line: CopyReport): string {
  if (line.done) return `${counted(line.rowsCopied, 'row')}, done`;
  const estimated = line.estimatedRows ?? 0;
  if (estimated <= line.rowsCopied) return `${counted(line.rowsCopied, 'row')} so far`;
  return `${line.rowsCopied.toLocaleString('en-US')} of about ${counted(estimated, 'row')} so far`;
}

const ROLLED_BACK = { full: 'rolled back', short: 'rolled back, not in full' } as const;

/** The columns a validated table compared through a changed type (DbValidate's `converted`), as text. */
function convertedColumns(table: { table?: unknown; converted?: unknown }): string[] {
  if (!Array.isArray(table.converted)) return [];
  return table.converted.map(
    (column: { column?: unknown; from?: unknown; to?: unknown }) =>
      `${String(table.table)}.${String(column.column)} ${String(column.from)} → ${String(column.to)}`,
  );
}

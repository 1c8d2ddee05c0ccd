/**
 * What the console shows of one execution, derived from its history with the same reading as
 * `cutover watch`: the service and version its request names, the states entered, the latest traffic
 * weights (those found when the release started until it sets any), the analysis verdicts, what a database
 * migration did, whether an approval waits, and the end.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { approvalStageText } from '#core/approval-stages.ts';
import type { ApprovalTimeoutAction } from '#core/schemas/index.ts';
import { approvalTimesOutAt } from '../../cli/approval-deadline.ts';
import { measurementsShown } from '../../cli/format.ts';
import { pendingTaskTokenAfter } from '../../cli/history.ts';
import { type ProgressLine, ProgressReader, progressText, type WaitingApproval } from '../../cli/progress.ts';
import { inPauseBranch } from '../../cli/where-it-is.ts';

type Verdict = Extract<ProgressLine, { kind: 'verdict' }>;
type End = Extract<ProgressLine, { kind: 'end' }>;

/**
 * The most states, verdicts and activity lines a view holds: the latest ones. A page polling a long execution
 * (a loop of 90,000 states) would otherwise get megabytes a second and freeze drawing them.
 */
export const SHOWN_LINES = 200;

/** An analysis verdict in the view, with its measurements as `cutover watch` prints them. */
type JudgedVerdict = Omit<Verdict, 'kind'> & {
  readonly measurementsText: string;
  readonly at: number;
  readonly weights?: Readonly<Record<string, number>>;
};

/** The console's view of an execution's history. Times are epoch milliseconds. */
export interface ExecutionView {
  /** The service its request names (`shop/checkout`); none for an input that is no release or migration request. */
  readonly service?: string;
  /** The release version its request names (`v19`); none for a database migration, which has no release. */
  readonly version?: string;
  /**
   * The state it is in, as `cutover status` names it (a pause's Parallel state while the pause's branches
   * run); none once it ended.
   */
  readonly state?: string;
  /**
   * The latest states entered (at most {@link SHOWN_LINES}), in order, with when, and for a state selecting
   * a canary step or a rolling batch which one, as `watch` says it (`step 1 of 3`).
   */
  readonly states: readonly {
    readonly name: string;
    readonly enteredAt: number;
    readonly position?: string;
  }[];
  /** How many states were entered before those in `states`. */
  readonly earlierStates: number;
  /** The traffic weights last set, by track. */
  readonly weights?: Readonly<Record<string, number>>;
  /** The router's weights when the release started (BackupState's reading), until the release sets `weights`. */
  readonly foundWeights?: Readonly<Record<string, number>>;
  /**
   * The latest analysis verdicts (at most {@link SHOWN_LINES}), in order, each with its reason, measurements,
   * when, and the traffic weights of the step it judged (those last set before it), once any were set.
   */
  readonly verdicts: readonly JudgedVerdict[];
  /** How many verdicts came before those in `verdicts`. */
  readonly earlierVerdicts: number;
  /**
   * The latest of what tasks reported besides weights and verdicts (webhooks, database steps; at most
   * {@link SHOWN_LINES}), as `cutover watch` prints it (`copy public.orders: 150,000 rows, done`).
   */
  readonly activity: readonly { readonly at: number; readonly text: string }[];
  /** How many activity lines came before those in `activity`. */
  readonly earlierActivity: number;
  /** Whether a `.waitForTaskToken` approval task waits for an answer. */
  readonly approvalPending: boolean;
  /** When the waiting approval's task was scheduled (epoch ms): which approval a Reject was armed for. */
  readonly approvalRequestedAt?: number;
  /** When the waiting approval times out (its task's `TimeoutSeconds`, as the runtime's clock runs them). */
  readonly approvalTimesOutAt?: number;
  /** What follows when the waiting approval times out, when its task says (`approval.onTimeout`). */
  readonly approvalOnTimeout?: ApprovalTimeoutAction;
  /** What the waiting approval is for, as `watch` says it: `before the promotion`, `after step 1 of 3`. */
  readonly approvalStage?: string;
  readonly end?: Omit<End, 'kind'>;
}

/** When a pending task times out (epoch ms), given its token, when it was scheduled and its `TimeoutSeconds`. */
export interface TaskDeadlines {
  timesOutAt(token: string, scheduledAt: number, timeoutSeconds: number): number | undefined;
}

/** Deadlines of a runtime whose waits run at real time: the timeout after the task was scheduled. */
const REAL_TIME_DEADLINES: TaskDeadlines = {
  timesOutAt: (_token, scheduledAt, timeoutSeconds) => approvalTimesOutAt(scheduledAt, timeoutSeconds),
};

/**
 * Derives an {@link ExecutionView} from a history fed in order, in as many slices as it is read: each event
 * is read once, however often the view is asked for.
 *
 * @example
 * const accumulator = new ExecutionViewAccumulator();
 * accumulator.add(await collectHistory((input) => service.getExecutionHistory(input), arn));
 * accumulator.add(await collectEventsAfter((input) => service.getExecutionHistory(input), arn, lastEventId));
 * const view = accumulator.view();
 */
export class ExecutionViewAccumulator {
  readonly #states = new LatestLines<{ name: string; enteredAt: number; position?: string }>();
  readonly #verdicts = new LatestLines<JudgedVerdict>();
  readonly #activity = new LatestLines<{ at: number; text: string }>();
  #weights: Record<string, number> | undefined;
  #foundWeights: Record<string, number> | undefined;
  #end: Omit<End, 'kind'> | undefined;
  #requested: Pick<ExecutionView, 'service' | 'version'> = {};
  #pendingTaskToken: string | undefined;
  /** The state it is in, as {@link ExecutionView.state} gives it. */
  #state: string | undefined;
  /** The newest Parallel state entered: the pause a state of a pause's branches runs in. */
  #parallel: string | undefined;
  readonly #reader = new ProgressReader();
  /** The newest approval's timeout, when its task was scheduled and what follows it, from its progress line. */
  #approval: WaitingApproval | undefined;

  /** Whether the execution's end was added: no event follows it. */
  get ended(): boolean {
    return this.#end !== undefined;
  }

  /** Adds the events that follow those added so far, oldest first. */
  add(events: readonly HistoryEvent[]): void {
    for (const event of events) {
      const at = event.timestamp ? new Date(event.timestamp).getTime() : 0;
      const input = event.executionStartedEventDetails?.input;
      if (input !== undefined) this.#requested = requestedIn(input);
      this.#pendingTaskToken = pendingTaskTokenAfter(this.#pendingTaskToken, event);
      for (const line of this.#reader.linesOf(event)) {
        if (line.kind === 'state') {
          const { name, position } = line;
          if (event.type === 'ParallelStateEntered') this.#parallel = name;
          this.#state = inPauseBranch(name) ? (this.#parallel ?? name) : name;
          this.#states.push(position ? { name, enteredAt: at, position } : { name, enteredAt: at });
        } else if (line.kind === 'weights') this.#weights = line.weights;
        else if (line.kind === 'foundWeights') this.#foundWeights = line.weights;
        else if (line.kind === 'verdict') {
          const { kind: _kind, ...verdict } = line;
          const measurementsText = measurementsShown(verdict.measurements);
          const weights = this.#weights ? { weights: this.#weights } : {};
          this.#verdicts.push({ ...verdict, measurementsText, at, ...weights });
        } else if (line.kind === 'approval') {
          // Shown as the approval's buttons and deadline, not as activity.
          this.#approval = line;
        } else if (line.kind === 'end') {
          const { kind: _kind, ...ended } = line;
          this.#end = ended;
        } else if (line.kind === 'redriven') {
          // It runs again from where it ended.
          this.#end = undefined;
          this.#activity.push({ at, text: progressText(line) });
        } else {
          this.#activity.push({ at, text: progressText(line) });
        }
      }
    }
  }

  /**
   * The view of the events added so far: a copy, which later additions leave unchanged. `deadlines` says
   * when a pending task times out (by default its timeout after it was scheduled, at real time).
   */
  view(deadlines: TaskDeadlines = REAL_TIME_DEADLINES): ExecutionView {
    const token = this.#end === undefined ? this.#pendingTaskToken : undefined;
    const pending = token !== undefined;
    const { scheduledAt, timeoutSeconds, onTimeout, stage } = this.#approval ?? {};
    const timesOutAt =
      token !== undefined && scheduledAt !== undefined && timeoutSeconds !== undefined
        ? deadlines.timesOutAt(token, scheduledAt, timeoutSeconds)
        : undefined;
    return {
      ...this.#requested,
      ...(this.#end === undefined && this.#state ? { state: this.#state } : {}),
      states: this.#states.lines(),
      earlierStates: this.#states.earlier(),
      ...(this.#weights ? { weights: this.#weights } : {}),
      ...(!this.#weights && this.#foundWeights ? { foundWeights: this.#foundWeights } : {}),
      verdicts: this.#verdicts.lines(),
      earlierVerdicts: this.#verdicts.earlier(),
      activity: this.#activity.lines(),
      earlierActivity: this.#activity.earlier(),
      approvalPending: pending,
      ...(pending && scheduledAt !== undefined ? { approvalRequestedAt: scheduledAt } : {}),
      ...(timesOutAt === undefined ? {} : { approvalTimesOutAt: timesOutAt }),
      ...(pending && onTimeout ? { approvalOnTimeout: onTimeout } : {}),
      ...(pending && stage ? { approvalStage: approvalStageText(stage) } : {}),
      ...(this.#end ? { end: this.#end } : {}),
    };
  }
}

/** The service (`namespace/name`) and release version an execution's input, a request, names. */
function requestedIn(input: string): Pick<ExecutionView, 'service' | 'version'> {
  let request: { service?: { namespace?: unknown; name?: unknown }; release?: { version?: unknown } };
  try {
    request = JSON.parse(input) ?? {};
  } catch {
    return {};
  }
  const { namespace = 'default', name } = request.service ?? {};
  const version = request.release?.version;
  return {
    ...(typeof name === 'string' ? { service: `${String(namespace)}/${name}` } : {}),
    ...(typeof version === 'string' ? { version } : {}),
  };
}

/**
 * The latest {@link SHOWN_LINES} of a list that keeps growing, and how many came before them: older lines
 * are dropped (in batches, so adding one stays cheap), so a kept view of a long execution holds no more.
 */
class LatestLines<T> {
  #lines: T[] = [];
  #dropped = 0;

  push(line: T): void {
    this.#lines.push(line);
    if (this.#lines.length < 2 * SHOWN_LINES) return;
    this.#dropped += this.#lines.length - SHOWN_LINES;
    this.#lines = this.#lines.slice(-SHOWN_LINES);
  }

  /** The latest lines, oldest first: a copy. */
  lines(): T[] {
    return this.#lines.slice(-SHOWN_LINES);
  }

  /** How many lines came before {@link LatestLines.lines}. */
  earlier(): number {
    return this.#dropped + Math.max(0, this.#lines.length - SHOWN_LINES);
  }
}

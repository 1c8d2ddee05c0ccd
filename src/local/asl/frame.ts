/**
 * A frame is one flow of states inside an execution: the top-level flow, a Parallel branch or a Map
 * iteration. Its cursor (state, phase, retry counters, deadlines, task token) is persisted together with
 * the history events it comes with, so a restarted runtime continues every frame where it stood.
 */
import type { StopSignal } from '../stop-signal.ts';
import type { StoredError } from './errors.ts';
import type { PendingEvent } from './pending-events.ts';
import { serializeWithinLimit } from './state-run.ts';
import type { MapSettings } from './states/map.ts';
import type { State, StateMachineDefinition } from './types.ts';
import type { VariableReader } from './variables.ts';

/** Where a frame stands in its current state. */
export type FramePhase =
  /** about to enter the state (nothing of it is recorded yet) */
  | 'enter'
  /**
   * its StateEntered event is recorded and nothing after it yet (a group commit may have written that event
   * while the state's module awaited something): a restart runs the state without entering it again
   */
  | 'entered'
  /** waiting for the retry interval (`wakeAt`) before the next attempt */
  | 'retry'
  /** a task is being invoked (a restart invokes it again: at-least-once) */
  | 'running'
  /** a Wait state is waiting until `wakeAt` */
  | 'waiting'
  /** an activity task was scheduled and waits for a worker to take it (GetActivityTask) */
  | 'activity'
  /** a `.waitForTaskToken` task was submitted, or an activity task taken by a worker, and waits for `token` */
  | 'token'
  /** a `states:startExecution.sync` task waits for `childArn` */
  | 'child'
  /** a Parallel / Map state runs its branches or iterations (child frames) */
  | 'children'
  /** the frame has finished: its input column holds its output */
  | 'done';

/** The persisted position of a frame (its state input is stored next to it). */
export interface FrameCursor {
  state: string;
  phase: FramePhase;
  /** When the state was entered (wall ms), for `$$.State.EnteredTime`. */
  enteredAt?: number;
  /** The id of the state's StateEntered event once written, for a `States.Runtime` cause after a restart. */
  enteredEventId?: number;
  /** Attempts used per retrier of the state (index = position in `Retry`). */
  retries?: number[];
  /** Retries of the state so far, for `$$.State.RetryCount`. */
  retryCount?: number;
  /** Wall-clock end of a Wait state or retry interval. */
  wakeAt?: number;
  /** Wall-clock end of the task's `TimeoutSeconds`. */
  timeoutAt?: number;
  /** The task token of a `.waitForTaskToken` or activity task. */
  token?: string;
  /** The execution started by a `states:startExecution.sync` task. */
  childArn?: string;
  /** The effective input (after InputPath and Parameters) of a started task, Parallel or Map, reused on resume. */
  effective?: unknown;
  /** What a started Map state's fields gave when it started, kept for a resume (AWS reads them once). */
  map?: MapSettings;
  /**
   * The failure of child `index` that fails this Parallel or Map state, written with that child's events:
   * a restart raises it again rather than run the children once more.
   */
  failure?: StoredError & { index: number };
}

/**
 * A cursor as stored: with the workflow variables its flow has assigned, if any, and for a branch or
 * iteration that has recorded events, the id of its last one (its flow goes on from there after a restart).
 */
export type StoredCursor = FrameCursor & { variables?: Record<string, unknown>; lastEventId?: number };

/** The states a frame walks: a state machine, a Parallel branch or a Map item processor. */
export type FrameDefinition = Pick<StateMachineDefinition, 'StartAt' | 'States'>;

/** What {@link Frame.takeEvents} and {@link Frame.takeWrites} give when nothing is queued. */
const NOTHING_QUEUED: readonly never[] = Object.freeze([]);

/**
 * A frame being run. `input` / `inputJson` are the current state's raw input. It reads workflow variables
 * from its own scope, then from the frames enclosing it (a branch or iteration sees its Parallel or Map
 * state's variables).
 */
export class Frame implements VariableReader {
  /** The workflow variables this flow assigned; undefined until its first `Assign`. */
  variables: Readonly<Record<string, unknown>> | undefined;
  /** Events and writes for the next commit of this frame (none queued: undefined, no empty array kept). */
  #events: PendingEvent[] | undefined;
  #writes: (() => void)[] | undefined;
  /** The current state's StateEntered event (its `id` is set once it is written); unset after a restart. */
  enteredEvent: PendingEvent | undefined;
  /** Id of the last event of this flow; a branch or iteration has none until it records its first. */
  #lastEventId: number | undefined;
  /** The frame running the Parallel or Map state this frame is a branch or iteration of. */
  readonly #enclosing: Frame | undefined;
  /** On a top frame: the events queued by it and every branch and iteration under it, not yet taken. */
  #queuedUnder = 0;

  constructor(
    readonly path: string,
    readonly definition: FrameDefinition,
    public cursor: FrameCursor,
    public input: unknown,
    public inputJson: string,
    /** Aborted when the frame must stop (its execution halted, or a sibling branch failed). */
    readonly signal: StopSignal,
    /**
     * Where the flow's chain of events starts: the id its first event points at, or, for a branch or
     * iteration, the enclosing frame (the flow starts from the enclosing flow's last event).
     */
    flowStart: number | Frame,
  ) {
    if (typeof flowStart === 'number') this.#lastEventId = flowStart;
    else this.#enclosing = flowStart;
  }

  /** A workflow variable of this flow's scope or an enclosing one; undefined if none assigned it. */
  readVariable(name: string): unknown {
    for (let frame: Frame | undefined = this; frame; frame = frame.#enclosing) {
      const variables = frame.variables;
      if (variables !== undefined && Object.hasOwn(variables, name)) return variables[name];
    }
    return undefined;
  }

  /** Sets workflow variables of this flow's scope (a new map: the old one is never changed). */
  assignVariables(values: Readonly<Record<string, unknown>>): void {
    this.variables = Object.assign({}, this.variables, values);
  }

  /**
   * The cursor's JSON for the store, with what a resumed frame restores (see {@link StoredCursor}); the
   * run's last event id is `runLastEventId`, which a resumed top frame continues from unless its flow's
   * last event is another one (the run's last is an iteration's end, which no event follows).
   */
  cursorJson(runLastEventId: number): string {
    const { variables } = this;
    const lastEventId =
      this.#enclosing === undefined && this.#lastEventId === runLastEventId ? undefined : this.#lastEventId;
    if (variables === undefined && lastEventId === undefined) return JSON.stringify(this.cursor);
    const stored: StoredCursor = Object.assign({}, this.cursor, { variables, lastEventId });
    return JSON.stringify(stored);
  }

  /** Id of the last event of this flow, the `previousEventId` of its next event. */
  get lastEventId(): number {
    return this.#lastEventId ?? this.#enclosing?.lastEventId ?? 0;
  }

  /** Whether this frame is a Parallel branch or a Map iteration (it has an enclosing frame). */
  get isBranch(): boolean {
    return this.#enclosing !== undefined;
  }

  /** Continues this branch's or iteration's flow from event `id`, its last before a restart. */
  resumeFlowAt(id: number): void {
    this.#lastEventId = id;
  }

  /** Continues this flow, and every flow enclosing it, from event `id`. */
  followEvent(id: number): void {
    for (let frame: Frame | undefined = this; frame; frame = frame.#enclosing) frame.#lastEventId = id;
  }

  /** Queues a history event for the frame's next commit. */
  queueEvent(event: PendingEvent): void {
    if (this.#events) this.#events.push(event);
    else this.#events = [event];
    this.#top().#queuedUnder += 1;
  }

  /** Queues a store write for the frame's next commit, run after its events are handed over. */
  queueWrite(write: () => void): void {
    if (this.#writes) this.#writes.push(write);
    else this.#writes = [write];
  }

  /** How many events are queued. */
  get queuedEventCount(): number {
    return this.#events?.length ?? 0;
  }

  /**
   * How many events this frame's flow tree queued and no commit took yet: the frame's own, its enclosing
   * frames' and those of every branch and iteration running beside it.
   */
  get treeQueuedEventCount(): number {
    return this.#top().#queuedUnder;
  }

  /** The queued events, oldest first; none stay queued. */
  takeEvents(): readonly PendingEvent[] {
    const events = this.#events ?? NOTHING_QUEUED;
    this.#events = undefined;
    this.#top().#queuedUnder -= events.length;
    return events;
  }

  /** The frame of the top flow this frame is (in) a branch or iteration of; itself for a top frame. */
  #top(): Frame {
    let frame: Frame = this;
    while (frame.#enclosing) frame = frame.#enclosing;
    return frame;
  }

  /** The queued writes, oldest first; none stay queued. */
  takeWrites(): readonly (() => void)[] {
    const writes = this.#writes ?? NOTHING_QUEUED;
    this.#writes = undefined;
    return writes;
  }

  /** The state the cursor is on. */
  get state(): State | undefined {
    return Object.hasOwn(this.definition.States, this.cursor.state)
      ? this.definition.States[this.cursor.state]
      : undefined;
  }

  /** The JSON of a state's output: the input's own JSON when the state passed its input on unchanged. */
  outputJson(output: unknown): string {
    return output === this.input ? this.inputJson : serializeWithinLimit(output, this.cursor.state);
  }

  /** Moves the cursor to the start of `next` with `input`. */
  moveTo(next: string, input: unknown, inputJson: string): void {
    this.cursor = { state: next, phase: 'enter' };
    this.input = input;
    this.inputJson = inputJson;
  }
}

/**
 * The execution engine: runs executions as trees of frames (see frame.ts, driven by frame-driver.ts),
 * commits every history event with the cursor change it comes with through its journal (before any
 * effect; effect-free steps in group commits, see journal.ts), and on start resumes every RUNNING
 * execution from its stored frames. Tasks in flight at a crash are invoked again (at-least-once).
 */

import { HISTORY_EVENT_LIMIT } from '#core/history-limit.ts';
import { type Clock, sleepUntil } from '../clock.ts';
import { RuntimeClosedError, StoreFailedError } from '../errors.ts';
import type { LambdaRegistry } from '../lambda-registry.ts';
import { type RedriveStatus, redriveStatus } from '../redrive-status.ts';
import { withRedriveToken } from '../redrive-tokens.ts';
import { Stopper, type StopSignal } from '../stop-signal.ts';
import {
  type ExecutionEnd,
  type ExecutionRow,
  type FrameRow,
  isMapRunChild,
  type NewMapRunChild,
  type StateMachineRow,
  type Store,
  topStateMachineArn,
} from '../store.ts';
import { ActivityQueue } from './activity-queue.ts';
import type { ExecutionContext } from './context-object.ts';
import { asStatesError, errorDetails, STATES_ERRORS, StatesError } from './errors.ts';
import { Frame, type FrameDefinition, type StoredCursor } from './frame.ts';
import { driveFrame, type FrameEnd } from './frame-driver.ts';
import { Journal } from './journal.ts';
import { markJsonataStates } from './jsonata.ts';
import type { ObjectStorage } from './object-storage.ts';
import {
  DetailedEvent,
  DistributedMapSucceededEvent,
  LinkedEvent,
  NOT_TRUNCATED,
  type PendingEvent,
  StateEnteredEvent,
  StateExitedEvent,
} from './pending-events.ts';
import { redrivenFrames } from './redrive.ts';
import type { StateStandIns } from './stand-ins.ts';
import { serializeWithinLimit } from './state-run.ts';
import { mapRunGoesOn } from './states/map-run-children.ts';
import type { MapRunControl } from './states/map-run-dispatch.ts';
import { TaskTokens } from './task-waits.ts';
import type { StateMachineDefinition } from './types.ts';

/** The stored frames of a run that has none: shared, and never added to (runs only take frames out). */
const NO_STORED_FRAMES: Map<string, FrameRow> = new Map();

/** Why a run's signal was aborted. */
export type HaltReason = 'finished' | 'closing';

/** Starts a nested execution for a `states:startExecution` task (validated like StartExecution). */
export type NestedExecutionStarter = (
  input: { stateMachineArn?: unknown; name?: unknown; input?: unknown },
  parentArn: string,
) => ExecutionRow;

export interface EngineOptions {
  store: Store;
  clock: Clock;
  lambdas: LambdaRegistry;
  region: string;
  account: string;
  startNested: NestedExecutionStarter;
  /** The S3 a Distributed Map's `ItemReader` reads; without it such a Map fails with `States.ItemReaderFailed`. */
  objectStorage?: ObjectStorage;
  /** Told of every execution that ended (SUCCEEDED, FAILED, TIMED_OUT, ABORTED), once it is committed. */
  onExecutionEnd?: (row: ExecutionRow) => void;
  /** Events one execution's history may hold, its ExecutionFailed included. @default {@link HISTORY_EVENT_LIMIT} */
  historyEventLimit?: number;
  /** Told once when a commit to the store fails: the engine has stopped its executions (see {@link Engine.flush}). */
  onStoreFailure?: (error: StoreFailedError) => void;
  /** What stands in for parts of states' runs (TestState's runtime); none by default. */
  standIns?: StateStandIns;
}

/** One execution being run. */
export interface ExecutionRun {
  readonly row: ExecutionRow;
  readonly definition: StateMachineDefinition;
  /** Stopped with a {@link HaltReason} when the run halts. */
  readonly controller: Stopper;
  /** Name of the state machine (its revision's), for `$$.StateMachine.Name`. */
  readonly machineName: string;
  readonly roleArn: string;
  /** `$$.Execution` and `$$.StateMachine`, built on the first read of `$$`. */
  executionContext?: ExecutionContext;
  lastEventId: number;
  /** The time of its last event numbered by this engine (0 before any): the next is never earlier. */
  lastEventTimestamp: number;
  /** Set once the run may write nothing more (finished, stopped, or the engine closing). */
  halted: boolean;
  /**
   * Set as the run ends FAILED, ABORTED or TIMED_OUT: the last cursors of its frames are still written
   * with its end, for a redrive to run on from.
   */
  keepsFrames: boolean;
  /** Set while its state machine is being deleted (DELETING): the run fails at its next state transition. */
  machineDeleting: boolean;
  /** Frames loaded on resume, taken by the frames that continue them. */
  readonly storedFrames: Map<string, FrameRow>;
}

interface RevisionDefinition {
  definition: StateMachineDefinition;
  name: string;
  roleArn: string;
}

/** What {@link Engine.createExecution} needs to record a new execution. */
export interface NewExecution {
  /** The state machine (or a Map Run's labelled one) and the revision it runs. */
  stateMachine: Pick<StateMachineRow, 'arn' | 'revision'>;
  arn: string;
  name: string;
  input: string;
  parentArn: string | null;
  traceHeader: string | null;
  /** The version it runs and the alias it was started with, when started with a version or alias ARN. */
  versionArn?: string;
  aliasArn?: string;
  /** For a child execution of a Map Run: its place in the Map Run (its execution id is given once recorded). */
  mapRun?: Omit<NewMapRunChild, 'executionId'>;
}

/** How a run ends: its status, its terminal event with the event's details, and what its row keeps. */
interface RunEnding {
  readonly status: ExecutionRow['status'];
  readonly eventType: string;
  readonly details: Record<string, unknown>;
  readonly end: { output?: string; error?: string; cause?: string };
}

/** A run that has ended: its last frame (holding the terminal event), its end, and its final row. */
interface EndedRun {
  run: ExecutionRun;
  terminal: Frame;
  end: ExecutionEnd;
  row: ExecutionRow;
}

interface QueuedStart {
  execution: NewExecution;
  resolve: (row: ExecutionRow | undefined) => void;
  reject: (error: unknown) => void;
}

/** The engine; the service creates one and drives it. */
export class Engine {
  readonly store: Store;
  readonly clock: Clock;
  readonly lambdas: LambdaRegistry;
  readonly objectStorage: ObjectStorage | undefined;
  readonly standIns: StateStandIns;
  readonly region: string;
  readonly account: string;
  readonly startNested: NestedExecutionStarter;
  readonly #onExecutionEnd: (row: ExecutionRow) => void;
  readonly #runs = new Map<string, ExecutionRun>();
  /** The Map Runs running children now, by ARN: UpdateMapRun changes their settings. */
  readonly mapRuns = new Map<string, MapRunControl>();
  /**
   * The revisions Map Runs recorded for their children, by the parent's revision, the Map state and the
   * labelled state machine's ARN: the next Map Run of the same Map state runs the same one (see
   * asl/states/map-run.ts).
   */
  readonly labelledRevisions = new Map<string, number>();
  /** The ARNs of the running nested executions, by the ARN of the execution that started them. */
  readonly #childRuns = new Map<string, Set<string>>();
  /** Resolved once no run is left (see close). */
  #drainWaiters: (() => void)[] = [];
  readonly #terminalWaiters = new Map<string, ((row: ExecutionRow) => void)[]>();
  readonly #definitions = new Map<number, RevisionDefinition>();
  /** Writes what frames queued, at once or in the next group commit ({@link flush}). */
  readonly journal: Journal;
  /** Events one execution's history may hold (see {@link EngineOptions.historyEventLimit}). */
  readonly historyEventLimit: number;
  /** The open task tokens' outcomes and heartbeats. */
  readonly tokens: TaskTokens;
  /** The tasks activity states scheduled, and the workers polling for them. */
  readonly activities = new ActivityQueue();
  /** StartExecution requests waiting for the next group commit. */
  #queuedStarts: QueuedStart[] = [];
  /** Executions that ended, whose terminal writes wait for the next group commit. */
  #finished: EndedRun[] = [];
  /** ARNs of the executions in {@link #finished}. */
  readonly #ending = new Set<string>();
  /** Events emitted so far (each event's {@link PendingEvent.emitted}). */
  #eventsEmitted = 0;
  readonly #onStoreFailure: (error: StoreFailedError) => void;
  /** Set once a commit failed: every later call that needs the store throws it. */
  #storeFailure: StoreFailedError | undefined;
  /** Set by {@link close}: no execution starts any more. */
  #closed = false;
  /** How every top frame ends: its run ends with it. */
  readonly #topFrameEnd: FrameEnd = {
    // Ending is a state transition too: a run whose state machine is being deleted fails instead.
    done: (output, run, top) =>
      this.#endRun(run, top, run.machineDeleting ? { thrown: machineDeletedError(run) } : { output }),
    failed: (thrown, run, top) => this.#endRun(run, top, { thrown }),
  };

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.lambdas = options.lambdas;
    this.objectStorage = options.objectStorage;
    this.standIns = options.standIns ?? {};
    this.region = options.region;
    this.account = options.account;
    this.startNested = options.startNested;
    this.#onExecutionEnd = options.onExecutionEnd ?? (() => undefined);
    this.historyEventLimit = options.historyEventLimit ?? HISTORY_EVENT_LIMIT;
    this.#onStoreFailure = options.onStoreFailure ?? (() => undefined);
    // The group commit of a turn of the event loop: a failure there was told to onStoreFailure.
    this.journal = new Journal(this.store, () => {
      try {
        this.flush();
      } catch (error) {
        if (error !== this.#storeFailure) throw error;
      }
    });
    this.tokens = new TaskTokens(this.store);
  }

  /**
   * Records a new execution's row in the caller's transaction or its own; call {@link launch} once
   * committed (its ExecutionStarted is committed with its first transitions). Undefined (nothing written)
   * if an execution has its ARN.
   */
  createExecution(execution: NewExecution): ExecutionRow | undefined {
    return this.#createExecutions([execution])[0];
  }

  /** {@link createExecution} of many, with one multi-row insert; the same ARN twice creates the first only. */
  #createExecutions(executions: readonly NewExecution[]): (ExecutionRow | undefined)[] {
    const now = this.clock.now();
    const rows = executions.map((execution) => this.#newRow(execution, now));
    return this.journal.transaction(() =>
      this.store.insertExecutions(rows).map((id, index) => {
        if (id === undefined) return undefined;
        const row = rows[index]!;
        row.id = id;
        const { mapRun } = executions[index]!;
        if (mapRun) this.store.mapRuns.insertChild({ ...mapRun, executionId: id });
        return row;
      }),
    );
  }

  /** The row of a new execution; its id is set once the store has given one. */
  #newRow(execution: NewExecution, now: number): ExecutionRow {
    return {
      id: 0,
      arn: execution.arn,
      stateMachineArn: execution.stateMachine.arn,
      name: execution.name,
      revision: execution.stateMachine.revision,
      status: 'RUNNING',
      input: execution.input,
      output: null,
      error: null,
      cause: null,
      startDate: now,
      stopDate: null,
      deadline: this.#deadline(execution.stateMachine.revision, now),
      parentArn: execution.parentArn,
      traceHeader: execution.traceHeader,
      redriveCount: 0,
      redriveDate: null,
      versionArn: execution.versionArn ?? null,
      aliasArn: execution.aliasArn ?? null,
    };
  }

  /** The instant a run of `revision` started (or redriven) `now` times out, by its top-level `TimeoutSeconds`. */
  #deadline(revision: number, now: number): number | null {
    const timeoutSeconds = this.#revision(revision).definition.TimeoutSeconds;
    return timeoutSeconds === undefined ? null : now + timeoutSeconds * 1000 * this.clock.scale;
  }

  /**
   * Whether `row` may be redriven now, and if not why (DescribeExecution's redrive fields); a Map Run's
   * child is redriven by its Map Run, under its top state machine's rules.
   */
  redriveStatus(row: ExecutionRow): RedriveStatus {
    const child = isMapRunChild(row);
    const facts = () => ({
      machine: this.store.getStateMachine(child ? topStateMachineArn(row) : row.stateMachineArn),
      lastEventId: this.store.lastEventId(row.id),
      keptFrames: this.store.hasFrames(row.id),
      historyEventLimit: this.historyEventLimit,
      now: this.clock.now(),
    });
    return redriveStatus(row, facts, child ? 'REDRIVABLE_BY_MAP_RUN' : 'REDRIVABLE');
  }

  /**
   * Redrives an execution that ended FAILED, ABORTED or TIMED_OUT (the caller has checked that it may be):
   * records its `ExecutionRedriven` event and runs it on from its kept frames, each unfinished flow
   * entering again the state it stood at (see {@link redrivenFrames}); finished branches and iterations
   * keep their outputs. Its `TimeoutSeconds` counts again from now. A `clientToken` is stored with the
   * redrive, and `write` is done, in its transaction. Returns the RUNNING row.
   */
  redrive(
    row: ExecutionRow,
    { clientToken, write }: { clientToken?: string; write?: () => void } = {},
  ): ExecutionRow {
    if (this.#closed) throw new RuntimeClosedError();
    const now = this.clock.now();
    const redriveCount = row.redriveCount + 1;
    const deadline = this.#deadline(row.revision, now);
    const lastEventId = this.store.lastEventId(row.id);
    const event = new DetailedEvent('ExecutionRedriven', now, ++this.#eventsEmitted, { redriveCount });
    event.id = lastEventId + 1;
    event.previousEventId = lastEventId;
    this.journal.transaction(() => {
      const frames = redrivenFrames(this.store.listFrames(row.id));
      const redriveTokens =
        clientToken === undefined
          ? undefined
          : withRedriveToken(this.store.redriveTokens(row.id), clientToken, now);
      this.store.redriveExecution(row.id, { redriveDate: now, deadline, frames, redriveTokens });
      this.store.insertEvents([[row.id, event]]);
      write?.();
    });
    // The row as the store made it RUNNING again: what a redrive changes is written in one place.
    const redriven = this.store.getExecution(row.arn)!;
    this.launch(redriven);
    return redriven;
  }

  /**
   * Records a new execution in the next group commit, with the other starts and transitions of this turn
   * of the event loop, then launches it. Resolves once it is committed (undefined if an execution has
   * its ARN), so a crash after the answer cannot lose it.
   */
  startExecution(execution: NewExecution): Promise<ExecutionRow | undefined> {
    // After close nothing commits it: the caller would wait for ever.
    if (this.#closed) return Promise.reject(new RuntimeClosedError());
    if (!this.store.durable) {
      // Nothing to wait for: the in-memory store has no commit to share.
      const row = this.createExecution(execution);
      if (row) this.launch(row, { created: true });
      return Promise.resolve(row);
    }
    return new Promise((resolve, reject) => {
      this.#queuedStarts.push({ execution, resolve, reject });
      this.journal.scheduleGroupCommit();
    });
  }

  /**
   * Starts running a RUNNING execution from its stored frames; `created` (a row just returned by
   * {@link createExecution}) starts at its first state without reading the store. An execution with no
   * stored frame has not moved since it was created, and starts at its first state too.
   */
  launch(row: ExecutionRow, { created = false } = {}): void {
    if (this.#runs.has(row.arn)) return;
    const { definition, name, roleArn } = this.#revision(row.revision);
    const frames = created ? [] : this.store.listFrames(row.id);
    const storedFrames =
      frames.length === 0 ? NO_STORED_FRAMES : new Map(frames.map((frame) => [frame.path, frame]));
    const run: ExecutionRun = {
      row,
      definition,
      controller: new Stopper(),
      machineName: name,
      roleArn,
      lastEventId: created ? 0 : this.store.lastEventId(row.id),
      lastEventTimestamp: 0,
      halted: false,
      keepsFrames: false,
      // A new execution's state machine is ACTIVE: StartExecution refuses a DELETING one.
      machineDeleting: !created && this.store.getStateMachine(row.stateMachineArn)?.status === 'DELETING',
      storedFrames,
    };
    // Registered before it runs: its end deletes the entry, which may come before #run returns.
    this.#runs.set(row.arn, run);
    if (row.parentArn !== null) {
      const siblings = this.#childRuns.get(row.parentArn);
      if (siblings) siblings.add(row.arn);
      else this.#childRuns.set(row.parentArn, new Set([row.arn]));
    }
    this.#run(run);
  }

  /**
   * Resumes every RUNNING execution of the store. A Map Run's child goes on only while its Map Run does: one
   * whose Map Run ended, or whose parent no longer runs it (the parent, or the Map, ended before the
   * children's aborts were committed, or timed out while the runtime was down), is aborted.
   */
  resumeAll(): string[] {
    const rows = this.store.listRunningExecutions();
    for (const row of rows) this.launch(row);
    const goesOn = new Map<string, boolean>();
    for (const row of rows) {
      if (!isMapRunChild(row)) continue;
      const mapRunArn = this.store.mapRuns.ofExecution(row.id)?.mapRunArn;
      if (mapRunArn === undefined) continue;
      if (!goesOn.has(mapRunArn)) goesOn.set(mapRunArn, mapRunGoesOn(this.store, mapRunArn));
      if (!goesOn.get(mapRunArn)) this.stop(row.arn);
    }
    return rows.map((row) => row.arn);
  }

  /** How many executions this engine is running. */
  get runningCount(): number {
    return this.#runs.size;
  }

  /** Stops a RUNNING execution (ExecutionAborted) and the executions it started; undefined if not running. */
  stop(arn: string, error?: string, cause?: string): ExecutionRow | undefined {
    const run = this.#runs.get(arn);
    if (!run || run.halted) return undefined;
    const details = errorDetails(error, cause);
    // The run and the executions its `.sync` tasks started end in one commit: a crash between them would
    // leave children running under an aborted parent, with nothing left to stop them.
    const ended = this.#runningTree(run).map((stopped) =>
      this.#halt(stopped, { status: 'ABORTED', eventType: 'ExecutionAborted', details, end: details }),
    );
    this.#commitHalted(ended);
    return ended[0]!.row;
  }

  /** A run and the runs its `.sync` tasks started (theirs too) that are still running, the run first. */
  #runningTree(run: ExecutionRun): ExecutionRun[] {
    const tree = [run];
    for (let index = 0; index < tree.length; index++) {
      for (const childArn of this.#childRuns.get(tree[index]!.row.arn) ?? []) {
        const child = this.#runs.get(childArn);
        if (child && !child.halted) tree.push(child);
      }
    }
    return tree;
  }

  /**
   * Marks the runs of a state machine being deleted: each fails at its next state transition
   * ({@link failForDeletion}), and the end of its last RUNNING execution removes the state machine.
   */
  markDeleting(stateMachineArn: string): void {
    for (const run of this.#runs.values()) {
      if (run.row.stateMachineArn === stateMachineArn) run.machineDeleting = true;
    }
  }

  /**
   * Fails a run of a state machine being deleted as it is about to enter its next state, as AWS does
   * (States.Runtime); returns that error, for its frame to end with.
   */
  failForDeletion(run: ExecutionRun): StatesError {
    return this.#failNow(run, machineDeletedError(run));
  }

  /**
   * Fails a run whose next event, on `frame` (about to enter a state, or to start or end an iteration), would be the
   * last its history may hold (States.Runtime, its ExecutionFailed that last event): throws that error, for
   * the frame to end with. The events every branch and iteration of the run queued and did not commit yet
   * count too.
   */
  refuseAtHistoryLimit(run: ExecutionRun, frame: Frame): void {
    if (run.lastEventId + frame.treeQueuedEventCount + 1 >= this.historyEventLimit) {
      throw this.#failForHistoryLimit(run);
    }
  }

  /** Fails `run` at the history limit, in AWS's words. */
  #failForHistoryLimit(run: ExecutionRun): StatesError {
    const cause = `The execution reached the maximum number of history events (${this.historyEventLimit}).`;
    return this.#failNow(run, new StatesError(STATES_ERRORS.Runtime, cause));
  }

  #failNow(run: ExecutionRun, error: StatesError): StatesError {
    if (!run.halted) {
      const details = { error: error.error, cause: error.causeText };
      this.#finish(run, 'FAILED', 'ExecutionFailed', details, details);
    }
    return error;
  }

  /** Whether this engine is running the execution, or has ended it and waits to commit its end. */
  isActive(arn: string): boolean {
    return this.#runs.get(arn)?.halted === false || this.#ending.has(arn);
  }

  /** Resolves with the execution's row once it is no longer RUNNING (and its end is committed). */
  awaitExecution(arn: string): Promise<ExecutionRow> {
    const active = this.isActive(arn);
    const row = active ? undefined : this.store.getExecution(arn);
    if (!active && !row) return Promise.reject(new Error(`Execution does not exist: ${arn}`));
    if (row && row.status !== 'RUNNING') return Promise.resolve(row);
    return new Promise((resolve) => {
      const waiters = this.#terminalWaiters.get(arn) ?? [];
      waiters.push(resolve);
      this.#terminalWaiters.set(arn, waiters);
    });
  }

  /** Stops running (in-flight work is abandoned; RUNNING executions stay RUNNING for the next start). */
  async close(): Promise<void> {
    this.#closed = true;
    this.activities.close();
    if (!this.#storeFailure) this.flush();
    this.#haltRuns();
    // Each halted run ends once its pending wait rejects with the halt reason.
    if (this.#runs.size > 0) await new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    this.tokens.clear();
  }

  // --- group commit and frames ----------------------------------------------------------------------

  /** Halts every run: each ends, writing nothing, once its pending wait rejects with the halt reason. */
  #haltRuns(): void {
    for (const run of [...this.#runs.values()]) {
      run.halted = true;
      run.controller.stop('closing' satisfies HaltReason);
    }
  }

  /**
   * The group commit: in one transaction, every deferred transition, the terminal writes of finished
   * executions and the queued starts; then launches the started executions and wakes those waiting for the
   * finished ones. The service calls it before reading executions or history. When the commit fails, the
   * engine halts every run (what it did since the last commit is lost) and throws a
   * {@link StoreFailedError}, then and on every later call, after telling `onStoreFailure` once.
   */
  flush(): void {
    if (this.#storeFailure) throw this.#storeFailure;
    if (!this.store.isOpen) return;
    if (!this.journal.hasDeferred && this.#queuedStarts.length === 0 && this.#finished.length === 0) return;
    const starts = this.#queuedStarts;
    const finished = this.#finished;
    this.#queuedStarts = [];
    this.#finished = [];
    let created: (ExecutionRow | undefined)[];
    try {
      this.#commitEnds(finished, () => {
        this.journal.writeDeferred();
        for (const { run, terminal, end } of finished) this.journal.writeEnd(run, terminal, end);
        created = this.#createExecutions(starts.map((start) => start.execution));
      });
    } catch (error) {
      this.#storeFailure = new StoreFailedError(error);
      for (const start of starts) start.reject(this.#storeFailure);
      this.#haltRuns();
      this.#onStoreFailure(this.#storeFailure);
      throw this.#storeFailure;
    }
    starts.forEach((start, index) => {
      const row = created[index];
      if (row) this.launch(row, { created: true });
      start.resolve(row);
    });
    for (const ended of finished) this.#wake(ended);
  }

  /** A frame continuing its stored cursor, or a new one at `definition.StartAt` with `input`. */
  openFrame(
    run: ExecutionRun,
    path: string,
    definition: FrameDefinition,
    input: () => unknown,
    signal: StopSignal,
    flowStart: number | Frame,
  ): Frame {
    const stored = run.storedFrames.get(path);
    if (stored) {
      run.storedFrames.delete(path);
      const { variables, lastEventId, ...cursor }: StoredCursor = JSON.parse(stored.cursor);
      const frame = new Frame(
        path,
        definition,
        cursor,
        JSON.parse(stored.input),
        stored.input,
        signal,
        flowStart,
      );
      frame.variables = variables;
      if (lastEventId !== undefined) frame.resumeFlowAt(lastEventId);
      return frame;
    }
    const value = input();
    return new Frame(
      path,
      definition,
      { state: definition.StartAt, phase: 'enter' },
      value,
      serializeWithinLimit(value, definition.StartAt),
      signal,
      flowStart,
    );
  }

  /** Queues a history event on the frame (committed with its next commit) and returns it. */
  emit(frame: Frame, type: string, details?: Record<string, unknown>): PendingEvent {
    return this.#queue(
      frame,
      new DetailedEvent(type, this.clock.now(), ++this.#eventsEmitted, details ?? null),
    );
  }

  /** Queues a history event that points at event `after` (see {@link LinkedEvent}) and returns it. */
  emitAfter(frame: Frame, after: number, type: string, details: Record<string, unknown>): PendingEvent {
    return this.#queue(frame, new LinkedEvent(type, this.clock.now(), ++this.#eventsEmitted, details, after));
  }

  /**
   * Queues a Distributed Map's MapStateSucceeded, pointing at event `mapRunEnd` (see
   * {@link DistributedMapSucceededEvent}), and returns it.
   */
  emitDistributedMapSucceeded(frame: Frame, mapRunEnd: number | undefined): PendingEvent {
    return this.#queue(
      frame,
      new DistributedMapSucceededEvent(this.clock.now(), ++this.#eventsEmitted, mapRunEnd),
    );
  }

  /** Queues the `<Type>StateEntered` event of state `name`, entered with `inputJson` at `enteredAt`, and returns it. */
  emitStateEntered(
    frame: Frame,
    type: string,
    name: string,
    inputJson: string,
    enteredAt: number,
  ): PendingEvent {
    return this.#queue(frame, new StateEnteredEvent(type, enteredAt, ++this.#eventsEmitted, name, inputJson));
  }

  /** Queues the `<Type>StateExited` event of state `name`, which assigned no variables, and returns it. */
  emitStateExited(frame: Frame, type: string, name: string, outputJson: string): PendingEvent {
    return this.#queue(
      frame,
      new StateExitedEvent(type, this.clock.now(), ++this.#eventsEmitted, name, outputJson),
    );
  }

  #queue(frame: Frame, event: PendingEvent): PendingEvent {
    frame.queueEvent(event);
    return event;
  }

  // --- executions -----------------------------------------------------------------------------------

  /** Runs an execution to its end (or halt); {@link #endRun} drops it from the runs. */
  #run(run: ExecutionRun): void {
    let top: Frame;
    let failure: { thrown: unknown } | undefined;
    const { deadline } = run.row;
    if (deadline !== null && run.lastEventId > 0 && this.clock.now() >= deadline) {
      // Its TimeoutSeconds ran out while the runtime was down: it timed out, and no state of it runs again.
      this.#timeOut(run);
      this.#dropRun(run);
      return;
    }
    try {
      if (deadline !== null) this.#watchTimeout(run, deadline);
      const { definition, controller, lastEventId } = run;
      // ExecutionStarted (event 1) is no state's predecessor: a flow after it alone starts from 0.
      const flowStart = lastEventId === 1 ? 0 : lastEventId;
      top = this.openFrame(run, '', definition, () => JSON.parse(run.row.input), controller, flowStart);
    } catch (thrown) {
      // Without a top frame, the failure is recorded on a bare one.
      top = this.#bareFrame(run);
      failure = { thrown };
    }
    // Nothing of the run recorded yet (just created, or created before a crash): ExecutionStarted goes
    // first, committed with the first transitions.
    if (run.lastEventId === 0) top.queueEvent(executionStarted(run));
    if (failure) this.#endRun(run, top, failure);
    else driveFrame(this, run, top, this.#topFrameEnd);
  }

  /** A frame at no state, for the events of a run that has no top frame to record them on. */
  #bareFrame(run: ExecutionRun): Frame {
    return new Frame(
      '',
      run.definition,
      { state: '', phase: 'done' },
      null,
      'null',
      run.controller,
      run.lastEventId,
    );
  }

  /** Records how the top frame ended (unless the run halted) and drops the run from the runs. */
  #endRun(run: ExecutionRun, top: Frame, ended: { output: unknown } | { thrown: unknown }): void {
    try {
      if (run.halted) return;
      let thrown = 'thrown' in ended ? ended.thrown : undefined;
      let outputJson: string | undefined;
      if ('output' in ended) {
        try {
          outputJson = top.outputJson(ended.output);
        } catch (error) {
          thrown = error; // an output beyond the payload limit fails the execution
        }
      }
      if (outputJson !== undefined) {
        const details = { output: outputJson, outputDetails: NOT_TRUNCATED };
        this.#finish(run, 'SUCCEEDED', 'ExecutionSucceeded', details, { output: outputJson }, top);
        return;
      }
      const { error, causeText } = asStatesError(thrown);
      const details = errorDetails(error, causeText);
      this.#finish(run, 'FAILED', 'ExecutionFailed', details, details, top);
    } finally {
      this.#dropRun(run);
    }
  }

  /** Drops an ended (or halted) run from the runs, and from its parent's children. */
  #dropRun(run: ExecutionRun): void {
    this.#runs.delete(run.row.arn);
    const { parentArn } = run.row;
    const siblings = parentArn === null ? undefined : this.#childRuns.get(parentArn);
    if (siblings?.delete(run.row.arn) && siblings.size === 0) this.#childRuns.delete(parentArn!);
    if (this.#runs.size === 0) this.#wakeDrainWaiters();
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #watchTimeout(run: ExecutionRun, deadline: number): void {
    sleepUntil(this.clock, deadline, run.controller).then(
      () => {
        if (!run.halted) this.#timeOut(run);
      },
      () => undefined,
    );
  }

  /** Ends the run TIMED_OUT as AWS records it: the event's error alone, and no error or cause on the execution. */
  #timeOut(run: ExecutionRun): void {
    this.#finish(run, 'TIMED_OUT', 'ExecutionTimedOut', { error: STATES_ERRORS.Timeout }, {});
  }

  /**
   * Halts the run and records its terminal event and status. An execution reaching its end (with its
   * `topFrame`) joins the next group commit and wakes the waiters after it; otherwise (stop, timeout) the
   * writes are committed at once, so the caller can answer.
   */
  #finish(
    run: ExecutionRun,
    status: ExecutionRow['status'],
    eventType: string,
    details: Record<string, unknown>,
    end: { output?: string; error?: string; cause?: string },
    topFrame?: Frame,
  ): ExecutionRow {
    const ended = this.#halt(run, { status, eventType, details, end }, topFrame);
    if (topFrame) {
      this.#ending.add(run.row.arn);
      this.#finished.push(ended);
      this.journal.scheduleGroupCommit();
    } else {
      this.#commitHalted([ended]);
    }
    return ended.row;
  }

  /** Records a run's terminal event on `topFrame` (or a bare frame) and halts it: its end, to commit. */
  #halt(run: ExecutionRun, { status, eventType, details, end }: RunEnding, topFrame?: Frame): EndedRun {
    const now = this.clock.now();
    const terminal = topFrame ?? this.#bareFrame(run);
    this.emit(terminal, eventType, details);
    this.journal.holdForEnd(terminal);
    run.halted = true;
    run.keepsFrames = status !== 'SUCCEEDED';
    run.controller.stop('finished' satisfies HaltReason);
    return {
      run,
      terminal,
      end: { status, ...end, stopDate: now },
      row: {
        ...run.row,
        status,
        output: end.output ?? null,
        error: end.error ?? null,
        cause: end.cause ?? null,
        stopDate: now,
      },
    };
  }

  /** Commits the ends of runs halted outside their frames (a stop, a failure) in one transaction, then wakes their waiters. */
  #commitHalted(ended: readonly EndedRun[]): void {
    this.#commitEnds(ended, () => {
      this.journal.writeDeferred();
      for (const { run, terminal, end } of ended) {
        terminal.followEvent(run.lastEventId); // it follows the deferred events just written
        this.journal.writeEnd(run, terminal, end);
      }
    });
    for (const one of ended) this.#wake(one);
  }

  /**
   * Commits `writes`, which queue the ends of `ended` in the journal, and in the same transaction removes
   * each state machine being deleted that those ends leave without a RUNNING execution.
   */
  #commitEnds(ended: readonly EndedRun[], writes: () => void): void {
    this.store.transaction(() => {
      this.journal.transaction(writes);
      for (const { run } of ended) {
        const arn = run.row.stateMachineArn;
        if (run.machineDeleting && this.store.countRunningExecutions(arn) === 0) {
          this.store.deleteStateMachine(arn);
        }
      }
    });
  }

  /** Once an end is committed: answers those waiting for it and tells the listener. */
  #wake({ row }: EndedRun): void {
    this.#ending.delete(row.arn);
    const waiters = this.#terminalWaiters.get(row.arn);
    if (waiters) {
      this.#terminalWaiters.delete(row.arn);
      for (const resolve of waiters) resolve(row);
    }
    this.#onExecutionEnd(row);
  }

  #revision(id: number): RevisionDefinition {
    let revision = this.#definitions.get(id);
    if (!revision) {
      const stored = this.store.getRevision(id);
      if (!stored) throw new Error(`State machine revision ${id} is missing from the store`);
      revision = { definition: JSON.parse(stored.definition), name: stored.name, roleArn: stored.roleArn };
      markJsonataStates(revision.definition);
      this.#definitions.set(id, revision);
    }
    return revision;
  }
}

/** The error AWS fails an execution with at its next state transition once its state machine is being deleted. */
function machineDeletedError(run: ExecutionRun): StatesError {
  return new StatesError(STATES_ERRORS.Runtime, `State machine ${run.machineName} has been deleted.`);
}

/**
 * The ExecutionStarted event of a run (its id is set when it is committed). It is stored without details:
 * they are the execution's own (its input and role), filled in when the history is read.
 */
function executionStarted(run: ExecutionRun): PendingEvent {
  return new DetailedEvent('ExecutionStarted', run.row.startDate, 0, null);
}

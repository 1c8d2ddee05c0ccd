/**
 * The journal of an engine's runs: it turns what frames queued (history events, store writes) and their
 * cursors into store rows, and writes them in transactions. A transition followed by an outside effect is
 * committed at once ({@link Journal.commit}); an effect-free one waits for the next group commit
 * ({@link Journal.defer}).
 */
import type { EventRow, ExecutionEnd, FrameRow, Store } from '../store.ts';
import type { ExecutionRun } from './engine.ts';
import type { Frame } from './frame.ts';
import { DistributedMapSucceededEvent, LinkedEvent, type PendingEvent } from './pending-events.ts';

/** Deferred transitions are committed at the latest once this many events wait. */
export const GROUP_COMMIT_EVENTS = 4096;

/**
 * Events the next event of their flow does not point at, as in AWS-recorded histories: the first state's
 * StateEntered has `previousEventId` 0, a Parallel state's Exited points at the event before its
 * `...Succeeded`, the next iteration (or the Map state's failure) at the event before an iteration's end,
 * a retried Parallel state's next ParallelStateStarted at the TaskFailed before a TaskStateAborted, and a
 * Distributed Map's Exited at MapRunStarted (see {@link DistributedMapSucceededEvent}).
 */
const OFF_CHAIN_EVENTS: ReadonlySet<string> = new Set([
  'ExecutionStarted',
  'MapRunSucceeded',
  'ParallelStateSucceeded',
  'MapIterationSucceeded',
  'MapIterationFailed',
  'MapIterationAborted',
  'TaskStateAborted',
]);

/**
 * Sets a numbered event's `previousEventId` and moves its flow on, as AWS-recorded histories link them:
 * ExecutionAborted and ExecutionTimedOut (the execution ended from outside its flow) point at 0;
 * MapStateSucceeded, and an inline Map state's Exited after it, at the event just before it (the last
 * iteration's end; a Distributed Map's Map Run's end, its flow left where it is); a {@link LinkedEvent} at
 * its given event; any other event at the last event of its flow.
 */
function linkEvent(event: EventRow, frame: Frame): void {
  if (event.type === 'ExecutionAborted' || event.type === 'ExecutionTimedOut') {
    event.previousEventId = 0;
  } else if (event instanceof LinkedEvent) {
    event.previousEventId = event.after;
    frame.followEvent(event.id);
  } else if (event.type === 'MapStateSucceeded') {
    if (event instanceof DistributedMapSucceededEvent) {
      event.previousEventId = event.mapRunEnd ?? event.id - 1;
    } else {
      event.previousEventId = event.id - 1;
      frame.followEvent(event.previousEventId);
    }
  } else {
    event.previousEventId = frame.lastEventId;
    if (!OFF_CHAIN_EVENTS.has(event.type)) frame.followEvent(event.id);
  }
}

/**
 * Queues rows for the open transaction and keeps the deferred frames until the group commit.
 *
 * @example
 * const journal = new Journal(store, () => engine.flush());
 * journal.defer(run, frame);                        // committed by the next group commit
 * journal.commit(run, otherFrame);                  // committed now, with every deferred frame first
 */
export class Journal {
  readonly #store: Store;
  /** The engine's group commit, run on the next turn of the event loop once scheduled. */
  readonly #groupCommit: () => void;
  readonly #deferred = new Map<Frame, ExecutionRun>();
  #deferredEvents = 0;
  /** Whether a branch or iteration frame is deferred: a run may then have several frames to write. */
  #deferredBranches = false;
  #groupCommitScheduled = false;
  #eventRows: (readonly [number, EventRow])[] = [];
  /** Frame cursors and execution ends of the open transaction, written at its end (or before a frame delete). */
  #frameRows: (readonly [number, FrameRow])[] = [];
  #endRows: (readonly [number, ExecutionEnd])[] = [];

  constructor(store: Store, groupCommit: () => void) {
    this.#store = store;
    this.#groupCommit = groupCommit;
  }

  /** Whether any frame waits for the group commit. */
  get hasDeferred(): boolean {
    return this.#deferred.size > 0;
  }

  /**
   * Commits, in one transaction, every deferred frame and then `frame`: pending events, pending writes,
   * cursors, and `extra`. Used where an effect follows (a task invocation, a wait, a terminal event).
   */
  commit(run: ExecutionRun, frame: Frame, extra?: () => void): void {
    if (run.halted) throw haltError(run);
    // Written after every other deferred frame.
    this.#deferred.delete(frame);
    this.#deferFrame(run, frame);
    this.transaction(() => {
      this.writeDeferred();
      extra?.();
    });
  }

  /**
   * Records a transition without an outside effect (Pass, Choice, a state's exit): it is committed with
   * the next {@link commit}, at the latest on the next turn of the event loop or after
   * {@link GROUP_COMMIT_EVENTS} events. A crash before then replays it from the previous cursor, with
   * the same result.
   */
  defer(run: ExecutionRun, frame: Frame): void {
    if (run.halted) throw haltError(run);
    this.#deferFrame(run, frame);
    this.#deferredEvents += frame.queuedEventCount;
    if (this.#deferredEvents >= GROUP_COMMIT_EVENTS) this.#groupCommit();
    else this.scheduleGroupCommit();
  }

  /** Runs the engine's group commit on the next turn of the event loop (once, however often called). */
  scheduleGroupCommit(): void {
    if (this.#groupCommitScheduled) return;
    this.#groupCommitScheduled = true;
    setImmediate(() => {
      this.#groupCommitScheduled = false;
      this.#groupCommit();
    });
  }

  /** Runs `fn` in a transaction that also writes the events, frames and ends queued meanwhile. */
  transaction<T>(fn: () => T): T {
    return this.#store.transaction(() => {
      const result = fn();
      this.#writeFrameRows();
      if (this.#endRows.length > 0) this.#store.finishExecutions(this.#endRows);
      this.#endRows = [];
      this.#store.insertEvents(this.#eventRows);
      this.#eventRows = [];
      return result;
    });
  }

  /** Queues every deferred frame's events, writes and cursor for the open transaction. */
  writeDeferred(): void {
    // A run halted by close() has nothing deferred (the engine flushes first); a finished run's last
    // transitions are committed with its terminal event.
    if (this.#deferredBranches) this.#writeRunsInEmittedOrder();
    else for (const [frame, run] of this.#deferred) this.#writeFrame(run, frame);
    this.#deferred.clear();
    this.#deferredEvents = 0;
    this.#deferredBranches = false;
  }

  #deferFrame(run: ExecutionRun, frame: Frame): void {
    this.#deferred.set(frame, run);
    if (frame.isBranch) this.#deferredBranches = true;
  }

  /**
   * Writes the deferred frames run by run. The events of a run's frames (branches or iterations running
   * at once, and the frame enclosing them) are numbered in the order they happened, so that a later id
   * never has an earlier time.
   */
  #writeRunsInEmittedOrder(): void {
    const framesByRun = new Map<ExecutionRun, Frame[]>();
    for (const [frame, run] of this.#deferred) {
      const frames = framesByRun.get(run);
      if (frames) frames.push(frame);
      else framesByRun.set(run, [frame]);
    }
    for (const [run, frames] of framesByRun) {
      if (frames.length > 1) {
        const queued = frames.flatMap((frame) => frame.takeEvents().map((event) => ({ event, frame })));
        queued.sort((a, b) => a.event.emitted - b.event.emitted);
        for (const { event, frame } of queued) this.#numberEvent(run, frame, event);
      }
      for (const frame of frames) this.#writeFrame(run, frame);
    }
  }

  /**
   * Takes an ended run's terminal frame out of the deferred frames: its events, ending with the terminal
   * one, are written only with the run's end ({@link writeEnd}), never by another commit before it.
   */
  holdForEnd(terminal: Frame): void {
    this.#deferred.delete(terminal);
  }

  /**
   * Queues an ended run's terminal frame's events and its end for the open transaction, and the terminal
   * frame's cursor when the run keeps its frames (unless it is the bare frame of a run that had no state).
   */
  writeEnd(run: ExecutionRun, terminal: Frame, end: ExecutionEnd): void {
    this.#writeEvents(run, terminal);
    if (run.keepsFrames && terminal.state !== undefined)
      this.#frameRows.push([run.row.id, frameRow(run, terminal)]);
    this.#endRows.push([run.row.id, end]);
  }

  /**
   * Writes `frame`'s cursor with `committer`'s next commit, in order with its other writes: the last cursor
   * of a branch or iteration that failed or was aborted, whose events were handed to its parent (a redrive
   * enters its state again; a retry of the parent's state deletes it right after), or the cursor of the
   * Parallel or Map state a child's failure fails, written with that child's events.
   */
  writeCursorWith(run: ExecutionRun, frame: Frame, committer: Frame): void {
    committer.queueWrite(() => this.#store.putFrames([[run.row.id, frameRow(run, frame)]]));
  }

  /** Drops a frame's pending work (its events were handed to its parent). */
  forget(frame: Frame): void {
    this.#deferred.delete(frame);
    frame.takeEvents();
    frame.takeWrites();
  }

  /** Drops the frames below a Parallel / Map state as it ends (and their pending work). */
  dropChildFrames(run: ExecutionRun, frame: Frame, stateName: string): void {
    const below = `${frame.path}/${stateName}`;
    for (const [child, owner] of this.#deferred)
      if (owner === run && child.path.startsWith(`${below}/`)) this.#deferred.delete(child);
    frame.queueWrite(() => this.#store.deleteFramesBelow(run.row.id, below));
    for (const path of run.storedFrames.keys())
      if (path.startsWith(`${below}/`)) run.storedFrames.delete(path);
  }

  #writeFrame(run: ExecutionRun, frame: Frame): void {
    this.#writeEvents(run, frame);
    // A run that succeeded has its frames deleted by its terminal write.
    if (!run.halted || run.keepsFrames) this.#frameRows.push([run.row.id, frameRow(run, frame)]);
  }

  /** Numbers and links the frame's queued events and runs its writes. */
  #writeEvents(run: ExecutionRun, frame: Frame): void {
    for (const event of frame.takeEvents()) this.#numberEvent(run, frame, event);
    const writes = frame.takeWrites();
    if (writes.length === 0) return;
    this.#writeFrameRows(); // a pending write may delete frames queued before it
    for (const write of writes) write();
  }

  /**
   * Gives `event` the run's next id, links it (see {@link linkEvent}) and queues it for the transaction.
   * An event numbered after one that happened later (queued by another branch or iteration, written
   * first) takes that one's time, so a later id never has an earlier time.
   */
  #numberEvent(run: ExecutionRun, frame: Frame, event: PendingEvent): void {
    event.id = ++run.lastEventId;
    if (event.timestamp < run.lastEventTimestamp) event.timestamp = run.lastEventTimestamp;
    else run.lastEventTimestamp = event.timestamp;
    linkEvent(event, frame);
    this.#eventRows.push([run.row.id, event]);
  }

  #writeFrameRows(): void {
    if (this.#frameRows.length > 0) this.#store.putFrames(this.#frameRows);
    this.#frameRows = [];
  }
}

/** The row of a frame's cursor and state input, written after its events were numbered. */
function frameRow(run: ExecutionRun, frame: Frame): FrameRow {
  // A cursor past its state's entry keeps that entry's event id (the event was numbered just before).
  if (frame.enteredEvent !== undefined && frame.cursor.phase !== 'enter') {
    frame.cursor.enteredEventId = frame.enteredEvent.id;
  }
  return { path: frame.path, cursor: frame.cursorJson(run.lastEventId), input: frame.inputJson };
}

function haltError(run: ExecutionRun): Error {
  return run.controller.reason instanceof Error
    ? run.controller.reason
    : new Error('The execution is no longer running');
}

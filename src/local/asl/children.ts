/**
 * Child frames of a Parallel or Map state: started lazily (at most `concurrency` at once), each one's
 * completion persisted with its output so a resumed execution does not run it again; the first failure
 * aborts the others (each records its running state's `...StateAborted` and `abortedEvent`, as
 * AWS does) and is thrown.
 */
import { Stopper } from '../stop-signal.ts';
import { asStatesError, raiseAgain, type StatesError, storedError } from './errors.ts';
import type { Frame, FrameCursor, FrameDefinition } from './frame.ts';
import { runFrame } from './frame-driver.ts';
import { type StateRun, serializeWithinLimit } from './state-run.ts';

export interface ChildFrames {
  count: number;
  /** How many run at once (>= 1). */
  concurrency: number;
  definition(index: number): FrameDefinition;
  /** The child's input; only called when the child starts for the first time. */
  input(index: number): unknown;
  /** History events of a child's start, success, failure and abort (`MapIterationStarted`, ...). */
  startedEvent?: string;
  succeededEvent?: string;
  failedEvent?: string;
  abortedEvent?: string;
  /**
   * Whether a child that failed in a Task state records `TaskStateAborted` for it after its `TaskFailed`,
   * as AWS's histories of Parallel branches show (a Map iteration records `failedEvent` instead).
   */
  abortsFailedTask?: boolean;
}

/** The state types that record `<Type>StateAborted` when they are stopped while they run. */
const ABORTABLE_STATE_TYPES: ReadonlySet<string> = new Set(['Task', 'Wait', 'Map', 'Parallel']);

/** Runs the children of `run`'s state; resolves with their outputs in index order. */
export async function runChildFrames(run: StateRun, children: ChildFrames): Promise<unknown[]> {
  const { engine, run: execution, frame: parent } = run;
  // Stopped before its children start (a sibling branch failed while this state got going): none starts.
  if (parent.signal.aborted) throw parent.signal.reason;
  const controller = new Stopper();
  const abortChildren = (): void => controller.stop(parent.signal.reason);
  parent.signal.addEventListener('abort', abortChildren, { once: true });
  const results: unknown[] = new Array(children.count);
  let nextIndex = 0;
  let failure: StatesError | undefined;
  const iterationDetails = (index: number) => ({ index, name: run.name });
  const childPath = (index: number) => `${parent.path}/${run.name}/${index}`;

  /** Persists a finished child with its output and its JSON. */
  const finish = (child: Frame, index: number, output: unknown, json: string): void => {
    child.cursor = { state: child.cursor.state, phase: 'done' };
    child.input = output;
    child.inputJson = json;
    engine.journal.defer(execution, child);
    results[index] = output;
  };

  const startChild = async (index: number): Promise<void> => {
    const path = childPath(index);
    const stored = execution.storedFrames.get(path);
    if (stored && JSON.parse(stored.cursor).phase === 'done') {
      execution.storedFrames.delete(path);
      results[index] = JSON.parse(stored.input);
      return;
    }
    let child: Frame | undefined;
    try {
      child = engine.openFrame(
        execution,
        path,
        children.definition(index),
        () => children.input(index),
        controller,
        parent,
      );
      if (!stored) {
        engine.refuseAtHistoryLimit(execution, child);
        if (children.startedEvent) engine.emit(child, children.startedEvent, iterationDetails(index));
        engine.journal.defer(execution, child);
      }
      const output = await runFrame(engine, execution, child);
      if (children.succeededEvent) {
        engine.refuseAtHistoryLimit(execution, child);
        engine.emit(child, children.succeededEvent, iterationDetails(index));
      }
      finish(child, index, output, serializeWithinLimit(output, run.name));
    } catch (thrown) {
      if (execution.halted || parent.signal.aborted) return;
      if (failure) {
        // Stopped because another child failed.
        if (child) endAborted(child, index);
        return;
      }
      const error = asStatesError(thrown);
      failure = error;
      if (child) {
        // What every child recorded so far comes before the failure and the aborts it causes, as in AWS's
        // histories. The state's cursor keeps the failure, written with it: a restart raises it again.
        parent.cursor = { ...parent.cursor, failure: { index, ...storedError(error) } };
        engine.journal.writeCursorWith(execution, parent, child);
        engine.journal.commit(execution, child);
        endFailed(child, index);
      }
      controller.stop(failure);
    }
  };

  /** Records the end of the child whose failure fails the state, once its events are committed. */
  const endFailed = (child: Frame, index: number): void => {
    if (children.abortsFailedTask && enteredStateType(child, index) === 'Task')
      engine.emit(child, 'TaskStateAborted');
    handOver(child, children.failedEvent, index);
  };

  /** Records the abort of a child another child's failure stopped. */
  const endAborted = (child: Frame, index: number): void => {
    const type = enteredStateType(child, index);
    if (type && ABORTABLE_STATE_TYPES.has(type)) engine.emit(child, `${type}StateAborted`);
    handOver(child, children.abortedEvent, index);
  };

  /** The type of the state the child stands at, once it has entered it. */
  const enteredStateType = (child: Frame, index: number): string | undefined =>
    child.cursor.phase === 'enter' ? undefined : children.definition(index).States[child.cursor.state]?.Type;

  /**
   * Records the end event of a child that failed or was aborted and hands its pending events and writes to
   * the parent, and its cursor, which a redrive of the execution runs on from.
   */
  const handOver = (child: Frame, endEvent: string | undefined, index: number): void => {
    if (endEvent) engine.emit(child, endEvent, iterationDetails(index));
    for (const event of child.takeEvents()) parent.queueEvent(event);
    for (const write of child.takeWrites()) parent.queueWrite(write);
    engine.journal.forget(child);
    engine.journal.writeCursorWith(execution, child, parent);
  };

  /**
   * After a restart, ends the children of a state whose failure a child recorded before it: that child as
   * failed, the others that had started as aborted (the branches or iterations they run record nothing).
   */
  const endAfterRecordedFailure = (recorded: NonNullable<FrameCursor['failure']>): void => {
    failure = raiseAgain(recorded);
    for (let index = 0; index < children.count; index++) {
      const path = childPath(index);
      const stored = execution.storedFrames.get(path);
      if (!stored || (JSON.parse(stored.cursor) as FrameCursor).phase === 'done') continue;
      const child = engine.openFrame(
        execution,
        path,
        children.definition(index),
        () => undefined,
        controller,
        parent,
      );
      if (index === recorded.index) endFailed(child, index);
      else endAborted(child, index);
    }
  };

  const worker = async (): Promise<void> => {
    while (failure === undefined && !controller.aborted && nextIndex < children.count) {
      await startChild(nextIndex++);
    }
  };
  const recorded = parent.cursor.failure;
  if (recorded) endAfterRecordedFailure(recorded);
  else {
    const workers = Math.max(1, Math.min(children.concurrency, children.count));
    await Promise.all(Array.from({ length: workers }, worker));
  }
  parent.signal.removeEventListener('abort', abortChildren);
  engine.flush();
  if (parent.signal.aborted) throw parent.signal.reason;
  if (failure) throw failure;
  return results;
}

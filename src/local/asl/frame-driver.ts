/**
 * Drives a frame through its states: enters each state, runs its module, and records its exit, Retry or
 * Catch. States without outside effects run synchronously; a state that waits (a task, a Wait, Parallel
 * and Map children, a retry interval) continues the frame from a promise callback or a clock timer, so a
 * parked execution holds no suspended function.
 */
import { deadlineAfter, type Waiter, waitUntil } from '../clock.ts';
import type { Engine, ExecutionRun } from './engine.ts';
import {
  asStatesError,
  EvaluationError,
  errorOutput,
  FailStateError,
  RecordedError,
  STATES_ERRORS,
  StatesError,
  statePrefixed,
} from './errors.ts';
import type { Frame } from './frame.ts';
import { usesJsonata } from './jsonata.ts';
import { writeResultPath } from './jsonpath.ts';
import { NOT_TRUNCATED } from './pending-events.ts';
import { decideOnError } from './retry.ts';
import { type StateResult, StateRun, type StateWait, serializeWithinLimit } from './state-run.ts';
import { STATE_HANDLERS } from './states/index.ts';
import type { ErrorHandling, State } from './types.ts';
import type { Assignment } from './variables.ts';

/**
 * What {@link driveFrame} calls when the frame ends, with the run and frame (so one object can serve every
 * frame: a parked execution holds no closures for its end).
 */
export interface FrameEnd {
  done(output: unknown, run: ExecutionRun, frame: Frame): void;
  /** With the StatesError that fails the frame, or the reason the run halted. */
  failed(thrown: unknown, run: ExecutionRun, frame: Frame): void;
}

/** A retry interval or a Wait's instant has come: the state's module runs again. */
const AWAKE = Object.freeze({ awake: true as const });

/** How the wait of a frame's current state ended: its module's result or error, or its time has come. */
export type Resumption = { result: StateResult } | { thrown: unknown } | typeof AWAKE;

/** States a frame runs synchronously before it yields to the event loop (and so to the API). */
export const TRANSITIONS_PER_TURN = 1000;

/** {@link exitState}'s mark for a frame that moved on (or will retry) and keeps running. */
const STATE_CONTINUES = Symbol('state continues');

/** The StateEntered / StateExited event types of each state type, built once. */
const STATE_EVENT_TYPES = Object.fromEntries(
  Object.keys(STATE_HANDLERS).map((type) => [
    type,
    { entered: `${type}StateEntered`, exited: `${type}StateExited` },
  ]),
) as Record<keyof typeof STATE_HANDLERS, { entered: string; exited: string }>;

/**
 * Runs a frame until it ends; resolves with its output. The frame's last events stay pending for the
 * caller to commit with its own writes. Rejects with the StatesError that fails the frame.
 */
export function runFrame(engine: Engine, run: ExecutionRun, frame: Frame): Promise<unknown> {
  return new Promise((resolve, reject) => driveFrame(engine, run, frame, { done: resolve, failed: reject }));
}

/**
 * Runs a frame's states from its cursor until the frame ends: `end.done` with its output, or
 * `end.failed` with the StatesError that fails it (or the halt reason). Effect-free states run
 * synchronously, yielding to the event loop every {@link TRANSITIONS_PER_TURN}. `resumed` is how the
 * wait of the cursor's state ended; a frame stopped meanwhile ends with the stop whatever its state gave.
 * The frame's last events stay pending for the caller to commit.
 */
export function driveFrame(
  engine: Engine,
  run: ExecutionRun,
  frame: Frame,
  end: FrameEnd,
  resumed?: Resumption,
): void {
  // A result that came in as a sibling failed (or the execution stopped) does not move the frame on.
  if (frame.signal.aborted && !(resumed !== undefined && 'thrown' in resumed)) {
    resumed = { thrown: frame.signal.reason };
  }
  let output: unknown;
  try {
    for (let transitions = 1; ; transitions++) {
      const state = frame.state;
      const name = frame.cursor.state;
      if (!state) throw new StatesError(STATES_ERRORS.Runtime, `State '${name}' does not exist`);
      let outcome = resumed;
      resumed = undefined;
      if (outcome === undefined && (frame.cursor.phase === 'retry' || frame.cursor.phase === 'waiting')) {
        // Resumed in a retry interval or a Wait: back on the clock, so instants that passed while the runtime
        // was down end in their order.
        wakeFrameAt(frame.cursor.wakeAt ?? 0, engine, run, frame, end);
        return;
      }
      if (outcome === undefined || 'awake' in outcome) {
        if (frame.cursor.phase === 'enter') {
          if (run.machineDeleting) throw engine.failForDeletion(run);
          engine.refuseAtHistoryLimit(run, frame);
          enterState(engine, frame, name, state);
        }
        const ran = runStateModule(new StateRun(engine, run, frame, name, state));
        if (ran instanceof Promise) {
          resumeAfter(ran, engine, run, frame, end);
          return;
        }
        if ('wakeAt' in ran) {
          wakeFrameAt(ran.wakeAt, engine, run, frame, end);
          return;
        }
        outcome = ran;
      }
      const exited = exitState(engine, run, frame, name, state, outcome);
      if (exited !== STATE_CONTINUES && 'caught' in exited) {
        resumeAfter(exited.caught, engine, run, frame, end);
        return;
      }
      if (exited !== STATE_CONTINUES) {
        output = exited.output;
        break;
      }
      if (transitions === TRANSITIONS_PER_TURN) {
        // A long run of effect-free states lets the API and other executions in between.
        setImmediate(() => driveFrame(engine, run, frame, end));
        return;
      }
    }
  } catch (thrown) {
    end.failed(thrown, run, frame);
    return;
  }
  end.done(output, run, frame);
}

/**
 * Runs a state's module: its result, a promise of it (a state that waits), a Wait's instant to run it
 * again, or what it threw.
 */
function runStateModule(
  run: StateRun,
): { result: StateResult } | { thrown: unknown } | StateWait | Promise<StateResult | StateWait> {
  try {
    const answer = STATE_HANDLERS[run.state.Type](run);
    return answer instanceof Promise || 'wakeAt' in answer ? answer : { result: answer };
  } catch (thrown) {
    return { thrown };
  }
}

/** Continues the frame with what the state's module's promise settles with (a Wait's instant, or a result). */
function resumeAfter(
  waited: Promise<StateResult | StateWait>,
  engine: Engine,
  run: ExecutionRun,
  frame: Frame,
  end: FrameEnd,
): void {
  waited.then(
    (answer) =>
      'wakeAt' in answer
        ? wakeFrameAt(answer.wakeAt, engine, run, frame, end)
        : driveFrame(engine, run, frame, end, { result: answer }),
    (thrown: unknown) => driveFrame(engine, run, frame, end, { thrown }),
  );
}

/**
 * Runs the state's module again at the wall-clock `wakeAt` (a Wait's instant, the end of a retry
 * interval) on a clock timer, or fails the frame if it is stopped first.
 */
function wakeFrameAt(wakeAt: number, engine: Engine, run: ExecutionRun, frame: Frame, end: FrameEnd): void {
  waitUntil(engine.clock, wakeAt, frame.signal, new FrameWake(engine, run, frame, end));
}

/** A frame waiting on the clock: it runs on when woken, and fails with the reason when stopped. */
class FrameWake implements Waiter {
  constructor(
    readonly engine: Engine,
    readonly run: ExecutionRun,
    readonly frame: Frame,
    readonly end: FrameEnd,
  ) {}

  wake(): void {
    driveFrame(this.engine, this.run, this.frame, this.end, AWAKE);
  }

  stopped(reason: unknown): void {
    driveFrame(this.engine, this.run, this.frame, this.end, { thrown: reason });
  }
}

/** Enters state `name`: its `$$.State.EnteredTime` is the time of its StateEntered event. */
function enterState(engine: Engine, frame: Frame, name: string, state: State): void {
  const enteredAt = engine.clock.now();
  frame.cursor = { state: name, phase: 'entered', enteredAt };
  const type = STATE_EVENT_TYPES[state.Type].entered;
  frame.enteredEvent = engine.emitStateEntered(frame, type, name, frame.inputJson, enteredAt);
}

/** Errors of a JSONata Catcher's own `Output` or `Assign`: they fail the state, no Catcher handles them. */
const catcherErrors = new WeakSet<object>();

/**
 * After a state's module: on success, or on an error its Catch handles, records the exit and moves the
 * frame to the next state ({@link STATE_CONTINUES}), or returns the frame's output if it ends. An error
 * its Retry handles schedules the retry ({@link STATE_CONTINUES}). Throws an error it does not handle.
 * A JSONata Catcher's `Output` and `Assign` are evaluated asynchronously: `caught` is the promise of the
 * result that the frame then exits with.
 */
function exitState(
  engine: Engine,
  run: ExecutionRun,
  frame: Frame,
  name: string,
  state: State,
  outcome: { result: StateResult } | { thrown: unknown },
): typeof STATE_CONTINUES | { output: unknown } | { caught: Promise<StateResult> } {
  let next: string | undefined;
  let output: unknown;
  let outputJson: string;
  let assigned: Assignment | undefined;
  try {
    if ('thrown' in outcome) throw outcome.thrown;
    next = outcome.result.next;
    output = outcome.result.output;
    assigned = outcome.result.assigned;
    outputJson = frame.outputJson(output);
  } catch (thrown) {
    assigned = undefined; // a failed state assigns nothing (its Catcher may)
    if (frame.signal.aborted || run.halted) throw thrown;
    const error = attributeError(engine, run, frame, name, asStatesError(thrown));
    if (thrown instanceof EvaluationError) recordEvaluationFailure(engine, frame, name, thrown, error);
    if (catcherErrors.has(thrown as object)) throw error;
    const decision = decideOnError(state as ErrorHandling, error, frame.cursor.retries);
    if (hasChildFrames(state.Type)) {
      // A state that fails keeps its branches' or iterations' frames: a redrive runs the unfinished ones again.
      if (decision.kind !== 'fail') engine.journal.dropChildFrames(run, frame, name);
      // A Parallel or Map state that started its branches or iterations fails with MapStateFailed or
      // ParallelStateFailed, recorded once it is not retried: AWS records none before a retry. A JSONata
      // Map records MapStateFailed after its Items fail too, and a Distributed Map after its ItemReader.
      const started =
        frame.cursor.phase === 'children' ||
        (state.Type === 'Map' &&
          (thrown instanceof EvaluationError || error.error === STATES_ERRORS.ItemReaderFailed));
      if (started && decision.kind !== 'retry') {
        engine.emit(frame, `${state.Type}StateFailed`);
      }
    }
    if (decision.kind === 'fail') throw error;
    if (decision.kind === 'retry') {
      frame.cursor = {
        state: name,
        phase: 'retry',
        enteredAt: frame.cursor.enteredAt,
        enteredEventId: frame.cursor.enteredEventId,
        retries: decision.retries,
        retryCount: (frame.cursor.retryCount ?? 0) + 1,
        wakeAt: deadlineAfter(engine.clock, decision.delayMs),
      };
      engine.journal.commit(run, frame);
      return STATE_CONTINUES;
    }
    const { catcher } = decision;
    const caught = errorOutput(error);
    if (usesJsonata(state)) {
      const exit = new StateRun(engine, run, frame, name, state).exitJsonata(
        catcher,
        { errorOutput: caught },
        caught,
        catcher.Next,
        `Catch[${(state as ErrorHandling).Catch!.indexOf(catcher)}]/`,
      );
      return {
        caught: exit.catch((failed: unknown) => {
          const failure = asStatesError(failed);
          catcherErrors.add(failure);
          throw failure;
        }),
      };
    }
    next = catcher.Next;
    output = writeResultPath(frame.input, catcher.ResultPath, caught);
    outputJson = serializeWithinLimit(output, name);
    if (catcher.Assign !== undefined) {
      assigned = new StateRun(engine, run, frame, name, state).assign(catcher.Assign, caught);
    }
  }
  if (state.Type !== 'Fail') {
    const type = STATE_EVENT_TYPES[state.Type].exited;
    if (assigned !== undefined && hasAny(assigned.json)) {
      engine.emit(frame, type, {
        name,
        output: outputJson,
        outputDetails: NOT_TRUNCATED,
        assignedVariables: assigned.json,
        assignedVariablesDetails: NOT_TRUNCATED,
      });
    } else engine.emitStateExited(frame, type, name, outputJson);
  }
  if (assigned !== undefined) frame.assignVariables(assigned.values);
  if (hasChildFrames(state.Type)) engine.journal.dropChildFrames(run, frame, name);
  if (next === undefined) return { output };
  frame.moveTo(next, output, outputJson);
  engine.journal.defer(run, frame);
  return STATE_CONTINUES;
}

/** The errors whose cause names the state that raised them (the execution's, as AWS records it). */
const PREFIXED_ERRORS: ReadonlySet<string | undefined> = new Set([
  STATES_ERRORS.Runtime,
  STATES_ERRORS.QueryEvaluationError,
]);

/** Errors already attributed to the state that raised them: a child's failure keeps its own state's. */
const attributedErrors = new WeakSet<StatesError>();

/**
 * A `States.Runtime` or `States.QueryEvaluationError` error a state raised itself (not the error a Fail
 * state raises with its `Error`, but one of its ErrorPath, CausePath or expressions) with AWS's prefix
 * naming the state and its StateEntered event:
 * `An error occurred while executing the state 'X' (entered at the event id #N).`
 * The frame is committed at once if that event has no id yet (the execution may fail with the error); a
 * state entered before a restart finds the id in its cursor. Other errors are kept.
 */
function attributeError(
  engine: Engine,
  run: ExecutionRun,
  frame: Frame,
  name: string,
  error: StatesError,
): StatesError {
  if (attributedErrors.has(error)) return error;
  let attributed = error;
  const causeAsWritten = error instanceof FailStateError || error instanceof RecordedError;
  if (PREFIXED_ERRORS.has(error.error) && !causeAsWritten) {
    const entered = frame.enteredEvent;
    if (entered?.id === 0) engine.journal.commit(run, frame);
    const enteredId = entered?.id ?? frame.cursor.enteredEventId;
    if (enteredId !== undefined) {
      attributed = new StatesError(error.error, statePrefixed(name, enteredId, error.causeText ?? ''), {
        cause: error,
      });
    }
  }
  attributedErrors.add(attributed);
  return attributed;
}

/**
 * Records the `EvaluationFailed` event of a JSONata state's own evaluation error (`attributed`, with the
 * state's prefix), before the state's failure, retry or catch. Raised before the state recorded anything
 * after its StateEntered event, it points where that event points (at that event for a Wait's Timestamp),
 * as AWS-recorded histories show; raised later (a Map's thresholds after MapStateStarted, a Task's Output
 * after TaskSucceeded), it follows the state's last event.
 */
function recordEvaluationFailure(
  engine: Engine,
  frame: Frame,
  name: string,
  failure: EvaluationError,
  attributed: StatesError,
): void {
  const details: Record<string, unknown> = { error: attributed.error, cause: attributed.causeText };
  if (failure.location !== undefined) details.location = failure.location;
  details.state = name;
  const entered = frame.enteredEvent;
  if (frame.cursor.phase !== 'entered' || entered === undefined || entered.id !== frame.lastEventId) {
    engine.emit(frame, 'EvaluationFailed', details);
  } else {
    const after = failure.linksToEntered ? entered.id : entered.previousEventId;
    engine.emitAfter(frame, after, 'EvaluationFailed', details);
  }
}

/** Whether `record` has a key: an empty `Assign` puts no `assignedVariables` in the exit event, as on AWS. */
function hasAny(record: Readonly<Record<string, unknown>>): boolean {
  for (const _ in record) return true;
  return false;
}

function hasChildFrames(type: string): boolean {
  return type === 'Parallel' || type === 'Map';
}

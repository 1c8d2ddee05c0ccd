/**
 * What a state module gets to run one state: its input, the context object, the data flow of AWS
 * (InputPath -> Parameters -> ... -> ResultSelector -> ResultPath -> OutputPath), history events and
 * cursor saves.
 */
import { exceedsPayloadLimit, PAYLOAD_LIMIT_BYTES } from '#core/payload-limit.ts';
import type { StopSignal } from '../stop-signal.ts';
import { executionContext } from './context-object.ts';
import { applyPath, resolvePayloadTemplate } from './data-flow.ts';
import type { Engine, ExecutionRun } from './engine.ts';
import { STATES_ERRORS, StatesError } from './errors.ts';
import type { Frame, FrameCursor } from './frame.ts';
import { writeResultPath } from './jsonpath.ts';
import type { PendingEvent } from './pending-events.ts';
import type { JsonObject, PayloadTemplate, State } from './types.ts';
import { type Assignment, evaluateAssign } from './variables.ts';

/** The state types that may have a `Retry`, and so a `$$.State.RetryCount`. */
const RETRYING_STATE_TYPES: ReadonlySet<string> = new Set(['Task', 'Parallel', 'Map']);

/**
 * JSON of `value`; throws `States.DataLimitExceeded` beyond {@link PAYLOAD_LIMIT_BYTES}, with the cause AWS
 * records, naming `returnedBy`: the state, or for a task's result its resource (a Lambda function ARN, or the
 * integration's service, `lambda`).
 */
export function serializeWithinLimit(value: unknown, returnedBy: string): string {
  const json = JSON.stringify(value ?? null);
  if (exceedsPayloadLimit(json)) {
    throw new StatesError(
      STATES_ERRORS.DataLimitExceeded,
      `The state/task '${returnedBy}' returned a result with a size exceeding the maximum number of bytes service limit.`,
    );
  }
  return json;
}

/**
 * What a state module returns: its output, the next state (absent = the frame ends) and, for a state with
 * `Assign`, the workflow variables it sets as it exits.
 */
export interface StateResult {
  output: unknown;
  next?: string;
  assigned?: Assignment;
}

/** What a Wait returns before its instant: the engine runs it again at the wall-clock `wakeAt`. */
export interface StateWait {
  wakeAt: number;
}

/** One run of one state of one frame. */
export class StateRun<S extends State = State> {
  constructor(
    readonly engine: Engine,
    readonly run: ExecutionRun,
    readonly frame: Frame,
    readonly name: string,
    readonly state: S,
  ) {}

  /** The state's raw input. */
  get input(): unknown {
    return this.frame.input;
  }

  get cursor(): FrameCursor {
    return this.frame.cursor;
  }

  get signal(): StopSignal {
    return this.frame.signal;
  }

  /**
   * The context object `$$` for this state, with `extra` members (`Task`, `Map`). `State.RetryCount` is
   * there for the states that may retry (Task, Parallel, Map), as on AWS.
   */
  context(extra?: Record<string, unknown>): Record<string, unknown> {
    const { run, cursor } = this;
    run.executionContext ??= executionContext(run.row, run.machineName, run.roleArn);
    const State: Record<string, unknown> = {
      Name: this.name,
      EnteredTime: new Date(cursor.enteredAt ?? this.engine.clock.now()).toISOString(),
    };
    if (RETRYING_STATE_TYPES.has(this.state.Type)) State.RetryCount = cursor.retryCount ?? 0;
    return { ...run.executionContext, State, ...extra };
  }

  /** Builds {@link context} when called: the data flow calls it only for a path that reads `$$`. */
  contextSource(extra?: Record<string, unknown>): () => Record<string, unknown> {
    return () => this.context(extra);
  }

  /** InputPath, then `template` (Parameters / ItemSelector) if present. */
  effectiveInput(template?: PayloadTemplate, extraContext?: Record<string, unknown>): unknown {
    const state = this.state as { InputPath?: string | null };
    const context = this.contextSource(extraContext);
    const selected = applyPath(this.input, state.InputPath, context, this.frame);
    return template === undefined
      ? selected
      : resolvePayloadTemplate(template, selected, context, this.frame);
  }

  /**
   * The state's result moving on to `next`: ResultSelector (applied to `result`), ResultPath (into the raw
   * input), then OutputPath; and its `Assign`, whose `$` is the result after ResultSelector.
   */
  exit(result: unknown, next: string | undefined): StateResult {
    const state = this.state as {
      ResultSelector?: PayloadTemplate;
      ResultPath?: string | null;
      OutputPath?: string | null;
      Assign?: JsonObject;
    };
    const selected =
      state.ResultSelector === undefined
        ? result
        : resolvePayloadTemplate(state.ResultSelector, result, this.contextSource(), this.frame);
    const assigned = state.Assign === undefined ? undefined : this.assign(state.Assign, selected);
    const merged = writeResultPath(this.input, state.ResultPath, selected);
    const output =
      state.OutputPath === undefined
        ? merged
        : applyPath(merged, state.OutputPath, this.contextSource(), this.frame);
    return assigned === undefined ? { output, next } : { output, next, assigned };
  }

  /** Evaluates an `Assign` field with `$` reading `value` (variables keep their values from before the state). */
  assign(assign: JsonObject, value: unknown): Assignment {
    return evaluateAssign(assign, value, this.contextSource(), this.frame);
  }

  /** Queues a history event for the next save, and returns it (its `timestamp` is when it happened). */
  emit(type: string, details?: Record<string, unknown>): PendingEvent {
    return this.engine.emit(this.frame, type, details);
  }

  /** Commits the queued events with the cursor moved to `patch` (and `extra` writes) in one transaction. */
  save(patch: Partial<FrameCursor>, extra?: () => void): void {
    this.frame.cursor = Object.assign({}, this.frame.cursor, patch);
    this.engine.journal.commit(this.run, this.frame, extra);
  }

  /**
   * Moves the cursor to `patch` with the queued events, committed with the engine's next group commit
   * (see `Journal.defer`): for a state that has no outside effect before its next save, such as a Wait.
   */
  saveDeferred(patch: Partial<FrameCursor>): void {
    this.frame.cursor = Object.assign({}, this.frame.cursor, patch);
    this.engine.journal.defer(this.run, this.frame);
  }
}

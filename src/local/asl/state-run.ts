/**
 * What a state module gets to run one state: its input, the context object, the data flow of AWS
 * (InputPath -> Parameters -> ... -> ResultSelector -> ResultPath -> OutputPath), history events and
 * cursor saves.
 */
import { exceedsPayloadLimit, PAYLOAD_LIMIT_BYTES } from '#core/payload-limit.ts';
import type { StopSignal } from '../stop-signal.ts';
import { contextTime, executionContext } from './context-object.ts';
import { applyPath, resolvePayloadTemplate } from './data-flow.ts';
import type { Engine, ExecutionRun } from './engine.ts';
import { STATES_ERRORS, StatesError } from './errors.ts';
import { isStringTooLong } from './expressions/json-values.ts';
import type { FieldBounds } from './expressions/map-field-bounds.ts';
import type { Frame, FrameCursor } from './frame.ts';
import {
  evaluateJsonataField,
  expressionError,
  type JsonType,
  type StatesBinding,
  usesJsonata,
} from './jsonata.ts';
import { writeResultPath } from './jsonpath.ts';
import type { PendingEvent } from './pending-events.ts';
import type { JsonObject, JsonValue, PayloadTemplate, State } from './types.ts';
import { type Assignment, assignmentOf, evaluateAssign } from './variables.ts';

/** The state types that may have a `Retry`, and so a `$$.State.RetryCount`. */
export const RETRYING_STATE_TYPES: ReadonlySet<string> = new Set(['Task', 'Parallel', 'Map']);

/**
 * JSON of `value`; throws `States.DataLimitExceeded` beyond {@link PAYLOAD_LIMIT_BYTES}, with the cause AWS
 * records, naming `returnedBy`: the state, or for a task's result its resource (a Lambda function ARN, or the
 * integration's service, `lambda`).
 */
export function serializeWithinLimit(value: unknown, returnedBy: string): string {
  const json = jsonUnlessTooLong(value);
  if (json === undefined || exceedsPayloadLimit(json)) {
    throw new StatesError(
      STATES_ERRORS.DataLimitExceeded,
      `The state/task '${returnedBy}' returned a result with a size exceeding the maximum number of bytes service limit.`,
    );
  }
  return json;
}

/**
 * JSON of `value`, or `undefined` past V8's longest string (about 512 MiB): a value that shares one
 * object thousands of times (`States.Array($.a, $.a, ...)`) is small in memory and may be that long.
 */
function jsonUnlessTooLong(value: unknown): string | undefined {
  try {
    return JSON.stringify(value ?? null);
  } catch (error) {
    if (isStringTooLong(error)) return undefined;
    throw error;
  }
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

/** The fields of a JSONata state, Choice rule or Catcher that shape its exit. */
export interface JsonataExit {
  Assign?: JsonObject;
  Output?: JsonValue;
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
      EnteredTime: contextTime(cursor.enteredAt ?? this.engine.clock.now()),
    };
    if (RETRYING_STATE_TYPES.has(this.state.Type)) State.RetryCount = cursor.retryCount ?? 0;
    const own = { ...run.executionContext, State, ...extra };
    return this.engine.standIns.context?.(own) ?? own;
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

  /** Whether the state uses JSONata (its own `QueryLanguage`, else its definition's). */
  get jsonata(): boolean {
    return usesJsonata(this.state);
  }

  /** `$states` for a JSONata field: the state's input and context object, and `extra` (`result`, ...). */
  states(
    extra?: Omit<StatesBinding, 'input' | 'context'>,
    extraContext?: Record<string, unknown>,
  ): StatesBinding {
    return { input: this.input, context: this.context(extraContext), ...extra };
  }

  /**
   * Evaluates a JSONata field of this state (see `evaluateJsonataField`) with the frame's variables; an
   * expression that is the whole field must give `expected`.
   */
  evaluate(template: unknown, field: string, states: StatesBinding, expected?: JsonType): Promise<unknown> {
    return evaluateJsonataField(template, field, states, this.frame, expected);
  }

  /**
   * Evaluates a JSONata field that must give a number within `bounds` (an integer where they say so): a
   * number in the definition, which validation checked, or an expression.
   *
   * @throws StatesError `States.QueryEvaluationError` when the expression gives another value.
   */
  async evaluateWithin(
    template: unknown,
    field: string,
    states: StatesBinding,
    bounds: FieldBounds,
  ): Promise<number> {
    const value = (await this.evaluate(
      template,
      field,
      states,
      bounds.integer ? 'integer' : 'number',
    )) as number;
    const { minimum, maximum = Number.POSITIVE_INFINITY } = bounds;
    if (value < minimum || value > maximum) {
      const range =
        maximum === Number.POSITIVE_INFINITY ? `of at least ${minimum}` : `from ${minimum} to ${maximum}`;
      throw expressionError(
        template as string,
        field,
        `returned a value out of range. Expected ${bounds.integer ? 'an integer' : 'a number'} ${range}, but was ${value}`,
      );
    }
    return value;
  }

  /**
   * The input a JSONata Task or Parallel state works on: `Arguments` evaluated, else the state's input.
   * `extraContext` adds context object members (`Task.Token`).
   */
  evaluateArguments(extraContext?: Record<string, unknown>): Promise<unknown> | unknown {
    const { Arguments } = this.state as { Arguments?: JsonValue };
    if (Arguments === undefined) return this.input;
    return this.evaluate(Arguments, 'Arguments', this.states(undefined, extraContext));
  }

  /**
   * The state's result moving on to `next`. JSONPath: ResultSelector (applied to `result`), ResultPath (into
   * the raw input), then OutputPath; and its `Assign`, whose `$` is the result after ResultSelector.
   * JSONata: `Output` (else the result) and `Assign`, both reading `$states.result` when `hasResult`.
   */
  exit(result: unknown, next: string | undefined, hasResult = true): StateResult | Promise<StateResult> {
    if (this.jsonata)
      return this.exitJsonata(this.state as JsonataExit, hasResult ? { result } : {}, result, next);
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

  /**
   * The JSONata exit of the state or of its Choice rule or Catcher (`fields`): `Assign` and `Output` with
   * `$states` holding `extra`, and `fallback` as the output when there is no `Output`. Both read the
   * variables from before the state; `fieldPrefix` names a rule's or Catcher's fields in errors.
   */
  async exitJsonata(
    fields: JsonataExit,
    extra: Omit<StatesBinding, 'input' | 'context'>,
    fallback: unknown,
    next: string | undefined,
    fieldPrefix = '',
  ): Promise<StateResult> {
    const states = this.states(extra);
    let assigned: Assignment | undefined;
    if (fields.Assign !== undefined) {
      const values = await this.evaluate(fields.Assign, `${fieldPrefix}Assign`, states);
      assigned = assignmentOf(values as Record<string, unknown>);
    }
    const output =
      fields.Output === undefined
        ? fallback
        : await this.evaluate(fields.Output, `${fieldPrefix}Output`, states);
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

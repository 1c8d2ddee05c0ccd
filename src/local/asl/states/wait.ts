import { deadlineAfter, deadlineReached } from '../../clock.ts';
import type { ContextSource } from '../context-object.ts';
import { applyPath } from '../data-flow.ts';
import { EvaluationError, STATES_ERRORS, StatesError } from '../errors.ts';
import { parseTimestamp } from '../expressions/timestamps.ts';
import { tryReadPath } from '../jsonpath.ts';
import type { StateResult, StateRun, StateWait } from '../state-run.ts';
import { MAX_WAIT_SECONDS, type WaitState } from '../types.ts';
import type { VariableReader } from '../variables.ts';

/** The Seconds a JSONata expression may give. */
const WAIT_SECONDS_BOUNDS = { integer: true, minimum: 0, maximum: MAX_WAIT_SECONDS } as const;

/**
 * Wait: records the wake-up instant with the WaitStateEntered event (in the next group commit: a crash
 * before it replays the state, which only re-enters the Wait) and answers it; the engine runs the state
 * again then (also after a restart, for the remaining time only), and it ends once the instant has come.
 */
export function runWait(
  run: StateRun<WaitState>,
): StateResult | StateWait | Promise<StateResult | StateWait> {
  if (run.jsonata) return run.cursor.phase === 'waiting' ? endJsonataWait(run) : startJsonataWait(run);
  const context = run.contextSource();
  const { state, frame } = run;
  const effective = applyPath(run.input, state.InputPath, context, frame);
  const clock = run.engine.clock;
  if (run.cursor.phase !== 'waiting') {
    const delayMs = waitMilliseconds(state, effective, context, frame, clock.now());
    run.saveDeferred({ phase: 'waiting', wakeAt: deadlineAfter(clock, delayMs) });
  }
  const wakeAt = run.cursor.wakeAt ?? 0;
  if (!deadlineReached(clock, wakeAt)) return { wakeAt };
  const output = applyPath(effective, state.OutputPath, context, frame);
  return state.Assign === undefined
    ? { output, next: state.Next }
    : { output, next: state.Next, assigned: run.assign(state.Assign, effective) };
}

/**
 * The logical wait in ms of a Wait state (Seconds, SecondsPath, Timestamp or TimestampPath). As on AWS, a
 * timestamp counts to the second: its fraction of a second is dropped.
 */
function waitMilliseconds(
  state: WaitState,
  input: unknown,
  context: ContextSource,
  variables: VariableReader,
  now: number,
): number {
  if (typeof state.Seconds === 'number') return state.Seconds * 1000;
  if (state.SecondsPath !== undefined) {
    return (
      pathSeconds(
        state.SecondsPath,
        readWaitPath('SecondsPath', state.SecondsPath, input, context, variables),
      ) * 1000
    );
  }
  const timestamp =
    state.TimestampPath === undefined
      ? state.Timestamp
      : readWaitPath('TimestampPath', state.TimestampPath, input, context, variables);
  const instant = parseTimestamp(timestamp);
  if (instant === undefined) {
    // As AWS words it (a static Timestamp is checked when the state machine is created).
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${state.TimestampPath} == ${describeValue(timestamp)}`,
    );
  }
  return Math.max(0, instant.epochSeconds * 1000 - now);
}

/** A JSONata Wait: `Seconds` or `Timestamp` (either may be a `{% %}` expression) sets its instant. */
async function startJsonataWait(run: StateRun<WaitState>): Promise<StateResult | StateWait> {
  const { state } = run;
  const clock = run.engine.clock;
  const states = run.states();
  let delayMs: number;
  if (state.Seconds !== undefined) {
    delayMs = (await run.evaluateWithin(state.Seconds, 'Seconds', states, WAIT_SECONDS_BOUNDS)) * 1000;
  } else {
    const timestamp = await run.evaluate(state.Timestamp, 'Timestamp', states, 'string');
    const instant = parseTimestamp(timestamp);
    if (instant === undefined) {
      throw new EvaluationError(
        `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${String(timestamp)}`,
        'Timestamp',
        true,
      );
    }
    delayMs = Math.max(0, instant.epochSeconds * 1000 - clock.now());
  }
  run.saveDeferred({ phase: 'waiting', wakeAt: deadlineAfter(clock, delayMs) });
  return endJsonataWait(run);
}

/** A JSONata Wait once its instant is set: that instant until it comes, then its `Output` and `Assign`. */
function endJsonataWait(run: StateRun<WaitState>): StateWait | StateResult | Promise<StateResult> {
  const wakeAt = run.cursor.wakeAt ?? 0;
  if (!deadlineReached(run.engine.clock, wakeAt)) return { wakeAt };
  return run.exit(run.input, run.state.Next, false);
}

/**
 * The value a SecondsPath or TimestampPath selects.
 *
 * @throws StatesError `States.Runtime` when it selects nothing, as AWS words it: `The SecondsPath parameter
 * does not reference an input value: $.delay`.
 */
function readWaitPath(
  field: 'SecondsPath' | 'TimestampPath',
  path: string,
  input: unknown,
  context: ContextSource,
  variables: VariableReader,
): unknown {
  const lookup = tryReadPath(path, input, context, variables);
  if (lookup.found) return lookup.value;
  throw new StatesError(
    STATES_ERRORS.Runtime,
    `The ${field} parameter does not reference an input value: ${path}`,
  );
}

/**
 * The seconds a SecondsPath selected: an integer from 0 to 99999999, else `States.Runtime` with AWS's
 * cause (`The SecondsPath parameter references a negative value: $.delay == -1`, `... cannot be parsed as a
 * long value: $.delay == 1.5`).
 */
function pathSeconds(path: string, seconds: unknown): number {
  const fail = (reason: string) =>
    new StatesError(
      STATES_ERRORS.Runtime,
      `The SecondsPath parameter ${reason}: ${path} == ${describeValue(seconds)}`,
    );
  if (typeof seconds !== 'number' || !Number.isInteger(seconds))
    throw fail('cannot be parsed as a long value');
  if (seconds < 0) throw fail('references a negative value');
  if (seconds > MAX_WAIT_SECONDS) {
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `The SecondsPath parameter does not reference a valid integer from 0 to ${MAX_WAIT_SECONDS}: ${seconds}`,
    );
  }
  return seconds;
}

/** A selected value as AWS shows it after `path ==`: a string as is, anything else as JSON. */
function describeValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

/**
 * What a Task state works on and how long it may take (its effective input and its timeouts), and how it
 * records its success or failure.
 */
import { asStatesError, STATES_ERRORS, StatesError } from '../errors.ts';
import { readPath } from '../jsonpath.ts';
import { NOT_TRUNCATED, type PendingEvent } from '../pending-events.ts';
import { type StateRun, serializeWithinLimit } from '../state-run.ts';
import type { TaskState } from '../types.ts';

/**
 * The wall-clock deadline of `TimeoutSeconds` / `HeartbeatSeconds` (or their `...Path`: `seconds`), from
 * when the task was `scheduled` (its event's time, which the history shows).
 */
export function taskDeadline(
  run: StateRun<TaskState>,
  seconds: number | undefined,
  scheduled: PendingEvent,
): number | undefined {
  if (seconds === undefined) return undefined;
  return scheduled.timestamp + seconds * 1000 * run.engine.clock.scale;
}

/** What a task works on (its effective input), its timeouts, in seconds, and the role its `Credentials` name. */
export interface TaskFields {
  effective: unknown;
  timeoutInSeconds?: number;
  heartbeatSeconds?: number;
  /** TaskScheduled's (or LambdaFunctionScheduled's) `taskCredentials`, when the state has `Credentials`. */
  taskCredentials?: { roleArn: string };
}

/**
 * The task's fields: its effective input (kept in the cursor once the task is scheduled: `scheduled`) and
 * its timeouts. A JSONPath state's are read at once (so its events keep their order); a JSONata state's are
 * evaluated (`Arguments`, with `extraContext` in `$states.context`).
 */
export function taskFields(
  run: StateRun<TaskState>,
  scheduled: boolean,
  extraContext?: Record<string, unknown>,
): TaskFields | Promise<TaskFields> {
  if (run.jsonata) return evaluateTaskFields(run, scheduled, extraContext);
  const { Credentials } = run.state;
  return {
    heartbeatSeconds: secondsField(run, 'HeartbeatSeconds'),
    timeoutInSeconds: secondsField(run, 'TimeoutSeconds'),
    effective: scheduled ? run.cursor.effective : run.effectiveInput(run.state.Parameters, extraContext),
    ...(Credentials === undefined
      ? {}
      : { taskCredentials: roleOf(run.effectiveInput(Credentials, extraContext)) }),
  };
}

/**
 * The `taskCredentials` of a state's `Credentials` as they resolved (`{ RoleArn }`, the role the task
 * would assume on AWS; the local runtime records it and assumes nothing).
 */
function roleOf(credentials: unknown): { roleArn: string } {
  const roleArn = (credentials as { RoleArn?: unknown } | null)?.RoleArn;
  if (typeof roleArn !== 'string') {
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `Credentials RoleArn must give a role ARN string (got ${JSON.stringify(roleArn ?? null)})`,
    );
  }
  return { roleArn };
}

async function evaluateTaskFields(
  run: StateRun<TaskState>,
  scheduled: boolean,
  extraContext?: Record<string, unknown>,
): Promise<TaskFields> {
  const states = run.states(undefined, extraContext);
  const seconds = (field: 'TimeoutSeconds' | 'HeartbeatSeconds') => {
    const value = run.state[field];
    return value === undefined
      ? undefined
      : run.evaluateWithin(value, field, states, { integer: true, minimum: 1 });
  };
  const { Credentials } = run.state;
  return {
    heartbeatSeconds: await seconds('HeartbeatSeconds'),
    timeoutInSeconds: await seconds('TimeoutSeconds'),
    effective: scheduled ? run.cursor.effective : await run.evaluateArguments(extraContext),
    ...(Credentials === undefined
      ? {}
      : { taskCredentials: roleOf(await run.evaluate(Credentials, 'Credentials', states)) }),
  };
}

function secondsField(
  run: StateRun<TaskState>,
  field: 'TimeoutSeconds' | 'HeartbeatSeconds',
): number | undefined {
  const fixed = run.state[field];
  if (fixed !== undefined) return fixed as number;
  const path = run.state[`${field}Path`];
  if (path === undefined) return undefined;
  const value = readPath(path, run.input, run.contextSource(), run.frame);
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `${field}Path '${path}' must select a positive integer (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

/**
 * Records a task's `result` as its `succeededEvent`, with `details` and the result as output (`States.DataLimitExceeded`
 * beyond the payload limit, naming `source`); returns the result.
 *
 * @example
 * return recordTaskSuccess(run, 'ActivitySucceeded', result, activityArn);
 */
export function recordTaskSuccess(
  run: StateRun<TaskState>,
  succeededEvent: string,
  result: unknown,
  source: string,
  details: Record<string, unknown> = {},
): unknown {
  run.emit(succeededEvent, {
    ...details,
    output: serializeWithinLimit(result, source),
    outputDetails: NOT_TRUNCATED,
  });
  return result;
}

/**
 * Records a task's failure as its `timedOut` event (States.Timeout, States.HeartbeatTimeout) or its `failed`
 * event, with `details` and the error and cause; returns the error to throw. An aborted task records nothing
 * here (only its TaskStateAborted) and gets back what was thrown.
 *
 * @example
 * catch (thrown) { throw recordTaskFailure(run, thrown, ['ActivityTimedOut', 'ActivityFailed']); }
 */
export function recordTaskFailure(
  run: StateRun<TaskState>,
  thrown: unknown,
  [timedOutEvent, failedEvent]: readonly [timedOut: string, failed: string],
  details: Record<string, unknown> = {},
): unknown {
  if (run.signal.aborted) return thrown;
  const error = asStatesError(thrown);
  const timedOut = error.error === STATES_ERRORS.Timeout || error.error === STATES_ERRORS.HeartbeatTimeout;
  run.emit(timedOut ? timedOutEvent : failedEvent, {
    ...details,
    error: error.error,
    cause: error.causeText,
  });
  return error;
}

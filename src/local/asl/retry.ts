/**
 * Retry and Catch: which retrier or catcher of a state handles an error, and how long to wait before
 * the next attempt.
 */
import { HeartbeatTimeoutError, STATES_ERRORS, type StatesError } from './errors.ts';
import type { Catcher, ErrorHandling } from './types.ts';

/** What to do with a state's error. */
export type ErrorDecision =
  | { kind: 'retry'; retries: number[]; delayMs: number; retrier: number }
  | { kind: 'catch'; catcher: Catcher }
  /** `exhaustedRetrier`: the retrier that took the error but had no attempt left, if one did. */
  | { kind: 'fail'; exhaustedRetrier?: number };

/**
 * True when `ErrorEquals` names `error`. `States.ALL` matches any error but `States.Runtime`, also an
 * undefined one (a Fail state without `Error`) and `States.DataLimitExceeded`, as AWS-recorded histories show
 * (the error-handling guide calls the latter terminal); `States.TaskFailed`
 * matches the same except `States.Timeout`; `States.Timeout` also matches `States.HeartbeatTimeout`
 * (a missed heartbeat is a timeout), and a missed heartbeat (`heartbeat`, recorded as `States.Timeout`) is
 * matched by `States.HeartbeatTimeout` too; `States.Runtime` is never matched, even by name.
 */
export function errorMatches(
  errorEquals: readonly string[],
  error: string | undefined,
  heartbeat = false,
): boolean {
  if (error === STATES_ERRORS.Runtime) return false;
  if (error !== undefined && errorEquals.includes(error)) return true;
  if (heartbeat && errorEquals.includes(STATES_ERRORS.HeartbeatTimeout)) return true;
  if (error === STATES_ERRORS.HeartbeatTimeout && errorEquals.includes(STATES_ERRORS.Timeout)) return true;
  if (errorEquals.includes(STATES_ERRORS.ALL)) return true;
  return errorEquals.includes(STATES_ERRORS.TaskFailed) && error !== STATES_ERRORS.Timeout;
}

/**
 * Decides between a retry (the first retrier matching the error, if it has attempts left), the first
 * matching catcher, or failing. `retries` holds the attempts used per retrier; it is not changed.
 *
 * @example
 * decideOnError({ Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2 }] }, error, []);
 * // { kind: 'retry', retries: [1], delayMs: 1000, retrier: 0 }
 */
export function decideOnError(
  handling: ErrorHandling,
  error: StatesError,
  retries: readonly number[] = [],
  random: () => number = Math.random,
): ErrorDecision {
  const retriers = handling.Retry ?? [];
  const heartbeat = error instanceof HeartbeatTimeoutError;
  const index = retriers.findIndex((retrier) => errorMatches(retrier.ErrorEquals, error.error, heartbeat));
  if (index >= 0) {
    const retrier = retriers[index]!;
    const used = retries[index] ?? 0;
    if (used < (retrier.MaxAttempts ?? 3)) {
      const next = retriers.map((_, i) => retries[i] ?? 0);
      next[index] = used + 1;
      return { kind: 'retry', retries: next, delayMs: retryDelayMs(retrier, used, random), retrier: index };
    }
  }
  const catcher = (handling.Catch ?? []).find((candidate) =>
    errorMatches(candidate.ErrorEquals, error.error, heartbeat),
  );
  if (catcher) return { kind: 'catch', catcher };
  return index >= 0 ? { kind: 'fail', exhaustedRetrier: index } : { kind: 'fail' };
}

/**
 * The wait before retry number `attempt + 1`: `IntervalSeconds * BackoffRate^attempt`, capped by
 * `MaxDelaySeconds`, and with `JitterStrategy: FULL` a random share of it.
 */
export function retryDelayMs(
  retrier: {
    IntervalSeconds?: number;
    BackoffRate?: number;
    MaxDelaySeconds?: number;
    JitterStrategy?: string;
  },
  attempt: number,
  random: () => number = Math.random,
): number {
  let seconds = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** attempt;
  if (retrier.MaxDelaySeconds !== undefined) seconds = Math.min(seconds, retrier.MaxDelaySeconds);
  if (retrier.JitterStrategy === 'FULL') seconds = random() * seconds;
  return Math.round(seconds * 1000);
}

import { AnalysisFailedError, AnalysisInconclusiveError } from '../errors.ts';
import type { AnalysisResult } from '../types.ts';
import { measurementsText } from './judge.ts';

/** Counters the state machine carries between analyses (`$.analysis`). */
export interface AnalysisCounters {
  /** Failed analyses so far in this release. */
  readonly failures: number;
  /** Inconclusive analyses in a row. */
  readonly inconclusives: number;
}

/** How many bad results a release tolerates, from the request's `analysis` block. */
export interface AnalysisLimits {
  readonly failureLimit: number;
  readonly inconclusiveLimit: number;
  readonly onInconclusive: 'fail' | 'pause';
}

/**
 * What the state machine does next: go on, analyze again after `intervalSeconds`, ask a person, or bake
 * on to the next check (after a check during the bake).
 */
export type AnalysisAction = 'continue' | 'retry' | 'pause' | 'bake';

export const NO_ANALYSIS_YET: AnalysisCounters = { failures: 0, inconclusives: 0 };

/**
 * The next move after a verdict, with the updated counters. Throws `AnalysisFailedError` once
 * `failureLimit` analyses failed, and `AnalysisInconclusiveError` once more than `inconclusiveLimit`
 * analyses in a row were inconclusive and `onInconclusive` is `fail`; the message starts with `where` the
 * release was, when given, and ends with the deciding analysis's reason and measurements.
 *
 * @example
 * decide(judge(measured, thresholds), { failures: 0, inconclusives: 0 }, { failureLimit: 2, inconclusiveLimit: 1, onInconclusive: 'fail' });
 * // { action: 'retry', failures: 1, inconclusives: 0 } after a first failure
 */
export function decide(
  result: AnalysisResult,
  counters: AnalysisCounters,
  limits: AnalysisLimits,
  where?: string,
): AnalysisCounters & { action: AnalysisAction } {
  if (result.verdict === 'pass') return { action: 'continue', failures: counters.failures, inconclusives: 0 };
  if (result.verdict === 'fail')
    return { action: 'retry', failures: countFailure(result, counters, limits, '', where), inconclusives: 0 };
  const inconclusives = counters.inconclusives + 1;
  if (inconclusives <= limits.inconclusiveLimit)
    return { action: 'retry', failures: counters.failures, inconclusives };
  if (limits.onInconclusive === 'pause')
    return { action: 'pause', failures: counters.failures, inconclusives: 0 };
  throw new AnalysisInconclusiveError(
    `${whereText(where)}analysis inconclusive ${times(inconclusives)} in a row (inconclusiveLimit ${limits.inconclusiveLimit}): ${judged(result)}`,
  );
}

/**
 * How the message of an `AnalysisFailedError` says that a check (during a bake, or while a paused step
 * waits for a person) reached the limit.
 */
export const AT_A_CHECK = ', the last at a check';

/** What a check judges the traffic during: a bake, or a pause waiting for a person (a step's, a batch's, a window's). */
export type CheckedWait = 'bake' | 'pause';

/**
 * The next move after a check during a bake (or a pause): go on waiting. A failed check counts against
 * `failureLimit` as a failed analysis does (and throws `AnalysisFailedError` at the limit, ending the wait
 * early); a passed or inconclusive one changes no counter: a bake goes on collecting traffic for its final
 * analysis, a pause waits on for its answer.
 *
 * @example
 * decideDuringBake(failed, { failures: 0, inconclusives: 0 }, { failureLimit: 2, ... }); // { action: 'bake', failures: 1, inconclusives: 0 }
 */
export function decideDuringBake(
  result: AnalysisResult,
  counters: AnalysisCounters,
  limits: AnalysisLimits,
  during: CheckedWait = 'bake',
  where?: string,
): AnalysisCounters & { action: 'bake' } {
  const failures =
    result.verdict === 'fail'
      ? countFailure(result, counters, limits, `${AT_A_CHECK} during the ${during}`, where)
      : counters.failures;
  return { action: 'bake', failures, inconclusives: counters.inconclusives };
}

/**
 * The failures once a failed verdict is counted; throws `AnalysisFailedError` when that reaches the limit,
 * saying `when` the last failure came (after the limit) when it was not at a final analysis, and `where`.
 */
function countFailure(
  result: AnalysisResult,
  counters: AnalysisCounters,
  limits: AnalysisLimits,
  when: string,
  where: string | undefined,
): number {
  const failures = counters.failures + 1;
  if (failures >= limits.failureLimit) {
    throw new AnalysisFailedError(
      `${whereText(where)}analysis failed ${times(failures)} (failureLimit ${limits.failureLimit})${when}: ${judged(result)}`,
    );
  }
  return failures;
}

/** Where the release was when an analysis ended it, as the start of the message: `step 2 of 3 (canary 25%): `. */
function whereText(where: string | undefined): string {
  return where ? `${where}: ` : '';
}

/** A verdict's reason with its measurements: `errorRate 0.3 > 0.01 (requestCount=120 errorRate=0.3)`. */
function judged(result: AnalysisResult): string {
  const numbers = measurementsText(result.measurements);
  return numbers ? `${result.reason} (${numbers})` : result.reason;
}

/** A count of analyses as words: `once`, `2 times`. */
function times(count: number): string {
  return count === 1 ? 'once' : `${count} times`;
}

import type { AnalysisResult } from '../types.ts';

/** What the metric provider measured for the new track over the analysis window (`undefined` = no data). */
export interface Measurements {
  readonly requestCount: number | undefined;
  readonly errorRate: number | undefined;
  readonly latencyP99Ms?: number | undefined;
}

/** The limits a healthy track stays within (from the request's `analysis` block). */
export interface Thresholds {
  readonly maxErrorRate: number;
  /** Absent: latency is not judged. */
  readonly maxLatencyP99Ms?: number | undefined;
  /**
   * Fewer requests in the window: inconclusive, unless the errors counted already exceed `maxErrorRate` of
   * `minRequests` (see {@link judge}).
   */
  readonly minRequests: number;
}

/** The metrics {@link judge} reads, in the order an analysis asks them. */
export const JUDGED_METRICS = ['requestCount', 'errorRate', 'latencyP99Ms'] as const;

export type JudgedMetric = (typeof JUDGED_METRICS)[number];

/**
 * The metrics an analysis with these limits asks: `requestCount` and `errorRate`, and `latencyP99Ms` when a
 * latency limit is set.
 *
 * @example
 * judgedMetrics({ maxLatencyP99Ms: 500 }); // ['requestCount', 'errorRate', 'latencyP99Ms']
 */
export function judgedMetrics(limits: Pick<Thresholds, 'maxLatencyP99Ms'>): JudgedMetric[] {
  return JUDGED_METRICS.filter((metric) => metric !== 'latencyP99Ms' || limits.maxLatencyP99Ms !== undefined);
}

const hasData = (value: number | undefined): value is number => value !== undefined && Number.isFinite(value);

/**
 * Judges measurements against thresholds. Any limit exceeded -> `fail`; too few requests, or a judged
 * metric without data -> `inconclusive` (never `pass`); otherwise `pass`.
 *
 * Fewer requests than `minRequests` still fail when their errors alone already breach the limit: when
 * `errors / minRequests > maxErrorRate`, `errors` being `errorRate × requestCount` (a whole number when it
 * is one but for floating-point noise), the error rate would exceed `maxErrorRate` even if every request
 * still missing to reach `minRequests` succeeded — the comparison `judge` makes of an error rate measured
 * over exactly `minRequests` requests, so a count of errors at the limit (5 of 250 with 0.02) stays
 * inconclusive and one more fails. Latency is not judged below `minRequests`: a p99 over few requests says
 * nothing of the p99 over `minRequests`, and no provider counts the requests slower than the limit.
 *
 * @example
 * judge({ requestCount: 500, errorRate: 0.2 }, { maxErrorRate: 0.01, minRequests: 100 });
 * // { verdict: 'fail', reason: 'errorRate 0.2 > 0.01', measurements: { requestCount: 500, errorRate: 0.2 } }
 * judge({ requestCount: 97, errorRate: 20 / 97 }, { maxErrorRate: 0.01, minRequests: 250 });
 * // { verdict: 'fail', reason: 'errorRate: 20 errors in 97 requests already exceed 0.01 of minRequests 250 (errorRate 0.2062 > 0.01)', ... }
 */
export function judge(measured: Measurements, limits: Thresholds): AnalysisResult {
  const judgeLatency = limits.maxLatencyP99Ms !== undefined;
  const measurements = {
    requestCount: measured.requestCount ?? null,
    errorRate: measured.errorRate ?? null,
    ...(judgeLatency ? { latencyP99Ms: measured.latencyP99Ms ?? null } : {}),
  };
  const result = (verdict: AnalysisResult['verdict'], reason: string) => ({ verdict, reason, measurements });
  if (!hasData(measured.requestCount)) return result('inconclusive', 'no data for requestCount');
  if (measured.requestCount < limits.minRequests) {
    const alreadyFailed = errorsAlreadyOver(measured.requestCount, measured.errorRate, limits);
    if (alreadyFailed) return result('fail', alreadyFailed);
    return result(
      'inconclusive',
      `requestCount ${measured.requestCount} < minRequests ${limits.minRequests}`,
    );
  }
  const failures: string[] = [];
  const missing: string[] = [];
  if (!hasData(measured.errorRate)) missing.push('errorRate');
  else if (measured.errorRate > limits.maxErrorRate)
    failures.push(`errorRate ${rounded(measured.errorRate)} > ${limits.maxErrorRate}`);
  if (judgeLatency) {
    if (!hasData(measured.latencyP99Ms)) missing.push('latencyP99Ms');
    else if (measured.latencyP99Ms > limits.maxLatencyP99Ms!) {
      failures.push(`latencyP99Ms ${rounded(measured.latencyP99Ms)} > ${limits.maxLatencyP99Ms}`);
    }
  }
  if (failures.length > 0) return result('fail', failures.join('; '));
  if (missing.length > 0) return result('inconclusive', `no data for ${missing.join(', ')}`);
  return result('pass', 'all metrics within thresholds');
}

/**
 * Why fewer than `minRequests` requests already fail on their errors (`errorRate: 20 errors in 97 requests
 * already exceed 0.01 of minRequests 250 (errorRate 0.2062 > 0.01)`), or `undefined` while the requests
 * still missing could bring the error rate within `maxErrorRate` (or there is no error rate).
 */
function errorsAlreadyOver(
  requestCount: number,
  errorRate: number | undefined,
  { maxErrorRate, minRequests }: Thresholds,
): string | undefined {
  if (!hasData(errorRate)) return undefined;
  const errors = wholeIfNearly(errorRate * requestCount);
  if (!(errors / minRequests > maxErrorRate)) return undefined;
  const counted = errors === 1 ? '1 error' : `${rounded(errors)} errors`;
  return (
    `errorRate: ${counted} in ${rounded(requestCount)} requests already ${errors === 1 ? 'exceeds' : 'exceed'} ` +
    `${maxErrorRate} of minRequests ${minRequests} (errorRate ${rounded(errorRate)} > ${maxErrorRate})`
  );
}

/**
 * A count got back from a rate, as the whole number it is when only floating-point noise parts them
 * (`(7 / 50) * 50` is 7.000000000000001); a count that is not whole (Prometheus extrapolates) as it is.
 */
function wholeIfNearly(count: number): number {
  const whole = Math.round(count);
  return Math.abs(count - whole) <= 1e-9 * Math.max(1, whole) ? whole : count;
}

/**
 * Measurements as a person reads them, `requestCount=500 errorRate=0.2`: numbers with at most 4 decimals.
 */
export function measurementsText(measurements: object): string {
  return Object.entries(measurements)
    .map(([name, value]) => `${name}=${typeof value === 'number' ? rounded(value) : value}`)
    .join(' ');
}

/**
 * A reason that quotes its measurements at its end as {@link measurementsText} writes them (`errorRate 0.3 >
 * 0.01 (requestCount=120 errorRate=0.3)`), split into the reason before them and the measurements (numbers
 * with at most 4 decimals, `null` for no data; `{}` when it quotes none). How a reader gets back the numbers
 * of the analysis that ended a release, which its task's error carries in words.
 *
 * @example
 * unquoteMeasurements('errorRate 0.3 > 0.01 (requestCount=120 errorRate=0.3)');
 * // { reason: 'errorRate 0.3 > 0.01', measurements: { requestCount: 120, errorRate: 0.3 } }
 */
export function unquoteMeasurements(text: string): {
  reason: string;
  measurements: Record<string, number | null>;
} {
  const quoted = / \((\w+=\S+(?: \w+=\S+)*)\)$/.exec(text);
  if (!quoted) return { reason: text, measurements: {} };
  const pairs = quoted[1]!.split(' ').map((pair) => pair.split('=') as [string, string]);
  return {
    reason: text.slice(0, quoted.index),
    measurements: Object.fromEntries(
      pairs.map(([name, value]) => [name, value === 'null' ? null : Number(value)]),
    ),
  };
}

/** A measurement as a reason quotes it: at most 4 decimals (the measurements keep every digit). */
function rounded(value: number): number {
  return Number(value.toFixed(4));
}

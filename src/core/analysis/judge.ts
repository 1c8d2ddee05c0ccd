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
 * @example
 * judge({ requestCount: 500, errorRate: 0.2 }, { maxErrorRate: 0.01, minRequests: 100 });
 * // { verdict: 'fail', reason: 'errorRate 0.2 > 0.01', measurements: { requestCount: 500, errorRate: 0.2 } }
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

import type { MetricsConfig } from '../schemas/metrics.ts';
import type { AnalysisResult } from '../types.ts';
import { judge, judgedMetrics, type Thresholds } from './judge.ts';

/** The one metric an alarm gate (`metrics.type: cloudwatch-alarms`) answers: how many watched alarms are in ALARM. */
export const ALARMS_IN_ALARM = 'alarmsInAlarm';

/**
 * Judges an alarm gate as CodeDeploy's rollback-on-alarm: any alarm in ALARM -> `fail`, none -> `pass`,
 * no data (every alarm has insufficient data) -> `inconclusive`. The reason names the watched alarms.
 *
 * @example
 * judgeAlarms(1, ['checkout-5xx', 'checkout-p99']);
 * // { verdict: 'fail', reason: 'alarmsInAlarm 1 > 0 (watching checkout-5xx, checkout-p99)', measurements: { alarmsInAlarm: 1 } }
 */
export function judgeAlarms(
  alarmsInAlarm: number | undefined,
  alarmNames: readonly string[] = [],
): AnalysisResult {
  const watching = alarmNames.length > 0 ? ` (watching ${alarmNames.join(', ')})` : '';
  const measurements = { [ALARMS_IN_ALARM]: alarmsInAlarm ?? null };
  const result = (verdict: AnalysisResult['verdict'], reason: string) => ({
    verdict,
    reason: `${reason}${watching}`,
    measurements,
  });
  if (alarmsInAlarm === undefined || !Number.isFinite(alarmsInAlarm)) {
    return result('inconclusive', `no data for ${ALARMS_IN_ALARM}`);
  }
  if (alarmsInAlarm > 0) return result('fail', `${ALARMS_IN_ALARM} ${alarmsInAlarm} > 0`);
  return result('pass', 'no alarm in ALARM');
}

/** Reads one metric of the track under analysis over the window (`undefined` = no data). */
export type MetricReader = (metric: string) => Promise<number | undefined>;

/**
 * Measures and judges one analysis for the request's metric provider: an alarm gate asks only
 * `alarmsInAlarm` ({@link judgeAlarms}); every other provider is asked `requestCount`, `errorRate` and,
 * when a latency limit is set, `latencyP99Ms` ({@link judge}).
 *
 * @example
 * const result = await analyzeMetrics((metric) => metrics.query({ ...query, metric }), request.metrics, thresholds);
 */
export async function analyzeMetrics(
  read: MetricReader,
  config: MetricsConfig,
  thresholds: Thresholds,
): Promise<AnalysisResult> {
  if (config.type === 'cloudwatch-alarms') return judgeAlarms(await read(ALARMS_IN_ALARM), config.alarmNames);
  // In the order of JUDGED_METRICS; latencyP99Ms only with a latency limit.
  const [requestCount, errorRate, latencyP99Ms] = await Promise.all(
    judgedMetrics(thresholds).map((metric) => read(metric)),
  );
  return judge({ requestCount, errorRate, latencyP99Ms }, thresholds);
}

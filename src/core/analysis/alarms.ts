import type { AlarmGate, MetricProvider } from '../ports/metric-provider.ts';
import type { AnalysisResult, MetricQuery } from '../types.ts';
import { judge, judgedMetrics, type Thresholds } from './judge.ts';

/** The one metric an alarm gate (`metrics.type: cloudwatch-alarms`) answers: how many watched alarms are in ALARM. */
export const ALARMS_IN_ALARM = 'alarmsInAlarm';

/** An alarm gate answers `alarmsInAlarm`: the one test that tells it from other providers. */
const isAlarmGate = (metrics: MetricProvider): metrics is AlarmGate => 'alarmsInAlarm' in metrics;

/**
 * Judges an alarm gate as CodeDeploy's rollback-on-alarm: any alarm in ALARM -> `fail`, the reason naming
 * them; none -> `pass`. An alarm with insufficient data passes: one on a 5XX count has no data exactly while
 * the service answers without errors.
 *
 * @example
 * judgeAlarms(['checkout-5xx']);
 * // { verdict: 'fail', reason: 'alarmsInAlarm 1 > 0 (in ALARM: checkout-5xx)', measurements: { alarmsInAlarm: 1 } }
 */
export function judgeAlarms(inAlarm: readonly string[]): AnalysisResult {
  const measurements = { [ALARMS_IN_ALARM]: inAlarm.length };
  if (inAlarm.length === 0) return { verdict: 'pass', reason: 'no alarm in ALARM', measurements };
  return {
    verdict: 'fail',
    reason: `${ALARMS_IN_ALARM} ${inAlarm.length} > 0 (in ALARM: ${inAlarm.join(', ')})`,
    measurements,
  };
}

/**
 * Measures and judges one analysis of the track and window of `query`: an alarm gate is asked which alarms
 * are in ALARM ({@link judgeAlarms}); every other provider is asked `requestCount`, `errorRate` and, when a
 * latency limit is set, `latencyP99Ms` ({@link judge}).
 *
 * @example
 * const result = await analyzeMetrics(metrics, { service, track: 'canary', windowSeconds: 300 }, thresholds);
 */
export async function analyzeMetrics(
  metrics: MetricProvider,
  query: Omit<MetricQuery, 'metric'>,
  thresholds: Thresholds,
): Promise<AnalysisResult> {
  if (isAlarmGate(metrics)) return judgeAlarms(await metrics.alarmsInAlarm());
  // In the order of JUDGED_METRICS; latencyP99Ms only with a latency limit.
  const [requestCount, errorRate, latencyP99Ms] = await Promise.all(
    judgedMetrics(thresholds).map((metric) => metrics.query({ ...query, metric })),
  );
  return judge({ requestCount, errorRate, latencyP99Ms }, thresholds);
}

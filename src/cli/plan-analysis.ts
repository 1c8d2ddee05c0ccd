/**
 * The lines of `cutover plan` that say how a release's analyses judge it and what it does once they
 * passed: thresholds, limits, the promotion and the scale-down of the previous version.
 */
import type { CanaryRequest, MetricsConfig } from '#core/schemas/index.ts';

/** The `analysis` block of a request, defaults applied. */
export type AnalysisConfig = CanaryRequest['canary']['analysis'];

/** Labels of these lines are this wide (`thresholds`, `all at once`), values start after them. */
const label = (text: string) => text.padEnd(11);
/** The indent of the lines of a release's walk. */
const INDENT = '  ';

/** The `metrics` of a `cloudwatch-alarms` gate: only an alarm in ALARM fails it, nothing leaves it inconclusive. */
type AlarmGateConfig = Extract<MetricsConfig, { type: 'cloudwatch-alarms' }>;

const isAlarmGate = (metrics: MetricsConfig): metrics is AlarmGateConfig =>
  metrics.type === 'cloudwatch-alarms';

/**
 * What fails an analysis or leaves it inconclusive: the request's thresholds, or the alarms of a
 * `cloudwatch-alarms` gate, which fails on any of them in ALARM and is never inconclusive.
 */
function thresholdsLine(analysis: AnalysisConfig, metrics: MetricsConfig): string {
  if (isAlarmGate(metrics)) {
    return `${label('thresholds')}  fails when any of the CloudWatch alarms ${metrics.alarmNames.join(', ')} is in ALARM, never inconclusive`;
  }
  const { maxErrorRate, maxLatencyP99Ms, minRequests } = analysis;
  const judged = [
    `maxErrorRate ${maxErrorRate}`,
    ...(maxLatencyP99Ms === undefined ? [] : [`maxLatencyP99Ms ${maxLatencyP99Ms}`]),
    `minRequests ${minRequests}`,
    ...(maxLatencyP99Ms === undefined ? ['p99 latency not judged'] : []),
  ];
  return `${label('thresholds')}  ${judged.join(', ')}`;
}

/**
 * How many failed and inconclusive analyses a release tolerates, what an inconclusive one past its limit
 * does (a pause waits `pauseSeconds` for an answer), and the wait before a re-analysis. A gate, never
 * inconclusive, has only its failure limit.
 */
function limitsLine(analysis: AnalysisConfig, metrics: MetricsConfig, pauseSeconds: number): string {
  const inconclusive = isAlarmGate(metrics)
    ? []
    : [
        `inconclusiveLimit ${analysis.inconclusiveLimit}`,
        `onInconclusive ${onInconclusiveText(analysis, pauseSeconds)}`,
      ];
  const limits = [`failureLimit ${analysis.failureLimit}`, ...inconclusive];
  return `${label('limits')}  ${limits.join(', ')}; re-analysis after ${analysis.intervalSeconds}s`;
}

/**
 * What an inconclusive analysis past its limit does: a pause waits `pauseSeconds` for an answer, then
 * rolls back whatever `approval.onTimeout` says (nobody judged the track).
 */
function onInconclusiveText(analysis: AnalysisConfig, pauseSeconds: number): string {
  return analysis.onInconclusive === 'pause'
    ? `pause (waits for approve or reject, up to ${pauseSeconds}s, then rolls back)`
    : 'fail (roll back)';
}

/**
 * An analysis as two lines, each starting with `indent`: its thresholds, then its limits (a pause on an
 * inconclusive analysis waits `pauseSeconds` for an answer). A `cloudwatch-alarms` gate, never
 * inconclusive, has no inconclusive limit.
 *
 * @example
 * analysisLines(request.canary.analysis, request.metrics, 3600, '  ');
 * // ['  thresholds   maxErrorRate 0.05, maxLatencyP99Ms 500, minRequests 20',
 * //  '  limits       failureLimit 1, inconclusiveLimit 2, onInconclusive fail (roll back); re-analysis after 30s']
 */
export function analysisLines(
  analysis: AnalysisConfig,
  metrics: MetricsConfig,
  pauseSeconds: number,
  indent: string,
): string[] {
  return [thresholdsLine(analysis, metrics), limitsLine(analysis, metrics, pauseSeconds)].map(
    (line) => indent + line,
  );
}

/** A canary's promotion: the live track takes the version and all traffic. */
export function promoteLine(track: string, version: string): string {
  return `${INDENT}${label('promote')}  ${track} to ${version} at 100%`;
}

/**
 * A canary without steps (preset `AllAtOnce`, or a first release, `why`): no analysis, the promotion
 * moves all traffic at once.
 */
export function allAtOnceLine(version: string, why: string): string {
  return `${INDENT}${label('all at once')}  no steps and no analysis (${why}): the promotion sends 100% to ${version} at once`;
}

/** The previous version's track, scaled down once the new one has all traffic and its webhooks ran. */
export function scaleDownLine(track: string, delaySeconds: number): string {
  const when = delaySeconds > 0 ? `after ${delaySeconds}s (scaleDownDelaySeconds)` : 'at once';
  return `${INDENT}${label('scale down')}  ${track} ${when}`;
}

export { ALARMS_IN_ALARM, analyzeMetrics, judgeAlarms } from './alarms.ts';
export {
  type AnalysisAction,
  type AnalysisCounters,
  type AnalysisLimits,
  AT_A_CHECK,
  type CheckedWait,
  decide,
  decideDuringBake,
  NO_ANALYSIS_YET,
} from './decide.ts';
export {
  JUDGED_METRICS,
  type JudgedMetric,
  judge,
  judgedMetrics,
  type Measurements,
  measurementsText,
  type Thresholds,
  unquoteMeasurements,
} from './judge.ts';
export { analysisWindowSeconds, publishedUntil } from './window.ts';

export {
  type AnalysisAction,
  type AnalysisCounters,
  type AnalysisLimits,
  decide,
  NO_ANALYSIS_YET,
} from './decide.ts';
export { judge, type Measurements, type Thresholds } from './judge.ts';
export { analysisWindowSeconds } from './window.ts';

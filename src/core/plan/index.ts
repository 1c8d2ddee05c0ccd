export {
  afterCheck,
  BAKE_CHECKED,
  type BakeProgress,
  type BakeSchedule,
  bakeSchedule,
  checkIntervalSeconds,
} from './bake.ts';
export {
  buildDatabaseMigrationPlan,
  type DatabaseMigrationPlan,
  type DatabaseMigrationStep,
  type PollLoop,
  type SourceTable,
  type TransitionTerm,
} from './database-migration.ts';
export {
  analyzedTracks,
  buildPlan,
  type CurrentState,
  chooseTracks,
  fullSizeReplicas,
  isFirstRelease,
  type Plan,
  type PlanStep,
  type PlanWindow,
  POLL_INTERVAL_SECONDS,
  promotedTrack,
  routedTracks,
  transitionCostUsd,
  USD_PER_STATE_TRANSITION,
} from './plan.ts';
export {
  type CountOrPercent,
  type RollingBatch,
  type RollingBounds,
  rollingBatches,
  rollingBounds,
} from './rolling.ts';
export {
  heaviestTrack,
  isValidWeights,
  proportionalWeights,
  sameWeights,
  splitWeights,
  type TrackPair,
} from './weights.ts';

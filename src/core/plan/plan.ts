import { ValidationError } from '../errors.ts';
import {
  HISTORY_LIMIT_REASON,
  MAX_BAKE_CHECKS,
  MAX_PAUSE_CHECKS,
  MAX_PLANNED_TRANSITIONS,
} from '../history-limit.ts';
// From common.ts, not index.ts: admission builds plans, and the schemas' index loads admission.
import { type ApprovalTimeoutAction, HOOK_PHASES } from '../schemas/common.ts';
import type {
  BlueGreenRequest,
  CanaryRequest,
  HookPhase,
  RequestOf,
  RollingRequest,
  Strategy,
} from '../schemas/index.ts';
import { TRACK_NAMES } from '../strategies.ts';
import type { Weights } from '../types.ts';
import { type BakeSchedule, bakeSchedule, checkIntervalSeconds } from './bake.ts';
import { rollingBatches, rollingBounds } from './rolling.ts';
import { heaviestTrack, proportionalWeights, splitWeights, type TrackPair } from './weights.ts';

/** Seconds between two rollout checks of the Wait/CheckRollout/Choice loop. */
export const POLL_INTERVAL_SECONDS = 5;

/** AWS Step Functions Standard Workflows price per state transition (USD 0.025 per 1,000). */
export const USD_PER_STATE_TRANSITION = 0.025 / 1000;

/**
 * The AWS cost of `transitions` state transitions, in USD rounded to 6 decimals.
 *
 * @example
 * transitionCostUsd(34); // 0.00085
 */
export function transitionCostUsd(transitions: number): number {
  return Number((transitions * USD_PER_STATE_TRANSITION).toFixed(6));
}

/** One step the state machine walks: a canary weight, or a rolling batch. */
export interface PlanStep {
  /** The traffic split once the step is applied. */
  readonly weights: Weights;
  readonly bakeSeconds: number;
  /** The metrics window of the step's analysis. */
  readonly windowSeconds: number;
  /** The checks during the bake, which fail fast; none when the step has nothing to judge. */
  readonly bake: BakeSchedule;
  /** False when the step has nothing to judge (no analysis configured, or no new replicas yet). */
  readonly analyze: boolean;
  /** Canary only: once the step passed its analysis, a person approves before the next step. */
  readonly pause: boolean;
  /**
   * Canary only, with `pause`: the stage the pause's approval names, `after step 1 of 3`, or `promote` for
   * the approval before promotion (the last step's pause, with an `approval` block).
   */
  readonly pauseStage?: string;
  /**
   * The checks of the new track while the step waits for a person, over the approval's `timeoutSeconds` (an
   * answer ends them): a canary step with `pause`, and any analyzed step whose analysis pauses on an
   * inconclusive verdict (`onInconclusive: pause`).
   */
  readonly pauseChecks?: BakeSchedule;
  /** Rolling only: replicas of the new and old tracks once the batch is done. */
  readonly newReplicas?: number;
  readonly oldReplicas?: number;
}

/** An optional analysis window (blue-green preview and post-switch). */
export interface PlanWindow {
  readonly enabled: boolean;
  readonly bakeSeconds: number;
  readonly windowSeconds: number;
  /** The checks during the bake, which fail fast. */
  readonly bake: BakeSchedule;
  /**
   * The checks while an inconclusive analysis of the window waits for a person (`onInconclusive: pause`),
   * over the approval's timeout; post-switch only, where every user is on the new track.
   */
  readonly pauseChecks?: BakeSchedule;
}

/**
 * The walk the state machine takes: the request's steps resolved against the current state. Only
 * counts, weights and flags: the state machine's Choice states read it, the handlers get their data
 * from the request.
 */
export interface Plan {
  readonly strategy: Strategy;
  readonly tracks: TrackPair;
  /**
   * No track serves traffic yet: the release goes straight to 100% on its track, without steps, bakes,
   * analysis, approval or scale-down delay (as Argo Rollouts does for a first rollout).
   */
  readonly firstRelease: boolean;
  /** How long the previous version keeps running after the switch: the request's, 0 for a first release. */
  readonly scaleDownDelaySeconds: number;
  readonly pollIntervalSeconds: number;
  /** Rollout checks before RolloutDeadlineExceeded: progressDeadlineSeconds / pollIntervalSeconds. */
  readonly maxPollAttempts: number;
  readonly steps: readonly PlanStep[];
  readonly stepCount: number;
  readonly approval: {
    readonly required: boolean;
    readonly timeoutSeconds: number;
    /**
     * The most times the release may wait for a person, each up to `timeoutSeconds`: the approval before
     * promotion, the canary steps with `pause`, and a pause per analysis with `onInconclusive: pause`.
     */
    readonly maxWaits: number;
    /** Of {@link maxWaits}, the pauses that happen only when an analysis is inconclusive. */
    readonly inconclusiveWaits: number;
    /**
     * What an unanswered approval before promotion, or pause after a canary step, leads to once
     * `timeoutSeconds` passed: `rollback` (ApprovalTimedOut) or `continue`. A pause on an inconclusive
     * analysis always rolls back: nobody judged that track.
     */
    readonly onTimeout: ApprovalTimeoutAction;
  };
  /**
   * Webhooks run before the new track takes traffic and once it has all of it (none on a first release):
   * how many of each phase (what the state machines test) and their names, in the order they run.
   */
  readonly hooks: {
    readonly beforeTraffic: number;
    readonly afterTraffic: number;
    readonly names: { readonly [phase in HookPhase]: readonly string[] };
  };
  /** Blue-green only. */
  readonly preview?: PlanWindow;
  readonly postSwitch?: PlanWindow;
  readonly expectedDurationSeconds: number;
  /** State transitions when every rollout is ready at the first check and every analysis passes. */
  readonly stateTransitions: number;
  readonly estimatedCostUsd: number;
}

/** What the release starts from: the router's weights and the live track's replicas. */
export interface CurrentState {
  readonly weights: Weights;
  readonly liveReplicas: number;
}

/**
 * The release's replicas at full size: `release.replicas`, or as many as the live track runs (at least 1:
 * a first release, or a live track scaled to nothing); 1 when the live track is not known.
 */
export function fullSizeReplicas(release: { replicas?: number }, liveReplicas = 1): number {
  return release.replicas ?? Math.max(1, liveReplicas);
}

/** True when no track of the service receives traffic: nothing is released yet. */
export function isFirstRelease(weights: Weights): boolean {
  return heaviestTrack(weights, Object.keys(weights)) === undefined;
}

/**
 * The tracks a release sends traffic to: its live and next tracks; only the live one for a canary whose
 * steps give the canary track no weight (preset AllAtOnce: Promote moves the stable track to the new
 * release); on a first release the one that takes it all (canary: the stable track, its `live`;
 * blue-green and rolling: the `next` one).
 */
export function routedTracks(plan: Pick<Plan, 'strategy' | 'tracks' | 'firstRelease' | 'steps'>): string[] {
  const { live, next } = plan.tracks;
  if (plan.firstRelease) return [promotedTrack(plan)];
  const weightsNext = plan.steps.some((step) => (step.weights[next] ?? 0) > 0);
  return plan.strategy === 'canary' && !weightsNext ? [live] : [live, next];
}

/**
 * The track a release leaves with all traffic once it succeeds: a canary's live track, which Promote moves
 * to the new version (the canary track is cleaned up); a blue-green or rolling release's next track (the
 * previous colour is scaled down or removed).
 *
 * @example
 * promotedTrack({ strategy: 'blue-green', tracks: { live: 'blue', next: 'green' } }); // 'green'
 */
export function promotedTrack(plan: Pick<Plan, 'strategy' | 'tracks'>): string {
  return plan.strategy === 'canary' ? plan.tracks.live : plan.tracks.next;
}

/** The tracks the release's analyses query: the next track when any step or window is judged, else none. */
export function analyzedTracks(plan: Plan): string[] {
  const judged = plan.steps.some((step) => step.analyze) || plan.preview?.enabled || plan.postSwitch?.enabled;
  return judged ? [plan.tracks.next] : [];
}

/**
 * The live and next tracks. The live track is the one with the most traffic, whatever its name (a canary
 * after a blue-green release keeps `green` as its stable track); the next one is the strategy's track
 * that is not live (`canary`, or the other colour). With no traffic: `stable`/`canary`, or `blue`/`green`.
 *
 * @example
 * chooseTracks('blue-green', { stable: 100, canary: 0 }); // { live: 'stable', next: 'blue' }
 * chooseTracks('canary', { blue: 0, green: 100 }); // { live: 'green', next: 'canary' }
 */
export function chooseTracks(strategy: Strategy, weights: Weights): TrackPair {
  const [first, second] = TRACK_NAMES[strategy];
  const live = heaviestTrack(weights, Object.keys(weights));
  if (live === undefined) return { live: first, next: second };
  const candidates = strategy === 'canary' ? [second, first] : [first, second];
  return { live, next: candidates.find((track) => track !== live)! };
}

/**
 * Builds the plan of a normalized request. Without `current`, assumes the live track serves all traffic
 * with `release.replicas` replicas, 1 when the request leaves them out (what `cutover plan` shows before
 * looking at the cluster).
 *
 * @example
 * const plan = buildPlan('canary', validateRequest('canary', input));
 * console.log(plan.stepCount, plan.expectedDurationSeconds, plan.estimatedCostUsd);
 */
export function buildPlan<S extends Strategy>(
  strategy: S,
  request: RequestOf[S],
  current?: CurrentState,
): Plan {
  const plan = unlimitedPlan(strategy, request, current);
  const issue = historyLimitIssue(strategy, plan);
  if (issue)
    throw new ValidationError(`invalid ${strategy} request:\n  - ${issue.path.join('.')}: ${issue.message}`);
  return plan;
}

/** A request's problem as validation reports it: the field's path and what is wrong. */
export interface RequestIssue {
  readonly path: readonly string[];
  readonly message: string;
}

/**
 * The issue of a request whose planned path, as {@link buildPlan} builds it, takes more than
 * {@link MAX_PLANNED_TRANSITIONS}: a canary with that many steps, or a rolling release with that many
 * batches (a blue-green path is short and fixed); `undefined` when it fits. For admission, which refuses
 * such a request before a release starts.
 *
 * @example
 * const issue = plannedTransitionsIssue('canary', request); // { path: ['canary', 'steps'], message: '...' }
 */
export function plannedTransitionsIssue<S extends Strategy>(
  strategy: S,
  request: RequestOf[S],
): RequestIssue | undefined {
  return historyLimitIssue(strategy, unlimitedPlan(strategy, request));
}

/** The plan of a request, however many transitions its path takes. */
function unlimitedPlan<S extends Strategy>(strategy: S, request: RequestOf[S], current?: CurrentState): Plan {
  const tracks = chooseTracks(strategy, current?.weights ?? {});
  const firstRelease = current !== undefined && isFirstRelease(current.weights);
  const base = {
    strategy,
    tracks,
    firstRelease,
    scaleDownDelaySeconds: firstRelease || strategy === 'rolling' ? 0 : request.scaleDownDelaySeconds,
    pollIntervalSeconds: POLL_INTERVAL_SECONDS,
    maxPollAttempts: Math.ceil(request.progressDeadlineSeconds / POLL_INTERVAL_SECONDS),
  };
  const replicas = fullSizeReplicas(request.release, current?.liveReplicas);
  const liveReplicas = current?.liveReplicas ?? replicas;
  const shape = firstRelease
    ? firstReleaseShape(strategy, tracks, replicas)
    : strategy === 'canary'
      ? canaryShape(request as CanaryRequest, tracks)
      : strategy === 'blue-green'
        ? blueGreenShape(request as BlueGreenRequest)
        : rollingShape(request as RollingRequest, tracks, { desired: replicas, live: liveReplicas });
  const hookNames = (phase: HookPhase) =>
    firstRelease ? [] : (request.hooks?.[phase]?.map((hook) => hook.name) ?? []);
  const names = { beforeTraffic: hookNames('beforeTraffic'), afterTraffic: hookNames('afterTraffic') };
  const hookTasks = HOOK_PHASES.filter((phase) => names[phase].length > 0).length;
  // Every release enters HasAfterTrafficHooks once, and a RunHooks task per phase that has webhooks.
  const stateTransitions = shape.transitions + 1 + hookTasks;
  return {
    ...base,
    steps: shape.steps,
    stepCount: shape.steps.length,
    approval: shape.approval,
    hooks: {
      beforeTraffic: names.beforeTraffic.length,
      afterTraffic: names.afterTraffic.length,
      names,
    },
    ...(shape.windows ?? {}),
    expectedDurationSeconds: shape.seconds + shape.rollouts * POLL_INTERVAL_SECONDS,
    stateTransitions,
    estimatedCostUsd: transitionCostUsd(stateTransitions),
  };
}

/** The issue of a plan whose own path already takes more than {@link MAX_PLANNED_TRANSITIONS}, naming the field to change. */
function historyLimitIssue(strategy: Strategy, { stateTransitions }: Plan): RequestIssue | undefined {
  if (stateTransitions <= MAX_PLANNED_TRANSITIONS) return undefined;
  const [path, advice]: [string[], string] =
    strategy === 'canary'
      ? [['canary', 'steps'], 'use fewer steps']
      : [['rolling', 'maxSurge'], 'raise maxSurge or maxUnavailable for fewer, larger batches'];
  return {
    path,
    message:
      `the release takes ${stateTransitions.toLocaleString('en-US')} state transitions before any rollout ` +
      `check or re-analysis, over ${MAX_PLANNED_TRANSITIONS.toLocaleString('en-US')}, ${HISTORY_LIMIT_REASON}: ${advice}`,
  };
}

interface Shape {
  steps: PlanStep[];
  approval: Plan['approval'];
  windows?: { preview: PlanWindow; postSwitch: PlanWindow };
  /** Waiting time besides the rollout checks. */
  seconds: number;
  /** Rollout loops entered (each takes at least one poll interval). */
  rollouts: number;
  transitions: number;
}

// The timeout also bounds a pause on inconclusive analysis when no approval is configured.
const NO_APPROVAL = {
  required: false,
  timeoutSeconds: 3600,
  maxWaits: 0,
  inconclusiveWaits: 0,
  onTimeout: 'rollback',
} as const;
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/**
 * The approval of a release, which may also wait for a person at `pauses` (canary steps with `pause`) and
 * at `inconclusive` analyses (with `onInconclusive: pause`); `required` unless a pause already asks it (a
 * canary's last step with `pause`).
 */
function approvalOf(
  approval: { timeoutSeconds: number; onTimeout: ApprovalTimeoutAction } | undefined,
  { pauses = 0, inconclusive }: { readonly pauses?: number; readonly inconclusive: number },
  required = approval !== undefined,
): Plan['approval'] {
  const { timeoutSeconds, onTimeout } = approval ?? NO_APPROVAL;
  const maxWaits = (required ? 1 : 0) + pauses + inconclusive;
  return { required, timeoutSeconds, maxWaits, inconclusiveWaits: inconclusive, onTimeout };
}

/** How many of `analyses` may pause for a person: those with `onInconclusive: pause`, once each. */
function inconclusivePauses(analyses: readonly ({ onInconclusive: string } | undefined)[]): number {
  return analyses.filter((analysis) => analysis?.onInconclusive === 'pause').length;
}

// Transition counts follow the state names of statemachines/<strategy>.asl.json.
function canaryShape(request: CanaryRequest, tracks: TrackPair): Shape {
  const { analysis, approval } = request.canary;
  const windows = request.canary.steps.map((step) =>
    analysisWindow(step.bakeSeconds, analysis.intervalSeconds),
  );
  const checkSeconds = checkIntervalSeconds(analysis.intervalSeconds, windows, request.metrics.type);
  const { timeoutSeconds: pauseSeconds } = approval ?? NO_APPROVAL;
  // The approval before promotion is the pause after the last step, with the canary at its last weight:
  // checked as any pause, since users are on it. Without steps, it waits with no user on the canary.
  const last = request.canary.steps.length - 1;
  const pausesAfter = (step: { pause?: boolean }, index: number) =>
    step.pause === true || (approval !== undefined && index === last);
  const paused = request.canary.steps.filter(pausesAfter).length;
  const pausesInconclusive = analysis.onInconclusive === 'pause';
  // A step pauses once at most: an answer to a pause on an inconclusive analysis goes on past its `pause`.
  const pauses = pausesInconclusive ? request.canary.steps.length : paused;
  const pauseChecks = pauseChecksOf(analysis.intervalSeconds, pauses, request.metrics.type, pauseSeconds);
  const steps = request.canary.steps.map((step, index) => ({
    weights: splitWeights(tracks, step.weight),
    bakeSeconds: windows[index]!,
    windowSeconds: windows[index]!,
    analyze: true,
    pause: pausesAfter(step, index),
    ...(pausesAfter(step, index) ? { pauseStage: pauseStageOf(index, last, approval !== undefined) } : {}),
    bake: bakeSchedule(windows[index]!, checkSeconds),
    ...(pausesAfter(step, index) || pausesInconclusive ? { pauseChecks } : {}),
  }));
  // The pause after the last step is the wait before promotion: the approval does not ask again.
  const asked = approval !== undefined && !steps.at(-1)?.pause;
  // Validate, Backup, NotifyStarted, IsFirstRelease, Deploy + poll (3); per step 8 (+6 paused: the pause,
  // its answer and the start of its checks) and 3 per check during its bake; HasNextStep, NeedsApproval,
  // [RequestApproval]; DeployStable + poll (3), Promote, ScaleDownDelay, Cleanup, NotifySucceeded, Unlock,
  // Succeeded
  const transitions = 8 + 8 * steps.length + 6 * paused + 3 * bakeChecks(steps) + 2 + (asked ? 1 : 0) + 4 + 6;
  const seconds = sum(steps.map((step) => step.bakeSeconds)) + request.scaleDownDelaySeconds;
  const waits = { pauses: paused, inconclusive: inconclusivePauses(steps.map(() => analysis)) };
  return { steps, approval: approvalOf(approval, waits, asked), seconds, rollouts: 2, transitions };
}

/** The stage of the pause after canary step `index`: the approval before promotion after the `last`, with one. */
function pauseStageOf(index: number, last: number, approval: boolean): string {
  return approval && index === last ? 'promote' : `after step ${index + 1} of ${last + 1}`;
}

/** Checks during all the bakes of steps or windows. */
function bakeChecks(bakes: readonly { bake: BakeSchedule }[]): number {
  return sum(bakes.map(({ bake }) => bake.checks));
}

const NO_WINDOW: PlanWindow = { enabled: false, bakeSeconds: 0, windowSeconds: 0, bake: bakeSchedule(0) };

/**
 * A first release: the new track at full size with all traffic. Canary deploys the live (stable) track
 * directly and promotes it; blue-green switches to the next colour without preview, approval or
 * post-switch analysis; rolling is one batch to full size, not analyzed.
 */
function firstReleaseShape(strategy: Strategy, tracks: TrackPair, replicas: number): Shape {
  const base = { approval: NO_APPROVAL, seconds: 0, rollouts: 1 };
  if (strategy === 'canary') {
    // Validate, Backup, NotifyStarted, IsFirstRelease; DeployStable + poll (3), Promote, ScaleDownDelay,
    // Cleanup, NotifySucceeded, Unlock, Succeeded
    return { ...base, steps: [], transitions: 4 + 4 + 6 };
  }
  if (strategy === 'blue-green') {
    // Validate, Backup, NotifyStarted, Deploy + poll (3), HasPreview, NeedsApproval, Switch, HasPostSwitch,
    // ScaleDownDelay, ScaleDownOld, NotifySucceeded, Unlock, Succeeded
    return { ...base, steps: [], windows: { preview: NO_WINDOW, postSwitch: NO_WINDOW }, transitions: 16 };
  }
  const step: PlanStep = {
    weights: splitWeights(tracks, 100),
    bakeSeconds: 0,
    windowSeconds: 1,
    analyze: false,
    pause: false,
    bake: bakeSchedule(0),
    newReplicas: replicas,
    oldReplicas: 0,
  };
  // Validate, Backup, NotifyStarted; one batch of 12; HasNextBatch; Cleanup, NotifySucceeded, Unlock, Succeeded
  return { ...base, steps: [step], transitions: 3 + 12 + 1 + 4 };
}

type AnalyzedWindow = { bakeSeconds: number; analysis: { intervalSeconds: number } };

/**
 * A blue-green window, its bake checked every analysis interval (longer when the `provider` has longer
 * periods, or the bake is long: each of the two windows has half the release's checks, so a long preview
 * takes none from the post-switch window, where all the users are).
 */
function windowOf(
  window: AnalyzedWindow | undefined,
  provider: BlueGreenRequest['metrics']['type'],
): PlanWindow {
  if (!window) return NO_WINDOW;
  const windowSeconds = analysisWindow(window.bakeSeconds, window.analysis.intervalSeconds);
  const { intervalSeconds } = window.analysis;
  const interval = checkIntervalSeconds(intervalSeconds, [windowSeconds], provider, MAX_BAKE_CHECKS / 2);
  const bake = bakeSchedule(windowSeconds, interval);
  return { enabled: true, bakeSeconds: windowSeconds, windowSeconds, bake };
}

/**
 * `window` with its {@link PlanWindow.pauseChecks} when its analysis pauses on an inconclusive verdict: a
 * check every analysis interval (longer for a long timeout) while the pause waits up to `pauseSeconds`.
 */
function withPauseChecks(
  window: PlanWindow,
  analysis: { intervalSeconds: number; onInconclusive: string } | undefined,
  pauseSeconds: number,
  provider: BlueGreenRequest['metrics']['type'],
): PlanWindow {
  if (!window.enabled || analysis?.onInconclusive !== 'pause') return window;
  return {
    ...window,
    pauseChecks: pauseChecksOf(analysis.intervalSeconds, 1, provider, pauseSeconds),
  };
}

/**
 * The checks of a pause for a person (one of up to `pauses` a release may make, each waiting up to
 * `pauseSeconds`): every analysis interval, longer when the pauses together would take more than
 * {@link MAX_PAUSE_CHECKS}.
 */
function pauseChecksOf(
  intervalSeconds: number,
  pauses: number,
  provider: BlueGreenRequest['metrics']['type'],
  pauseSeconds: number = NO_APPROVAL.timeoutSeconds,
): BakeSchedule {
  const interval = checkIntervalSeconds(
    intervalSeconds,
    Array(pauses).fill(pauseSeconds),
    provider,
    MAX_PAUSE_CHECKS,
  );
  return bakeSchedule(pauseSeconds, interval);
}

/**
 * The traffic an analysis judges: the bake, or one analysis interval without one. An analyzed step or
 * window waits that long before its first analysis (a bake of 0 would judge the moment of the shift).
 */
function analysisWindow(bakeSeconds: number, intervalSeconds: number): number {
  return bakeSeconds > 0 ? bakeSeconds : intervalSeconds;
}

function blueGreenShape(request: BlueGreenRequest): Shape {
  const { approval } = request.blueGreen;
  const preview = windowOf(request.blueGreen.preview, request.metrics.type);
  const postSwitch = withPauseChecks(
    windowOf(request.blueGreen.postSwitch, request.metrics.type),
    request.blueGreen.postSwitch?.analysis,
    (approval ?? NO_APPROVAL).timeoutSeconds,
    request.metrics.type,
  );
  // Validate, Backup, NotifyStarted, Deploy + poll (3); HasPreview [+4: StartPreviewBake, bake, analysis,
  // judge]; NeedsApproval [+1]; Switch; HasPostSwitch [+4: StartPostSwitchAnalysis, bake, analysis, judge];
  // 3 per check during a bake; ScaleDownDelay, ScaleDownOld, NotifySucceeded, Unlock, Succeeded
  const transitions =
    7 +
    1 +
    (preview.enabled ? 4 : 0) +
    1 +
    (approval ? 1 : 0) +
    1 +
    1 +
    (postSwitch.enabled ? 4 : 0) +
    3 * bakeChecks([preview, postSwitch]) +
    5;
  const seconds = preview.bakeSeconds + postSwitch.bakeSeconds + request.scaleDownDelaySeconds;
  const analyses = [request.blueGreen.preview?.analysis, request.blueGreen.postSwitch?.analysis];
  return {
    steps: [],
    approval: approvalOf(approval, { inconclusive: inconclusivePauses(analyses) }),
    windows: { preview, postSwitch },
    seconds,
    rollouts: 1,
    transitions,
  };
}

function rollingShape(
  request: RollingRequest,
  tracks: TrackPair,
  replicas: { desired: number; live: number },
): Shape {
  const { maxSurge, maxUnavailable, bakeSeconds, analysis } = request.rolling;
  const { desired, live } = replicas;
  const batches = rollingBatches(desired, live, rollingBounds(desired, maxSurge, maxUnavailable));
  // A batch that starts no new replica (the first one without a surge only makes room) has nothing to bake.
  const windowSeconds = analysisWindow(bakeSeconds, analysis?.intervalSeconds ?? 30);
  const judged = batches.filter(({ newReplicas }) => analysis !== undefined && newReplicas > 0);
  const checkSeconds = analysis
    ? checkIntervalSeconds(
        analysis.intervalSeconds,
        judged.map(() => windowSeconds),
        request.metrics.type,
      )
    : undefined;
  const pauseChecks =
    analysis?.onInconclusive === 'pause'
      ? pauseChecksOf(analysis.intervalSeconds, judged.length, request.metrics.type)
      : undefined;
  const steps = batches.map(({ newReplicas, oldReplicas }) => {
    const analyze = analysis !== undefined && newReplicas > 0;
    const batchBake = analyze ? windowSeconds : newReplicas > 0 ? bakeSeconds : 0;
    return {
      weights: proportionalWeights({ [tracks.next]: newReplicas, [tracks.live]: oldReplicas }),
      bakeSeconds: batchBake,
      windowSeconds,
      analyze,
      pause: false,
      bake: bakeSchedule(batchBake, analyze ? checkSeconds : undefined),
      ...(analyze && pauseChecks ? { pauseChecks } : {}),
      newReplicas,
      oldReplicas,
    };
  });
  // Validate, Backup, NotifyStarted; per batch 12 (+2 analyzed) and 4 per check during its bake (the bake,
  // ShouldAnalyze, the analysis, the judge); HasNextBatch; Cleanup, NotifySucceeded, Unlock, Succeeded
  const transitions = 3 + 12 * steps.length + 2 * judged.length + 4 * bakeChecks(steps) + 1 + 4;
  const seconds = sum(steps.map((step) => step.bakeSeconds));
  const waits = { inconclusive: inconclusivePauses(judged.map(() => analysis)) };
  return { steps, approval: approvalOf(undefined, waits), seconds, rollouts: steps.length, transitions };
}

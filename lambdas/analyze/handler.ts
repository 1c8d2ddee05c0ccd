import * as z from 'zod';
import {
  analysisWindowSeconds,
  analyzeMetrics,
  decide,
  decideDuringBake,
  publishedUntil,
} from '#core/analysis/index.ts';
import { LOCAL_DATA_DIR_FLAG_VARIABLE } from '#core/cli-flags.ts';
import { afterCheck, BAKE_CHECKED } from '#core/plan/index.ts';
import { previewTrafficText } from '#core/preview-traffic.ts';
import { analysisSchema } from '#core/schemas/common.ts';
import type { DeploymentRequest } from '#core/schemas/index.ts';
import type { AnalysisResult } from '#core/types.ts';
import { dependencies, metricsFamily } from '#lambdas/shared/dependencies.ts';
import { logger, taskHandler, weightsSchema } from '#lambdas/shared/task-handler.ts';

const counter = z.number().int().min(0);
const seconds = z.number().int().min(0);

/**
 * Analyze: queries the metric provider for `track` over the window (an alarm gate for the alarms in ALARM,
 * any other provider for requestCount / errorRate / latencyP99Ms) — cut to the seconds since
 * `shiftedAt`, when the weights it judges took effect, and ending where the provider's published data ends
 * (inconclusive while it has published nothing since the shift) — judges the numbers against the thresholds and
 * decides with the carried counters. Returns `{ verdict, reason, measurements, failures,
 * inconclusives, action, bake }` (`continue | retry | pause | bake`); throws `AnalysisFailed` /
 * `AnalysisInconclusive` at the limits.
 *
 * While `bake` has checks left, this is a check during the bake: it judges the traffic since the check
 * before (`bake.checkedAt`) or the shift, at most `bake.waitSeconds` of it, and bakes on (`action: 'bake'`,
 * the next `bake`), failing fast when a failed check reaches `failureLimit`; `schedule` is the bake's plan.
 * `during: 'pause'` checks a paused step, batch or post-switch window the same way while it waits for a person (`schedule` is then
 * the pause's), and says so when a check ends the release. An analysis that ends the release starts its
 * message with where the release was: `stage`, and the track's share of `weights` when given.
 * After the last check, the final analysis judges the whole window; so does an input without `bake` and
 * `schedule`, as the state machines of earlier versions give it (an execution started before an upgrade).
 */
export const handler = taskHandler(
  'analyze',
  {
    track: z.string().min(1),
    windowSeconds: z.number().int().min(1),
    shiftedAt: z.iso.datetime().optional(),
    /** A blue-green preview: the track judged has no weight yet. */
    preview: z.boolean().optional(),
    thresholds: analysisSchema,
    failures: counter,
    inconclusives: counter,
    bake: z
      .strictObject({ checksLeft: counter, waitSeconds: seconds, checkedAt: z.iso.datetime().optional() })
      .default(BAKE_CHECKED),
    schedule: z.strictObject({ checks: counter, checkSeconds: seconds, finalSeconds: seconds }).optional(),
    during: z.enum(['bake', 'pause']).default('bake'),
    /** Where the release is (`step 2 of 3`, `after the switch to green`), for the message of a failure. */
    stage: z.string().min(1).optional(),
    /** The weights of the step or batch judged: the track's share follows `stage` in that message. */
    weights: weightsSchema.optional(),
  },
  async ({
    request,
    track,
    shiftedAt,
    preview,
    thresholds,
    failures,
    inconclusives,
    bake,
    schedule,
    during,
    stage,
    weights,
    ...input
  }) => {
    const metrics = await dependencies(request, { metrics: metricsFamily }).metrics();
    const duringBake = schedule !== undefined && bake.checksLeft > 0;
    // A check judges the traffic since the one before; the first check and an analysis, since the shift.
    const checkBefore = duringBake ? bake.checkedAt : undefined;
    const since = checkBefore ?? shiftedAt;
    // A provider that publishes late has data up to `windowEnd` only: the window ends there, read once
    // from the clock for both the judging below and the provider.
    const windowEnd = publishedUntil(Date.now(), metrics.publicationDelaySeconds ?? 0);
    const longest = duringBake ? Math.max(1, bake.waitSeconds) : input.windowSeconds;
    const windowSeconds = analysisWindowSeconds(longest, since, windowEnd);
    // The window starts at `since`, or `longest` seconds before its end when that is later: per-second
    // counters (local) count the whole seconds from there, which `windowSeconds`, rounded down, cuts short.
    const windowStart =
      since === undefined ? undefined : Math.max(Date.parse(since), windowEnd - longest * 1000);
    const query = {
      service: request.service,
      track,
      windowSeconds,
      windowStart,
      windowEnd,
      config: request.metrics,
    };
    const result =
      since !== undefined && windowEnd <= Date.parse(since)
        ? notPublishedYet(metrics.type, metrics.publicationDelaySeconds ?? 0, checkBefore !== undefined)
        : withoutTrafficHint(await analyzeMetrics(metrics, query, thresholds), request, track, preview);
    logger.info(duringBake ? `check during the ${during}` : 'analysis', { track, windowSeconds, ...result });
    const counters = { failures, inconclusives };
    const where = stage && weights ? `${stage} (${track} ${weights[track] ?? 0}%)` : stage;
    return duringBake
      ? {
          ...result,
          ...decideDuringBake(result, counters, thresholds, during, where),
          bake: afterCheck(bake, schedule, new Date(windowEnd).toISOString()),
        }
      : { ...result, ...decide(result, counters, thresholds, where), bake: BAKE_CHECKED };
  },
);

/**
 * An analysis that counted no request at all says so, and what to do: locally, send traffic through the
 * service's proxy (nothing else reaches it); elsewhere, check that traffic is routed to the track.
 */
function withoutTrafficHint(
  result: AnalysisResult,
  request: DeploymentRequest,
  track: string,
  preview = false,
): AnalysisResult {
  // A provider without traffic to count answers 0 (the local proxy) or no data at all (CloudWatch, Prometheus).
  const counted = result.measurements.requestCount;
  if (result.verdict !== 'inconclusive' || (counted !== 0 && counted !== null)) return result;
  const { namespace, name } = request.service;
  const dataDirFlag = process.env[LOCAL_DATA_DIR_FLAG_VARIABLE] ?? '';
  // A blue-green preview judges the new colour before it has any weight: only requests naming it reach it.
  const namingIt = preview ? `; ${previewTrafficText(request, track, dataDirFlag)}` : '';
  const hint =
    request.metrics.type === 'local'
      ? `send traffic to the service's proxy (\`cutover traffic ${namespace}/${name}${dataDirFlag}\`, or your client at the proxy URL \`cutover local\` printed)${namingIt}`
      : preview
        ? `${previewTrafficText(request, track)}, or judge it after the switch (postSwitch)`
        : `check that traffic reaches ${namespace}/${name} and is routed to ${track}`;
  return { ...result, reason: `${result.reason}: no request reached ${track}; ${hint}` };
}

/** The verdict while a late provider has published nothing since the weights shifted (or the check before). */
function notPublishedYet(provider: string, delaySeconds: number, sinceCheck: boolean): AnalysisResult {
  return {
    verdict: 'inconclusive',
    reason: `no data since the ${sinceCheck ? 'check before' : 'shift'} yet: ${provider} publishes ${delaySeconds}s late`,
    measurements: {},
  };
}

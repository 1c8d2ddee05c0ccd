import * as z from 'zod';
import { type CountOrPercent, rollingBounds } from '../plan/rolling.ts';
import { admissionShape, checkAdmission, checkPlannedTransitions } from './admission.ts';
import { analysisSchema, type BaseRequest, baseRequestShape, checkRelease } from './common.ts';
import { countOrPercent, EVEN_WITH_ISSUES, integer, WITHOUT_ISSUES } from './fields.ts';
import { refusedFields } from './issues.ts';
import { checkNotCanaryOnlyRouter, checkWeightedRouter } from './traffic.ts';

/** The `rolling` block: batch bounds as in a Kubernetes Deployment's RollingUpdate strategy. */
export const rollingBlockSchema = z
  .strictObject({
    maxSurge: countOrPercent().default('25%').describe('replicas above the desired count during the rollout'),
    maxUnavailable: countOrPercent()
      .default('25%')
      .describe('replicas below the desired count during the rollout'),
    bakeSeconds: integer(0, 86_400).default(30).describe('wait after each batch before its analysis'),
    analysis: analysisSchema.optional().describe('health analysis of the new track after each batch'),
  })
  .superRefine((block, ctx) => {
    const isZero = (value: number | string) => value === 0 || value === '0%';
    if (isZero(block.maxSurge) && isZero(block.maxUnavailable)) {
      ctx.addIssue({ code: 'custom', path: ['maxUnavailable'], message: 'may not be 0 when maxSurge is 0' });
    }
  }, EVEN_WITH_ISSUES);

/**
 * A replica count in `maxSurge` / `maxUnavailable` may not exceed the release's replicas (as '100%' at
 * most), and without a surge at least one replica keeps serving: `maxUnavailable` resolving to every
 * replica would stop them all before their replacements start. Without `release.replicas` (the live
 * track's count, known when the release starts) only a percentage that stops every replica of any count
 * is refused here.
 */
function checkBatchBounds(request: { release?: unknown; rolling?: unknown }, ctx: z.RefinementCtx): void {
  const replicas = (request.release as { replicas?: unknown } | undefined)?.replicas;
  const block = request.rolling as Record<string, unknown> | undefined;
  if (typeof block !== 'object' || block === null) return;
  if (replicas === undefined) {
    if ((block.maxSurge === 0 || block.maxSurge === '0%') && percentOf(block.maxUnavailable) >= 100) {
      const message = `with maxSurge 0 must leave a replica serving: below 100%, or give maxSurge 1 or more (got ${JSON.stringify(block.maxUnavailable)}, every replica would stop at once)`;
      ctx.addIssue({ code: 'custom', path: ['rolling', 'maxUnavailable'], message });
    }
    return;
  }
  // A count that is no valid replica count is reported by its own check; bounds against it would only add noise.
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 1) return;
  for (const field of ['maxSurge', 'maxUnavailable']) {
    const value = block[field];
    if (typeof value === 'number' && value > replicas) {
      const message = `must be at most release.replicas (${replicas}) (got ${value})`;
      ctx.addIssue({ code: 'custom', path: ['rolling', field], message });
    }
  }
  const { maxSurge, maxUnavailable } = block as { maxSurge?: unknown; maxUnavailable?: unknown };
  if (!isCountOrPercent(maxSurge) || !isCountOrPercent(maxUnavailable)) return;
  const bounds = rollingBounds(replicas, maxSurge, maxUnavailable);
  if (bounds.surge === 0 && bounds.unavailable >= replicas) {
    const message =
      `with maxSurge 0 must leave a replica serving: below release.replicas (${replicas}), or give ` +
      `maxSurge 1 or more (got ${JSON.stringify(maxUnavailable)}, every replica would stop at once)`;
    ctx.addIssue({ code: 'custom', path: ['rolling', 'maxUnavailable'], message });
  }
}

/** The percentage of `'25%'`; -1 for anything else. */
function percentOf(value: unknown): number {
  return typeof value === 'string' && /^\d+%$/.test(value) ? Number(value.slice(0, -1)) : -1;
}

function isCountOrPercent(value: unknown): value is CountOrPercent {
  return typeof value === 'number' || (typeof value === 'string' && /^\d+%$/.test(value));
}

/**
 * `scaleDownDelaySeconds` of a rolling release as its tasks read it: as an earlier version admitted it, else
 * 0, the wait of its plan (the old track is drained batch by batch and removed at Cleanup).
 */
const scaleDownDelaySeconds = baseRequestShape.scaleDownDelaySeconds.unwrap().default(0);

/**
 * `scaleDownDelaySeconds` as a rolling request is admitted: refused, since its plan never waits it. Left out,
 * it is 0 as the tasks read it, so a request admitted once is admitted again as it was returned (as
 * ValidateRequest does with the live track's replicas).
 */
const noScaleDownDelay = z
  .literal(0, {
    error:
      'does not apply to rolling (the old track is drained batch by batch); use it with canary or blue-green',
  })
  .default(0)
  .describe('does not apply to rolling: the old track is drained batch by batch and removed at Cleanup')
  .register(refusedFields, {});

/** The cross-field rules of a rolling request. */
function checkRollingRequest(request: BaseRequest & { rolling?: unknown }, ctx: z.RefinementCtx): void {
  checkRelease(request, ctx);
  checkWeightedRouter(request, ctx, 'rolling');
  checkBatchBounds(request, ctx);
}

/** A rolling release request: move replicas from the old track to the new one in bounded batches. */
export const rollingRequestSchema = z
  .strictObject({
    ...baseRequestShape,
    ...admissionShape,
    scaleDownDelaySeconds: noScaleDownDelay,
    rolling: rollingBlockSchema.prefault({}),
  })
  .superRefine((request, ctx) => {
    checkRollingRequest(request, ctx);
    checkNotCanaryOnlyRouter(request, ctx, 'rolling');
    // Each batch is analyzed when the block has an analysis.
    const analysis = (request.rolling as { analysis?: unknown } | undefined)?.analysis;
    checkAdmission(request, ctx, analysis === undefined ? [] : [{ path: 'rolling.analysis', analysis }]);
  }, EVEN_WITH_ISSUES)
  // With the replicas it names: a release that leaves them out is checked by `plan`, which reads the cluster.
  .superRefine(checkPlannedTransitions('rolling'), WITHOUT_ISSUES);

/** A rolling request already admitted, as its tasks read it: {@link rollingRequestSchema} without admission. */
export const admittedRollingRequestSchema = z
  .strictObject({ ...baseRequestShape, scaleDownDelaySeconds, rolling: rollingBlockSchema.prefault({}) })
  .superRefine(checkRollingRequest, EVEN_WITH_ISSUES);

export type RollingRequestInput = z.input<typeof rollingRequestSchema>;
export type RollingRequest = z.output<typeof admittedRollingRequestSchema>;

/** JSON Schema of a rolling request (the input form, before defaults). */
export const rollingRequestJsonSchema = z.toJSONSchema(rollingRequestSchema, { io: 'input' });

import * as z from 'zod';
import { analysisSchema, baseRequestShape, checkRelease } from './common.ts';
import { countOrPercent, EVEN_WITH_ISSUES, integer } from './fields.ts';
import { checkWeightedRouter } from './traffic.ts';

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

/** A rolling release request: move replicas from the old track to the new one in bounded batches. */
export const rollingRequestSchema = z
  .strictObject({ ...baseRequestShape, rolling: rollingBlockSchema.prefault({}) })
  .superRefine((request, ctx) => {
    checkRelease(request, ctx);
    checkWeightedRouter(request, ctx, 'a rolling release');
  }, EVEN_WITH_ISSUES);

export type RollingRequestInput = z.input<typeof rollingRequestSchema>;
export type RollingRequest = z.output<typeof rollingRequestSchema>;

/** JSON Schema of a rolling request (the input form, before defaults). */
export const rollingRequestJsonSchema = z.toJSONSchema(rollingRequestSchema, { io: 'input' });

import * as z from 'zod';
import {
  admissionShape,
  checkAdmission,
  checkPlannedTransitions,
  type RequestAnalysis,
} from './admission.ts';
import {
  analysisSchema,
  approvalSchema,
  type BaseRequest,
  baseRequestShape,
  checkRelease,
} from './common.ts';
import { EVEN_WITH_ISSUES, integer, WITHOUT_ISSUES } from './fields.ts';
import { checkWeightedRouter } from './traffic.ts';

/** Traffic-shifting presets, named as in AWS CodeDeploy (`CodeDeployDefault.Lambda<Name>`). */
export const CANARY_PRESETS = [
  'AllAtOnce',
  'Canary10Percent5Minutes',
  'Canary10Percent10Minutes',
  'Canary10Percent15Minutes',
  'Canary10Percent30Minutes',
  'Linear10PercentEvery1Minute',
  'Linear10PercentEvery2Minutes',
  'Linear10PercentEvery3Minutes',
  'Linear10PercentEvery10Minutes',
] as const;
export type CanaryPreset = (typeof CANARY_PRESETS)[number];

/**
 * One canary step: send `weight` percent to the canary, bake, then analyze; with `pause`, then wait for a
 * person's approval before the next step.
 */
export interface CanaryStep {
  readonly weight: number;
  readonly bakeSeconds: number;
  readonly pause?: boolean;
}

const stepSchema = z.strictObject({
  weight: integer(1, 100).describe('percent of traffic to the canary'),
  bakeSeconds: integer(0, 86_400).default(60).describe('wait at this weight before analysis'),
  pause: z
    .boolean()
    .optional()
    .describe('once the step passed its analysis, wait for cutover approve or reject before the next step'),
});

/** The steps of a preset: `Canary10Percent5Minutes` = 10% for 5 minutes; `Linear10PercentEvery1Minute` = 10, 20, ... 90%. */
export function presetSteps(preset: CanaryPreset): CanaryStep[] {
  const canary = /^Canary(\d+)Percent(\d+)Minutes?$/.exec(preset);
  if (canary) return [{ weight: Number(canary[1]), bakeSeconds: Number(canary[2]) * 60 }];
  const linear = /^Linear(\d+)PercentEvery(\d+)Minutes?$/.exec(preset);
  if (!linear) return [];
  const [step, bakeSeconds] = [Number(linear[1]), Number(linear[2]) * 60];
  return Array.from({ length: Math.ceil(100 / step) - 1 }, (_, index) => ({
    weight: (index + 1) * step,
    bakeSeconds,
  }));
}

/**
 * Flagger-style steps: `stepWeight`, 2 x `stepWeight`, ... then `maxWeight` itself, each baked
 * `intervalSeconds`. The canary is judged at `maxWeight` and never past it (Flagger adds `stepWeight` while
 * the weight is under `maxWeight`, so 20 up to 50 ends at 60 there, at 50 here).
 *
 * @example
 * incrementalSteps(20, 50, 60).map((step) => step.weight); // [20, 40, 50]
 */
export function incrementalSteps(
  stepWeight: number,
  maxWeight: number,
  intervalSeconds: number,
): CanaryStep[] {
  const count = Math.ceil(maxWeight / stepWeight);
  return Array.from({ length: count }, (_, index) => ({
    weight: Math.min((index + 1) * stepWeight, maxWeight),
    bakeSeconds: intervalSeconds,
  }));
}

const STEP_SOURCES = ['steps', 'stepWeight', 'preset'] as const;

/** The `canary` block: steps from a list, from `stepWeight` (Flagger) or from a preset (CodeDeploy). */
export const canaryBlockSchema = z
  .strictObject({
    steps: z
      .array(stepSchema)
      .optional()
      .describe('explicit steps; [] promotes at once, as the preset AllAtOnce (and how tasks read it)'),
    stepWeight: integer(1, 100).optional().describe('Flagger-style weight increment'),
    maxWeight: integer(1, 100).optional().describe('with stepWeight: highest canary weight (default 50)'),
    intervalSeconds: integer(0, 86_400).optional().describe('with stepWeight: bake per step (default 60)'),
    preset: z.enum(CANARY_PRESETS).optional().describe('CodeDeploy-style preset'),
    analysis: analysisSchema.prefault({}),
    approval: approvalSchema.optional().describe('ask a person before promotion'),
  })
  .superRefine((block, ctx) => {
    const given = STEP_SOURCES.filter((source) => block[source] !== undefined);
    if (given.length !== 1) {
      const got = given.length === 0 ? 'none' : given.join(' and ');
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `give exactly one of: steps, stepWeight, preset (got ${got})`,
      });
    }
    for (const field of ['maxWeight', 'intervalSeconds'] as const) {
      if (block[field] !== undefined && block.stepWeight === undefined) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'is only allowed with stepWeight' });
      }
    }
    if (block.stepWeight !== undefined && block.stepWeight > (block.maxWeight ?? 50)) {
      ctx.addIssue({
        code: 'custom',
        path: ['stepWeight'],
        message: `must be at most maxWeight (${block.maxWeight ?? 50}) (got ${block.stepWeight})`,
      });
    }
  }, EVEN_WITH_ISSUES)
  .transform(({ analysis, approval, ...source }) => ({
    steps: source.steps
      ? source.steps
      : source.stepWeight !== undefined
        ? incrementalSteps(source.stepWeight, source.maxWeight ?? 50, source.intervalSeconds ?? 60)
        : presetSteps(source.preset ?? 'AllAtOnce'),
    analysis,
    ...(approval ? { approval } : {}),
  }));

/**
 * The problem, as a line of a `ValidationError` (`canary.analysis: ...`), of a canary `block` as given (before
 * defaults) that has an analysis and no steps (`steps: []`, preset `AllAtOnce`): it would never run, and the
 * request's author would believe the promotion judged. Undefined for any other block.
 */
export function analysisWithoutSteps(block: unknown): string | undefined {
  const { steps, preset, analysis } = (block ?? {}) as {
    steps?: unknown;
    preset?: unknown;
    analysis?: unknown;
  };
  const noSteps = (Array.isArray(steps) && steps.length === 0) || preset === 'AllAtOnce';
  if (!noSteps || analysis === undefined) return undefined;
  return (
    'canary.analysis: judges no step: without steps (steps [] or preset AllAtOnce) ' +
    'the promotion sends 100% at once; give steps, or leave analysis out'
  );
}

/** The analysis after each step: none without steps (AllAtOnce). */
function canaryAnalyses(block: unknown): RequestAnalysis[] {
  const { steps, analysis } = (block ?? {}) as { steps?: unknown; analysis?: unknown };
  return Array.isArray(steps) && steps.length === 0 ? [] : [{ path: 'canary.analysis', analysis }];
}

/** The cross-field rules of a canary request. */
function checkCanaryRequest(request: BaseRequest, ctx: z.RefinementCtx): void {
  checkRelease(request, ctx);
  checkWeightedRouter(request, ctx, 'canary');
}

/** A canary release request: shift traffic to the canary track step by step, analyzing each step. */
export const canaryRequestSchema = z
  .strictObject({ ...baseRequestShape, ...admissionShape, canary: canaryBlockSchema })
  .superRefine((request, ctx) => {
    checkCanaryRequest(request, ctx);
    checkAdmission(request, ctx, canaryAnalyses(request.canary));
  }, EVEN_WITH_ISSUES)
  .superRefine(checkPlannedTransitions('canary'), WITHOUT_ISSUES);

/** A canary request already admitted, as its tasks read it: {@link canaryRequestSchema} without admission. */
export const admittedCanaryRequestSchema = z
  .strictObject({ ...baseRequestShape, canary: canaryBlockSchema })
  .superRefine(checkCanaryRequest, EVEN_WITH_ISSUES);

export type CanaryRequestInput = z.input<typeof canaryRequestSchema>;
export type CanaryRequest = z.output<typeof admittedCanaryRequestSchema>;

/** JSON Schema of a canary request (the input form, before defaults). */
export const canaryRequestJsonSchema = z.toJSONSchema(canaryRequestSchema, { io: 'input' });

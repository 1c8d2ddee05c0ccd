import * as z from 'zod';
import { admissionShape, checkAdmission, type RequestAnalysis } from './admission.ts';
import { analysisSchema, approvalSchema, baseRequestShape, checkRelease } from './common.ts';
import { EVEN_WITH_ISSUES, integer } from './fields.ts';
import { checkNotCanaryOnlyRouter } from './traffic.ts';

/** An analysis after a bake time: before the switch (on the idle colour) or after it. */
const analysisWindowSchema = (defaultBakeSeconds: number) =>
  z.strictObject({
    bakeSeconds: integer(0, 86_400).default(defaultBakeSeconds).describe('wait before the analysis'),
    analysis: analysisSchema.prefault({}),
  });

/** The `blueGreen` block. Every part is optional: `{}` deploys, switches and scales the old colour down. */
export const blueGreenBlockSchema = z.strictObject({
  preview: analysisWindowSchema(0).optional().describe('analysis of the idle colour before the switch'),
  approval: approvalSchema.optional().describe('ask a person before the switch'),
  postSwitch: analysisWindowSchema(300)
    .optional()
    .describe('analysis after the switch; a failure switches back at once'),
});

/** The analyses of the windows given: before the switch, after it. */
function blueGreenAnalyses(block: unknown): RequestAnalysis[] {
  const windows = (block ?? {}) as Record<string, { analysis?: unknown } | undefined>;
  return (['preview', 'postSwitch'] as const).flatMap((window) =>
    windows[window] === undefined
      ? []
      : [{ path: `blueGreen.${window}.analysis`, analysis: windows[window]?.analysis }],
  );
}

/** A blue-green release request: deploy the idle colour at full size, switch all traffic, keep the old colour for a while. */
export const blueGreenRequestSchema = z
  .strictObject({ ...baseRequestShape, ...admissionShape, blueGreen: blueGreenBlockSchema.prefault({}) })
  .superRefine((request, ctx) => {
    checkRelease(request, ctx);
    checkNotCanaryOnlyRouter(request, ctx, 'blue-green');
    checkAdmission(request, ctx, blueGreenAnalyses(request.blueGreen));
  }, EVEN_WITH_ISSUES);

/** A blue-green request already admitted, as its tasks read it: {@link blueGreenRequestSchema} without admission. */
export const admittedBlueGreenRequestSchema = z
  .strictObject({ ...baseRequestShape, blueGreen: blueGreenBlockSchema.prefault({}) })
  .superRefine(checkRelease, EVEN_WITH_ISSUES);

export type BlueGreenRequestInput = z.input<typeof blueGreenRequestSchema>;
export type BlueGreenRequest = z.output<typeof admittedBlueGreenRequestSchema>;

/** JSON Schema of a blue-green request (the input form, before defaults). */
export const blueGreenRequestJsonSchema = z.toJSONSchema(blueGreenRequestSchema, { io: 'input' });

import * as z from 'zod';
import { analysisWindowSeconds, analyzeMetrics, decide } from '#core/analysis/index.ts';
import { analysisSchema } from '#core/schemas/common.ts';
import { dependencies, metricsFamily } from '#lambdas/shared/dependencies.ts';
import { logger, taskHandler } from '#lambdas/shared/task-handler.ts';

const counter = z.number().int().min(0);

/**
 * Analyze: queries the metric provider for `track` over the window (an alarm gate for `alarmsInAlarm`, any
 * other provider for requestCount / errorRate / latencyP99Ms) — cut to the seconds since
 * `shiftedAt`, when the weights it judges took effect — judges the numbers against the thresholds and
 * decides with the carried counters. Returns `{ verdict, reason, measurements, failures,
 * inconclusives, action }` (`continue | retry | pause`); throws `AnalysisFailed` / `AnalysisInconclusive`
 * at the limits.
 */
export const handler = taskHandler(
  'analyze',
  {
    track: z.string().min(1),
    windowSeconds: z.number().int().min(1),
    shiftedAt: z.iso.datetime().optional(),
    thresholds: analysisSchema,
    failures: counter,
    inconclusives: counter,
  },
  async ({ request, track, shiftedAt, thresholds, failures, inconclusives, ...input }) => {
    const windowSeconds = analysisWindowSeconds(input.windowSeconds, shiftedAt, Date.now());
    const metrics = await dependencies(request, { metrics: metricsFamily }).metrics();
    const read = (metric: string) =>
      metrics.query({ service: request.service, track, metric, windowSeconds, config: request.metrics });
    const result = await analyzeMetrics(read, request.metrics, thresholds);
    logger.info('analysis', { track, windowSeconds, ...result });
    return { ...result, ...decide(result, { failures, inconclusives }, thresholds) };
  },
);

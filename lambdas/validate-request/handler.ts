import { NO_ANALYSIS_YET } from '#core/analysis/index.ts';
import { buildPlan, chooseTracks, fullSizeReplicas, type Plan } from '#core/plan/index.ts';
import { validateWithReplicas } from '#core/schemas/index.ts';
import {
  clusterFamily,
  dependencies,
  lockFamily,
  metricsFamily,
  trafficFamily,
} from '#lambdas/shared/dependencies.ts';
import { serviceLocked } from '#lambdas/shared/service-locked.ts';
import { taskHandler } from '#lambdas/shared/task-handler.ts';

/** Extra lock time beyond the plan's expected duration, for slow rollouts and re-analyses. */
const LOCK_MARGIN_SECONDS = 86_400;

const lockSeconds = (plan: Plan) =>
  plan.expectedDurationSeconds + plan.approval.timeoutSeconds + LOCK_MARGIN_SECONDS;

/**
 * ValidateRequest: the request checked and normalized (a bad one throws `ValidationError` naming every
 * field), every adapter type resolved (`UnknownAdapterType`), `release.replicas` filled in from the live
 * track when not given (and the request checked again with it), the plan built from the current weights
 * and replicas, and the service locked for this execution (`ServiceLocked` when another holds it).
 * Its result becomes the whole state: `{ request, plan, executionArn, cursor, analysis }`.
 */
export const handler = taskHandler('validate-request', {}, async ({ strategy, executionArn, ...input }) => {
  let { request } = input;
  const deps = dependencies(request, {
    cluster: clusterFamily,
    router: trafficFamily,
    metrics: metricsFamily,
    lock: lockFamily,
  });
  const cluster = await deps.cluster();
  const router = await deps.router();
  await deps.metrics();
  const weights = await router.getWeights(request.service);
  const tracks = chooseTracks(strategy, weights);
  const liveReplicas = (await cluster.status(request.service, tracks.live)).desired;
  if (request.release.replicas === undefined) {
    const replicas = fullSizeReplicas(request.release, liveReplicas);
    request = validateWithReplicas(
      strategy,
      request,
      replicas,
      `release.replicas is not given, and as many as the live track ${tracks.live} runs (${replicas}) ` +
        'do not fit the request: give release.replicas',
    );
  }
  const plan = buildPlan(strategy, request, { weights, liveReplicas });
  const lock = await deps.lock();
  if (!(await lock.acquire(request.service, executionArn, lockSeconds(plan)))) {
    throw serviceLocked(request.service, await lock.holder(request.service));
  }
  return { request, plan, executionArn, cursor: { index: 0 }, analysis: NO_ANALYSIS_YET };
});

import { NO_ANALYSIS_YET } from '#core/analysis/index.ts';
import { ValidationError } from '#core/errors.ts';
import { buildPlan, chooseTracks, fullSizeReplicas, type Plan } from '#core/plan/index.ts';
import { validateWithReplicas } from '#core/schemas/index.ts';
import type { RolloutStatus, ServiceRef, Weights } from '#core/types.ts';
import {
  clusterFamily,
  dependencies,
  lockFamily,
  metricsFamily,
  trafficFamily,
} from '#lambdas/shared/dependencies.ts';
import { lockForExecution } from '#lambdas/shared/execution-fence.ts';
import { admitHandler } from '#lambdas/shared/task-handler.ts';

/** Extra lock time beyond the plan's expected duration, for slow rollouts and re-analyses. */
const LOCK_MARGIN_SECONDS = 86_400;

const lockSeconds = (plan: Plan) =>
  plan.expectedDurationSeconds + plan.approval.timeoutSeconds + LOCK_MARGIN_SECONDS;

/**
 * Refuses a release that is not the first when the router sends traffic to a live track the cluster runs
 * nothing of and has settled there: no replica desired or running, and the status complete (scaled to
 * nothing, a local track never applied) or failed (a Kubernetes Deployment that does not exist).
 */
function assertLiveWorkload(service: ServiceRef, plan: Plan, weights: Weights, status: RolloutStatus): void {
  const { live } = plan.tracks;
  const none = status.desired + status.updated + status.ready + status.available === 0;
  if (plan.firstRelease || !none || !(status.complete || status.failed)) return;
  throw new ValidationError(
    `traffic: the router sends ${weights[live]}% of ${service.namespace}/${service.name}'s traffic to track ` +
      `${live}, which has no workload (${status.failed?.message ?? 'no replica desired or running'}): for a ` +
      `first release, set the weight of every track to 0 on the router; otherwise deploy track ${live}, ` +
      'or scale it up, first',
  );
}

/**
 * ValidateRequest: the request checked and normalized (a bad one throws `ValidationError` naming every
 * field), every adapter type resolved (`UnknownAdapterType`), `release.replicas` filled in from the live
 * track when not given (and the request checked again with it), the plan built from the current weights
 * and replicas (a release that is not the first refused when the router sends traffic to a live track with
 * no workload), and the service locked for this execution (`ServiceLocked` when another holds it).
 * Its result becomes the whole state: `{ request, plan, executionArn, cursor, analysis }`.
 */
export const handler = admitHandler('validate-request', {}, async ({ strategy, executionArn, ...input }) => {
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
  const live = await cluster.status(request.service, tracks.live);
  const liveReplicas = live.desired;
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
  assertLiveWorkload(request.service, plan, weights, live);
  await lockForExecution(
    await deps.lock(),
    request.service,
    executionArn,
    lockSeconds(plan),
    'validate-request',
  );
  return { request, plan, executionArn, cursor: { index: 0 }, analysis: NO_ANALYSIS_YET };
});

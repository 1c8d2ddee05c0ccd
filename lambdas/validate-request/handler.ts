import { refuseSecretsOutsideTheirUrls } from '#adapters/hooks/secret-destinations.ts';
import { NO_ANALYSIS_YET } from '#core/analysis/index.ts';
import { ValidationError } from '#core/errors.ts';
import {
  analyzedTracks,
  buildPlan,
  chooseTracks,
  fullSizeReplicas,
  type Plan,
  routedTracks,
} from '#core/plan/index.ts';
import { type DeploymentRequest, validateWithReplicas } from '#core/schemas/index.ts';
import type { RolloutStatus, Weights } from '#core/types.ts';
import { refuseNamespaceNotAllowed } from '#lambdas/shared/allowed-namespaces.ts';
import {
  clusterFamily,
  dependencies,
  executionsFamily,
  lockFamily,
  metricsFamily,
  trafficFamily,
} from '#lambdas/shared/dependencies.ts';
import { lockForExecution } from '#lambdas/shared/execution-fence.ts';
import { admitHandler } from '#lambdas/shared/task-handler.ts';

/** Extra lock time beyond the plan's expected duration, for slow rollouts and re-analyses. */
const LOCK_MARGIN_SECONDS = 86_400;

/** The lock's time: the plan's duration, each wait for a person at its longest, and the margin. */
const lockSeconds = (plan: Plan) =>
  plan.expectedDurationSeconds +
  plan.approval.timeoutSeconds * Math.max(1, plan.approval.maxWaits) +
  LOCK_MARGIN_SECONDS;

/**
 * Refuses a release that is not the first when the router sends traffic to a live track the cluster runs
 * nothing of and has settled there: no replica desired or running, and the status complete (scaled to
 * nothing, a local track never applied) or failed (a Kubernetes Deployment that does not exist).
 */
function assertLiveWorkload(
  { service, traffic }: DeploymentRequest,
  plan: Plan,
  weights: Weights,
  status: RolloutStatus,
): void {
  const { live } = plan.tracks;
  const none = status.desired + status.updated + status.ready + status.available === 0;
  if (plan.firstRelease || !none || !(status.complete || status.failed)) return;
  const deploy = `deploy track ${live}, or scale it up, first`;
  throw new ValidationError(
    `traffic: the router sends ${weights[live]}% of ${service.namespace}/${service.name}'s traffic to track ` +
      `${live}, which has no workload (${status.failed?.message ?? 'no replica desired or running'}): ` +
      (FIRST_RELEASE_ROUTING[traffic.type]
        ? `${FIRST_RELEASE_ROUTING[traffic.type]}; otherwise ${deploy}`
        : deploy),
  );
}

const ZERO_WEIGHTS = 'for a first release, set the weight of every track to 0 on the router';

/**
 * How a router is set to send no track traffic, so the service's next release is its first, by
 * `traffic.type`; nginx-ingress always sends its primary Ingress's track all traffic, so it has none.
 */
const FIRST_RELEASE_ROUTING: Partial<Record<DeploymentRequest['traffic']['type'], string>> = {
  'service-selector': "for a first release, select no track in the Service's selector",
  'alb-ingress': ZERO_WEIGHTS,
  elbv2: ZERO_WEIGHTS,
  'gateway-api': ZERO_WEIGHTS,
  istio: ZERO_WEIGHTS,
};

/**
 * ValidateRequest: the request checked and normalized (a bad one throws `ValidationError` naming every
 * field, its namespace when `CUTOVER_ALLOWED_NAMESPACES` does not list it, or a hook naming a secret for a
 * URL that `CUTOVER_HOOK_SECRETS` does not bind it to), every adapter type resolved
 * (`UnknownAdapterType`), `release.replicas` filled in from the live
 * track when not given (and the request checked again with it), the plan built from the current weights
 * and replicas (a release that is not the first refused when the router sends traffic to a live track with
 * no workload, and any release when something other than Cutover sizes one of its tracks, the routing object
 * has no backend for a track it will route, the metric provider cannot query a track it will judge, or
 * refuses one of its queries when tried: see `MetricProvider.tryQueries`), and
 * the service locked for this execution (`ServiceLocked` when another holds it, unless that one ended
 * holding it: see `lockForExecution`).
 * Its result becomes the whole state: `{ request, plan, executionArn, cursor, analysis }`.
 */
export const handler = admitHandler('validate-request', {}, async ({ strategy, executionArn, ...input }) => {
  let { request } = input;
  refuseNamespaceNotAllowed(request.service);
  refuseSecretsOutsideTheirUrls(request.hooks ?? {});
  const deps = dependencies(request, {
    cluster: clusterFamily,
    router: trafficFamily,
    metrics: metricsFamily,
    lock: lockFamily,
    executions: executionsFamily,
  });
  const cluster = await deps.cluster();
  const router = await deps.router();
  const metrics = await deps.metrics();
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
  assertLiveWorkload(request, plan, weights, live);
  await cluster.checkTracks?.(request.service, [plan.tracks.live, plan.tracks.next]);
  await router.checkTracks?.(request.service, routedTracks(plan));
  metrics.checkTracks?.(analyzedTracks(plan));
  await metrics.tryQueries?.(request.service, analyzedTracks(plan));
  await lockForExecution(
    { lock: await deps.lock(), executions: deps.executions },
    request.service,
    executionArn,
    lockSeconds(plan),
    'validate-request',
  );
  return { request, plan, executionArn, cursor: { index: 0 }, analysis: NO_ANALYSIS_YET };
});

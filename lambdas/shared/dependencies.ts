import { onFirstUse } from '#adapters/first-use.ts';
import type {
  ApprovalStore,
  BackupStore,
  Cluster,
  ExecutionReader,
  Lock,
  MetricProvider,
  Notifier,
  TrafficRouter,
} from '#core/ports/index.ts';
import type { DeploymentRequest } from '#core/schemas/index.ts';
import type { TrafficConfig } from '#core/schemas/traffic.ts';

/**
 * Builds the adapter of one family for a request: cluster, traffic router and metric provider from the
 * request's fields of the same names (registries in `src/adapters/<family>/index.ts`); lock, executions,
 * approvals, notifier and backup store from the environment (`CUTOVER_STATE_TABLE`, `CUTOVER_EVENT_TOPIC_ARN` /
 * `CUTOVER_EVENT_BUS`, `CUTOVER_BACKUP_BUCKET`, else local stores in `CUTOVER_DATA_DIR`). The family module
 * is imported on the first build.
 */
export type AdapterFamily<Adapter> = (request: DeploymentRequest, env: NodeJS.ProcessEnv) => Promise<Adapter>;

/**
 * The `cluster` family (Kubernetes client). A Kubernetes track's Deployment gets the request's
 * `progressDeadlineSeconds` unless `cluster.progressDeadlineSeconds` sets its own; its snapshots keep the
 * routing objects the request's `traffic` names.
 */
export const clusterFamily: AdapterFamily<Cluster> = async ({ cluster, traffic, progressDeadlineSeconds }) =>
  (await import('#adapters/cluster/index.ts')).createCluster(
    cluster.type === 'local'
      ? cluster
      : {
          ...cluster,
          progressDeadlineSeconds: cluster.progressDeadlineSeconds ?? progressDeadlineSeconds,
          routingObjects: routingObjectsOf(traffic),
        },
  );

/**
 * The Kubernetes objects the request's router weights, by name: a cluster snapshot keeps them. None when
 * they live in another cluster (`traffic.cluster`).
 */
function routingObjectsOf(traffic: TrafficConfig): string[] {
  if ('cluster' in traffic && traffic.cluster !== undefined) return [];
  switch (traffic.type) {
    case 'alb-ingress':
    case 'nginx-ingress':
      return [traffic.ingress];
    case 'gateway-api':
      return [traffic.httpRoute];
    case 'istio':
      return [traffic.virtualService];
    case 'service-selector':
      return [traffic.service];
    default:
      return [];
  }
}

/**
 * The `traffic` family (Kubernetes client, ELBv2). Kubernetes routers weight objects in `traffic.cluster`,
 * the request's cluster unless given.
 */
export const trafficFamily: AdapterFamily<TrafficRouter> = async (request) =>
  (await import('#adapters/traffic/index.ts')).createTrafficRouter({
    cluster: request.cluster,
    ...request.traffic,
  } as TrafficConfig);

/** The `metrics` family (CloudWatch, Prometheus). */
export const metricsFamily: AdapterFamily<MetricProvider> = async (request) =>
  (await import('#adapters/metrics/index.ts')).createMetricProvider(request.metrics);

/** The `lock` family (DynamoDB state table). */
export const lockFamily: AdapterFamily<Lock> = async (_request, env) =>
  (await import('#adapters/lock/index.ts')).createLockFromEnvironment(env);

/** The `executions` family (Step Functions' DescribeExecution where the lock is the state table). */
export const executionsFamily: AdapterFamily<ExecutionReader> = async (_request, env) =>
  (await import('#adapters/executions/index.ts')).createExecutionReaderFromEnvironment(env);

/** The `approvals` family (DynamoDB state table). */
export const approvalsFamily: AdapterFamily<ApprovalStore> = async (_request, env) =>
  (await import('#adapters/approvals/index.ts')).createApprovalStoreFromEnvironment(env);

/** The `notifier` family (SNS, EventBridge). */
export const notifierFamily: AdapterFamily<Notifier> = async (_request, env) =>
  (await import('#adapters/notifier/index.ts')).createNotifierFromEnvironment(env);

/** The `backup` family (S3). */
export const backupFamily: AdapterFamily<BackupStore> = async (_request, env) =>
  (await import('#adapters/backup/index.ts')).createBackupStoreFromEnvironment(env);

/** One getter per named family: the adapter is built on the first call and shared by later calls. */
export type Dependencies<Families extends Record<string, AdapterFamily<unknown>>> = {
  readonly [Name in keyof Families]: () => ReturnType<Families[Name]>;
};

/**
 * The adapters a task function uses, each built when first asked for. A function names the families it
 * uses, and only those are in its bundle: the bundler drops the families nobody imports, so a function
 * that never touches the cluster or router does not carry the Kubernetes client.
 *
 * @example
 * import { dependencies, trafficFamily } from '#lambdas/shared/dependencies.ts';
 * const deps = dependencies(request, { router: trafficFamily });
 * await (await deps.router()).setWeights(request.service, { stable: 90, canary: 10 });
 */
export function dependencies<Families extends Record<string, AdapterFamily<unknown>>>(
  request: DeploymentRequest,
  families: Families,
  env: NodeJS.ProcessEnv = process.env,
): Dependencies<Families> {
  return Object.fromEntries(
    Object.entries(families).map(([name, family]) => [name, onFirstUse(() => family(request, env))]),
  ) as Dependencies<Families>;
}

import type {
  ApprovalStore,
  BackupStore,
  Cluster,
  Lock,
  MetricProvider,
  Notifier,
  TrafficRouter,
} from '#core/ports/index.ts';
import type { DeploymentRequest } from '#core/schemas/index.ts';
import type { TrafficConfig } from '#core/schemas/traffic.ts';

/**
 * The adapters of the task functions: cluster, traffic router and metric provider from the request's
 * fields of the same names (registries in `src/adapters/<family>/index.ts`); lock, approvals, notifier and
 * backup store from the environment (`CUTOVER_STATE_TABLE`, `CUTOVER_ALERT_TOPIC_ARN`/`CUTOVER_EVENT_BUS`,
 * `CUTOVER_BACKUP_BUCKET`, else local stores in `CUTOVER_DATA_DIR`). Each is built when first asked for,
 * and its family module (with its AWS SDK clients or Kubernetes client) is imported only then, so a
 * function loads only the adapters its request uses.
 *
 * @example
 * const deps = dependencies(request);
 * await (await deps.router()).setWeights(request.service, { stable: 90, canary: 10 });
 */
export function dependencies(request: DeploymentRequest, env: NodeJS.ProcessEnv = process.env) {
  return {
    cluster: once(
      async (): Promise<Cluster> =>
        (await import('#adapters/cluster/index.ts')).createCluster(request.cluster),
    ),
    // Kubernetes routers weight objects in `traffic.cluster`, the request's cluster unless given.
    router: once(
      async (): Promise<TrafficRouter> =>
        (await import('#adapters/traffic/index.ts')).createTrafficRouter({
          cluster: request.cluster,
          ...request.traffic,
        } as TrafficConfig),
    ),
    metrics: once(
      async (): Promise<MetricProvider> =>
        (await import('#adapters/metrics/index.ts')).createMetricProvider(request.metrics),
    ),
    lock: once(
      async (): Promise<Lock> => (await import('#adapters/lock/index.ts')).createLockFromEnvironment(env),
    ),
    approvals: once(
      async (): Promise<ApprovalStore> =>
        (await import('#adapters/approvals/index.ts')).createApprovalStoreFromEnvironment(env),
    ),
    notifier: once(
      async (): Promise<Notifier> =>
        (await import('#adapters/notifier/index.ts')).createNotifierFromEnvironment(env),
    ),
    backups: once(
      async (): Promise<BackupStore> =>
        (await import('#adapters/backup/index.ts')).createBackupStoreFromEnvironment(env),
    ),
  };
}

/** The first call's promise, shared by later calls; a failed build is tried again on the next call. */
function once<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
}

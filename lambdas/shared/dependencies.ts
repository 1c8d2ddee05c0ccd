import { createApprovalStoreFromEnvironment } from '#adapters/approvals/index.ts';
import { createBackupStoreFromEnvironment } from '#adapters/backup/index.ts';
import { createCluster } from '#adapters/cluster/index.ts';
import { createLockFromEnvironment } from '#adapters/lock/index.ts';
import { createMetricProvider } from '#adapters/metrics/index.ts';
import { createNotifierFromEnvironment } from '#adapters/notifier/index.ts';
import { createTrafficRouter } from '#adapters/traffic/index.ts';
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
 * `CUTOVER_BACKUP_BUCKET`, else local stores in `CUTOVER_DATA_DIR`). Each is built when first asked for.
 *
 * @example
 * const deps = dependencies(request);
 * await deps.router().setWeights(request.service, { stable: 90, canary: 10 });
 */
export function dependencies(request: DeploymentRequest, env: NodeJS.ProcessEnv = process.env) {
  return {
    cluster: once((): Cluster => createCluster(request.cluster)),
    // Kubernetes routers weight objects in `traffic.cluster`, the request's cluster unless given.
    router: once(
      (): TrafficRouter =>
        createTrafficRouter({ cluster: request.cluster, ...request.traffic } as TrafficConfig),
    ),
    metrics: once((): MetricProvider => createMetricProvider(request.metrics)),
    lock: once((): Lock => createLockFromEnvironment(env)),
    approvals: once((): ApprovalStore => createApprovalStoreFromEnvironment(env)),
    notifier: once((): Notifier => createNotifierFromEnvironment(env)),
    backups: once((): BackupStore => createBackupStoreFromEnvironment(env)),
  };
}

function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}

import { backupFamily, clusterFamily, dependencies, trafficFamily } from '#lambdas/shared/dependencies.ts';
import {
  backupExists,
  readReleaseBackup,
  releaseBackupKey,
  writeReleaseBackup,
} from '#lambdas/shared/release-backup.ts';
import { taskHandler } from '#lambdas/shared/task-handler.ts';

/**
 * BackupState: the router's weights, the cluster snapshot of the service and the desired replicas of
 * each track with traffic, stored once per execution (a retry keeps the first backup). Returns the key
 * Rollback restores from and the weights the backup holds as `foundWeights`: the split the release started
 * from, which `cutover watch` and the console show until the release sets weights (not named `weights`,
 * which a task sets).
 */
export const handler = taskHandler('backup-state', {}, async ({ strategy, request, executionArn }) => {
  const deps = dependencies(request, {
    backups: backupFamily,
    router: trafficFamily,
    cluster: clusterFamily,
  });
  const store = await deps.backups();
  const key = releaseBackupKey(request.service, executionArn);
  if (await backupExists(store, key)) {
    return { key, foundWeights: (await readReleaseBackup(store, key)).weights };
  }
  const weights = await (await deps.router()).getWeights(request.service);
  const cluster = await deps.cluster();
  const snapshot = await cluster.snapshot(request.service);
  const replicas: Record<string, number> = {};
  for (const [track, weight] of Object.entries(weights)) {
    if (weight > 0) replicas[track] = (await cluster.status(request.service, track)).desired;
  }
  await writeReleaseBackup(store, key, {
    strategy,
    executionArn,
    takenAt: new Date().toISOString(),
    weights,
    snapshot,
    replicas,
  });
  return { key, foundWeights: weights };
});

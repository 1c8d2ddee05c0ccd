import { createRdsClient, createSnapshot, cutoverIdentifier } from '#adapters/database/rds.ts';
import { executionNameOf } from '#core/api-routes.ts';
import { firstPoll } from '#lambdas/shared/db-polling.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/** DbCreateSnapshot: starts `cutover-<namespace>-<service>-<execution>-<hash>`, a snapshot of `rds.instanceIdentifier`. */
export const handler = dbTaskHandler('db-create-snapshot', {}, async ({ request, executionArn }) => {
  const { service } = request;
  const snapshotIdentifier = cutoverIdentifier(
    [service.namespace, service.name, executionNameOf(executionArn)],
    executionArn,
  );
  await createSnapshot(createRdsClient(request.rds), {
    instanceIdentifier: request.rds!.instanceIdentifier!,
    snapshotIdentifier,
    service,
    executionArn,
  });
  return { snapshotIdentifier, ...firstPoll(request, request.rds!.snapshotTimeoutSeconds) };
});

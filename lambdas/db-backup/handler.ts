import { createBackupStoreFromEnvironment } from '#adapters/backup/index.ts';
import { backupTarget } from '#adapters/database/workflow.ts';
import { executionNameOf } from '#core/api-routes.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/** DbBackup: logical backup of the target database to the backup store; returns the manifest key. */
export const handler = dbTaskHandler('db-backup', {}, async ({ request, executionArn }) => ({
  manifestKey: await backupTarget(request, createBackupStoreFromEnvironment(), executionNameOf(executionArn)),
}));

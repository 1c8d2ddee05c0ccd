import { createBackupStoreFromEnvironment } from '#adapters/backup/index.ts';
import { migrateTarget } from '#adapters/database/workflow.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/** DbMigrate: applies the request's migration phase (`MigrationFailed`, `MigrationChecksumMismatch`). */
export const handler = dbTaskHandler('db-migrate', {}, async ({ request }) => {
  const report = await migrateTarget(request, createBackupStoreFromEnvironment());
  return { applied: report.applied.map((m) => m.version), pending: report.pending };
});

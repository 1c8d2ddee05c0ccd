import * as z from 'zod';
import { createBackupStoreFromEnvironment } from '#adapters/backup/index.ts';
import { restoreTarget } from '#adapters/database/workflow.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/** DbRestore: loads the backup taken at the start back into the target (`RestoreFailed`, rolled back). */
export const handler = dbTaskHandler(
  'db-restore',
  { manifestKey: z.string().min(1) },
  async ({ request, manifestKey }) => {
    await restoreTarget(request, createBackupStoreFromEnvironment(), manifestKey);
    return { restored: manifestKey };
  },
);

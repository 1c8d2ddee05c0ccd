import * as z from 'zod';
import { createBackupStoreFromEnvironment } from '#adapters/backup/index.ts';
import { restoreTarget } from '#adapters/database/workflow.ts';
import { RestoreFailedError, readableCause } from '#core/errors.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/**
 * DbRestore: loads the backup taken at the start back into the target and empties the tables this
 * execution copied into (`RestoreFailed`, rolled back, naming the error that called for the restore).
 */
export const handler = dbTaskHandler(
  'db-restore',
  {
    manifestKey: z.string().min(1),
    copyId: z.string().min(1),
    error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
  },
  async ({ request, manifestKey, copyId, error }) => {
    try {
      await restoreTarget(request, createBackupStoreFromEnvironment(), manifestKey, copyId);
    } catch (failure) {
      if (!(failure instanceof RestoreFailedError) || !error) throw failure;
      const after = [error.Error, readableCause(error.Cause)].filter(Boolean).join(': ');
      throw new RestoreFailedError(`${failure.message}; the target is as the failure left it (${after})`, {
        cause: failure,
      });
    }
    return { restored: manifestKey };
  },
);

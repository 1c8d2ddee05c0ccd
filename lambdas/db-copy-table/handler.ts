import * as z from 'zod';
import { copySlice } from '#adapters/database/workflow.ts';
import { createLockFromEnvironment } from '#adapters/lock/index.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';
import { refuseIfFencedOff } from '#lambdas/shared/execution-fence.ts';

/**
 * DbCopyTable: copies batches of one table until done or the time budget is spent (`copy.budgetSeconds`,
 * cut to the function's remaining time less a margin); returns the checkpoint. Before each batch it checks
 * that no rollback claimed the execution (`ExecutionStopped`: a stopped migration's copy stops there).
 */
export const handler = dbTaskHandler(
  'db-copy-table',
  { copyId: z.string().min(1), table: z.string().min(1) },
  async ({ request, executionArn, copyId, table }, invocation) => {
    const lock = createLockFromEnvironment();
    return copySlice(request, copyId, table, {
      timeLeftMs: invocation.timeLeftMs(),
      // Batches committed before the stop stay: UndoCopy is not run for a stopped migration.
      beforeBatch: () =>
        refuseIfFencedOff(
          lock,
          { service: request.service, executionArn },
          'db-copy-table',
          (why) => `db-copy-table started no further batch of ${table}: ${why}`,
        ),
    });
  },
);

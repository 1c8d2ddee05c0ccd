import * as z from 'zod';
import { copySlice } from '#adapters/database/workflow.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/**
 * DbCopyTable: copies batches of one table until done or the time budget is spent (`copy.budgetSeconds`,
 * cut to the function's remaining time less a margin); returns the checkpoint.
 */
export const handler = dbTaskHandler(
  'db-copy-table',
  { copyId: z.string().min(1), table: z.string().min(1) },
  async ({ request, copyId, table }, invocation) =>
    copySlice(request, copyId, table, { timeLeftMs: invocation.timeLeftMs() }),
);

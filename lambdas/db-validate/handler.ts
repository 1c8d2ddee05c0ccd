import { validateCopy } from '#adapters/database/workflow.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/** DbValidate: row counts and checksums of every table on both sides (`ValidationFailed` names the table). */
export const handler = dbTaskHandler('db-validate', {}, async ({ request }) => ({
  tables: (await validateCopy(request)).map(({ table, rows }) => ({ table, rows })),
}));

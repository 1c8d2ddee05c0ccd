import { validateCopy } from '#adapters/database/workflow.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/**
 * DbValidate: row counts and checksums of every table on both sides (`ValidationFailed` names the table),
 * and values a target's column type changes (`ValidationFailed` names the column). Each table lists the
 * columns it compared through a conversion to the target's type, when it has any.
 */
export const handler = dbTaskHandler('db-validate', {}, async ({ request }) => ({
  tables: (await validateCopy(request)).map(({ table, rows, converted }) => ({
    table,
    rows,
    ...(converted.length > 0 ? { converted } : {}),
  })),
}));

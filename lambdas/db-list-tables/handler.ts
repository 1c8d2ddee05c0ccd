import { sourceTables } from '#adapters/database/workflow.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/** DbListTables: the source's tables in load order (see `sourceTables`; empty without a source). */
export const handler = dbTaskHandler('db-list-tables', {}, async ({ request }) => ({
  tables: await sourceTables(request),
}));

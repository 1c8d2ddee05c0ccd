import { syncSequences } from '#adapters/database/workflow.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/** DbSyncSequences: target sequences set to the source's positions (or past max(id)). */
export const handler = dbTaskHandler('db-sync-sequences', {}, async ({ request }) => ({
  sequences: await syncSequences(request),
}));

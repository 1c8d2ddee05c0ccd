import { syncSequences } from '#adapters/database/workflow.ts';
import { createLockFromEnvironment } from '#adapters/lock/index.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';
import { refuseIfFencedOff } from '#lambdas/shared/execution-fence.ts';
import { logger } from '#lambdas/shared/task-handler.ts';

/**
 * DbSyncSequences: target sequences set to the source's positions (or past max(id)). Answers
 * `{ sequences, unmatched }`: the sequences set, and the source's that the target has no sequence for.
 */
export const handler = dbTaskHandler('db-sync-sequences', {}, async ({ request, executionArn }) => {
  await refuseIfFencedOff(
    createLockFromEnvironment(),
    { service: request.service, executionArn },
    'db-sync-sequences',
  );
  const { set, unmatched } = await syncSequences(request);
  if (unmatched.length > 0) logger.warn('source sequences without a target sequence', { unmatched });
  return { sequences: set, unmatched };
});

import { createLockFromEnvironment } from '#adapters/lock/index.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/** DbUnlock: releases the service lock if this execution holds it. */
export const handler = dbTaskHandler('db-unlock', {}, async ({ request, executionArn }) => {
  await createLockFromEnvironment().release(request.service, executionArn);
  return { unlocked: true };
});

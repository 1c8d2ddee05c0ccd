import { dependencies, lockFamily } from '#lambdas/shared/dependencies.ts';
import { taskHandler } from '#lambdas/shared/task-handler.ts';

/** Unlock: releases the service lock if this execution holds it (a no-op otherwise). */
export const handler = taskHandler('unlock', {}, async ({ request, executionArn }) => {
  await (await dependencies(request, { lock: lockFamily }).lock()).release(request.service, executionArn);
  return { unlocked: true };
});

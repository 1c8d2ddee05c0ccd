import * as z from 'zod';
import { clusterFamily, dependencies } from '#lambdas/shared/dependencies.ts';
import { taskHandler } from '#lambdas/shared/task-handler.ts';

/** Cleanup: removes the track the release no longer needs (the canary, or the drained old track). */
export const handler = taskHandler('cleanup', { track: z.string().min(1) }, async ({ request, track }) => {
  await (await dependencies(request, { cluster: clusterFamily }).cluster()).remove(request.service, track);
  return { removed: track };
});

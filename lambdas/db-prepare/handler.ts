import { loadMigrationsFromDirectory } from '#adapters/database/migrations.ts';
import { createLockFromEnvironment } from '#adapters/lock/index.ts';
import { ServiceLockedError } from '#core/errors.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/** A database migration holds the service lock for at most a day. */
const LOCK_SECONDS = 86_400;

/**
 * DbPrepare: the request checked and normalized, a migrations directory read (`ValidationError`: a
 * wrong path or file name ends here, before the backup), the service locked (`ServiceLocked`).
 */
export const handler = dbTaskHandler('db-prepare', {}, async ({ request, executionArn }) => {
  if (request.migrations?.directory) await loadMigrationsFromDirectory(request.migrations.directory);
  const lock = createLockFromEnvironment();
  if (!(await lock.acquire(request.service, executionArn, LOCK_SECONDS))) {
    const holder = await lock.holder(request.service);
    throw new ServiceLockedError(
      `${request.service.namespace}/${request.service.name} is locked by ${holder}`,
    );
  }
  return { request, executionArn, copyId: executionArn.split(':').at(-1)! };
});

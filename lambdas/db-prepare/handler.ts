import { checkBeforeLock } from '#adapters/database/workflow.ts';
import { createExecutionReaderFromEnvironment } from '#adapters/executions/index.ts';
import { createLockFromEnvironment } from '#adapters/lock/index.ts';
import { executionNameOf, siblingExecutionArn } from '#core/api-routes.ts';
import { DEFAULT_RDS_POLL_SECONDS } from '#core/polling.ts';
import {
  type DatabaseMigrationRequest,
  databaseMigrationAdmissionSchema,
  rdsChecks,
} from '#core/schemas/database-migration.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';
import { lockForExecution } from '#lambdas/shared/execution-fence.ts';

/** What a database migration may take besides its RDS waits (backup, migrations, copy, validation). */
const REST_SECONDS = 86_400;

/**
 * How long a database migration holds the service lock (it is not renewed): the longest the request's RDS
 * waits may take (snapshot, green environment, switchover: each its checks times `rds.pollSeconds`) plus a
 * day for the rest.
 *
 * @example
 * lockSeconds(request); // 86_400 without RDS waits; 94_380 with a 600 s snapshot and the Blue/Green defaults
 */
function lockSeconds(request: DatabaseMigrationRequest): number {
  const poll = request.rds?.pollSeconds ?? DEFAULT_RDS_POLL_SECONDS;
  return REST_SECONDS + rdsChecks(request, poll) * poll;
}

/**
 * DbPrepare: the request checked and normalized, admitted (`databaseMigrationAdmissionSchema`), a migrations directory read and checked as Migrate
 * would against the target's history, and `database.schemas` found (`ValidationError`: a wrong path or
 * file name, a file Migrate would refuse, or a missing schema, ends here, before the lock and the backup;
 * see `checkBeforeLock`), the service locked (`ServiceLocked`) for {@link lockSeconds}.
 */
export const handler = dbTaskHandler(
  'db-prepare',
  {},
  async ({ request, executionArn }) => {
    // A copy run is named after its execution, one of this state machine's.
    await checkBeforeLock(request, undefined, (copyId) =>
      createExecutionReaderFromEnvironment().describe(siblingExecutionArn(executionArn, copyId)),
    );
    await lockForExecution(
      { lock: createLockFromEnvironment(), executions: async () => createExecutionReaderFromEnvironment() },
      request.service,
      executionArn,
      lockSeconds(request),
      'db-prepare',
    );
    return { request, executionArn, copyId: executionNameOf(executionArn) };
  },
  databaseMigrationAdmissionSchema,
);

import * as z from 'zod';
import { createRdsClient, snapshotStatus } from '#adapters/database/rds.ts';
import { BackupFailedError } from '#core/errors.ts';
import { nextPoll, pollShape } from '#lambdas/shared/db-polling.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/** DbCheckSnapshot, one turn of the snapshot loop: `ready` once `available`; `BackupFailed` if it fails or times out. */
export const handler = dbTaskHandler(
  'db-check-snapshot',
  { snapshotIdentifier: z.string().min(1), ...pollShape },
  async ({ request, snapshotIdentifier, attempt, maxAttempts }) => {
    const { status, ready } = await snapshotStatus(createRdsClient(request.rds), snapshotIdentifier);
    const poll = nextPoll(
      { attempt, maxAttempts },
      ready,
      (checks) =>
        new BackupFailedError(`RDS snapshot ${snapshotIdentifier} still ${status} after ${checks} checks`),
    );
    return { snapshotIdentifier, status, ...poll };
  },
);

import * as z from 'zod';
import { createRdsClient, switchoverBlueGreen } from '#adapters/database/rds.ts';
import { createLockFromEnvironment } from '#adapters/lock/index.ts';
import { DEFAULT_RDS_POLL_SECONDS, switchoverWaitSeconds } from '#core/polling.ts';
import { firstPoll } from '#lambdas/shared/db-polling.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';
import { refuseIfFencedOff } from '#lambdas/shared/execution-fence.ts';

/** DbSwitchoverBlueGreen: asks RDS to switch over within `blueGreen.switchoverTimeoutSeconds`. */
export const handler = dbTaskHandler(
  'db-switchover-blue-green',
  { identifier: z.string().min(1) },
  async ({ request, executionArn, identifier }) => {
    await refuseIfFencedOff(
      createLockFromEnvironment(),
      { service: request.service, executionArn },
      'db-switchover-blue-green',
    );
    const timeoutSeconds = request.blueGreen!.switchoverTimeoutSeconds;
    await switchoverBlueGreen(createRdsClient(request.rds), identifier, timeoutSeconds);
    const pollSeconds = request.rds?.pollSeconds ?? DEFAULT_RDS_POLL_SECONDS;
    return { identifier, ...firstPoll(request, switchoverWaitSeconds(timeoutSeconds, pollSeconds)) };
  },
);

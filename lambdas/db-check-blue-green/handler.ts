import * as z from 'zod';
import { blueGreenState, createRdsClient } from '#adapters/database/rds.ts';
import { BlueGreenSwitchoverFailedError } from '#core/errors.ts';
import { nextPoll, pollShape } from '#lambdas/shared/db-polling.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/** The status each phase waits for. */
const AWAITED = { available: 'AVAILABLE', switchover: 'SWITCHOVER_COMPLETED' } as const;

/**
 * DbCheckBlueGreen, one turn of a Blue/Green loop: `ready` once the deployment is `AVAILABLE` (phase
 * `available`) or `SWITCHOVER_COMPLETED` (phase `switchover`); `BlueGreenSwitchoverFailed` on a failed
 * status or when the phase's time is up.
 */
export const handler = dbTaskHandler(
  'db-check-blue-green',
  { identifier: z.string().min(1), phase: z.enum(['available', 'switchover']), ...pollShape },
  async ({ request, identifier, phase, attempt, maxAttempts }) => {
    const { status } = await blueGreenState(createRdsClient(request.rds), identifier);
    const poll = nextPoll(
      { attempt, maxAttempts },
      status === AWAITED[phase],
      (checks) =>
        new BlueGreenSwitchoverFailedError(
          `Blue/Green deployment ${identifier} still ${status} after ${checks} checks (waiting for ${AWAITED[phase]})`,
        ),
    );
    return { identifier, status, ...poll };
  },
);

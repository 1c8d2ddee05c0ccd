import * as z from 'zod';
import { assertReadyForSwitchover, blueGreenState, createRdsClient } from '#adapters/database/rds.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/** DbValidateBlueGreen: every member `AVAILABLE` and every task `COMPLETED`, else `BlueGreenSwitchoverFailed`. */
export const handler = dbTaskHandler(
  'db-validate-blue-green',
  { identifier: z.string().min(1) },
  async ({ request, identifier }) => {
    const state = await blueGreenState(createRdsClient(request.rds), identifier);
    assertReadyForSwitchover(identifier, state);
    return { identifier, members: state.members.length };
  },
);

import { createBlueGreen, createRdsClient, cutoverIdentifier } from '#adapters/database/rds.ts';
import { executionNameOf } from '#core/api-routes.ts';
import { firstPoll } from '#lambdas/shared/db-polling.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/** Blue/Green deployment names are at most 60 characters. */
const NAME_LENGTH = 60;

/** DbCreateBlueGreen: creates the green environment (`BlueGreenSwitchoverFailed` if RDS refuses). */
export const handler = dbTaskHandler('db-create-blue-green', {}, async ({ request, executionArn }) => {
  const blueGreen = request.blueGreen!;
  const identifier = await createBlueGreen(createRdsClient(request.rds), {
    ...blueGreen,
    name: cutoverIdentifier([request.service.name, executionNameOf(executionArn)], NAME_LENGTH),
    service: request.service,
    executionArn,
  });
  return { identifier, ...firstPoll(request, blueGreen.availableTimeoutSeconds) };
});

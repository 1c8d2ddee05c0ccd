import { blueGreenDeploymentName, createBlueGreen, createRdsClient } from '#adapters/database/rds.ts';
import { firstPoll } from '#lambdas/shared/db-polling.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/** DbCreateBlueGreen: creates the green environment (`BlueGreenSwitchoverFailed` if RDS refuses). */
export const handler = dbTaskHandler('db-create-blue-green', {}, async ({ request, executionArn }) => {
  const blueGreen = request.blueGreen!;
  const identifier = await createBlueGreen(createRdsClient(request.rds), {
    ...blueGreen,
    name: blueGreenDeploymentName(request.service.name, executionArn),
    service: request.service,
    executionArn,
  });
  return { identifier, ...firstPoll(request, blueGreen.availableTimeoutSeconds) };
});

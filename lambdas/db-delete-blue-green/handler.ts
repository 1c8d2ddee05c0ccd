import * as z from 'zod';
import { deleteBlueGreen } from '#adapters/database/blue-green-cleanup.ts';
import { blueGreenDeploymentName, createRdsClient } from '#adapters/database/rds.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

/**
 * DbDeleteBlueGreen: after a failure or a stop, deletes the execution's Blue/Green deployment with its
 * green instances, or keeps it once it switched over (production then runs on the former green). Without
 * `identifier` (a stopped execution, or a CreateBlueGreen that failed), finds it by the name CreateBlueGreen
 * gave it.
 */
export const handler = dbTaskHandler(
  'db-delete-blue-green',
  { identifier: z.string().min(1).optional() },
  async ({ request, executionArn, identifier }) => {
    const ref = identifier
      ? { identifier }
      : { name: blueGreenDeploymentName(request.service.name, executionArn), executionArn };
    return deleteBlueGreen(createRdsClient(request.rds), ref);
  },
);

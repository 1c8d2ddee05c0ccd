import { ValidationError } from '#core/errors.ts';
import { isValidWeights } from '#core/plan/index.ts';
import { applyWeights } from '#lambdas/shared/apply-weights.ts';
import { dependencies, lockFamily, trafficFamily } from '#lambdas/shared/dependencies.ts';
import { refuseIfFencedOff } from '#lambdas/shared/execution-fence.ts';
import { taskHandler, weightsSchema } from '#lambdas/shared/task-handler.ts';

/**
 * SetWeights: sends traffic to the tracks by absolute percentages. When the router can check its data
 * plane and the weights are not in effect yet, throws `TransientAdapterError` so the state retries.
 * Returns `{ weights, shiftedAt }`: the analysis of the step counts traffic from `shiftedAt` on.
 */
export const handler = taskHandler(
  'set-weights',
  { weights: weightsSchema },
  async ({ request, executionArn, weights }) => {
    if (!isValidWeights(weights)) {
      throw new ValidationError(
        `weights must be integers 0-100 summing to 100 (got ${JSON.stringify(weights)})`,
      );
    }
    const deps = dependencies(request, { router: trafficFamily, lock: lockFamily });
    const router = await deps.router();
    await refuseIfFencedOff(await deps.lock(), { service: request.service, executionArn }, 'set-weights');
    await applyWeights(router, request.service, weights);
    return { weights, shiftedAt: new Date().toISOString() };
  },
);

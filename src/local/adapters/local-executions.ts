import { executionReaders } from '#adapters/executions/index.ts';
import { executionOutcome } from '#adapters/executions/step-functions.ts';
import type { ExecutionReader } from '#core/ports/executions.ts';
import type { LocalStepFunctions } from '../service.ts';
import { StepFunctionsApiError } from '../service-errors.ts';

/** The runtimes started in this process: an execution ARN names one of theirs at most. */
const runtimes = new Set<Pick<LocalStepFunctions, 'describeExecution'>>();

/** The `local` execution reader: DescribeExecution of the runtimes in this process. */
const localExecutions: ExecutionReader = {
  async describe(executionArn) {
    for (const runtime of runtimes) {
      try {
        return executionOutcome(await runtime.describeExecution({ executionArn }));
      } catch (error) {
        const absent =
          error instanceof StepFunctionsApiError &&
          (error.code === 'ExecutionDoesNotExist' || error.code === 'InvalidArn');
        if (!absent) throw error;
      }
    }
    return undefined;
  },
};

/**
 * Registers the `local` type of the `executions` family, reading `service`'s executions (and those of the
 * other runtimes of this process). Returns what unregisters `service`.
 *
 * @example
 * const unregister = registerLocalExecutions(service);
 * unregister(); // on close
 */
export function registerLocalExecutions(service: Pick<LocalStepFunctions, 'describeExecution'>): () => void {
  runtimes.add(service);
  executionReaders.register('local', () => localExecutions);
  return () => void runtimes.delete(service);
}

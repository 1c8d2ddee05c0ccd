import type { DescribeExecutionOutput, SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionOutcome, ExecutionReader } from '#core/ports/executions.ts';
import { asAdapterError } from '../aws-errors.ts';

/** The outcome a DescribeExecution answer tells (the AWS SDK's, or the local runtime's of the same shape). */
export function executionOutcome({
  status,
  error,
  input,
  startDate,
  stopDate,
}: DescribeExecutionOutput): ExecutionOutcome {
  return {
    status: status ?? 'RUNNING',
    ...(error ? { error } : {}),
    ...(input ? { input } : {}),
    ...(startDate ? { startDate } : {}),
    ...(stopDate ? { stopDate } : {}),
  };
}

/**
 * Reads executions with Step Functions' DescribeExecution (`states:DescribeExecution`).
 *
 * @example
 * const executions = new StepFunctionsExecutions(new SFNClient({}));
 * await executions.describe('arn:aws:states:eu-west-1:123456789012:execution:cutover-canary:v42'); // { status: 'FAILED', error: 'AnalysisFailed' }
 */
export class StepFunctionsExecutions implements ExecutionReader {
  readonly #client: Pick<SFNClient, 'send'>;

  constructor(client: Pick<SFNClient, 'send'>) {
    this.#client = client;
  }

  async describe(executionArn: string): Promise<ExecutionOutcome | undefined> {
    const { DescribeExecutionCommand } = await import('@aws-sdk/client-sfn');
    try {
      return executionOutcome(await this.#client.send(new DescribeExecutionCommand({ executionArn })));
    } catch (error) {
      const name = (error as { name?: string } | undefined)?.name;
      if (name === 'ExecutionDoesNotExist' || name === 'InvalidArn') return undefined;
      throw asAdapterError(error, 'states:DescribeExecution');
    }
  }
}

import type { SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionOutcome, ExecutionReader } from '#core/ports/executions.ts';
import { asAdapterError } from '../aws-errors.ts';

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
      const { status, error } = await this.#client.send(new DescribeExecutionCommand({ executionArn }));
      return { status: status ?? 'RUNNING', ...(error ? { error } : {}) };
    } catch (error) {
      const name = (error as { name?: string } | undefined)?.name;
      if (name === 'ExecutionDoesNotExist' || name === 'InvalidArn') return undefined;
      throw asAdapterError(error, 'states:DescribeExecution');
    }
  }
}

import type { ExecutionReader } from '#core/ports/executions.ts';
import { clientOnFirstSend } from '../aws-clients.ts';
import { AdapterRegistry } from '../registry.ts';
import { StepFunctionsExecutions } from './step-functions.ts';

/** Which executions to read: Step Functions (AWS), or the local runtime's. */
export type ExecutionReaderConfig =
  | { readonly type: 'step-functions'; readonly region?: string }
  | { readonly type: 'local' };

/** The `executions` family: `step-functions` registers here; the local runtime registers `local` at start-up. */
export const executionReaders = new AdapterRegistry<ExecutionReaderConfig, ExecutionReader>('executions');

executionReaders.register('step-functions', (config) => {
  const { region } = config as Extract<ExecutionReaderConfig, { type: 'step-functions' }>;
  const client = clientOnFirstSend(
    async () => new (await import('@aws-sdk/client-sfn')).SFNClient(region ? { region } : {}),
  );
  return new StepFunctionsExecutions(client);
});

/**
 * The execution reader the task functions use: Step Functions where the lock is the DynamoDB state table
 * (`CUTOVER_STATE_TABLE` set, as on AWS), else the local runtime's.
 *
 * @example
 * const executions = createExecutionReaderFromEnvironment(process.env);
 */
export function createExecutionReaderFromEnvironment(env: NodeJS.ProcessEnv = process.env): ExecutionReader {
  return executionReaders.create(
    env.CUTOVER_STATE_TABLE
      ? { type: 'step-functions', ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}) }
      : { type: 'local' },
  );
}

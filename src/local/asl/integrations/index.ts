/** Request-response and `.waitForTaskToken` service integrations of the Task state. */

import { STATES_ERRORS, StatesError } from '../errors.ts';
import type { StateRun } from '../state-run.ts';
import { invokeLambda, lambdaInvokeResponse } from './lambda.ts';
import { startedExecutionResult, startNestedExecution } from './nested-execution.ts';
import { type IntegrationResult, publishToSnsSink, putEventsToSink } from './sinks.ts';

export type { IntegrationResult } from './sinks.ts';

/** The service integrations this runtime supports, as `service:action`. */
export const SUPPORTED_INTEGRATIONS = [
  'lambda:invoke',
  'sns:publish',
  'events:putEvents',
  'states:startExecution',
];

/** Calls `service:action` with the task's parameters. */
export async function invokeIntegration(
  run: StateRun,
  service: string,
  action: string,
  parameters: unknown,
  taskToken: string | undefined,
): Promise<IntegrationResult> {
  const { engine } = run;
  const now = engine.clock.now();
  switch (`${service}:${action}`) {
    case 'lambda:invoke': {
      const params = (parameters ?? {}) as { FunctionName?: unknown; Payload?: unknown };
      if (typeof params.FunctionName !== 'string') {
        throw new StatesError(
          STATES_ERRORS.Runtime,
          'lambda:invoke needs Parameters.FunctionName (a function name or ARN)',
        );
      }
      const context = { executionArn: run.run.row.arn, ...(taskToken === undefined ? {} : { taskToken }) };
      const payload = await invokeLambda(engine.lambdas, params.FunctionName, params.Payload ?? {}, context);
      return { output: lambdaInvokeResponse(payload) };
    }
    case 'sns:publish':
      return publishToSnsSink(engine.store, parameters, now);
    case 'events:putEvents':
      return putEventsToSink(engine.store, parameters, now);
    case 'states:startExecution': {
      const row = startNestedExecution(engine, parameters, run.run.row.arn);
      engine.launch(row);
      return { output: startedExecutionResult(row) };
    }
    default:
      throw new StatesError(
        STATES_ERRORS.Runtime,
        `Unsupported service integration '${service}:${action}' (supported: ${SUPPORTED_INTEGRATIONS.join(', ')})`,
      );
  }
}

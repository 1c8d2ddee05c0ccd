/** Request-response and `.waitForTaskToken` service integrations of the Task state. */

import { STATES_ERRORS, StatesError } from '../errors.ts';
import type { StateRun } from '../state-run.ts';
import { invokeLambdaIntegration } from './lambda.ts';
import { startedExecutionResult, startNestedExecution } from './nested-execution.ts';
import { SUPPORTED_INTEGRATIONS } from './resource.ts';
import { type IntegrationResult, publishToSnsSink, putEventsToSink } from './sinks.ts';

export type { IntegrationResult } from './sinks.ts';

/** Whether this runtime serves the integration `service:action` (one of {@link SUPPORTED_INTEGRATIONS}). */
export function servesIntegration(service: string, action: string): boolean {
  return SUPPORTED_INTEGRATIONS.includes(`${service}:${action}`);
}

/** The `States.Runtime` error of a task whose integration this runtime does not serve. */
export function unsupportedIntegration(service: string, action: string): StatesError {
  return new StatesError(
    STATES_ERRORS.Runtime,
    `Unsupported service integration '${service}:${action}' (supported: ${SUPPORTED_INTEGRATIONS.join(', ')})`,
  );
}

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
      const context = { executionArn: run.run.row.arn, ...(taskToken === undefined ? {} : { taskToken }) };
      return { output: await invokeLambdaIntegration(engine.lambdas, parameters, context, now) };
    }
    case 'sns:publish':
      return publishToSnsSink(engine.store, parameters, now);
    case 'events:putEvents':
      return putEventsToSink(engine.store, parameters, {
        origin: { stateMachineArn: run.run.row.stateMachineArn, executionArn: run.run.row.arn },
        now,
      });
    case 'states:startExecution': {
      const row = startNestedExecution(engine, parameters, run.run.row.arn);
      engine.launch(row);
      return { output: startedExecutionResult(row, now) };
    }
    default:
      throw unsupportedIntegration(service, action);
  }
}

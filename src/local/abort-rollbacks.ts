import {
  ABORTED_REASON,
  isRollbackWorkflow,
  ROLLBACK_MACHINE,
  type RollbackInput,
  rollbackExecutionName,
} from '#core/rollback.ts';
import type { RegisteredStateMachine } from './project/state-machines.ts';
import type { LocalStepFunctions } from './service.ts';
import { StepFunctionsApiError } from './service-errors.ts';

/**
 * The local counterpart of the CDK app's AbortRollbacks rules: when an execution of a release strategy's
 * or the database migration's state machine ends ABORTED (StopExecution from any client), starts the
 * rollback machine with `{ strategy, executionArn, input, reason }`, the reason being the stop's cause: it
 * restores a release and unlocks its service, or unlocks a migration's. The rollback is named
 * `abort-<execution name>`, as `cutover abort` names it, so the two never restore a release twice.
 * Returns a function that stops watching.
 *
 * @example
 * const stopWatching = rollBackAbortedReleases(service, await registerStateMachines(service, machines));
 */
export function rollBackAbortedReleases(
  service: LocalStepFunctions,
  machines: readonly RegisteredStateMachine[],
): () => void {
  const rollback = machines.find((machine) => machine.name === ROLLBACK_MACHINE);
  if (!rollback) return () => undefined;
  const strategyOf = new Map(
    machines.flatMap((m) => (isRollbackWorkflow(m.name) ? [[m.stateMachineArn, m.name] as const] : [])),
  );
  return service.onExecutionEnd((execution) => {
    const strategy = strategyOf.get(execution.stateMachineArn ?? '');
    if (execution.status !== 'ABORTED' || strategy === undefined) return;
    const executionArn = execution.executionArn!;
    const input: RollbackInput = {
      strategy,
      executionArn,
      input: execution.input ?? '{}',
      reason: execution.cause || ABORTED_REASON,
    };
    service
      .startExecution({
        stateMachineArn: rollback.stateMachineArn,
        name: rollbackExecutionName(executionArn),
        input: JSON.stringify(input),
      })
      .catch((error: unknown) => {
        // Already started for this execution (by `cutover abort` or an earlier stop): nothing more to do.
        if (!(error instanceof StepFunctionsApiError && error.code === 'ExecutionAlreadyExists')) {
          console.warn(`Rollback of ${executionArn} not started: ${(error as Error).message}`);
        }
      });
  });
}

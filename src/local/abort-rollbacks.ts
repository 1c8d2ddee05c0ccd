import { executionArnIn } from '#core/api-routes.ts';
import type { Lock } from '#core/ports/lock.ts';
import {
  ABORTED_REASON,
  type DescribeRollback,
  isRollbackWorkflow,
  ROLLBACK_MACHINE,
  type RollbackInput,
  type RollbackWorkflow,
  rollbackOfStop,
} from '#core/rollback.ts';
import { serviceSchema } from '#core/schemas/common.ts';
import type { ServiceRef } from '#core/types.ts';
import type { RegisteredStateMachine } from './project/state-machines.ts';
import type { LocalStepFunctions } from './service.ts';
import { StepFunctionsApiError } from './service-errors.ts';

/**
 * The local counterpart of the CDK app's AbortRollbacks rules: when an execution of a release strategy's
 * or the database migration's state machine ends ABORTED (StopExecution from any client), starts the
 * rollback machine with `{ strategy, executionArn, input, reason }`, the reason being the stop's cause: it
 * restores a release and unlocks its service, or unlocks a migration's. The rollback is named as
 * `cutover abort` names it (`abort-<execution name>`, or `abort-<8 hex>-<execution name>` when another
 * execution's rollback holds that name), so the two never restore a release twice.
 * Returns a function that stops watching.
 *
 * @example
 * const stopWatching = rollBackAbortedReleases(service, await registerStateMachines(service, machines));
 */
export function rollBackAbortedReleases(
  service: LocalStepFunctions,
  machines: readonly RegisteredStateMachine[],
): () => void {
  const workflows = rollbackWorkflows(machines);
  if (!workflows) return () => undefined;
  return service.onExecutionEnd((execution) => {
    const strategy = workflows.strategyOf.get(execution.stateMachineArn ?? '');
    if (execution.status !== 'ABORTED' || strategy === undefined) return;
    void startRollback(service, workflows.rollbackArn, strategy, execution);
  });
}

/**
 * Starts the rollback of every stopped execution that still holds its service's lock and has no rollback
 * named `abort-<its name>`: a runtime killed between committing a stop and committing its rollback's start
 * would otherwise leave that release half done and its service locked. (A stop whose execution holds no
 * lock changed nothing, or was cleaned up; one whose service another execution holds now must not be
 * restored over it.) Run it once the runtime resumed its executions; returns the executions it started
 * rollbacks for.
 *
 * @example
 * service.start();
 * await rollBackMissedAborts(service, stateMachines, adapters.lock);
 */
export async function rollBackMissedAborts(
  service: LocalStepFunctions,
  machines: readonly RegisteredStateMachine[],
  lock: Lock,
): Promise<string[]> {
  const workflows = rollbackWorkflows(machines);
  if (!workflows) return [];
  const started: string[] = [];
  for (const [stateMachineArn, strategy] of workflows.strategyOf) {
    for (const executionArn of await abortedExecutions(service, stateMachineArn)) {
      // Most stops hold no lock (their rollback released it): that check first, the rollback lookup after.
      const execution = await service.describeExecution({ executionArn });
      const target = serviceOf(execution.input);
      if (!target || (await lock.holder(target)) !== executionArn) continue;
      const rollback = await rollbackOfStop(executionArn, rollbacksIn(service, workflows.rollbackArn));
      if (rollback.started) continue;
      await startRollback(service, workflows.rollbackArn, strategy, execution);
      started.push(executionArn);
    }
  }
  return started;
}

/** The service a release's or migration's input names (its namespace `default` when left out), if any. */
function serviceOf(input: string | undefined): ServiceRef | undefined {
  try {
    const parsed = serviceSchema.safeParse((JSON.parse(input ?? '{}') as { service?: unknown }).service);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The rollback machine and the workflows whose stops it cleans up after; none without a rollback machine. */
function rollbackWorkflows(machines: readonly RegisteredStateMachine[]) {
  const rollback = machines.find((machine) => machine.name === ROLLBACK_MACHINE);
  if (!rollback) return undefined;
  const strategyOf = new Map(
    machines.flatMap((m) => (isRollbackWorkflow(m.name) ? [[m.stateMachineArn, m.name] as const] : [])),
  );
  return { rollbackArn: rollback.stateMachineArn, strategyOf };
}

async function startRollback(
  service: LocalStepFunctions,
  rollbackArn: string,
  strategy: RollbackWorkflow,
  execution: { executionArn?: string; input?: string; cause?: string },
): Promise<void> {
  const executionArn = execution.executionArn!;
  const input: RollbackInput = {
    strategy,
    executionArn,
    input: execution.input ?? '{}',
    reason: execution.cause || ABORTED_REASON,
  };
  const rollbacks = rollbacksIn(service, rollbackArn);
  // A name taken meanwhile (by `cutover abort` for this stop, or by another stop's rollback): look again once.
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      const { name, started } = await rollbackOfStop(executionArn, rollbacks);
      if (started) return;
      await service.startExecution({ stateMachineArn: rollbackArn, name, input: JSON.stringify(input) });
      return;
    } catch (error) {
      const taken = error instanceof StepFunctionsApiError && error.code === 'ExecutionAlreadyExists';
      if (!taken || attempt === 2) {
        console.warn(`Rollback of ${executionArn} not started: ${(error as Error).message}`);
        return;
      }
    }
  }
}

/** The executions of `stateMachineArn` that ended ABORTED. */
async function abortedExecutions(service: LocalStepFunctions, stateMachineArn: string): Promise<string[]> {
  const found: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await service.listExecutions({ stateMachineArn, statusFilter: 'ABORTED', nextToken });
    for (const execution of page.executions ?? []) found.push(execution.executionArn!);
    nextToken = page.nextToken;
  } while (nextToken);
  return found;
}

/**
 * The rollback machine's executions by name, for `rollbackOfStop`: the execution, or undefined when there is
 * none of that name.
 *
 * @example
 * const { name, started } = await rollbackOfStop(executionArn, rollbacksIn(service, rollbackArn));
 */
export function rollbacksIn(
  service: Pick<LocalStepFunctions, 'describeExecution'>,
  rollbackArn: string,
): DescribeRollback {
  return async (name) => {
    try {
      return await service.describeExecution({ executionArn: executionArnIn(rollbackArn, name) });
    } catch (error) {
      if (error instanceof StepFunctionsApiError && error.code === 'ExecutionDoesNotExist') return undefined;
      throw error;
    }
  };
}

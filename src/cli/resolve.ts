import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  type SFNClient,
  type StateMachineListItem,
} from '@aws-sdk/client-sfn';
import { executionArnIn } from '#core/api-routes.ts';
import { ROLLBACK_MACHINE } from '#core/rollback.ts';
import { STRATEGIES as RELEASE_STRATEGIES } from '#core/strategies.ts';
import { CliError, ExitCode } from './exit-codes.ts';

/** The workflows Cutover ships a state machine for: the release strategies and the database migration. */
export const STRATEGIES = [...RELEASE_STRATEGIES, 'database-migration'] as const;
export type CliStrategy = (typeof STRATEGIES)[number];

/** Every state machine Cutover ships: the workflows `run` starts, and the rollback `abort` starts. */
const CUTOVER_MACHINES = [...STRATEGIES, ROLLBACK_MACHINE];

/** A usage error naming the allowed values unless `strategy` is one of `allowed`. */
export function assertStrategy<T extends string>(
  strategy: string,
  allowed: readonly T[],
): asserts strategy is T {
  if (!(allowed as readonly string[]).includes(strategy)) {
    throw new CliError(`strategy must be one of: ${allowed.join(', ')} (got "${strategy}")`, ExitCode.Usage);
  }
}

/** True when a state machine's name is the workflow's: `canary` locally, `<prefix>-canary` as deployed by CDK. */
export function isWorkflowMachineName(name: string, workflow: string): boolean {
  return name === workflow || name.toLowerCase().endsWith(`-${workflow}`);
}

function isStrategyMachine(machine: StateMachineListItem, strategy: string): boolean {
  return isWorkflowMachineName(machine.name ?? '', strategy);
}

async function listStateMachines(sfn: SFNClient): Promise<StateMachineListItem[]> {
  const machines: StateMachineListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListStateMachinesCommand({ nextToken }));
    machines.push(...(page.stateMachines ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return machines;
}

/**
 * The ARN of the rollback state machine (`statemachines/rollback.asl.json`), which restores a stopped
 * release; a clear error when the endpoint has none.
 */
export async function resolveRollbackMachineArn(sfn: SFNClient): Promise<string> {
  const machine = (await listStateMachines(sfn)).find((m) => isStrategyMachine(m, ROLLBACK_MACHINE));
  if (!machine?.stateMachineArn) throw new CliError('no rollback state machine at this endpoint');
  return machine.stateMachineArn;
}

/** The ARN of the state machine that runs `strategy`; a clear error when the endpoint has none. */
export async function resolveStateMachineArn(sfn: SFNClient, strategy: string): Promise<string> {
  assertStrategy(strategy, STRATEGIES);
  const machine = (await listStateMachines(sfn)).find((m) => isStrategyMachine(m, strategy));
  if (!machine?.stateMachineArn) {
    throw new CliError(
      `no state machine for "${strategy}" at this endpoint: is \`cutover local\` running, in the Cutover ` +
        'project or with --project-dir naming it?',
    );
  }
  return machine.stateMachineArn;
}

/** The state machines of Cutover's workflows (releases and database migrations), each with its workflow. */
export async function workflowStateMachines(
  sfn: SFNClient,
): Promise<{ readonly workflow: CliStrategy; readonly stateMachineArn: string }[]> {
  const machines = await listStateMachines(sfn);
  return machines.flatMap((machine) => {
    const workflow = STRATEGIES.find((strategy) => isStrategyMachine(machine, strategy));
    return workflow && machine.stateMachineArn
      ? [{ workflow, stateMachineArn: machine.stateMachineArn }]
      : [];
  });
}

/** Every execution of Cutover's state machines (releases, migrations, rollbacks), newest first, optionally of one status. */
export async function listCutoverExecutions(
  sfn: SFNClient,
  statusFilter?: string,
): Promise<ExecutionListItem[]> {
  const machines = (await listStateMachines(sfn)).filter((m) =>
    CUTOVER_MACHINES.some((s) => isStrategyMachine(m, s)),
  );
  const executions: ExecutionListItem[] = [];
  for (const machine of machines) {
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: machine.stateMachineArn,
          statusFilter: statusFilter as ExecutionListItem['status'],
          nextToken,
        }),
      );
      executions.push(...(page.executions ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return executions.sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0));
}

/** `executionArn` once DescribeExecution finds it; a usage error naming it when it does not exist. */
async function existingExecutionArn(sfn: SFNClient, executionArn: string): Promise<string> {
  try {
    await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return executionArn;
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ExecutionDoesNotExist') {
      throw new CliError(`no execution with ARN "${executionArn}"`, ExitCode.Usage, { cause: error });
    }
    if (name === 'InvalidArn') {
      throw new CliError(
        `"${executionArn}" is not an execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>)`,
        ExitCode.Usage,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * An execution ARN from an ARN or an execution name: one DescribeExecution per Cutover state machine (an
 * execution's ARN is its machine's with `execution` and the name), not a listing of every execution. An
 * execution that does not exist, by name or ARN, is a usage error naming it.
 */
export async function resolveExecutionArn(sfn: SFNClient, ref: string): Promise<string> {
  if (ref.startsWith('arn:')) return existingExecutionArn(sfn, ref);
  const matches = await executionsNamed(sfn, ref);
  if (matches.length === 0) throw new CliError(`no execution named "${ref}"`, ExitCode.Usage);
  if (matches.length > 1) {
    throw new CliError(`"${ref}" names ${matches.length} executions; pass the execution ARN`, ExitCode.Usage);
  }
  return matches[0]!;
}

/** The ARNs of the executions named `name`, one DescribeExecution per Cutover state machine. */
export async function executionsNamed(sfn: SFNClient, name: string): Promise<string[]> {
  const candidates = (await listStateMachines(sfn))
    .filter((m) => CUTOVER_MACHINES.some((s) => isStrategyMachine(m, s)))
    .map((m) => executionArnIn(m.stateMachineArn!, name));
  const found = await Promise.all(
    candidates.map((executionArn) =>
      sfn.send(new DescribeExecutionCommand({ executionArn })).then(
        () => executionArn,
        (error: Error) => {
          // A name that cannot be part of an ARN (spaces, brackets) names no execution either.
          if (error.name === 'ExecutionDoesNotExist' || error.name === 'InvalidArn') return undefined;
          throw error;
        },
      ),
    ),
  );
  return found.filter((arn) => arn !== undefined);
}

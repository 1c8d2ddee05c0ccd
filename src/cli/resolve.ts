import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  type SFNClient,
  type StateMachineListItem,
} from '@aws-sdk/client-sfn';
import { executionArnIn } from '#core/api-routes.ts';
import {
  CUTOVER_WORKFLOWS,
  type CutoverMachine,
  machineParts,
  ROLLBACK_MACHINE,
  stateMachineName,
} from '#core/rollback.ts';
import { closestName } from '#core/schemas/closest-name.ts';
import { STRATEGIES as RELEASE_STRATEGIES } from '#core/strategies.ts';
import { CliError, ExitCode } from './exit-codes.ts';

/** The workflows Cutover ships a state machine for: the release strategies and the database migration. */
export const STRATEGIES = [...RELEASE_STRATEGIES, 'database-migration'] as const;
export type CliStrategy = (typeof STRATEGIES)[number];

/** A usage error naming the allowed values unless `strategy` is one of `allowed`. */
export function assertStrategy<T extends string>(
  strategy: string,
  allowed: readonly T[],
): asserts strategy is T {
  if (!(allowed as readonly string[]).includes(strategy)) {
    const meant = closestName(strategy, allowed);
    throw new CliError(
      `strategy must be one of: ${allowed.join(', ')} (got "${strategy}")${meant ? `: did you mean ${meant}?` : ''}`,
      ExitCode.Usage,
    );
  }
}

/** The most state machines one ListStateMachines call returns. */
const MACHINES_PER_PAGE = 1000;

/**
 * Which state machines at an endpoint are Cutover's: `<workflow>` in the local runtime (no `stack`),
 * `<stack>-<workflow>` as a CDK stack deploys them (`Cutover-canary`).
 */
export interface MachineNaming {
  /** The stack whose machines these are; undefined for the local runtime's. */
  readonly stack?: string;
  /** Whether the user named the stack (`--stack`, `$CUTOVER_STACK`): else the machines of several stacks are refused. */
  readonly named?: boolean;
}

/** The local runtime's naming: each machine is named after its workflow. */
export const LOCAL_MACHINES: MachineNaming = {};

/** The name of `workflow`'s state machine: `canary` locally, `Cutover-canary` in the stack `Cutover`. */
function machineName({ stack }: MachineNaming, workflow: CutoverMachine): string {
  return stack === undefined ? workflow : stateMachineName(stack, workflow);
}

/** The names of Cutover's state machines under `naming`, as a list: `canary, blue-green, ...`. */
function machineNames(naming: MachineNaming): string {
  return CUTOVER_WORKFLOWS.map((workflow) => machineName(naming, workflow)).join(', ');
}

/** The naming of the machine that ran `executionArn`: the rollback of a stop is in the stopped execution's stack. */
export function namingOfExecution(executionArn: string): MachineNaming {
  const stack = machineParts(executionArn.split(':')[6] ?? '')?.stack;
  return stack === undefined ? LOCAL_MACHINES : { stack, named: true };
}

/**
 * The items of every page of a listing: `read(nextToken)` reads one page (the first with no token), and
 * `itemsOf` takes its items, until a page has no `nextToken`.
 */
async function everyPage<Page extends { nextToken?: string }, Item>(
  read: (nextToken: string | undefined) => Promise<Page>,
  itemsOf: (page: Page) => readonly Item[] | undefined,
): Promise<Item[]> {
  const items: Item[] = [];
  let nextToken: string | undefined;
  do {
    const page = await read(nextToken);
    items.push(...(itemsOf(page) ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return items;
}

function listStateMachines(sfn: SFNClient): Promise<StateMachineListItem[]> {
  return everyPage(
    (nextToken) => sfn.send(new ListStateMachinesCommand({ maxResults: MACHINES_PER_PAGE, nextToken })),
    (page) => page.stateMachines,
  );
}

/** The stacks with Cutover's machines among `machines`: those with a rollback machine and a workflow's. */
function stacksAmong(machines: readonly StateMachineListItem[]): string[] {
  const parts = machines.flatMap((machine) => machineParts(machine.name ?? '') ?? []);
  const stacks = (workflows: (workflow: CutoverMachine) => boolean) =>
    new Set(parts.filter((part) => workflows(part.workflow)).map((part) => part.stack));
  const withWorkflow = stacks((workflow) => workflow !== ROLLBACK_MACHINE);
  return [...stacks((workflow) => workflow === ROLLBACK_MACHINE)]
    .filter((stack): stack is string => stack !== undefined && withWorkflow.has(stack))
    .sort();
}

/** The region the client calls, as messages name it. */
async function regionOf(sfn: SFNClient): Promise<string> {
  return sfn.config.region();
}

/**
 * A usage error unless the stack's machines are among `machines`: the stack is not deployed there, or the
 * wrong region or account was asked. When the user did not name the stack, the machines of several
 * stacks are a usage error too, naming them. Locally, an endpoint without any of Cutover's machines is a
 * usage error: a runtime started outside the project, or another service.
 */
async function checkMachinesFound(
  sfn: SFNClient,
  naming: MachineNaming,
  machines: readonly StateMachineListItem[],
  found: number,
): Promise<void> {
  if (naming.stack === undefined) {
    if (found > 0) return;
    throw new CliError(
      `no Cutover state machines at this endpoint (${machineNames(naming)}): is \`cutover local\` running, ` +
        'in the Cutover project or with --project-dir naming it?',
      ExitCode.Usage,
    );
  }
  const stacks = stacksAmong(machines);
  if (!naming.named && stacks.length > 1) {
    throw new CliError(
      `Cutover state machines of several stacks in ${await regionOf(sfn)}: ${stacks.join(', ')}; ` +
        'pass --stack <name> (or set CUTOVER_STACK) to choose one',
      ExitCode.Usage,
    );
  }
  if (found > 0) return;
  const names = machineNames(naming);
  const others = stacks.length > 0 ? ` (found the stacks ${stacks.join(', ')}: pass --stack <name>)` : '';
  throw new CliError(
    `no Cutover state machines of stack ${naming.stack} (${names}) in ${await regionOf(sfn)}: wrong --region ` +
      `or profile, or the stack is not deployed${others}`,
    ExitCode.Usage,
  );
}

/**
 * Cutover's state machines at the endpoint, named as `naming` says, each with its workflow: a usage error
 * when it has none there, or, with a stack not named, when several stacks' are (see {@link checkMachinesFound}).
 */
async function cutoverMachines(
  sfn: SFNClient,
  naming: MachineNaming,
): Promise<{ readonly workflow: CutoverMachine; readonly stateMachineArn: string }[]> {
  const machines = await listStateMachines(sfn);
  const found = CUTOVER_WORKFLOWS.flatMap((workflow) => {
    const machine = machines.find((m) => m.name === machineName(naming, workflow));
    return machine?.stateMachineArn ? [{ workflow, stateMachineArn: machine.stateMachineArn }] : [];
  });
  await checkMachinesFound(sfn, naming, machines, found.length);
  return found;
}

/** The ARN of `workflow`'s state machine, or undefined when the endpoint has none. */
export async function machineArnOf(
  sfn: SFNClient,
  workflow: CutoverMachine,
  naming: MachineNaming,
): Promise<string | undefined> {
  return (await cutoverMachines(sfn, naming)).find((machine) => machine.workflow === workflow)
    ?.stateMachineArn;
}

/**
 * The ARN of the rollback state machine (`statemachines/rollback.asl.json`), which restores a stopped
 * release; a clear error when the endpoint has none. A stop's rollback is in its execution's stack:
 * `namingOfExecution(executionArn)`.
 */
export async function resolveRollbackMachineArn(
  sfn: SFNClient,
  naming: MachineNaming = LOCAL_MACHINES,
): Promise<string> {
  const arn = await machineArnOf(sfn, ROLLBACK_MACHINE, naming);
  if (!arn) throw new CliError(`no ${machineName(naming, ROLLBACK_MACHINE)} state machine at this endpoint`);
  return arn;
}

/** The ARN of the state machine that runs `strategy`; a clear error when the endpoint has none. */
export async function resolveStateMachineArn(
  sfn: SFNClient,
  strategy: string,
  naming: MachineNaming = LOCAL_MACHINES,
): Promise<string> {
  assertStrategy(strategy, STRATEGIES);
  const arn = await machineArnOf(sfn, strategy, naming);
  if (arn) return arn;
  if (naming.stack !== undefined) {
    throw new CliError(
      `the stack ${naming.stack} has no state machine ${machineName(naming, strategy)} in ` +
        `${await regionOf(sfn)}: deploy the stack again (cdk deploy)`,
    );
  }
  throw new CliError(
    `no state machine for "${strategy}" at this endpoint: is \`cutover local\` running, in the Cutover ` +
      'project or with --project-dir naming it?',
  );
}

/** The state machines of Cutover's workflows (releases and database migrations), each with its workflow. */
export async function workflowStateMachines(
  sfn: SFNClient,
  naming: MachineNaming = LOCAL_MACHINES,
): Promise<{ readonly workflow: CliStrategy; readonly stateMachineArn: string }[]> {
  return (await cutoverMachines(sfn, naming)).flatMap(({ workflow, stateMachineArn }) =>
    workflow === ROLLBACK_MACHINE ? [] : [{ workflow, stateMachineArn }],
  );
}

/** Every execution of Cutover's state machines (releases, migrations, rollbacks), newest first, optionally of one status. */
export async function listCutoverExecutions(
  sfn: SFNClient,
  statusFilter?: string,
  naming: MachineNaming = LOCAL_MACHINES,
): Promise<ExecutionListItem[]> {
  const machines = await cutoverMachines(sfn, naming);
  const status = statusFilter as ExecutionListItem['status'];
  const executions: ExecutionListItem[] = [];
  for (const { stateMachineArn } of machines) {
    const ofMachine = await everyPage(
      (nextToken) =>
        sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: status, nextToken })),
      (page) => page.executions,
    );
    executions.push(...ofMachine);
  }
  return executions.sort(newestFirst);
}

function newestFirst(a: ExecutionListItem, b: ExecutionListItem): number {
  return (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0);
}

/** How many executions {@link noExecutionNamed} offers at most. */
const OFFERED_NAMES = 5;

/**
 * The usage error of an execution name nothing has, offering the latest executions named after it: `cutover
 * run` names one `<name>-<6 hex digits>` unless told a name, so `checkout-v3` is likely `checkout-v3-719d88`.
 * Reads one page of each Cutover state machine's latest executions.
 */
async function noExecutionNamed(sfn: SFNClient, ref: string, naming: MachineNaming): Promise<CliError> {
  const machines = await cutoverMachines(sfn, naming);
  const pages = await Promise.all(
    machines.map(({ stateMachineArn }) =>
      sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 100 })),
    ),
  );
  const offered = pages
    .flatMap((page) => page.executions ?? [])
    .filter((execution) => execution.name?.startsWith(`${ref}-`))
    .sort(newestFirst)
    .slice(0, OFFERED_NAMES)
    .map((execution) => `${execution.name} (${execution.status})`);
  const meant =
    offered.length === 0
      ? ''
      : `; did you mean ${offered.slice(0, -1).join(', ')}${offered.length > 1 ? ' or ' : ''}${offered.at(-1)}?`;
  return new CliError(`no execution named "${ref}"${meant}`, ExitCode.Usage);
}

/** `executionArn` once DescribeExecution finds it; a usage error naming it when it does not exist. */
async function existingExecutionArn(
  sfn: SFNClient,
  executionArn: string,
  given = `with ARN "${executionArn}"`,
): Promise<string> {
  try {
    await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return executionArn;
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ExecutionDoesNotExist') {
      const elsewhere = await otherScopeThan(sfn, executionArn);
      throw new CliError(`no execution ${given}${elsewhere}`, ExitCode.Usage, { cause: error });
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

/** The partition, region and account an ARN is in: `arn:aws:states:us-east-1:000000000000:`. */
function arnScope(arn: string): string {
  return `${arn.split(':').slice(0, 5).join(':')}:`;
}

/**
 * `: the state machines at this endpoint are under arn:aws:states:us-east-1:000000000000:` when they are all in
 * another region or account than `executionArn` (an ARN copied from elsewhere); else empty.
 */
async function otherScopeThan(sfn: SFNClient, executionArn: string): Promise<string> {
  const machines = await listStateMachines(sfn).catch(() => []);
  const scopes = new Set(machines.map((machine) => arnScope(machine.stateMachineArn ?? '')));
  if (scopes.size === 0 || scopes.has(arnScope(executionArn))) return '';
  return `: the state machines at this endpoint are under ${[...scopes].sort().join(', ')}`;
}

/**
 * An execution ARN from an ARN or an execution name: one DescribeExecution per Cutover state machine (an
 * execution's ARN is its machine's with `execution` and the name), not a listing of every execution. An
 * execution that does not exist, by name or ARN, is a usage error naming it.
 */
export async function resolveExecutionArn(
  sfn: SFNClient,
  ref: string,
  naming: MachineNaming = LOCAL_MACHINES,
): Promise<string> {
  if (ref.startsWith('arn:')) return existingExecutionArn(sfn, ref);
  const id = EXECUTION_ID.exec(ref);
  if (id) return executionArnById(sfn, id[1]!, id[2]!, naming);
  const matches = await executionsNamed(sfn, ref, naming);
  if (matches.length === 0) throw await noExecutionNamed(sfn, ref, naming);
  if (matches.length > 1) {
    throw new CliError(`"${ref}" names ${matches.length} executions; pass the execution ARN`, ExitCode.Usage);
  }
  return matches[0]!;
}

/** An execution id as the console and the release API name executions: `<state machine>:<name>`. */
const EXECUTION_ID = /^([^:]+):([^:]+)$/;

/**
 * The ARN of the execution `<machine>:<name>`, `machine` a Cutover workflow (`canary`) or its state
 * machine's name (`Cutover-canary` on AWS), which must exist (a usage error naming it otherwise).
 */
async function executionArnById(
  sfn: SFNClient,
  machine: string,
  name: string,
  naming: MachineNaming,
): Promise<string> {
  const found = (await cutoverMachines(sfn, naming)).find(
    (m) => m.workflow === machine || machineName(naming, m.workflow) === machine,
  );
  if (!found) {
    throw new CliError(
      `no execution "${machine}:${name}": ${machine} is not a state machine of Cutover here (${machineNames(naming)})`,
      ExitCode.Usage,
    );
  }
  return existingExecutionArn(sfn, executionArnIn(found.stateMachineArn, name), `"${machine}:${name}"`);
}

/** The ARNs of the executions named `name`, one DescribeExecution per Cutover state machine. */
export async function executionsNamed(
  sfn: SFNClient,
  name: string,
  naming: MachineNaming = LOCAL_MACHINES,
): Promise<string[]> {
  const candidates = (await cutoverMachines(sfn, naming)).map((m) => executionArnIn(m.stateMachineArn, name));
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

import { createHash } from 'node:crypto';
import { executionNameOf } from './api-routes.ts';
import { failureSummary } from './errors.ts';
import { isStrategy, STRATEGIES, type Strategy } from './strategies.ts';

/**
 * The state machine that cleans up after a stopped execution: `statemachines/rollback.asl.json` restores a
 * release and unlocks its service; it only unlocks the service of a database migration.
 */
export const ROLLBACK_MACHINE = 'rollback';

/** The database migration's workflow, `statemachines/database-migration.asl.json`. */
export const DATABASE_MIGRATION = 'database-migration';

/** The workflows whose stopped executions the rollback machine cleans up after. */
export type RollbackWorkflow = Strategy | typeof DATABASE_MIGRATION;

/** True for a release strategy or the database migration. */
export function isRollbackWorkflow(value: unknown): value is RollbackWorkflow {
  return isStrategy(value) || value === DATABASE_MIGRATION;
}

/**
 * The workflows whose executions lock a service (the release strategies and the database migration): the
 * rollback machine cleans up after their stopped executions.
 */
export const ROLLBACK_WORKFLOWS = [...STRATEGIES, DATABASE_MIGRATION] as const;

/** Every workflow Cutover ships, each a state machine: the release strategies, the database migration, the rollback. */
export const CUTOVER_WORKFLOWS = [...ROLLBACK_WORKFLOWS, ROLLBACK_MACHINE] as const;

/** The stack name the CDK app deploys by default (`-c stackName=...` changes it). */
export const DEFAULT_STACK_NAME = 'Cutover';

/**
 * The name of a workflow's state machine as a CDK stack deploys it: `<stack>-<workflow>`.
 *
 * @example
 * stateMachineName('Cutover', 'canary'); // 'Cutover-canary'
 */
export function stateMachineName(stackName: string, workflow: string): string {
  return `${stackName}-${workflow}`;
}

/** A Cutover workflow or the rollback machine: the names its state machines end in. */
export type CutoverMachine = (typeof CUTOVER_WORKFLOWS)[number];

/**
 * The stack and workflow of a Cutover state machine's name (`Cutover-canary`: stack `Cutover`, workflow
 * `canary`; `canary`: no stack); undefined for a name that ends in none of Cutover's workflows.
 *
 * @example
 * machineParts('CutoverStaging-database-migration'); // { stack: 'CutoverStaging', workflow: 'database-migration' }
 */
export function machineParts(name: string): { stack?: string; workflow: CutoverMachine } | undefined {
  for (const workflow of CUTOVER_WORKFLOWS) {
    if (name === workflow) return { workflow };
    if (name.endsWith(`-${workflow}`)) return { stack: name.slice(0, -workflow.length - 1), workflow };
  }
  return undefined;
}

/** The reason of a rollback started for a stop that named none (and always, by the AWS rule). */
export const ABORTED_REASON = 'the execution was stopped (Step Functions Execution Status Change: ABORTED)';

/**
 * The longest `cause` StopExecution (and SendTaskFailure) takes, in characters: the AWS API reference's
 * limit (its `error` has a limit of its own: 256). An abort's reason is its cause.
 */
export const CAUSE_MAX_LENGTH = 32_768;

/** Step Functions execution names are at most 80 characters. */
const MAX_EXECUTION_NAME = 80;

/**
 * How long a running rollback holds its claim on the clean-up (ClaimRollback): longer than its loops take
 * (capacity and rolled-back checks are bounded by the release's progress deadline), short enough that a
 * rollback stopped or lost mid-way does not keep another from cleaning up for long.
 */
export const RUNNING_CLAIM_SECONDS = 2 * 3600;

/**
 * How long a claim on a stopped execution's clean-up is kept, held or not (given up by a rollback that
 * failed, or lapsed with a rollback stopped mid-way): 15 days, beyond the 14 days Step Functions lets the
 * stopped execution be redriven. While it is kept, that execution's tasks change nothing.
 */
export const STOPPED_CLAIM_KEPT_SECONDS = 15 * 86_400;

/**
 * `<prefix>-<8 hex of the SHA-256 of hashed>-<name>`, cut to the 80 characters of an execution name: a name
 * of its own for each `hashed` (an execution ARN), however long `name` is.
 *
 * @example
 * taggedExecutionName('retry', rollbackArn, 'checkout-v9'); // 'retry-1a2b3c4d-checkout-v9'
 */
export function taggedExecutionName(prefix: string, hashed: string, name: string): string {
  const tag = createHash('sha256').update(hashed).digest('hex').slice(0, 8);
  return `${prefix}-${tag}-${name}`.slice(0, MAX_EXECUTION_NAME);
}

/** The rollback machine's input for a stopped execution (what the AWS EventBridge rule passes too). */
export interface RollbackInput {
  readonly strategy: RollbackWorkflow;
  readonly executionArn: string;
  /** The stopped execution's input, as a JSON string (as the EventBridge status-change event carries it). */
  readonly input: string;
  readonly reason: string;
}

/**
 * The names a stop's rollback may have: `abort-<execution name>` (one rollback per stop, whoever asks
 * twice), and, for when another execution's rollback holds that name (the same name in another state
 * machine, or a long name cut to the same 80 characters), `abort-<8 hex of the execution ARN's SHA-256>-
 * <execution name>`; both cut to 80 characters.
 *
 * @example
 * rollbackExecutionNames('arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v9');
 * // ['abort-checkout-v9', 'abort-<8 hex>-checkout-v9']
 */
export function rollbackExecutionNames(executionArn: string): readonly [string, string] {
  const name = executionNameOf(executionArn);
  return [`abort-${name}`.slice(0, MAX_EXECUTION_NAME), taggedExecutionName('abort', executionArn, name)];
}

/** The rollback machine's execution of a name, as DescribeExecution answers; undefined when there is none. */
export type DescribeRollback = (name: string) => Promise<{ readonly input?: string } | undefined>;

/** A stop's rollback: the name it runs under (`started`), or the name to start it under. */
export interface StopRollback {
  readonly name: string;
  readonly started: boolean;
}

/**
 * The rollback of the stopped `executionArn` among {@link rollbackExecutionNames}: the one whose input names
 * that execution; without one, the first name no rollback holds (the second when both are held, which
 * then fails to start rather than pass another stop's rollback off as this one's).
 *
 * @example
 * const { name, started } = await rollbackOfStop(executionArn, (name) => describeOrUndefined(name));
 */
export async function rollbackOfStop(
  executionArn: string,
  describe: DescribeRollback,
): Promise<StopRollback> {
  const names = rollbackExecutionNames(executionArn);
  let free: string | undefined;
  for (const name of names) {
    const rollback = await describe(name);
    if (!rollback) free ??= name;
    else if (rollsBack(rollback.input, executionArn)) return { name, started: true };
  }
  return { name: free ?? names[1], started: false };
}

/** Whether a rollback execution's input (JSON, a {@link RollbackInput}) names the stopped `executionArn`. */
export function rollsBack(input: string | undefined, executionArn: string): boolean {
  return stoppedExecutionOf(input) === executionArn;
}

/** The stopped execution a rollback's input (JSON, a {@link RollbackInput}) names, if it names one. */
export function stoppedExecutionOf(input: string | undefined): string | undefined {
  try {
    const { executionArn } = JSON.parse(input ?? '{}') as { executionArn?: unknown };
    return typeof executionArn === 'string' ? executionArn : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `arn`, a state machine's ARN or one of its executions', is of the rollback machine: named
 * {@link ROLLBACK_MACHINE} (`cutover local`) or `<prefix>-rollback` (as CDK deploys it).
 *
 * @example
 * isRollbackArn('arn:aws:states:eu-west-1:111122223333:execution:Cutover-rollback:abort-r1'); // true
 * isRollbackArn('arn:aws:states:eu-west-1:111122223333:stateMachine:Cutover-canary'); // false
 */
export function isRollbackArn(arn: string | undefined): boolean {
  // arn:aws:states:<region>:<account>:stateMachine|execution|express:<machine>[:...]
  const [, , , , , kind, machine = ''] = (arn ?? '').split(':');
  if (kind !== 'stateMachine' && kind !== 'execution' && kind !== 'express') return false;
  return machine === ROLLBACK_MACHINE || machine.toLowerCase().endsWith(`-${ROLLBACK_MACHINE}`);
}

/**
 * What the rollback of a stopped database migration read of the migrations the execution applied
 * (DbListApplied's answer, `V3__backfill`), or the error that kept it from reading them.
 */
export type MigrationsApplied =
  | { readonly migrations: readonly string[] }
  | { readonly Error: string; readonly Cause?: string };

/**
 * The migrations a stopped execution applied, which stay applied, as a clause of a sentence.
 *
 * @example
 * migrationsAppliedClause({ migrations: ['V1__items'] }); // 'V1__items, applied before the stop, stays applied (nothing is rolled back)'
 */
export function migrationsAppliedClause(applied: MigrationsApplied): string {
  if ('Error' in applied) return `which migrations it applied was not read: ${failureSummary(applied)}`;
  const { migrations } = applied;
  if (migrations.length === 0) return 'it applied no migration';
  const stay = migrations.length === 1 ? 'stays' : 'stay';
  return `${migrations.join(', ')}, applied before the stop, ${stay} applied (nothing is rolled back)`;
}

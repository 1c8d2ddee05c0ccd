import { createHash } from 'node:crypto';
import type {
  BlueGreenDeployment,
  DBSnapshot,
  DescribeBlueGreenDeploymentsCommandInput,
  RDSClient,
  Tag,
} from '@aws-sdk/client-rds';
import { executionNameOf } from '#core/api-routes.ts';
import {
  BackupFailedError,
  BlueGreenSwitchoverFailedError,
  DatabaseInstanceBusyError,
} from '#core/errors.ts';
import { clientOnFirstSend } from '../aws-clients.ts';
import { asAdapterError, isTransientAwsError } from '../aws-errors.ts';

/**
 * RDS snapshots and Blue/Green deployments, one call per function: the state machine does the waiting
 * (`Wait` + check + `Choice`), so nothing here sleeps.
 */

/** The part of the RDS client used here, so tests can pass a mocked one. */
export type RdsClient = Pick<RDSClient, 'send'>;

/** Where the RDS calls go. */
export interface RdsTarget {
  readonly region?: string;
}

/**
 * An RDS client for the request's region (the SDK's region chain when absent), built on its first call.
 *
 * @example
 * const rds = createRdsClient({ region: 'eu-west-1' });
 */
export function createRdsClient(target: RdsTarget = {}): RdsClient {
  const config = target.region ? { region: target.region } : {};
  return clientOnFirstSend(async () => new (await import('@aws-sdk/client-rds')).RDSClient(config));
}

/** Hex digits of the execution's hash that end every identifier {@link cutoverIdentifier} makes. */
const EXECUTION_HASH_LENGTH = 12;

/**
 * An RDS identifier Cutover owns for one execution: `cutover-` then the parts, lowercased, with every run
 * of other characters as one hyphen, cut to leave room for `-` and {@link EXECUTION_HASH_LENGTH} hex digits
 * of the SHA-256 of `executionArn`, at most `max` characters in all. The hash tells executions apart
 * however long their names and whatever their case (`Run_1`, `run-1`), and a retried task gets the same
 * identifier. Task permissions cover `cutover-*` only.
 *
 * @example
 * cutoverIdentifier(['shop', 'orders', 'run_1'], executionArn); // 'cutover-shop-orders-run-1-<12 hex digits>'
 */
export function cutoverIdentifier(parts: readonly string[], executionArn: string, max = 255): string {
  const hash = createHash('sha256').update(executionArn).digest('hex').slice(0, EXECUTION_HASH_LENGTH);
  const readable = ['cutover', ...parts]
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, max - hash.length - 1)
    .replace(/-+$/, '');
  return `${readable}-${hash}`;
}

/** Blue/Green deployment names are at most 60 characters. */
const BLUE_GREEN_NAME_LENGTH = 60;

/**
 * The name of an execution's Blue/Green deployment, the same on every retry and for the cleanup that
 * looks it up: `cutover-<service>-<execution name>`, cut to fit, and the execution's hash.
 *
 * @example
 * blueGreenDeploymentName('orders', executionArn); // 'cutover-orders-orders-v2-3f2a9c1b7d4e'
 */
export function blueGreenDeploymentName(serviceName: string, executionArn: string): string {
  return cutoverIdentifier(
    [serviceName, executionNameOf(executionArn)],
    executionArn,
    BLUE_GREEN_NAME_LENGTH,
  );
}

/** The error class a failed RDS call ends with when it is neither transient nor a busy instance. */
type FatalRdsError = new (message: string, options: { cause: unknown }) => Error;

/**
 * What a failed RDS call on `subject` throws: `TransientAdapterError` for throttling and 5xx (the state
 * machine retries it), else a `Fatal` error naming the call, its subject and RDS's message.
 */
export function rdsCallError(
  error: unknown,
  operation: string,
  subject: string,
  Fatal: FatalRdsError,
): unknown {
  if (isTransientAwsError(error)) return asAdapterError(error, `rds:${operation} ${subject}`);
  return new Fatal(`${operation} ${subject} failed: ${(error as Error).message}`, { cause: error });
}

/**
 * {@link rdsCallError} of a call whose state retries a busy instance (CreateSnapshot, CreateBlueGreen):
 * `DatabaseInstanceBusy` when RDS refused it because the instance is not `available` (a backup window, a
 * modification, another snapshot).
 */
function instanceCallError(
  error: unknown,
  operation: string,
  subject: string,
  Fatal: FatalRdsError,
): unknown {
  if ((error as Error).name !== 'InvalidDBInstanceStateFault') {
    return rdsCallError(error, operation, subject, Fatal);
  }
  return new DatabaseInstanceBusyError(
    `${operation} ${subject} refused, the DB instance is busy (retried every minute for 30 minutes): ${(error as Error).message}`,
    { cause: error },
  );
}

/** The tag naming the execution that created a snapshot or Blue/Green deployment. */
const EXECUTION_TAG = 'cutover:execution';

/** Tags on what Cutover creates, so an operator can find its owner. */
function tagsFor(service: { name: string; namespace: string }, executionArn: string) {
  return [
    { Key: 'cutover:service', Value: `${service.namespace}/${service.name}` },
    { Key: EXECUTION_TAG, Value: executionArn },
  ];
}

/** The execution a resource's tags name as its creator, if any. */
function creatorIn(tags: readonly Tag[] | undefined): string | undefined {
  return tags?.find((tag) => tag.Key === EXECUTION_TAG)?.Value;
}

/** Who created a resource with these tags, for an error message. */
function ownerIn(tags: readonly Tag[] | undefined): string {
  const creator = creatorIn(tags);
  return creator === undefined ? `no ${EXECUTION_TAG} tag` : `created by ${creator}`;
}

/** True when the tags name `executionArn` as the creator. */
export function isCreatedBy(tags: readonly Tag[] | undefined, executionArn: string): boolean {
  return creatorIn(tags) === executionArn;
}

/**
 * Starts a manual snapshot of a DB instance (`CreateDBSnapshot`). When a snapshot of that name exists (a
 * retried task whose first call went through), carries on if it is of the same instance and this
 * execution created it, else throws `BackupFailed` naming its instance and creator.
 */
export async function createSnapshot(
  rds: RdsClient,
  input: {
    instanceIdentifier: string;
    snapshotIdentifier: string;
    service: { name: string; namespace: string };
    executionArn: string;
  },
): Promise<void> {
  const { CreateDBSnapshotCommand } = await import('@aws-sdk/client-rds');
  try {
    await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: input.instanceIdentifier,
        DBSnapshotIdentifier: input.snapshotIdentifier,
        Tags: tagsFor(input.service, input.executionArn),
      }),
    );
  } catch (error) {
    if ((error as Error).name === 'DBSnapshotAlreadyExistsFault') return requireOwnSnapshot(rds, input);
    throw instanceCallError(
      error,
      'CreateDBSnapshot',
      `${input.snapshotIdentifier} of ${input.instanceIdentifier}`,
      BackupFailedError,
    );
  }
}

/** Checks that the existing snapshot `snapshotIdentifier` is of `instanceIdentifier` and `executionArn`'s. */
async function requireOwnSnapshot(
  rds: RdsClient,
  input: { instanceIdentifier: string; snapshotIdentifier: string; executionArn: string },
): Promise<void> {
  const { instanceIdentifier, snapshotIdentifier, executionArn } = input;
  const snapshot = await describeSnapshot(rds, snapshotIdentifier);
  if (snapshot?.DBInstanceIdentifier === instanceIdentifier && isCreatedBy(snapshot.TagList, executionArn)) {
    return;
  }
  const found = snapshot
    ? `is of ${snapshot.DBInstanceIdentifier}, ${ownerIn(snapshot.TagList)}`
    : 'is not found by DescribeDBSnapshots';
  throw new BackupFailedError(
    `CreateDBSnapshot ${snapshotIdentifier} of ${instanceIdentifier} for ${executionArn} failed: ` +
      `the snapshot of that name ${found}`,
  );
}

/** The snapshot `DescribeDBSnapshots` answers for `snapshotIdentifier`, undefined when there is none. */
async function describeSnapshot(rds: RdsClient, snapshotIdentifier: string): Promise<DBSnapshot | undefined> {
  const { DescribeDBSnapshotsCommand } = await import('@aws-sdk/client-rds');
  const { DBSnapshots } = await rds
    .send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotIdentifier }))
    .catch((error: unknown) => {
      if ((error as Error).name === 'DBSnapshotNotFoundFault') return { DBSnapshots: [] };
      throw asAdapterError(error, 'rds:DescribeDBSnapshots');
    });
  return DBSnapshots?.[0];
}

/** Snapshot statuses that will never become `available`. */
const FAILED_SNAPSHOT = new Set(['failed', 'deleting', 'deleted', 'incompatible-restore']);

/**
 * The snapshot's status (`DescribeDBSnapshots`); `ready` once `available`. Throws `BackupFailed` when the
 * snapshot failed or is missing.
 */
export async function snapshotStatus(
  rds: RdsClient,
  snapshotIdentifier: string,
): Promise<{ status: string; ready: boolean }> {
  const status = (await describeSnapshot(rds, snapshotIdentifier))?.Status;
  if (status === undefined) {
    throw new BackupFailedError(`RDS snapshot ${snapshotIdentifier} is missing (deleted?)`);
  }
  if (FAILED_SNAPSHOT.has(status)) {
    throw new BackupFailedError(`RDS snapshot ${snapshotIdentifier} is ${status}`);
  }
  return { status, ready: status === 'available' };
}

/** What a Blue/Green deployment is asked to change in the green environment. */
export interface BlueGreenSpec {
  readonly sourceArn: string;
  readonly targetEngineVersion?: string;
  readonly targetDBParameterGroupName?: string;
}

/**
 * Creates the green environment (`CreateBlueGreenDeployment`); returns the deployment's identifier. When a
 * deployment of that name exists (a retried task whose first call went through), returns its identifier
 * if this execution created it, else throws `BlueGreenSwitchoverFailed` naming it and its creator.
 */
export async function createBlueGreen(
  rds: RdsClient,
  input: BlueGreenSpec & {
    name: string;
    service: { name: string; namespace: string };
    executionArn: string;
  },
): Promise<string> {
  const { CreateBlueGreenDeploymentCommand } = await import('@aws-sdk/client-rds');
  try {
    const { BlueGreenDeployment } = await rds.send(
      new CreateBlueGreenDeploymentCommand({
        BlueGreenDeploymentName: input.name,
        Source: input.sourceArn,
        ...(input.targetEngineVersion ? { TargetEngineVersion: input.targetEngineVersion } : {}),
        ...(input.targetDBParameterGroupName
          ? { TargetDBParameterGroupName: input.targetDBParameterGroupName }
          : {}),
        Tags: tagsFor(input.service, input.executionArn),
      }),
    );
    return BlueGreenDeployment!.BlueGreenDeploymentIdentifier!;
  } catch (error) {
    if ((error as Error).name === 'BlueGreenDeploymentAlreadyExistsFault')
      return existingBlueGreen(rds, input);
    throw instanceCallError(
      error,
      'CreateBlueGreenDeployment',
      `${input.name} from ${input.sourceArn}`,
      BlueGreenSwitchoverFailedError,
    );
  }
}

/** The identifier of the existing deployment named `name`, which `executionArn` must have created. */
async function existingBlueGreen(
  rds: RdsClient,
  { name, sourceArn, executionArn }: { name: string; sourceArn: string; executionArn: string },
): Promise<string> {
  const deployment = await describeBlueGreen(rds, {
    Filters: [{ Name: 'blue-green-deployment-name', Values: [name] }],
  });
  if (deployment && isCreatedBy(deployment.TagList, executionArn)) {
    return deployment.BlueGreenDeploymentIdentifier!;
  }
  const found = deployment
    ? `is ${deployment.BlueGreenDeploymentIdentifier} of ${deployment.Source}, ${ownerIn(deployment.TagList)}`
    : 'is not found by DescribeBlueGreenDeployments';
  throw new BlueGreenSwitchoverFailedError(
    `CreateBlueGreenDeployment ${name} from ${sourceArn} for ${executionArn} failed: ` +
      `the Blue/Green deployment of that name ${found}`,
  );
}

/** The first deployment `DescribeBlueGreenDeployments` answers for `input`, undefined when there is none. */
export async function describeBlueGreen(
  rds: RdsClient,
  input: DescribeBlueGreenDeploymentsCommandInput,
): Promise<BlueGreenDeployment | undefined> {
  const { DescribeBlueGreenDeploymentsCommand } = await import('@aws-sdk/client-rds');
  const { BlueGreenDeployments } = await rds
    .send(new DescribeBlueGreenDeploymentsCommand(input))
    .catch((error: unknown) => {
      if ((error as Error).name === 'BlueGreenDeploymentNotFoundFault') return { BlueGreenDeployments: [] };
      throw asAdapterError(error, 'rds:DescribeBlueGreenDeployments');
    });
  return BlueGreenDeployments?.[0];
}

/** Blue/Green statuses that end the deployment without a switchover. */
const FAILED_BLUE_GREEN = new Set(['INVALID_CONFIGURATION', 'SWITCHOVER_FAILED', 'DELETING']);

/** One look at a Blue/Green deployment: its status, members and tasks. */
export interface BlueGreenState {
  readonly status: string;
  readonly members: readonly { source: string; target: string; status: string }[];
  readonly tasks: readonly { name: string; status: string }[];
}

/**
 * The deployment's state (`DescribeBlueGreenDeployments`). Throws `BlueGreenSwitchoverFailed` when it is
 * missing or in a failed status.
 */
export async function blueGreenState(rds: RdsClient, identifier: string): Promise<BlueGreenState> {
  const deployment = await describeBlueGreen(rds, { BlueGreenDeploymentIdentifier: identifier });
  if (deployment?.Status === undefined) {
    throw new BlueGreenSwitchoverFailedError(`Blue/Green deployment ${identifier} is missing (deleted?)`);
  }
  const status = deployment.Status;
  if (FAILED_BLUE_GREEN.has(status)) {
    const reason = deployment.StatusDetails ? `: ${deployment.StatusDetails}` : '';
    throw new BlueGreenSwitchoverFailedError(`Blue/Green deployment ${identifier} is ${status}${reason}`);
  }
  return {
    status,
    members: (deployment.SwitchoverDetails ?? []).map((d) => ({
      source: d.SourceMember ?? '',
      target: d.TargetMember ?? '',
      status: d.Status ?? 'UNKNOWN',
    })),
    tasks: (deployment.Tasks ?? []).map((t) => ({ name: t.Name ?? '', status: t.Status ?? 'UNKNOWN' })),
  };
}

/**
 * Checks that a Blue/Green deployment can switch over: status `AVAILABLE`, every member `AVAILABLE`, every
 * task `COMPLETED`. Throws `BlueGreenSwitchoverFailed` listing what is not.
 */
export function assertReadyForSwitchover(identifier: string, state: BlueGreenState): void {
  const problems = [
    ...(state.status === 'AVAILABLE' ? [] : [`status ${state.status}`]),
    ...(state.members.length === 0 ? ['no members'] : []),
    ...state.members.filter((m) => m.status !== 'AVAILABLE').map((m) => `${m.source} ${m.status}`),
    ...state.tasks.filter((t) => t.status !== 'COMPLETED').map((t) => `task ${t.name} ${t.status}`),
  ];
  if (problems.length > 0) {
    throw new BlueGreenSwitchoverFailedError(
      `Blue/Green deployment ${identifier} is not ready to switch over: ${problems.join(', ')}`,
    );
  }
}

/**
 * Statuses of a deployment whose switchover has started: a retried switchover call is then done, and RDS
 * refuses `DeleteTarget` (production may run on the green instances).
 */
export const SWITCHOVER_STARTED: ReadonlySet<string> = new Set([
  'SWITCHOVER_IN_PROGRESS',
  'SWITCHOVER_COMPLETED',
]);

/**
 * Switches the green environment to production (`SwitchoverBlueGreenDeployment`), within `timeoutSeconds`.
 * When RDS refuses it for the deployment's state, an earlier call (a retried task's first) may have
 * started it: done if the deployment is switching over or switched, else `BlueGreenSwitchoverFailed`
 * naming its status.
 */
export async function switchoverBlueGreen(
  rds: RdsClient,
  identifier: string,
  timeoutSeconds: number,
): Promise<void> {
  const { SwitchoverBlueGreenDeploymentCommand } = await import('@aws-sdk/client-rds');
  try {
    await rds.send(
      new SwitchoverBlueGreenDeploymentCommand({
        BlueGreenDeploymentIdentifier: identifier,
        SwitchoverTimeout: timeoutSeconds,
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'InvalidBlueGreenDeploymentStateFault') {
      throw rdsCallError(error, 'SwitchoverBlueGreenDeployment', identifier, BlueGreenSwitchoverFailedError);
    }
    const deployment = await describeBlueGreen(rds, { BlueGreenDeploymentIdentifier: identifier });
    const status = deployment?.Status ?? 'MISSING';
    if (SWITCHOVER_STARTED.has(status)) return;
    throw rdsCallError(
      error,
      'SwitchoverBlueGreenDeployment',
      `${identifier} (status ${status})`,
      BlueGreenSwitchoverFailedError,
    );
  }
}

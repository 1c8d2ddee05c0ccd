import type {
  BlueGreenDeployment,
  DescribeBlueGreenDeploymentsCommandInput,
  RDSClient,
} from '@aws-sdk/client-rds';
import { BackupFailedError, BlueGreenSwitchoverFailedError } from '#core/errors.ts';
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

/**
 * An RDS identifier Cutover owns: `cutover-` then the parts, lowercased, with every run of other characters
 * as one hyphen, at most `max` characters, no trailing hyphen. Task permissions cover `cutover-*` only.
 *
 * @example
 * cutoverIdentifier(['shop', 'orders', 'run_1']); // 'cutover-shop-orders-run-1'
 */
export function cutoverIdentifier(parts: readonly string[], max = 255): string {
  const body = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');
  return `cutover-${body}`.slice(0, max).replace(/-+$/, '');
}

/**
 * What a failed RDS call on `subject` throws: `TransientAdapterError` for throttling and 5xx (the state
 * machine retries it), else a `Fatal` error naming the call, its subject and RDS's message.
 */
function rdsCallError(
  error: unknown,
  operation: string,
  subject: string,
  Fatal: new (message: string, options: { cause: unknown }) => Error,
): unknown {
  if (isTransientAwsError(error)) return asAdapterError(error, `rds:${operation} ${subject}`);
  return new Fatal(`${operation} ${subject} failed: ${(error as Error).message}`, { cause: error });
}

/** Tags on what Cutover creates, so an operator can find its owner. */
function tagsFor(service: { name: string; namespace: string }, executionArn: string) {
  return [
    { Key: 'cutover:service', Value: `${service.namespace}/${service.name}` },
    { Key: 'cutover:execution', Value: executionArn },
  ];
}

/** Starts a manual snapshot of a DB instance (`CreateDBSnapshot`). */
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
    if ((error as Error).name === 'DBSnapshotAlreadyExistsFault') return; // a retried task
    throw rdsCallError(
      error,
      'CreateDBSnapshot',
      `${input.snapshotIdentifier} of ${input.instanceIdentifier}`,
      BackupFailedError,
    );
  }
}

/** Snapshot statuses that will never become `available`. */
const FAILED_SNAPSHOT = new Set(['failed', 'deleting', 'deleted', 'incompatible-restore']);

/**
 * The snapshot's status (`DescribeDBSnapshots`); `ready` once `available`. Throws `BackupFailed` when the
 * snapshot failed or is gone.
 */
export async function snapshotStatus(
  rds: RdsClient,
  snapshotIdentifier: string,
): Promise<{ status: string; ready: boolean }> {
  const { DescribeDBSnapshotsCommand } = await import('@aws-sdk/client-rds');
  const { DBSnapshots } = await rds
    .send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotIdentifier }))
    .catch((error: unknown) => {
      throw asAdapterError(error, 'rds:DescribeDBSnapshots');
    });
  const status = DBSnapshots?.[0]?.Status ?? 'missing';
  if (status === 'missing' || FAILED_SNAPSHOT.has(status)) {
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
 * if it is of the same source, else throws `BlueGreenSwitchoverFailed` naming it.
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
    throw rdsCallError(
      error,
      'CreateBlueGreenDeployment',
      `${input.name} from ${input.sourceArn}`,
      BlueGreenSwitchoverFailedError,
    );
  }
}

/** The identifier of the existing deployment named `name`, which must be of `sourceArn`. */
async function existingBlueGreen(
  rds: RdsClient,
  { name, sourceArn }: { name: string; sourceArn: string },
): Promise<string> {
  const deployment = await describeBlueGreen(rds, {
    Filters: [{ Name: 'blue-green-deployment-name', Values: [name] }],
  });
  if (deployment?.Source !== sourceArn) {
    const found = deployment
      ? `is ${deployment.BlueGreenDeploymentIdentifier} of ${deployment.Source}`
      : 'is not found by DescribeBlueGreenDeployments';
    throw new BlueGreenSwitchoverFailedError(
      `CreateBlueGreenDeployment ${name} from ${sourceArn} failed: the Blue/Green deployment of that name ${found}`,
    );
  }
  return deployment.BlueGreenDeploymentIdentifier!;
}

/** The first deployment `DescribeBlueGreenDeployments` answers for `input`, if any. */
async function describeBlueGreen(
  rds: RdsClient,
  input: DescribeBlueGreenDeploymentsCommandInput,
): Promise<BlueGreenDeployment | undefined> {
  const { DescribeBlueGreenDeploymentsCommand } = await import('@aws-sdk/client-rds');
  const { BlueGreenDeployments } = await rds
    .send(new DescribeBlueGreenDeploymentsCommand(input))
    .catch((error: unknown) => {
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
  const status = deployment?.Status ?? 'MISSING';
  if (status === 'MISSING' || FAILED_BLUE_GREEN.has(status)) {
    const reason = deployment?.StatusDetails ? `: ${deployment.StatusDetails}` : '';
    throw new BlueGreenSwitchoverFailedError(`Blue/Green deployment ${identifier} is ${status}${reason}`);
  }
  return {
    status,
    members: (deployment?.SwitchoverDetails ?? []).map((d) => ({
      source: d.SourceMember ?? '',
      target: d.TargetMember ?? '',
      status: d.Status ?? 'UNKNOWN',
    })),
    tasks: (deployment?.Tasks ?? []).map((t) => ({ name: t.Name ?? '', status: t.Status ?? 'UNKNOWN' })),
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

/** Statuses of a deployment whose switchover has started: a retried switchover call is then done. */
const SWITCHOVER_STARTED = new Set(['SWITCHOVER_IN_PROGRESS', 'SWITCHOVER_COMPLETED']);

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

import type { BlueGreenDeployment } from '@aws-sdk/client-rds';
import { BlueGreenSwitchoverFailedError } from '#core/errors.ts';
import { describeBlueGreen, isCreatedBy, type RdsClient, rdsCallError, SWITCHOVER_STARTED } from './rds.ts';

/**
 * Deleting the Blue/Green deployment of a failed or stopped database migration with its green instances,
 * so they stop running (and billing). A deployment that switched over is kept: production runs on its
 * former green instances, and its old blue ones are what a person may go back to.
 */

/** Which deployment: its identifier, or its name and the execution its `cutover:execution` tag names. */
export type BlueGreenRef =
  | { readonly identifier: string }
  | { readonly name: string; readonly executionArn: string };

/** One pair of a deployment: the blue and the green instance, as RDS names them. */
export interface BlueGreenMember {
  readonly blue: string;
  readonly green: string;
}

/**
 * What the clean-up did: `deleted` the deployment and its green instances (or found it deleting), found
 * it `gone`, or `kept` it (switched over, or switching over).
 */
export interface BlueGreenCleanup {
  readonly outcome: 'deleted' | 'gone' | 'kept';
  readonly identifier?: string;
  readonly status?: string;
  /** The members of a kept deployment. */
  readonly members?: readonly BlueGreenMember[];
}

/**
 * Deletes the deployment with its green instances (`DeleteBlueGreenDeployment`, `DeleteTarget: true`)
 * unless it switched over or is switching over, which keeps it. Idempotent: a deployment already
 * deleting counts as deleted, a missing one (`BlueGreenDeploymentNotFoundFault`) as gone.
 *
 * @example
 * await deleteBlueGreen(rds, { identifier: 'bgd-1' }); // { outcome: 'deleted', identifier: 'bgd-1', status: 'AVAILABLE' }
 */
export async function deleteBlueGreen(rds: RdsClient, ref: BlueGreenRef): Promise<BlueGreenCleanup> {
  const deployment = await findBlueGreen(rds, ref);
  if (!deployment) return { outcome: 'gone' };
  const identifier = deployment.BlueGreenDeploymentIdentifier!;
  const status = deployment.Status ?? 'UNKNOWN';
  if (SWITCHOVER_STARTED.has(status))
    return { outcome: 'kept', identifier, status, members: membersOf(deployment) };
  if (status === 'DELETING') return { outcome: 'deleted', identifier, status };
  const deleted = await deleteWithTarget(rds, identifier);
  return { outcome: deleted ? 'deleted' : 'gone', identifier, status };
}

/** The deployment `ref` names, if it exists (and, found by name, carries the execution's tag). */
async function findBlueGreen(rds: RdsClient, ref: BlueGreenRef): Promise<BlueGreenDeployment | undefined> {
  if ('identifier' in ref) {
    return describeBlueGreen(rds, { BlueGreenDeploymentIdentifier: ref.identifier });
  }
  const named = await describeBlueGreen(rds, {
    Filters: [{ Name: 'blue-green-deployment-name', Values: [ref.name] }],
  });
  return isCreatedBy(named?.TagList, ref.executionArn) ? named : undefined;
}

/** `DeleteBlueGreenDeployment` with `DeleteTarget`; false when the deployment is already gone. */
async function deleteWithTarget(rds: RdsClient, identifier: string): Promise<boolean> {
  const { DeleteBlueGreenDeploymentCommand } = await import('@aws-sdk/client-rds');
  try {
    await rds.send(
      new DeleteBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: identifier, DeleteTarget: true }),
    );
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw rdsCallError(error, 'DeleteBlueGreenDeployment', identifier, BlueGreenSwitchoverFailedError);
  }
}

/** A deployment deleted since it was described. */
function isNotFound(error: unknown): boolean {
  return (error as Error).name === 'BlueGreenDeploymentNotFoundFault';
}

function membersOf(deployment: BlueGreenDeployment): BlueGreenMember[] {
  return (deployment.SwitchoverDetails ?? []).map((d) => ({
    blue: d.SourceMember ?? '',
    green: d.TargetMember ?? '',
  }));
}

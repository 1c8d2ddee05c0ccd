/** Fixtures of the RDS task functions' tests: a request, how to run a task, and RDS answers and errors. */
import { RDSServiceException } from '@aws-sdk/client-rds';
import type { handler as dbTask } from '#lambdas/db-delete-blue-green/handler.ts';

export const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:database-migration:Run_7';
/** The blue DB instance of {@link taskRequest}'s `blueGreen`. */
export const sourceArn = 'arn:aws:rds:eu-west-1:123456789012:db:orders';

/** A database-migration request with an RDS snapshot backup and a Blue/Green deployment of {@link sourceArn}. */
export const taskRequest = {
  service: { name: 'orders', namespace: 'shop' },
  database: { target: { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders' } },
  backup: { method: 'rds-snapshot' },
  rds: { instanceIdentifier: 'orders', region: 'eu-west-1', pollSeconds: 30, snapshotTimeoutSeconds: 600 },
  blueGreen: { sourceArn, targetEngineVersion: '17.4', switchoverTimeoutSeconds: 120 },
};

/** The Lambda context a database task is invoked with. */
export type TaskContext = Parameters<typeof dbTask>[1];
type Handler = (event: unknown, context: TaskContext) => Promise<unknown>;

/**
 * Runs a database task on {@link taskRequest} for {@link executionArn}, with the task's own fields.
 *
 * @example
 * const result = await run(deleteBlueGreen, { identifier: 'bgd-1' });
 */
export function run(handler: Handler, event: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return handler({ request: taskRequest, executionArn, ...event }, {} as TaskContext) as Promise<
    Record<string, unknown>
  >;
}

/** What `promise` rejects with, undefined when it resolves. */
export function errorOf(promise: Promise<unknown>): Promise<Error | undefined> {
  return promise.then(
    () => undefined,
    (error: Error) => error,
  );
}

/** An RDS error as the SDK throws it once its own retries are spent. */
export function rdsError(name: string, message = name): RDSServiceException {
  return new RDSServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}

/** An RDS answer of 500 to a call that may in fact have gone through (a lost answer). */
export function lostRdsAnswer(): RDSServiceException {
  return new RDSServiceException({
    name: 'InternalFailure',
    $fault: 'server',
    $metadata: { httpStatusCode: 500 },
    message: 'internal failure',
  });
}

/**
 * A DescribeBlueGreenDeployments answer for deployment bgd-1 of {@link executionArn} (its tag names it): one
 * member of {@link sourceArn} and one task, in the given statuses.
 */
export function deployment(Status: string, member = 'AVAILABLE', task = 'COMPLETED') {
  return {
    BlueGreenDeployments: [
      {
        BlueGreenDeploymentIdentifier: 'bgd-1',
        Status,
        SwitchoverDetails: [{ SourceMember: sourceArn, TargetMember: `${sourceArn}-green`, Status: member }],
        Tasks: [{ Name: 'CREATING_READ_REPLICA_OF_SOURCE', Status: task }],
        TagList: [{ Key: 'cutover:execution', Value: executionArn }],
      },
    ],
  };
}

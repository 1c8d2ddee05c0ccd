import {
  DeleteBlueGreenDeploymentCommand,
  DescribeBlueGreenDeploymentsCommand,
  RDSClient,
  RDSServiceException,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as checkBlueGreen } from '#lambdas/db-check-blue-green/handler.ts';
import { handler as deleteBlueGreen } from '#lambdas/db-delete-blue-green/handler.ts';

const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:database-migration:Run_7';
const sourceArn = 'arn:aws:rds:eu-west-1:123456789012:db:orders';
const request = {
  service: { name: 'orders', namespace: 'shop' },
  database: { target: { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders' } },
  rds: { instanceIdentifier: 'orders', region: 'eu-west-1', pollSeconds: 30 },
  blueGreen: { sourceArn, switchoverTimeoutSeconds: 120 },
};
type Context = Parameters<typeof deleteBlueGreen>[1];
type Handler = (event: unknown, context: Context) => Promise<unknown>;
const run = (handler: Handler, event: Record<string, unknown> = {}) =>
  handler({ request, executionArn, ...event }, {} as Context) as Promise<Record<string, unknown>>;
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: Error) => error,
  );

const rds = mockClient(RDSClient);
beforeEach(() => rds.reset());
afterAll(() => rds.restore());

/** An RDS error as the SDK throws it once its own retries are spent. */
function rdsError(name: string, message = name) {
  return new RDSServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}

/** A DescribeBlueGreenDeployments answer for deployment bgd-1 of this execution. */
function deployment(Status: string, member = 'AVAILABLE', task = 'COMPLETED') {
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

describe('db-delete-blue-green', () => {
  it('deletes a deployment that did not switch over with its green instances', async () => {
    // Prepare
    rds.on(DescribeBlueGreenDeploymentsCommand).resolves(deployment('PROVISIONING', 'PROVISIONING'));
    rds.on(DeleteBlueGreenDeploymentCommand).resolves({});
    // Act
    const result = await run(deleteBlueGreen, { identifier: 'bgd-1' });
    // Assess
    expect(rds.commandCalls(DescribeBlueGreenDeploymentsCommand).map((c) => c.args[0].input)).toEqual([
      { BlueGreenDeploymentIdentifier: 'bgd-1' },
    ]);
    expect(rds.commandCalls(DeleteBlueGreenDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { BlueGreenDeploymentIdentifier: 'bgd-1', DeleteTarget: true },
    ]);
    expect(result).toEqual({ outcome: 'deleted', identifier: 'bgd-1', status: 'PROVISIONING' });
  });

  it('keeps a deployment that switched over or is switching over, naming its members', async () => {
    // Prepare
    rds
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolvesOnce(deployment('SWITCHOVER_COMPLETED', 'SWITCHOVER_COMPLETED'))
      .resolvesOnce(deployment('SWITCHOVER_IN_PROGRESS', 'SWITCHOVER_IN_PROGRESS'));
    // Act
    const completed = await run(deleteBlueGreen, { identifier: 'bgd-1' });
    const inProgress = await run(deleteBlueGreen, { identifier: 'bgd-1' });
    // Assess
    expect(rds.commandCalls(DeleteBlueGreenDeploymentCommand)).toHaveLength(0);
    const members = [{ blue: sourceArn, green: `${sourceArn}-green` }];
    expect(completed).toEqual({
      outcome: 'kept',
      identifier: 'bgd-1',
      status: 'SWITCHOVER_COMPLETED',
      members,
    });
    expect(inProgress).toEqual({
      outcome: 'kept',
      identifier: 'bgd-1',
      status: 'SWITCHOVER_IN_PROGRESS',
      members,
    });
  });

  it('is done when the deployment is deleting or gone, so a retried task changes nothing', async () => {
    // Prepare
    rds
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolvesOnce(deployment('DELETING'))
      .rejectsOnce(rdsError('BlueGreenDeploymentNotFoundFault'))
      .resolves(deployment('AVAILABLE'));
    rds.on(DeleteBlueGreenDeploymentCommand).rejects(rdsError('BlueGreenDeploymentNotFoundFault'));
    // Act
    const results = [
      await run(deleteBlueGreen, { identifier: 'bgd-1' }),
      await run(deleteBlueGreen, { identifier: 'bgd-1' }),
      await run(deleteBlueGreen, { identifier: 'bgd-1' }),
    ];
    // Assess
    expect(results.map((r) => r.outcome)).toEqual(['deleted', 'gone', 'gone']);
    expect(rds.commandCalls(DeleteBlueGreenDeploymentCommand)).toHaveLength(1);
  });

  it("finds a stopped execution's deployment by its name, and only when its tag names the execution", async () => {
    // Prepare
    const other = deployment('AVAILABLE');
    other.BlueGreenDeployments[0]!.TagList = [{ Key: 'cutover:execution', Value: `${executionArn}-other` }];
    rds.on(DescribeBlueGreenDeploymentsCommand).resolvesOnce(deployment('AVAILABLE')).resolvesOnce(other);
    rds.on(DeleteBlueGreenDeploymentCommand).resolves({});
    // Act
    const own = await run(deleteBlueGreen);
    const notOwn = await run(deleteBlueGreen);
    // Assess
    const [name] = rds.commandCalls(DescribeBlueGreenDeploymentsCommand)[0]!.args[0].input.Filters![0]!
      .Values!;
    expect(name).toMatch(/^cutover-orders-run-7/);
    expect(rds.commandCalls(DescribeBlueGreenDeploymentsCommand)[1]!.args[0].input).toEqual({
      Filters: [{ Name: 'blue-green-deployment-name', Values: [name] }],
    });
    expect([own.outcome, notOwn.outcome]).toEqual(['deleted', 'gone']);
    expect(rds.commandCalls(DeleteBlueGreenDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { BlueGreenDeploymentIdentifier: 'bgd-1', DeleteTarget: true },
    ]);
  });

  it('fails with TransientAdapterError when RDS throttles, and BlueGreenSwitchoverFailed when it refuses', async () => {
    // Prepare
    rds.on(DescribeBlueGreenDeploymentsCommand).resolves(deployment('AVAILABLE'));
    rds
      .on(DeleteBlueGreenDeploymentCommand)
      .rejectsOnce(rdsError('ThrottlingException', 'Rate exceeded'))
      .rejectsOnce(rdsError('InvalidBlueGreenDeploymentStateFault', 'not in a valid state'));
    // Act
    const throttled = await errorOf(run(deleteBlueGreen, { identifier: 'bgd-1' }));
    const refused = await errorOf(run(deleteBlueGreen, { identifier: 'bgd-1' }));
    // Assess
    expect([throttled?.name, refused?.name]).toEqual(['TransientAdapterError', 'BlueGreenSwitchoverFailed']);
    expect(refused?.message).toBe('DeleteBlueGreenDeployment bgd-1 failed: not in a valid state');
  });
});

describe('db-check-blue-green', () => {
  const poll = { identifier: 'bgd-1', attempt: 0, maxAttempts: 240 };

  it.each([
    [
      'available',
      deployment('PROVISIONING', 'PROVISIONING', 'FAILED'),
      'task CREATING_READ_REPLICA_OF_SOURCE FAILED',
    ],
    ['available', deployment('PROVISIONING', 'MISSING_TARGET', 'IN_PROGRESS'), `${sourceArn} MISSING_TARGET`],
    ['available', deployment('SWITCHOVER_COMPLETED', 'SWITCHOVER_COMPLETED'), 'status SWITCHOVER_COMPLETED'],
    [
      'switchover',
      deployment('SWITCHOVER_IN_PROGRESS', 'SWITCHOVER_FAILED'),
      `${sourceArn} SWITCHOVER_FAILED`,
    ],
    ['switchover', deployment('AVAILABLE', 'MISSING_SOURCE'), `${sourceArn} MISSING_SOURCE`],
    ['switchover', deployment('PROVISIONING', 'PROVISIONING'), 'status PROVISIONING'],
  ])(
    'fails at the first check, in phase %s, on what cannot reach its status (%#)',
    async (phase, answer, named) => {
      // Prepare
      rds.on(DescribeBlueGreenDeploymentsCommand).resolves(answer);
      // Act
      const error = await errorOf(run(checkBlueGreen, { ...poll, phase }));
      // Assess
      expect(error?.name).toBe('BlueGreenSwitchoverFailed');
      const awaited = phase === 'available' ? 'AVAILABLE' : 'SWITCHOVER_COMPLETED';
      expect(error?.message).toBe(`Blue/Green deployment bgd-1 cannot reach ${awaited}: ${named}`);
    },
  );

  it('keeps waiting while the status can still come', async () => {
    // Prepare
    rds
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolvesOnce(deployment('PROVISIONING', 'PROVISIONING', 'IN_PROGRESS'))
      .resolvesOnce(deployment('AVAILABLE'))
      .resolvesOnce(deployment('SWITCHOVER_IN_PROGRESS', 'SWITCHOVER_IN_PROGRESS'));
    // Act
    const results = [
      await run(checkBlueGreen, { ...poll, phase: 'available' }),
      await run(checkBlueGreen, { ...poll, phase: 'switchover' }),
      await run(checkBlueGreen, { ...poll, phase: 'switchover' }),
    ];
    // Assess
    expect(results.map((r) => [r.status, r.ready])).toEqual([
      ['PROVISIONING', false],
      ['AVAILABLE', false],
      ['SWITCHOVER_IN_PROGRESS', false],
    ]);
  });
});

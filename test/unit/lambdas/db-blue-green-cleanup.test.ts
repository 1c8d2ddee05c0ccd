import {
  DeleteBlueGreenDeploymentCommand,
  DescribeBlueGreenDeploymentsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as deleteBlueGreen } from '#lambdas/db-delete-blue-green/handler.ts';
import { deployment, errorOf, executionArn, rdsError, run, sourceArn } from '#test/support/rds-fixtures.ts';

const rds = mockClient(RDSClient);
beforeEach(() => rds.reset());
afterAll(() => rds.restore());

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

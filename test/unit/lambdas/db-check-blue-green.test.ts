import { DescribeBlueGreenDeploymentsCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as checkBlueGreen } from '#lambdas/db-check-blue-green/handler.ts';
import { deployment, errorOf, run, sourceArn } from '#test/support/rds-fixtures.ts';

const rds = mockClient(RDSClient);
beforeEach(() => rds.reset());
afterAll(() => rds.restore());

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

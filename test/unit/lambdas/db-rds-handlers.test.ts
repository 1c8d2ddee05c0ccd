import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateBlueGreenDeploymentCommand,
  CreateDBSnapshotCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RDSServiceException,
  SwitchoverBlueGreenDeploymentCommand,
} from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { cutoverIdentifier } from '#adapters/database/rds.ts';
import { handler as checkBlueGreen } from '#lambdas/db-check-blue-green/handler.ts';
import { handler as checkSnapshot } from '#lambdas/db-check-snapshot/handler.ts';
import { handler as createBlueGreen } from '#lambdas/db-create-blue-green/handler.ts';
import { handler as createSnapshot } from '#lambdas/db-create-snapshot/handler.ts';
import { handler as prepare } from '#lambdas/db-prepare/handler.ts';
import { handler as switchover } from '#lambdas/db-switchover-blue-green/handler.ts';
import { handler as validateBlueGreen } from '#lambdas/db-validate-blue-green/handler.ts';
import { startTestPostgres, type TestPostgres } from '#test/support/postgres.ts';
import {
  type TaskContext as Context,
  deployment,
  errorOf,
  executionArn,
  rdsError,
  taskRequest as request,
  run,
  sourceArn,
} from '#test/support/rds-fixtures.ts';

const tags = [
  { Key: 'cutover:service', Value: 'shop/orders' },
  { Key: 'cutover:execution', Value: executionArn },
];
/** The end of the names of what `executionArn` creates: 12 hex digits of its SHA-256. */
const executionHash = 'e9dd143a85d8';
const snapshotIdentifier = `cutover-shop-orders-run-7-${executionHash}`;
const blueGreenName = `cutover-orders-run-7-${executionHash}`;
/** The execution ARN of another execution of the database-migration machine. */
const arnOf = (name: string) => `arn:aws:states:eu-west-1:123456789012:execution:database-migration:${name}`;
/** RDS's rule for a BlueGreenDeploymentName (and, up to 255 characters, a DBSnapshotIdentifier). */
const RDS_NAME = /^[a-zA-Z][a-zA-Z0-9]*(-[a-zA-Z0-9]+)*$/;

const rds = mockClient(RDSClient);
beforeEach(() => rds.reset());
afterAll(() => rds.restore());

describe('cutoverIdentifier', () => {
  it("names what Cutover creates cutover-*, lowercase, single hyphens, ending in the execution's hash", () => {
    // Act
    const long = cutoverIdentifier(['orders', 'x'.repeat(80)], executionArn, 60);
    // Assess
    expect(cutoverIdentifier(['shop', 'orders', 'Run_7'], executionArn)).toBe(snapshotIdentifier);
    expect(cutoverIdentifier(['a--b', 'c_'], executionArn)).toBe(`cutover-a-b-c-${executionHash}`);
    expect(long).toHaveLength(60);
    expect(long).toMatch(new RegExp(`^cutover-orders-x+-${executionHash}$`));
  });

  it('keeps apart executions whose names differ past the length limit or only in case and punctuation', () => {
    // Prepare
    const service = 'customer-order-history-svc';
    const longNames = [`${service}-d651cd`, `${service}-f03f41`];
    // Act
    const blueGreen = longNames.map((name) => cutoverIdentifier([service, name], arnOf(name), 60));
    const retried = cutoverIdentifier([service, longNames[0]!], arnOf(longNames[0]!), 60);
    const snapshots = ['Run_1', 'run-1'].map((name) =>
      cutoverIdentifier(['shop', 'orders', name], arnOf(name)),
    );
    // Assess
    expect(new Set(blueGreen).size).toBe(2);
    expect(new Set(snapshots).size).toBe(2);
    expect(retried).toBe(blueGreen[0]);
    expect(blueGreen.map((name) => name.length)).toEqual([60, 60]);
    for (const name of [...blueGreen, ...snapshots]) expect(name).toMatch(RDS_NAME);
  });
});

describe('db-create-snapshot and db-check-snapshot', () => {
  it('creates a tagged cutover-* snapshot of the instance and starts the poll', async () => {
    // Prepare
    rds.on(CreateDBSnapshotCommand).resolves({});
    // Act
    const result = await run(createSnapshot);
    // Assess
    expect(rds.commandCalls(CreateDBSnapshotCommand).map((c) => c.args[0].input)).toEqual([
      { DBInstanceIdentifier: 'orders', DBSnapshotIdentifier: snapshotIdentifier, Tags: tags },
    ]);
    expect(result).toEqual({ snapshotIdentifier, attempt: 0, maxAttempts: 20 });
  });

  it('carries on with an existing snapshot of its name when it is of the instance and this execution (a retried task)', async () => {
    // Prepare
    rds.on(CreateDBSnapshotCommand).rejects(rdsError('DBSnapshotAlreadyExistsFault', 'already exists'));
    rds.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [
        { DBSnapshotIdentifier: snapshotIdentifier, DBInstanceIdentifier: 'orders', TagList: tags },
      ],
    });
    // Act
    const result = await run(createSnapshot);
    // Assess
    expect(result.snapshotIdentifier).toBe(snapshotIdentifier);
    expect(rds.commandCalls(DescribeDBSnapshotsCommand).map((c) => c.args[0].input)).toEqual([
      { DBSnapshotIdentifier: snapshotIdentifier },
    ]);
  });

  it('fails with BackupFailed naming an existing snapshot of its name of another execution or instance', async () => {
    // Prepare
    const other = arnOf('Run_8');
    rds.on(CreateDBSnapshotCommand).rejects(rdsError('DBSnapshotAlreadyExistsFault', 'already exists'));
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolvesOnce({
        DBSnapshots: [
          { DBInstanceIdentifier: 'orders', TagList: [{ Key: 'cutover:execution', Value: other }] },
        ],
      })
      .resolvesOnce({ DBSnapshots: [{ DBInstanceIdentifier: 'payments', TagList: tags }] })
      .resolvesOnce({ DBSnapshots: [{ DBInstanceIdentifier: 'orders' }] })
      .rejectsOnce(rdsError('DBSnapshotNotFoundFault', `DBSnapshot ${snapshotIdentifier} not found.`));
    // Act
    const errors = [];
    for (let i = 0; i < 4; i++) errors.push(await errorOf(run(createSnapshot)));
    // Assess
    expect(errors.map((error) => error?.name)).toEqual(Array(4).fill('BackupFailed'));
    const failed = `CreateDBSnapshot ${snapshotIdentifier} of orders for ${executionArn} failed: the snapshot of that name`;
    expect(errors.map((error) => error?.message)).toEqual([
      `${failed} is of orders, created by ${other}`,
      `${failed} is of payments, created by ${executionArn}`,
      `${failed} is of orders, no cutover:execution tag`,
      `${failed} is not found by DescribeDBSnapshots`,
    ]);
  });

  it('fails with BackupFailed when RDS refuses the snapshot', async () => {
    // Prepare
    rds
      .on(CreateDBSnapshotCommand)
      .rejects(Object.assign(new Error('no such instance'), { name: 'DBInstanceNotFoundFault' }));
    // Act
    const error = await errorOf(run(createSnapshot));
    // Assess
    expect(error?.name).toBe('BackupFailed');
    expect(error?.message).toContain('no such instance');
  });

  it('fails with DatabaseInstanceBusy, which the state machine retries, when the instance is not available', async () => {
    // Prepare
    rds
      .on(CreateDBSnapshotCommand)
      .rejects(rdsError('InvalidDBInstanceStateFault', 'DB instance orders is not in available state.'));
    // Act
    const error = await errorOf(run(createSnapshot));
    // Assess
    expect(error?.name).toBe('DatabaseInstanceBusy');
    expect(error?.message).toBe(
      `CreateDBSnapshot ${snapshotIdentifier} of orders refused, the DB instance is busy ` +
        '(retried every minute for 30 minutes): DB instance orders is not in available state.',
    );
  });

  it('fails with BackupFailed on an invalid parameter', async () => {
    // Prepare
    rds
      .on(CreateDBSnapshotCommand)
      .rejects(rdsError('InvalidParameterValue', 'The parameter DBSnapshotIdentifier is not valid'));
    // Act
    const error = await errorOf(run(createSnapshot));
    // Assess
    expect(error?.name).toBe('BackupFailed');
    expect(error?.message).toContain('The parameter DBSnapshotIdentifier is not valid');
  });

  it('fails with TransientAdapterError, which the state machine retries, when RDS throttles', async () => {
    // Prepare
    rds.on(CreateDBSnapshotCommand).rejects(rdsError('ThrottlingException', 'Rate exceeded'));
    rds.on(DescribeDBSnapshotsCommand).rejects(rdsError('ThrottlingException', 'Rate exceeded'));
    const poll = { snapshotIdentifier, attempt: 0, maxAttempts: 20 };
    // Act
    const created = await errorOf(run(createSnapshot));
    const checked = await errorOf(run(checkSnapshot, poll));
    // Assess
    expect([created?.name, checked?.name]).toEqual(['TransientAdapterError', 'TransientAdapterError']);
    expect(created?.message).toContain('Rate exceeded');
  });

  it('reports creating then available, asking DescribeDBSnapshots for the snapshot by name', async () => {
    // Prepare
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolvesOnce({ DBSnapshots: [{ Status: 'creating' }] })
      .resolvesOnce({ DBSnapshots: [{ Status: 'available' }] });
    const poll = { snapshotIdentifier, attempt: 0, maxAttempts: 20 };
    // Act
    const first = await run(checkSnapshot, poll);
    const second = await run(checkSnapshot, { ...poll, attempt: 1 });
    // Assess
    expect(rds.commandCalls(DescribeDBSnapshotsCommand)[0]!.args[0].input).toEqual({
      DBSnapshotIdentifier: snapshotIdentifier,
    });
    expect(first).toEqual({ ...poll, status: 'creating', ready: false, attempt: 1 });
    expect(second).toEqual({ ...poll, status: 'available', ready: true, attempt: 2 });
  });

  it('fails with BackupFailed on a failed snapshot and when the last attempt is still creating', async () => {
    // Prepare
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolvesOnce({ DBSnapshots: [{ Status: 'failed' }] })
      .resolves({ DBSnapshots: [{ Status: 'creating' }] });
    const poll = { snapshotIdentifier, attempt: 0, maxAttempts: 20 };
    // Act
    const failed = await errorOf(run(checkSnapshot, poll));
    const late = await errorOf(run(checkSnapshot, { ...poll, attempt: 19 }));
    // Assess
    expect([failed?.name, late?.name]).toEqual(['BackupFailed', 'BackupFailed']);
    expect(failed?.message).toContain('is failed');
    expect(late?.message).toContain('still creating after 20 checks');
  });

  it('fails with BackupFailed saying the snapshot is missing when RDS does not know it', async () => {
    // Prepare
    rds
      .on(DescribeDBSnapshotsCommand)
      .rejects(rdsError('DBSnapshotNotFoundFault', `DBSnapshot ${snapshotIdentifier} not found.`));
    // Act
    const error = await errorOf(run(checkSnapshot, { snapshotIdentifier, attempt: 0, maxAttempts: 20 }));
    // Assess
    expect(error?.name).toBe('BackupFailed');
    expect(error?.message).toBe(`RDS snapshot ${snapshotIdentifier} is missing (deleted?)`);
  });
});

describe('Blue/Green handlers', () => {
  // The switchover first reads whether a rollback claimed its execution (the stack's state table).
  const dynamodb = mockClient(DynamoDBClient);
  beforeEach(() => {
    dynamodb.reset();
    dynamodb.on(GetItemCommand).resolves({});
    vi.stubEnv('CUTOVER_STATE_TABLE', 'cutover-state');
  });
  afterEach(() => vi.unstubAllEnvs());
  afterAll(() => dynamodb.restore());

  it('creates the deployment from the source with the requested green changes', async () => {
    // Prepare
    rds.on(CreateBlueGreenDeploymentCommand).resolves({
      BlueGreenDeployment: { BlueGreenDeploymentIdentifier: 'bgd-1', Status: 'PROVISIONING' },
    });
    // Act
    const result = await run(createBlueGreen);
    // Assess
    expect(rds.commandCalls(CreateBlueGreenDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      {
        BlueGreenDeploymentName: blueGreenName,
        Source: sourceArn,
        TargetEngineVersion: '17.4',
        Tags: tags,
      },
    ]);
    expect(result).toEqual({ identifier: 'bgd-1', attempt: 0, maxAttempts: 240 });
  });

  it('carries on with the deployment a retried create finds under its name, created by this execution', async () => {
    // Prepare
    rds
      .on(CreateBlueGreenDeploymentCommand)
      .rejectsOnce(
        new RDSServiceException({
          name: 'InternalFailure',
          $fault: 'server',
          $metadata: { httpStatusCode: 500 },
          message: 'internal',
        }),
      )
      .rejects(rdsError('BlueGreenDeploymentAlreadyExistsFault', 'already exists'));
    rds.on(DescribeBlueGreenDeploymentsCommand).resolves({
      BlueGreenDeployments: [
        { BlueGreenDeploymentIdentifier: 'bgd-1', Source: sourceArn, Status: 'PROVISIONING', TagList: tags },
      ],
    });
    // Act
    const first = await errorOf(run(createBlueGreen));
    const retried = await run(createBlueGreen);
    // Assess
    expect(first?.name).toBe('TransientAdapterError');
    expect(retried).toEqual({ identifier: 'bgd-1', attempt: 0, maxAttempts: 240 });
    expect(rds.commandCalls(DescribeBlueGreenDeploymentsCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: [{ Name: 'blue-green-deployment-name', Values: [blueGreenName] }] },
    ]);
  });

  it('fails with BlueGreenSwitchoverFailed naming a deployment of the same name that another execution created', async () => {
    // Prepare
    const other = arnOf('Run_8');
    rds
      .on(CreateBlueGreenDeploymentCommand)
      .rejects(rdsError('BlueGreenDeploymentAlreadyExistsFault', 'already exists'));
    rds
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolvesOnce({
        BlueGreenDeployments: [
          {
            BlueGreenDeploymentIdentifier: 'bgd-9',
            Source: sourceArn,
            TagList: [{ Key: 'cutover:execution', Value: other }],
          },
        ],
      })
      .resolvesOnce({ BlueGreenDeployments: [{ BlueGreenDeploymentIdentifier: 'bgd-8', Source: sourceArn }] })
      .resolves({ BlueGreenDeployments: [] });
    // Act
    const otherExecution = await errorOf(run(createBlueGreen));
    const untagged = await errorOf(run(createBlueGreen));
    const gone = await errorOf(run(createBlueGreen));
    // Assess
    expect([otherExecution, untagged, gone].map((error) => error?.name)).toEqual(
      Array(3).fill('BlueGreenSwitchoverFailed'),
    );
    const failed = `CreateBlueGreenDeployment ${blueGreenName} from ${sourceArn} for ${executionArn} failed`;
    expect(otherExecution?.message).toBe(
      `${failed}: the Blue/Green deployment of that name is bgd-9 of ${sourceArn}, created by ${other}`,
    );
    expect(untagged?.message).toBe(
      `${failed}: the Blue/Green deployment of that name is bgd-8 of ${sourceArn}, no cutover:execution tag`,
    );
    expect(gone?.message).toBe(
      `${failed}: the Blue/Green deployment of that name is not found by DescribeBlueGreenDeployments`,
    );
  });

  it('waits for AVAILABLE, then for SWITCHOVER_COMPLETED', async () => {
    // Prepare
    rds
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolvesOnce(deployment('PROVISIONING', 'PROVISIONING', 'IN_PROGRESS'))
      .resolvesOnce(deployment('AVAILABLE'))
      .resolvesOnce(deployment('SWITCHOVER_IN_PROGRESS', 'SWITCHOVER_IN_PROGRESS'))
      .resolvesOnce(deployment('SWITCHOVER_COMPLETED', 'SWITCHOVER_COMPLETED'));
    const poll = { identifier: 'bgd-1', attempt: 0, maxAttempts: 10 };
    // Act
    const results = [
      await run(checkBlueGreen, { ...poll, phase: 'available' }),
      await run(checkBlueGreen, { ...poll, phase: 'available' }),
      await run(checkBlueGreen, { ...poll, phase: 'switchover' }),
      await run(checkBlueGreen, { ...poll, phase: 'switchover' }),
    ];
    // Assess
    expect(results.map((r) => [r.status, r.ready])).toEqual([
      ['PROVISIONING', false],
      ['AVAILABLE', true],
      ['SWITCHOVER_IN_PROGRESS', false],
      ['SWITCHOVER_COMPLETED', true],
    ]);
    expect(rds.commandCalls(DescribeBlueGreenDeploymentsCommand)[0]!.args[0].input).toEqual({
      BlueGreenDeploymentIdentifier: 'bgd-1',
    });
  });

  it('fails with BlueGreenSwitchoverFailed on a failed status and when time is up', async () => {
    // Prepare
    rds
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolvesOnce({
        BlueGreenDeployments: [{ Status: 'SWITCHOVER_FAILED', StatusDetails: 'replica lag too high' }],
      })
      .resolves(deployment('AVAILABLE'));
    const poll = { identifier: 'bgd-1', phase: 'switchover', attempt: 0, maxAttempts: 6 };
    // Act
    const failed = await errorOf(run(checkBlueGreen, poll));
    const late = await errorOf(run(checkBlueGreen, { ...poll, attempt: 5 }));
    // Assess
    expect([failed?.name, late?.name]).toEqual(['BlueGreenSwitchoverFailed', 'BlueGreenSwitchoverFailed']);
    expect(failed?.message).toContain('SWITCHOVER_FAILED: replica lag too high');
    expect(late?.message).toContain('still AVAILABLE after 6 checks (waiting for SWITCHOVER_COMPLETED)');
  });

  it('fails with BlueGreenSwitchoverFailed saying the deployment is missing when RDS does not know it', async () => {
    // Prepare
    rds
      .on(DescribeBlueGreenDeploymentsCommand)
      .rejects(rdsError('BlueGreenDeploymentNotFoundFault', 'BlueGreenDeploymentIdentifier bgd-1 not found'));
    // Act
    const error = await errorOf(
      run(checkBlueGreen, { identifier: 'bgd-1', phase: 'available', attempt: 0, maxAttempts: 6 }),
    );
    // Assess
    expect(error?.name).toBe('BlueGreenSwitchoverFailed');
    expect(error?.message).toBe('Blue/Green deployment bgd-1 is missing (deleted?)');
  });

  it('validates members and tasks before the switchover, naming what is not ready', async () => {
    // Prepare
    rds
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolvesOnce(deployment('AVAILABLE'))
      .resolvesOnce(deployment('AVAILABLE', 'MISSING_TARGET', 'FAILED'));
    // Act
    const valid = await run(validateBlueGreen, { identifier: 'bgd-1' });
    const invalid = await errorOf(run(validateBlueGreen, { identifier: 'bgd-1' }));
    // Assess
    expect(valid).toEqual({ identifier: 'bgd-1', members: 1 });
    expect(invalid?.name).toBe('BlueGreenSwitchoverFailed');
    expect(invalid?.message).toContain(`${sourceArn} MISSING_TARGET`);
    expect(invalid?.message).toContain('task CREATING_READ_REPLICA_OF_SOURCE FAILED');
  });

  it('switches over with the SwitchoverTimeout and polls past it', async () => {
    // Prepare
    rds.on(SwitchoverBlueGreenDeploymentCommand).resolves({});
    // Act
    const result = await run(switchover, { identifier: 'bgd-1' });
    // Assess
    expect(rds.commandCalls(SwitchoverBlueGreenDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { BlueGreenDeploymentIdentifier: 'bgd-1', SwitchoverTimeout: 120 },
    ]);
    expect(result).toEqual({ identifier: 'bgd-1', attempt: 0, maxAttempts: 6 });
  });

  it('carries on when a retried switchover finds the switchover started, and fails naming any other status', async () => {
    // Prepare
    rds
      .on(SwitchoverBlueGreenDeploymentCommand)
      .rejects(rdsError('InvalidBlueGreenDeploymentStateFault', 'not in a valid state'));
    rds
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolvesOnce(deployment('SWITCHOVER_IN_PROGRESS', 'SWITCHOVER_IN_PROGRESS'))
      .resolvesOnce(deployment('SWITCHOVER_COMPLETED', 'SWITCHOVER_COMPLETED'))
      .resolvesOnce(deployment('PROVISIONING'));
    // Act
    const inProgress = await run(switchover, { identifier: 'bgd-1' });
    const completed = await run(switchover, { identifier: 'bgd-1' });
    const provisioning = await errorOf(run(switchover, { identifier: 'bgd-1' }));
    // Assess
    expect([inProgress, completed]).toEqual(
      Array(2).fill({ identifier: 'bgd-1', attempt: 0, maxAttempts: 6 }),
    );
    expect(rds.commandCalls(DescribeBlueGreenDeploymentsCommand).map((c) => c.args[0].input)).toEqual(
      Array(3).fill({ BlueGreenDeploymentIdentifier: 'bgd-1' }),
    );
    expect(provisioning?.name).toBe('BlueGreenSwitchoverFailed');
    expect(provisioning?.message).toBe(
      'SwitchoverBlueGreenDeployment bgd-1 (status PROVISIONING) failed: not in a valid state',
    );
  });

  it('fails a switchover RDS refuses for its instances with BlueGreenSwitchoverFailed, which no state retries as busy', async () => {
    // Prepare
    rds
      .on(SwitchoverBlueGreenDeploymentCommand)
      .rejects(rdsError('InvalidDBInstanceStateFault', 'DB instance orders is not in available state.'));
    // Act
    const error = await errorOf(run(switchover, { identifier: 'bgd-1' }));
    // Assess
    expect(error?.name).toBe('BlueGreenSwitchoverFailed');
    expect(error?.message).toContain('DB instance orders is not in available state.');
  });

  it('does not switch over for a stopped migration whose rollback has begun', async () => {
    // Prepare
    rds.on(SwitchoverBlueGreenDeploymentCommand).resolves({});
    dynamodb.on(GetItemCommand).resolves({
      Item: {
        owner: { S: 'arn:aws:states:eu-west-1:123456789012:execution:rollback:abort-Run_7' },
        expiresAt: { N: String(Math.floor(Date.now() / 1000) + 3600) },
      },
    });
    // Act
    const error = await errorOf(run(switchover, { identifier: 'bgd-1' }));
    // Assess
    expect(error?.name).toBe('ExecutionStopped');
    expect(error?.message).toContain('db-switchover-blue-green changed nothing');
    expect(dynamodb.commandCalls(GetItemCommand)[0]!.args[0].input).toEqual({
      TableName: 'cutover-state',
      Key: { pk: { S: `rollback#${executionArn}` } },
      ConsistentRead: true,
    });
    expect(rds.commandCalls(SwitchoverBlueGreenDeploymentCommand)).toHaveLength(0);
  });

  it('fails with TransientAdapterError when RDS throttles, and BlueGreenSwitchoverFailed otherwise', async () => {
    // Prepare
    rds
      .on(CreateBlueGreenDeploymentCommand)
      .rejectsOnce(rdsError('ThrottlingException', 'Rate exceeded'))
      .rejectsOnce(rdsError('SourceDatabaseNotSupportedFault', 'not supported'));
    rds.on(DescribeBlueGreenDeploymentsCommand).rejects(rdsError('ThrottlingException', 'Rate exceeded'));
    rds.on(SwitchoverBlueGreenDeploymentCommand).rejects(rdsError('ThrottlingException', 'Rate exceeded'));
    // Act
    const errors = [
      await errorOf(run(createBlueGreen)),
      await errorOf(run(createBlueGreen)),
      await errorOf(
        run(checkBlueGreen, { identifier: 'bgd-1', phase: 'available', attempt: 0, maxAttempts: 6 }),
      ),
      await errorOf(run(switchover, { identifier: 'bgd-1' })),
    ];
    // Assess
    expect(errors.map((error) => error?.name)).toEqual([
      'TransientAdapterError',
      'BlueGreenSwitchoverFailed',
      'TransientAdapterError',
      'TransientAdapterError',
    ]);
  });

  it('refuses snapshots without an instance and Blue/Green without rds, naming the field', async () => {
    // Prepare
    const { rds: _, ...withoutRds } = request;
    // Act
    const error = await errorOf(
      createSnapshot({ request: withoutRds, executionArn }, {} as Context) as Promise<unknown>,
    );
    // Assess
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toMatch(/^invalid database-migration request:\n/);
    expect(error?.message).toContain('\n  - rds.instanceIdentifier: backup.method rds-snapshot needs');
    expect(error?.message).toContain('\n  - rds: blueGreen needs rds');
    expect(rds.calls()).toHaveLength(0);
  });
});

describe('a database task given a bad request', () => {
  it('names the request and its fields as the CLI does, not the task and its payload', async () => {
    // Prepare
    const both = {
      ...request,
      migrations: { directory: 'migrations/orders', s3Prefix: 'migrations/orders' },
    };
    // Act
    const error = await errorOf(prepare({ request: both, executionArn }, {} as Context) as Promise<unknown>);
    // Assess
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toBe(
      'invalid database-migration request:\n  - migrations: give exactly one of directory or s3Prefix',
    );
  });

  it('names the task for a bad field of its own payload', async () => {
    // Act
    const error = await errorOf(prepare({ request }, {} as Context) as Promise<unknown>);
    // Assess
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toMatch(/^invalid db-prepare input:\n {2}- executionArn: /);
  });
});

describe('db-prepare', () => {
  const dynamodb = mockClient(DynamoDBClient);
  // The secret names a real database: Prepare checks the request's schemas there before it locks.
  const secrets = mockClient(SecretsManagerClient);
  let postgres: TestPostgres;
  beforeAll(async () => {
    postgres = await startTestPostgres();
    const url = await postgres.createDatabase('orders');
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url }) });
  });
  afterAll(async () => {
    dynamodb.restore();
    secrets.restore();
    await postgres?.stop();
  });
  beforeEach(() => {
    dynamodb.reset();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
    vi.stubEnv('CUTOVER_STATE_TABLE', 'cutover-state');
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });

  it("locks the service for the request's RDS waits plus a day", async () => {
    // Prepare
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(GetItemCommand).resolves({});
    const { backup: _, rds: __, blueGreen: ___, ...withoutRds } = request;
    const now = Date.parse('2025-01-01T00:00:00Z') / 1000;
    // Act
    await run(prepare);
    await prepare({ request: withoutRds, executionArn }, {} as Context);
    // Assess
    const expiresAt = dynamodb
      .commandCalls(PutItemCommand)
      .map((c) => Number(c.args[0].input.Item!.expiresAt!.N));
    // A 600 s snapshot, 7,200 s for the green environment, the 120 s switchover and two polls of 30 s.
    expect(expiresAt.map((at) => at - now)).toEqual([86_400 + 600 + 7200 + 120 + 60, 86_400]);
  });

  it('refuses a snapshot of another instance than the Blue/Green source before it locks anything', async () => {
    // Prepare
    const otherInstance = { ...request, rds: { ...request.rds, instanceIdentifier: 'payments' } };
    // Act
    const error = await errorOf(prepare({ request: otherInstance, executionArn }, {} as Context));
    // Assess
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toContain(
      '  - rds.instanceIdentifier: must be the instance of blueGreen.sourceArn (orders), the one the migration runs on; got "payments"',
    );
    expect(dynamodb.commandCalls(PutItemCommand)).toEqual([]);
  });
});

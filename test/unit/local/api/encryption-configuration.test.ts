import { join } from 'node:path';
import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeActivityCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  type EncryptionConfiguration,
  StartExecutionCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime, waitForExecution } from '#test/support/local-runtime.ts';
import { temporaryDirectories } from '#test/support/temporary-directories.ts';

const ROLE = 'arn:aws:iam::000000000000:role/encryption';
/**
 * What AWS answers for a state machine created without an encryptionConfiguration, in DescribeStateMachine
 * and DescribeStateMachineForExecution (recorded against AWS in November 2024: LocalStack's
 * tests/aws/services/stepfunctions/v2/test_sfn_api_variable_references.snapshot.json).
 */
const AWS_OWNED: EncryptionConfiguration = { type: 'AWS_OWNED_KEY' };
const CUSTOMER_KEY: EncryptionConfiguration = {
  type: 'CUSTOMER_MANAGED_KMS_KEY',
  kmsKeyId: 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  kmsDataKeyReusePeriodSeconds: 120,
};
const passMachine = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });

const temporaryDirectory = temporaryDirectories('cutover-encryption');
let local: TestRuntime | undefined;

afterEach(async () => {
  await local?.close();
  local = undefined;
});

/** Creates the Pass state machine `name`, with `encryptionConfiguration` if given; returns its ARN. */
async function createMachine(
  runtime: TestRuntime,
  name: string,
  encryptionConfiguration?: EncryptionConfiguration,
): Promise<string> {
  const { stateMachineArn } = await runtime.client.send(
    new CreateStateMachineCommand({ name, definition: passMachine, roleArn: ROLE, encryptionConfiguration }),
  );
  return stateMachineArn!;
}

/** Starts an execution of `stateMachineArn`, waits for its end and returns its ARN. */
async function runOnce(runtime: TestRuntime, stateMachineArn: string): Promise<string> {
  const { executionArn } = await runtime.client.send(new StartExecutionCommand({ stateMachineArn }));
  await waitForExecution(runtime.client, executionArn!);
  return executionArn!;
}

describe.each([
  ['in memory', () => undefined],
  ['in a data directory', temporaryDirectory],
])('encryptionConfiguration (store %s)', (_store, dataDir) => {
  it('answers an AWS owned key for a state machine and an activity created without one', async () => {
    // Prepare
    local = await startTestRuntime({ dataDir: dataDir() });
    const { client } = local;
    // Act
    const stateMachineArn = await createMachine(local, 'plain');
    const { activityArn } = await client.send(new CreateActivityCommand({ name: 'plain-approval' }));
    const executionArn = await runOnce(local, stateMachineArn);
    // Assess
    const machine = await client.send(new DescribeStateMachineCommand({ stateMachineArn }));
    const forExecution = await client.send(new DescribeStateMachineForExecutionCommand({ executionArn }));
    const activity = await client.send(new DescribeActivityCommand({ activityArn }));
    expect(machine.encryptionConfiguration).toEqual(AWS_OWNED);
    expect(forExecution.encryptionConfiguration).toEqual(AWS_OWNED);
    expect(activity.encryptionConfiguration).toEqual(AWS_OWNED);
  });

  it('keeps a customer managed key, and changes it by an update that gives nothing else', async () => {
    // Prepare
    local = await startTestRuntime({ dataDir: dataDir() });
    const { client } = local;
    const stateMachineArn = await createMachine(local, 'keyed', CUSTOMER_KEY);
    const before = await runOnce(local, stateMachineArn);
    // Act
    const updated = await client.send(
      new UpdateStateMachineCommand({ stateMachineArn, encryptionConfiguration: AWS_OWNED, publish: true }),
    );
    const after = await runOnce(local, stateMachineArn);
    // Assess
    const describe = (arn: string) => client.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    const forExecution = (executionArn: string) =>
      client.send(new DescribeStateMachineForExecutionCommand({ executionArn }));
    expect(updated.revisionId).toEqual(expect.any(String));
    expect((await describe(stateMachineArn)).encryptionConfiguration).toEqual(AWS_OWNED);
    expect((await describe(updated.stateMachineVersionArn!)).encryptionConfiguration).toEqual(AWS_OWNED);
    expect((await forExecution(before)).encryptionConfiguration).toEqual(CUSTOMER_KEY);
    expect((await forExecution(after)).encryptionConfiguration).toEqual(AWS_OWNED);
  });

  it('treats CreateStateMachine as idempotent only for the same encryptionConfiguration', async () => {
    // Prepare
    local = await startTestRuntime({ dataDir: dataDir() });
    const { client } = local;
    const input = { name: 'idempotent', definition: passMachine, roleArn: ROLE };
    const first = await client.send(
      new CreateStateMachineCommand({ ...input, encryptionConfiguration: AWS_OWNED }),
    );
    // Act
    const again = await client.send(new CreateStateMachineCommand(input));
    const otherKey = client.send(
      new CreateStateMachineCommand({ ...input, encryptionConfiguration: CUSTOMER_KEY }),
    );
    // Assess
    expect(again.stateMachineArn).toBe(first.stateMachineArn);
    await expect(otherKey).rejects.toMatchObject({ name: 'StateMachineAlreadyExists' });
  });

  it('refuses a customer managed key without kmsKeyId, and changes nothing', async () => {
    // Prepare
    local = await startTestRuntime({ dataDir: dataDir() });
    const { client } = local;
    const stateMachineArn = await createMachine(local, 'refused', CUSTOMER_KEY);
    const noKey: EncryptionConfiguration = { type: 'CUSTOMER_MANAGED_KMS_KEY' };
    // Act
    const update = client.send(
      new UpdateStateMachineCommand({ stateMachineArn, encryptionConfiguration: noKey }),
    );
    const activity = client.send(
      new CreateActivityCommand({ name: 'refused', encryptionConfiguration: noKey }),
    );
    // Assess
    const refusal = {
      name: 'InvalidEncryptionConfiguration',
      message: 'Invalid Encryption Configuration: kmsKeyId is required when type is CUSTOMER_MANAGED_KMS_KEY',
    };
    await expect(update).rejects.toMatchObject(refusal);
    await expect(activity).rejects.toMatchObject(refusal);
    const machine = await client.send(new DescribeStateMachineCommand({ stateMachineArn }));
    expect(machine.encryptionConfiguration).toEqual(CUSTOMER_KEY);
    expect(machine).not.toHaveProperty('revisionId');
  });
});

describe('encryptionConfiguration in a data directory', () => {
  it('is kept across a restart, for state machines and activities', async () => {
    // Prepare
    const dataDir = temporaryDirectory();
    local = await startTestRuntime({ dataDir });
    const stateMachineArn = await createMachine(local, 'restarted', CUSTOMER_KEY);
    const { activityArn } = await local.client.send(
      new CreateActivityCommand({ name: 'restarted', encryptionConfiguration: CUSTOMER_KEY }),
    );
    await local.close();
    // Act
    local = await startTestRuntime({ dataDir });
    const machine = await local.client.send(new DescribeStateMachineCommand({ stateMachineArn }));
    const activity = await local.client.send(new DescribeActivityCommand({ activityArn }));
    // Assess
    expect(machine.encryptionConfiguration).toEqual(CUSTOMER_KEY);
    expect(activity.encryptionConfiguration).toEqual(CUSTOMER_KEY);
  });

  it('answers an AWS owned key for an activity written before encryption was kept', async () => {
    // Prepare: a data directory whose activities table has no encryption column
    const dataDir = temporaryDirectory();
    const db = new Database(join(dataDir, 'cutover.db'));
    db.exec(
      'CREATE TABLE activities (arn TEXT PRIMARY KEY, name TEXT NOT NULL, creation_date INTEGER NOT NULL, tags TEXT NOT NULL)',
    );
    const activityArn = 'arn:aws:states:us-east-1:000000000000:activity:earlier';
    db.prepare("INSERT INTO activities VALUES (?, 'earlier', 1000, '[]')").run(activityArn);
    db.close();
    // Act
    local = await startTestRuntime({ dataDir });
    const activity = await local.client.send(new DescribeActivityCommand({ activityArn }));
    // Assess
    expect(activity).toMatchObject({ name: 'earlier', encryptionConfiguration: AWS_OWNED });
  });
});

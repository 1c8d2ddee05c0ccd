import { join } from 'node:path';
import {
  CreateStateMachineCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  type LoggingConfiguration,
  StartExecutionCommand,
  type TracingConfiguration,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import Database from 'libsql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rawCall } from '#test/statemachines/conformance/api.cases.ts';
import { startTestRuntime, type TestRuntime, waitForExecution } from '#test/support/local-runtime.ts';
import { temporaryDirectories } from '#test/support/temporary-directories.ts';

const ROLE = 'arn:aws:iam::000000000000:role/configuration';
const LOG_GROUP = 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/vendedlogs/states/orders:*';
const DEFAULT_LOGGING = { level: 'OFF', includeExecutionData: false };
const DEFAULT_TRACING = { enabled: false };
const passMachine = (result: string) =>
  JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } });
const toLogGroup = (level: LoggingConfiguration['level'], includeExecutionData?: boolean) => ({
  level,
  ...(includeExecutionData === undefined ? {} : { includeExecutionData }),
  destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: LOG_GROUP } }],
});

const temporaryDirectory = temporaryDirectories('cutover-configuration');

describe.each([
  ['in memory', () => undefined],
  ['in a data directory', temporaryDirectory],
])('state machine configuration (store %s)', (_store, dataDir) => {
  let local: TestRuntime;
  let machines = 0;

  beforeAll(async () => {
    local = await startTestRuntime({ dataDir: dataDir() });
  });

  afterAll(async () => {
    await local?.close();
  });

  async function createMachine(
    settings: {
      loggingConfiguration?: LoggingConfiguration;
      tracingConfiguration?: TracingConfiguration;
    } = {},
  ): Promise<string> {
    const name = `configured-${++machines}`;
    const created = await local.client.send(
      new CreateStateMachineCommand({ name, definition: passMachine('v1'), roleArn: ROLE, ...settings }),
    );
    return created.stateMachineArn!;
  }

  const describeMachine = (stateMachineArn: string) =>
    local.client.send(new DescribeStateMachineCommand({ stateMachineArn }));

  async function runOnce(stateMachineArn: string) {
    const { executionArn } = await local.client.send(new StartExecutionCommand({ stateMachineArn }));
    await waitForExecution(local.client, executionArn!);
    return local.client.send(new DescribeStateMachineForExecutionCommand({ executionArn }));
  }

  it('answers logging OFF, tracing disabled and no revisionId for a state machine never updated', async () => {
    // Prepare
    const stateMachineArn = await createMachine();
    // Act
    const described = await describeMachine(stateMachineArn);
    const forExecution = await runOnce(stateMachineArn);
    // Assess
    expect(described.loggingConfiguration).toEqual(DEFAULT_LOGGING);
    expect(described.tracingConfiguration).toEqual(DEFAULT_TRACING);
    expect(described).not.toHaveProperty('revisionId');
    expect(forExecution.loggingConfiguration).toEqual(DEFAULT_LOGGING);
    expect(forExecution.tracingConfiguration).toEqual(DEFAULT_TRACING);
    expect(forExecution).not.toHaveProperty('revisionId');
  });

  it('keeps the loggingConfiguration and tracingConfiguration given to CreateStateMachine', async () => {
    // Prepare
    const stateMachineArn = await createMachine({
      loggingConfiguration: toLogGroup('ALL', true),
      tracingConfiguration: { enabled: true },
    });
    // Act
    const described = await describeMachine(stateMachineArn);
    const forExecution = await runOnce(stateMachineArn);
    // Assess
    expect(described.loggingConfiguration).toEqual(toLogGroup('ALL', true));
    expect(described.tracingConfiguration).toEqual({ enabled: true });
    expect(forExecution.loggingConfiguration).toEqual(toLogGroup('ALL', true));
    expect(forExecution.tracingConfiguration).toEqual({ enabled: true });
  });

  it('fills in includeExecutionData false and level OFF when they are not given', async () => {
    // Prepare
    const withoutData = await createMachine({ loggingConfiguration: toLogGroup('ERROR') });
    const withoutLevel = await createMachine({ loggingConfiguration: { includeExecutionData: true } });
    const noDestinations = await createMachine({ loggingConfiguration: { destinations: [] } });
    // Act
    const [first, second, third] = await Promise.all(
      [withoutData, withoutLevel, noDestinations].map((machine) => describeMachine(machine)),
    );
    // Assess
    expect(first!.loggingConfiguration).toEqual(toLogGroup('ERROR', false));
    expect(second!.loggingConfiguration).toEqual({ level: 'OFF', includeExecutionData: true });
    // An empty list of destinations is answered as given (localstack test_sfn_api_logs.snapshot.json,
    // test_incomplete_logging_configuration[logging_configuration1], recorded on AWS).
    expect(third!.loggingConfiguration).toEqual({
      level: 'OFF',
      includeExecutionData: false,
      destinations: [],
    });
  });

  it('UpdateStateMachine with only loggingConfiguration changes it alone, in a new revision', async () => {
    // Prepare
    const stateMachineArn = await createMachine();
    const before = await runOnce(stateMachineArn);
    // Act
    const updated = await local.client.send(
      new UpdateStateMachineCommand({ stateMachineArn, loggingConfiguration: toLogGroup('FATAL', true) }),
    );
    const described = await describeMachine(stateMachineArn);
    const after = await runOnce(stateMachineArn);
    // Assess
    expect(updated.revisionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(described).toMatchObject({
      definition: passMachine('v1'),
      roleArn: ROLE,
      loggingConfiguration: toLogGroup('FATAL', true),
      tracingConfiguration: DEFAULT_TRACING,
      revisionId: updated.revisionId,
    });
    expect(before.loggingConfiguration).toEqual(DEFAULT_LOGGING);
    expect(before).not.toHaveProperty('revisionId');
    expect(after).toMatchObject({
      loggingConfiguration: toLogGroup('FATAL', true),
      revisionId: updated.revisionId,
    });
  });

  it('UpdateStateMachine with only tracingConfiguration changes it alone, in a new revision', async () => {
    // Prepare
    const stateMachineArn = await createMachine({ loggingConfiguration: toLogGroup('ERROR', true) });
    // Act
    const updated = await local.client.send(
      new UpdateStateMachineCommand({ stateMachineArn, tracingConfiguration: { enabled: true } }),
    );
    const described = await describeMachine(stateMachineArn);
    // Assess
    expect(updated.revisionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(described).toMatchObject({
      loggingConfiguration: toLogGroup('ERROR', true),
      tracingConfiguration: { enabled: true },
      revisionId: updated.revisionId,
    });
  });

  it('answers an update that repeats the current configuration with the current revision', async () => {
    // Prepare
    const stateMachineArn = await createMachine({ tracingConfiguration: { enabled: true } });
    const first = await local.client.send(
      new UpdateStateMachineCommand({ stateMachineArn, loggingConfiguration: toLogGroup('ALL') }),
    );
    // Act
    const again = await local.client.send(
      new UpdateStateMachineCommand({
        stateMachineArn,
        loggingConfiguration: toLogGroup('ALL', false),
        tracingConfiguration: { enabled: true },
      }),
    );
    // Assess
    expect(again).toMatchObject({ revisionId: first.revisionId, updateDate: first.updateDate });
  });

  it('answers an update of a never-updated state machine that changes nothing without a revisionId', async () => {
    // Prepare
    const stateMachineArn = await createMachine();
    // Act
    const same = await local.client.send(
      new UpdateStateMachineCommand({ stateMachineArn, loggingConfiguration: { level: 'OFF' } }),
    );
    // Assess
    expect(same.updateDate).toBeInstanceOf(Date);
    expect(same).not.toHaveProperty('revisionId');
    expect(await describeMachine(stateMachineArn)).not.toHaveProperty('revisionId');
  });

  it('refuses an UpdateStateMachine that gives nothing to change with MissingRequiredParameter', async () => {
    // Prepare
    const stateMachineArn = await createMachine();
    // Act
    const update = local.client.send(new UpdateStateMachineCommand({ stateMachineArn }));
    // Assess
    await expect(update).rejects.toMatchObject({
      name: 'MissingRequiredParameter',
      message:
        'Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified',
    });
  });

  it('treats CreateStateMachine as idempotent only for the same logging and tracing configuration', async () => {
    // Prepare
    const name = `idempotent-${++machines}`;
    const input = {
      name,
      definition: passMachine('x'),
      roleArn: ROLE,
      tracingConfiguration: { enabled: true },
    };
    const first = await local.client.send(new CreateStateMachineCommand(input));
    // Act
    const again = await local.client.send(new CreateStateMachineCommand(input));
    const otherLogging = local.client.send(
      new CreateStateMachineCommand({ ...input, loggingConfiguration: toLogGroup('ALL') }),
    );
    const otherTracing = local.client.send(
      new CreateStateMachineCommand({ ...input, tracingConfiguration: { enabled: false } }),
    );
    // Assess
    expect(again.stateMachineArn).toBe(first.stateMachineArn);
    await expect(otherLogging).rejects.toMatchObject({ name: 'StateMachineAlreadyExists' });
    await expect(otherTracing).rejects.toMatchObject({ name: 'StateMachineAlreadyExists' });
  });

  it.each([
    ['a level other than OFF without a destination', { level: 'ERROR' }],
    ['an empty list of destinations', { level: 'ALL', destinations: [] }],
    [
      'two destinations',
      {
        level: 'ALL',
        destinations: [
          { cloudWatchLogsLogGroup: { logGroupArn: LOG_GROUP } },
          { cloudWatchLogsLogGroup: { logGroupArn: LOG_GROUP } },
        ],
      },
    ],
    ['a destination without a log group', { level: 'ALL', destinations: [{}] }],
    [
      'a log group ARN that does not end with :*',
      { level: 'ALL', destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: LOG_GROUP.slice(0, -2) } }] },
    ],
    [
      'an ARN that is not a log group',
      { level: 'ALL', destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: ROLE } }] },
    ],
  ] as [string, LoggingConfiguration][])(
    'refuses %s with InvalidLoggingConfiguration',
    async (_case, logging) => {
      // Prepare
      const stateMachineArn = await createMachine();
      // Act
      const create = createMachine({ loggingConfiguration: logging });
      const update = local.client.send(
        new UpdateStateMachineCommand({ stateMachineArn, loggingConfiguration: logging }),
      );
      // Assess
      await expect(create).rejects.toMatchObject({
        name: 'InvalidLoggingConfiguration',
        message: expect.stringMatching(/^Invalid Logging Configuration: /),
      });
      await expect(update).rejects.toMatchObject({ name: 'InvalidLoggingConfiguration' });
      expect((await describeMachine(stateMachineArn)).loggingConfiguration).toEqual(DEFAULT_LOGGING);
    },
  );

  it('refuses a tracingConfiguration whose enabled is not set with InvalidTracingConfiguration', async () => {
    // Prepare
    const stateMachineArn = await createMachine();
    // Act
    const create = createMachine({ tracingConfiguration: {} });
    const update = local.client.send(
      new UpdateStateMachineCommand({ stateMachineArn, tracingConfiguration: {} }),
    );
    // Assess
    await expect(create).rejects.toMatchObject({ name: 'InvalidTracingConfiguration' });
    await expect(update).rejects.toMatchObject({ name: 'InvalidTracingConfiguration' });
  });

  it('refuses a level outside ALL, ERROR, FATAL, OFF with a ValidationException naming the field', async () => {
    // Prepare
    const stateMachineArn = await createMachine();
    // Act
    const answer = await rawCall(
      local.endpoint,
      'AWSStepFunctions.UpdateStateMachine',
      JSON.stringify({ stateMachineArn, loggingConfiguration: { level: 'DEBUG' } }),
    );
    // Assess
    expect(answer.json).toEqual({
      __type: 'ValidationException',
      message:
        "1 validation error detected: Value 'DEBUG' at 'loggingConfiguration.level' failed to satisfy constraint: Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]",
    });
  });

  it('refuses a logGroupArn over 256 characters with a ValidationException naming the field', async () => {
    // Prepare
    const logGroupArn = `${LOG_GROUP.slice(0, -2)}${'x'.repeat(256)}:*`;
    // Act
    const answer = await rawCall(
      local.endpoint,
      'AWSStepFunctions.CreateStateMachine',
      JSON.stringify({
        name: `too-long-${++machines}`,
        definition: passMachine('v1'),
        roleArn: ROLE,
        loggingConfiguration: { level: 'ALL', destinations: [{ cloudWatchLogsLogGroup: { logGroupArn } }] },
      }),
    );
    // Assess
    expect(answer.json).toEqual({
      __type: 'ValidationException',
      message: `1 validation error detected: Value '${logGroupArn}' at 'loggingConfiguration.destinations.1.member.cloudWatchLogsLogGroup.logGroupArn' failed to satisfy constraint: Member must have length less than or equal to 256`,
    });
  });
});

/** The tables of a data directory as written before state machines kept a logging and tracing configuration. */
const SCHEMA_WITHOUT_CONFIGURATION = `
CREATE TABLE state_machines (
  arn TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, role_arn TEXT NOT NULL,
  definition TEXT NOT NULL, revision_id TEXT NOT NULL, revision INTEGER NOT NULL,
  creation_date INTEGER NOT NULL, description TEXT);
CREATE TABLE revisions (
  id INTEGER PRIMARY KEY, state_machine_arn TEXT NOT NULL, name TEXT NOT NULL, definition TEXT NOT NULL,
  role_arn TEXT NOT NULL, revision_id TEXT NOT NULL, update_date INTEGER NOT NULL);
CREATE TABLE executions (
  id INTEGER PRIMARY KEY, arn TEXT NOT NULL UNIQUE, state_machine_arn TEXT NOT NULL, name TEXT NOT NULL,
  revision INTEGER NOT NULL, status TEXT NOT NULL, input TEXT NOT NULL, output TEXT, error TEXT, cause TEXT,
  start_date INTEGER NOT NULL, stop_date INTEGER, deadline INTEGER, parent_arn TEXT);
`;

describe('a data directory written before logging and tracing were kept', () => {
  const arn = (name: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`;
  let local: TestRuntime | undefined;

  afterEach(async () => {
    await local?.close();
    local = undefined;
  });

  /** `fresh` created at 1000 and never updated; `changed` created at 1000 and updated at 2000, run once before. */
  function writeEarlierDataDirectory(): string {
    const directory = temporaryDirectory();
    const db = new Database(join(directory, 'cutover.db'));
    db.exec(SCHEMA_WITHOUT_CONFIGURATION);
    const revision = db.prepare('INSERT INTO revisions VALUES (?, ?, ?, ?, ?, ?, ?)');
    revision.run(1, arn('fresh'), 'fresh', passMachine('v1'), ROLE, 'rev-fresh', 1000);
    revision.run(2, arn('changed'), 'changed', passMachine('v1'), ROLE, 'rev-changed-1', 1000);
    revision.run(3, arn('changed'), 'changed', passMachine('v2'), ROLE, 'rev-changed-2', 2000);
    const machine = db.prepare(
      "INSERT INTO state_machines VALUES (?, ?, 'STANDARD', ?, ?, ?, ?, 1000, NULL)",
    );
    machine.run(arn('fresh'), 'fresh', ROLE, passMachine('v1'), 'rev-fresh', 1);
    machine.run(arn('changed'), 'changed', ROLE, passMachine('v2'), 'rev-changed-2', 3);
    db.prepare(
      `INSERT INTO executions (arn, state_machine_arn, name, revision, status, input, output, start_date, stop_date)
       VALUES (?, ?, 'before', 2, 'SUCCEEDED', '{}', '"v1"', 1500, 1600)`,
    ).run('arn:aws:states:us-east-1:000000000000:execution:changed:before', arn('changed'));
    db.close();
    return directory;
  }

  it('opens with the defaults, no revisionId before the first update, and keeps what is updated', async () => {
    // Prepare
    const dataDir = writeEarlierDataDirectory();
    local = await startTestRuntime({ dataDir });
    // Act
    const fresh = await local.client.send(new DescribeStateMachineCommand({ stateMachineArn: arn('fresh') }));
    const changed = await local.client.send(
      new DescribeStateMachineCommand({ stateMachineArn: arn('changed') }),
    );
    const before = await local.client.send(
      new DescribeStateMachineForExecutionCommand({
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:changed:before',
      }),
    );
    const unchanged = await local.client.send(
      new UpdateStateMachineCommand({
        stateMachineArn: arn('changed'),
        loggingConfiguration: { level: 'OFF' },
      }),
    );
    const updated = await local.client.send(
      new UpdateStateMachineCommand({
        stateMachineArn: arn('fresh'),
        loggingConfiguration: toLogGroup('ALL'),
      }),
    );
    await local.close();
    local = await startTestRuntime({ dataDir });
    const reopened = await local.client.send(
      new DescribeStateMachineCommand({ stateMachineArn: arn('fresh') }),
    );
    // Assess
    expect(fresh).toMatchObject({
      loggingConfiguration: DEFAULT_LOGGING,
      tracingConfiguration: DEFAULT_TRACING,
      encryptionConfiguration: { type: 'AWS_OWNED_KEY' },
    });
    expect(fresh).not.toHaveProperty('revisionId');
    expect(changed).toMatchObject({ definition: passMachine('v2'), revisionId: 'rev-changed-2' });
    expect(before).toMatchObject({
      definition: passMachine('v1'),
      loggingConfiguration: DEFAULT_LOGGING,
      encryptionConfiguration: { type: 'AWS_OWNED_KEY' },
    });
    expect(before).not.toHaveProperty('revisionId');
    expect(unchanged.revisionId).toBe('rev-changed-2');
    expect(reopened).toMatchObject({
      definition: passMachine('v1'),
      loggingConfiguration: toLogGroup('ALL', false),
      revisionId: updated.revisionId,
    });
  });
});

import {
  CreateActivityCommand,
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DescribeMapRunCommand,
  ListActivitiesCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  ListStateMachineAliasesCommand,
  ListStateMachinesCommand,
  ListStateMachineVersionsCommand,
  ListTagsForResourceCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '#local/api/operations.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import { startTestRuntime, type TestRuntime, waitForExecution } from '#test/support/local-runtime.ts';

const ROLE = 'arn:aws:iam::000000000000:role/fuzz';
const ACCOUNT_ARN = 'arn:aws:states:us-east-1:000000000000';
const PASS = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
/** A Distributed Map of Pass children: its execution holds a Map Run. */
const DISTRIBUTED_MAP = JSON.stringify({
  StartAt: 'M',
  States: {
    M: {
      Type: 'Map',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'P',
        States: { P: { Type: 'Pass', End: true } },
      },
      End: true,
    },
  },
});
/** The errors whose HTTP status is not 400, as AWS's API model gives them (docs/local-api.md). */
const ERROR_STATUS: Readonly<Record<string, number>> = {
  ResourceNotFound: 404,
  ConflictException: 409,
  ServiceQuotaExceededException: 402,
};
/** Requests each run sends; `FUZZ_RUNS=N` sends more. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
/** Long-polls for up to a minute when its activity has no task: sent only with fuzzed ARNs, see below. */
const LONG_POLL = 'GetActivityTask';

let local: TestRuntime;
/** The ARNs of what the runtime holds before the fuzzing starts. */
let held: Record<
  'machine' | 'express' | 'version' | 'alias' | 'execution' | 'activity' | 'mapExecution' | 'mapRun',
  string
>;

beforeAll(async () => {
  local = await startTestRuntime({ lambdas: new MapLambdaRegistry({ echo: (payload) => payload }) });
  const { client } = local;
  const machine = await client.send(
    new CreateStateMachineCommand({ name: 'held', definition: PASS, roleArn: ROLE, publish: true }),
  );
  const alias = await client.send(
    new CreateStateMachineAliasCommand({
      name: 'live',
      routingConfiguration: [{ stateMachineVersionArn: machine.stateMachineVersionArn, weight: 100 }],
    }),
  );
  const execution = await client.send(
    new StartExecutionCommand({
      stateMachineArn: machine.stateMachineArn,
      name: 'held-run',
      input: '{"a":1}',
    }),
  );
  await waitForExecution(client, execution.executionArn!);
  const activity = await client.send(new CreateActivityCommand({ name: 'held-activity' }));
  const express = await client.send(
    new CreateStateMachineCommand({ name: 'held-express', definition: PASS, roleArn: ROLE, type: 'EXPRESS' }),
  );
  const distributed = await client.send(
    new CreateStateMachineCommand({ name: 'held-map', definition: DISTRIBUTED_MAP, roleArn: ROLE }),
  );
  const mapped = await client.send(
    new StartExecutionCommand({ stateMachineArn: distributed.stateMachineArn, input: '[1, 2]' }),
  );
  await waitForExecution(client, mapped.executionArn!);
  const { mapRuns } = await client.send(new ListMapRunsCommand({ executionArn: mapped.executionArn }));
  held = {
    mapExecution: mapped.executionArn!,
    mapRun: mapRuns![0]!.mapRunArn!,
    machine: machine.stateMachineArn!,
    express: express.stateMachineArn!,
    version: machine.stateMachineVersionArn!,
    alias: alias.stateMachineAliasArn!,
    execution: execution.executionArn!,
    activity: activity.activityArn!,
  };
});

afterAll(async () => {
  await local?.close();
});

/** A well-formed request of each operation, on what the runtime holds (deletes name resources that do not exist). */
function wellFormed(operation: string): Record<string, unknown> {
  const requests: Record<string, Record<string, unknown>> = {
    CreateStateMachine: { name: 'fuzzed', definition: PASS, roleArn: ROLE, tags: [{ key: 'k', value: 'v' }] },
    UpdateStateMachine: { stateMachineArn: held.machine, definition: PASS, publish: true },
    DescribeStateMachine: { stateMachineArn: held.machine, includedData: 'ALL_DATA' },
    ListStateMachines: { maxResults: 2 },
    DeleteStateMachine: { stateMachineArn: `${ACCOUNT_ARN}:stateMachine:gone` },
    PublishStateMachineVersion: { stateMachineArn: held.machine, description: 'fuzzed' },
    ListStateMachineVersions: { stateMachineArn: held.machine, maxResults: 1 },
    DeleteStateMachineVersion: { stateMachineVersionArn: `${ACCOUNT_ARN}:stateMachine:gone:9` },
    CreateStateMachineAlias: {
      name: 'fuzzed',
      routingConfiguration: [{ stateMachineVersionArn: held.version, weight: 100 }],
    },
    DescribeStateMachineAlias: { stateMachineAliasArn: held.alias },
    UpdateStateMachineAlias: {
      stateMachineAliasArn: held.alias,
      routingConfiguration: [{ stateMachineVersionArn: held.version, weight: 100 }],
    },
    DeleteStateMachineAlias: { stateMachineAliasArn: `${ACCOUNT_ARN}:stateMachine:gone:nope` },
    ListStateMachineAliases: { stateMachineArn: held.machine },
    TestState: { definition: JSON.stringify({ Type: 'Pass', End: true }), input: '{"x":1}' },
    CreateActivity: { name: 'fuzzed-activity' },
    DescribeActivity: { activityArn: held.activity },
    ListActivities: { maxResults: 5 },
    DeleteActivity: { activityArn: `${ACCOUNT_ARN}:activity:gone` },
    GetActivityTask: { activityArn: `${ACCOUNT_ARN}:activity:gone`, workerName: 'w' },
    ValidateStateMachineDefinition: { definition: PASS, type: 'STANDARD', severity: 'ERROR' },
    StartExecution: { stateMachineArn: held.machine, input: '{}' },
    StartSyncExecution: { stateMachineArn: held.express, input: '{}' },
    DescribeExecution: { executionArn: held.execution },
    DescribeStateMachineForExecution: { executionArn: held.execution },
    ListExecutions: { stateMachineArn: held.machine, statusFilter: 'SUCCEEDED', maxResults: 2 },
    GetExecutionHistory: { executionArn: held.execution, maxResults: 2, reverseOrder: true },
    StopExecution: { executionArn: held.execution, error: 'E', cause: 'C' },
    RedriveExecution: { executionArn: held.execution },
    DescribeMapRun: { mapRunArn: held.mapRun },
    ListMapRuns: { executionArn: held.mapExecution, maxResults: 1 },
    UpdateMapRun: { mapRunArn: held.mapRun, maxConcurrency: 2, toleratedFailurePercentage: 5 },
    SendTaskSuccess: { taskToken: 'token', output: '{}' },
    SendTaskFailure: { taskToken: 'token', error: 'E', cause: 'C' },
    SendTaskHeartbeat: { taskToken: 'token' },
    TagResource: { resourceArn: held.machine, tags: [{ key: 'team', value: 'platform' }] },
    UntagResource: { resourceArn: held.machine, tagKeys: ['team'] },
    ListTagsForResource: { resourceArn: held.machine },
  };
  const request = requests[operation];
  if (!request) throw new Error(`no well-formed request for ${operation}`);
  return request;
}

/** Odd strings: empty, long, control and lone surrogate characters, JSON and ARN fragments, prototype names. */
const oddString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.json({ maxDepth: 2 }),
  fc.constantFrom(
    '',
    ' ',
    'null',
    '{}',
    '[]',
    '{"StartAt":"P","States":{}}',
    '__proto__',
    'constructor',
    '\u0000',
    '\ud800',
    'a'.repeat(2049),
    `${ACCOUNT_ARN}:stateMachine:`,
    `${ACCOUNT_ARN}:execution:held`,
    `${ACCOUNT_ARN}:stateMachine:held:`,
    `${ACCOUNT_ARN}:stateMachine:held:0`,
    `${ACCOUNT_ARN}:stateMachine:held:99999999999999999999`,
    'arn:aws:states:::',
    'arn:',
  ),
);

/** Any value a field may get: odd strings, numbers at the edges, other JSON types. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  oddString,
  fc.integer(),
  fc.constantFrom(0, -1, 1.5, 2 ** 53, -(2 ** 31), Number.MAX_VALUE),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(
    fc.record({ key: oddString, value: oddString, stateMachineVersionArn: oddString, weight: fc.integer() }),
    {
      maxLength: 3,
    },
  ),
);

/** A request of `operation`: its well-formed request with fields dropped, replaced and added. */
function fuzzedRequest(operation: string): fc.Arbitrary<Record<string, unknown>> {
  const request = wellFormed(operation);
  const fields = Object.keys(request);
  return fc
    .record({
      dropped: fc.subarray(fields),
      replaced: fc.dictionary(fc.constantFrom(...fields, 'unknownField', '__proto__'), oddValue, {
        maxKeys: 3,
      }),
    })
    .map(({ dropped, replaced }) => {
      const fuzzed: Record<string, unknown> = { ...request };
      for (const field of dropped) delete fuzzed[field];
      for (const [field, value] of Object.entries(replaced)) {
        Object.defineProperty(fuzzed, field, { value, enumerable: true, writable: true, configurable: true });
      }
      // The long poll waits for a minute on an activity that exists: its ARN is always fuzzed.
      if (operation === LONG_POLL && fuzzed.activityArn === request.activityArn) fuzzed.activityArn = 'x';
      return fuzzed;
    });
}

/** A raw body: the JSON of a fuzzed request, or anything else (not JSON, not an object). */
const fuzzedCall = fc.constantFrom(...Object.keys(OPERATIONS)).chain((operation) =>
  fc.record({
    operation: fc.constant(operation),
    body: fc.oneof(
      { weight: 8, arbitrary: fuzzedRequest(operation).map((request) => JSON.stringify(request)) },
      { weight: 1, arbitrary: fc.string() },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value) ?? '') },
    ),
  }),
);

/** What the runtime holds, as the API lists it: state machines, versions, aliases, executions, activities, tags. */
async function holdings(): Promise<unknown> {
  const { client } = local;
  const machines = (await client.send(new ListStateMachinesCommand({}))).stateMachines ?? [];
  const perMachine = await Promise.all(
    machines.map(async ({ stateMachineArn, type }) => ({
      stateMachineArn,
      versions: (await client.send(new ListStateMachineVersionsCommand({ stateMachineArn })))
        .stateMachineVersions,
      aliases: (await client.send(new ListStateMachineAliasesCommand({ stateMachineArn })))
        .stateMachineAliases,
      // AWS lists no Express executions: the runtime's store still does.
      executions:
        type === 'EXPRESS'
          ? local.runtime.service.store.listExecutions(
              stateMachineArn!,
              { status: null },
              Number.MAX_SAFE_INTEGER,
              1000,
            )
          : (await client.send(new ListExecutionsCommand({ stateMachineArn }))).executions,
      tags: (await client.send(new ListTagsForResourceCommand({ resourceArn: stateMachineArn }))).tags,
    })),
  );
  const activities = (await client.send(new ListActivitiesCommand({}))).activities;
  const { $metadata, ...mapRun } = await client.send(new DescribeMapRunCommand({ mapRunArn: held.mapRun }));
  return { perMachine, activities, mapRun };
}

async function call(operation: string, body: string) {
  const response = await fetch(local.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AWSStepFunctions.${operation}`,
    },
    body,
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), text };
}

describe('the Step Functions API under fuzzed requests', () => {
  it('has a well-formed request for every operation it serves', () => {
    for (const operation of Object.keys(OPERATIONS)) expect(() => wellFormed(operation)).not.toThrow();
  });

  it(
    `answers ${RUNS} fuzzed requests with 200 or a named error of its status, and an error changes nothing`,
    async () => {
      await fc.assert(
        fc.asyncProperty(fuzzedCall, async ({ operation, body }) => {
          const before = await holdings();
          const answer = await call(operation, body);
          const label = `${operation} ${body} -> ${answer.status} ${answer.text}`;
          expect(answer.type, label).toBe('application/x-amz-json-1.0');
          const json = JSON.parse(answer.text) as { __type?: unknown; message?: unknown };
          if (answer.status !== 200) {
            expect(json.__type, label).toMatch(/^[A-Z][A-Za-z]+$/);
            expect(answer.status, label).toBe(ERROR_STATUS[json.__type as string] ?? 400);
            expect(typeof json.message, label).toBe('string');
            expect(await holdings(), label).toEqual(before);
          }
        }),
        { numRuns: RUNS },
      );
      // Assess: still serving.
      expect((await call('ListStateMachines', '{}')).status).toBe(200);
    },
    60_000 + RUNS * 100,
  );
});

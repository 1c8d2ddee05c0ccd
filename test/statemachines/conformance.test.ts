import { CreateActivityCommand, CreateStateMachineCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  executionHistory,
  startTestRuntime,
  type TestRuntime,
  waitForExecution,
} from '#test/support/local-runtime.ts';
import { activityApiCases, activityCases } from './conformance/activities.cases.ts';
import { type ApiCaseContext, apiErrorCases } from './conformance/api.cases.ts';
import { childArn, type ExecutionCase } from './conformance/case.ts';
import { choiceCases } from './conformance/choice.cases.ts';
import { dataFlowCases } from './conformance/data-flow.cases.ts';
import { distributedMapApiCases, distributedMapCases } from './conformance/distributed-map.cases.ts';
import { errorCases } from './conformance/errors.cases.ts';
import { ConformanceFunctions } from './conformance/functions.ts';
import { intrinsicCases } from './conformance/intrinsics.cases.ts';
import { jsonataApiCases, jsonataCases } from './conformance/jsonata.cases.ts';
import { mapCases } from './conformance/map.cases.ts';
import { nestedCases } from './conformance/nested.cases.ts';
import { parallelCases } from './conformance/parallel.cases.ts';
import { retryCatchCases } from './conformance/retry-catch.cases.ts';
import { taskTokenCases } from './conformance/task-tokens.cases.ts';
import { timeoutCases } from './conformance/timeouts.cases.ts';
import { variableCases } from './conformance/variables.cases.ts';
import { versionApiCases } from './conformance/versions.cases.ts';
import { waitCases } from './conformance/wait.cases.ts';

const ROLE = 'arn:aws:iam::000000000000:role/conformance';

const suites: Record<string, ExecutionCase[]> = {
  'pass and data flow': dataFlowCases,
  intrinsics: intrinsicCases,
  choice: choiceCases,
  wait: waitCases,
  parallel: parallelCases,
  map: mapCases,
  'distributed map': distributedMapCases,
  'retry and catch': retryCatchCases,
  errors: errorCases,
  'task tokens': taskTokenCases,
  activities: activityCases,
  'nested executions': nestedCases,
  timeouts: timeoutCases,
  'workflow variables': variableCases,
  jsonata: jsonataCases,
};

let functions: ConformanceFunctions;
let local: TestRuntime;
let machineCount = 0;

beforeAll(async () => {
  functions = new ConformanceFunctions();
  local = await startTestRuntime({ lambdas: functions.registry });
});

afterAll(async () => {
  await local?.close();
});

async function createMachine(name: string, definition: object | string): Promise<string> {
  const text = typeof definition === 'string' ? definition : JSON.stringify(definition);
  const created = await local.client.send(
    new CreateStateMachineCommand({ name, definition: text, roleArn: ROLE }),
  );
  return created.stateMachineArn!;
}

async function runCase(testCase: ExecutionCase): Promise<void> {
  // Prepare
  const id = ++machineCount;
  let definition = JSON.stringify(testCase.definition);
  for (const [child, childDefinition] of Object.entries(testCase.children ?? {})) {
    const arn = await createMachine(`${child}-c${id}`, childDefinition);
    definition = definition.replaceAll(childArn(child), arn);
  }
  for (const name of testCase.activities ?? []) {
    await local.client.send(new CreateActivityCommand({ name }));
  }
  await testCase.setup?.(local.client);
  const stateMachineName = `case-${id}`;
  const stateMachineArn = await createMachine(stateMachineName, definition);
  // Act
  const started = await local.client.send(
    new StartExecutionCommand({
      stateMachineArn,
      name: testCase.executionName,
      input: testCase.input === undefined ? undefined : JSON.stringify(testCase.input),
    }),
  );
  const executionArn = started.executionArn!;
  const context = {
    stateMachineName,
    stateMachineArn,
    executionArn,
    executionName: executionArn.split(':').pop()!,
  };
  const driving = testCase.drive?.({
    ...context,
    client: local.client,
    taskToken: (key) => functions.taskToken(key),
  });
  const execution = await waitForExecution(local.client, executionArn);
  await driving;
  const history = await executionHistory(local.client, executionArn);
  // Assess
  const { expect: expected } = testCase;
  expect(execution.status, `${execution.error ?? ''} ${execution.cause ?? ''}`).toBe(expected.status);
  if (expected.status === 'SUCCEEDED') {
    const output: unknown = JSON.parse(execution.output ?? 'null');
    if ('check' in expected) expected.check(output, context);
    else expect(output).toEqual(expected.output);
  } else {
    if (expected.error !== undefined) expect(execution.error ?? null).toBe(expected.error);
    if (typeof expected.cause === 'string' || expected.cause === null) {
      expect(execution.cause ?? null).toBe(expected.cause);
    } else if (expected.cause) expect(execution.cause).toContain(expected.cause.includes);
  }
  const types = history.map((event) => event.type);
  if (testCase.history) expect(types).toEqual(testCase.history);
  for (const [type, count] of Object.entries(testCase.historyCounts ?? {})) {
    expect(types.filter((t) => t === type).length, `${type} events`).toBe(count);
  }
  expect(types.filter((t) => t === 'ExecutionStarted')).toHaveLength(1);
  testCase.checkHistory?.(history);
}

for (const [topic, cases] of Object.entries(suites)) {
  describe(`conformance: ${topic}`, () => {
    for (const testCase of cases) it(testCase.name, () => runCase(testCase));
  });
}

describe('conformance: API errors', () => {
  const context = (): ApiCaseContext => ({
    client: local.client,
    endpoint: local.endpoint,
    createPassMachine: () =>
      createMachine(`api-${++machineCount}`, { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }),
  });
  for (const testCase of [
    ...apiErrorCases,
    ...activityApiCases,
    ...distributedMapApiCases,
    ...jsonataApiCases,
    ...versionApiCases,
  ]) {
    it(`${testCase.name} -> ${testCase.error}`, async () => {
      // Act
      const outcome = await testCase.act(context()).then(
        () => undefined,
        (error: Error) => error,
      );
      // Assess
      expect(outcome?.name, outcome?.message).toBe(testCase.error);
      if (testCase.message !== undefined) expect(outcome?.message).toBe(testCase.message);
    });
  }
});

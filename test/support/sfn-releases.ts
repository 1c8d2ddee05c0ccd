/**
 * Executions of Cutover's workflows as an endpoint's Step Functions answers them, for CLI tests that mock
 * `SFNClient` (aws-sdk-client-mock): a release that succeeded, and one of any status.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  type ExecutionStatus,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  SFNClient,
  type SFNClientResolvedConfig,
} from '@aws-sdk/client-sfn';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, vi } from 'vitest';

const EXECUTIONS = 'arn:aws:states:us-east-1:000000000000:execution';

type SfnMock = AwsStub<ServiceInputTypes, ServiceOutputTypes, SFNClientResolvedConfig>;

/**
 * A mocked `SFNClient` and a temporary directory (`workDir()`, named from `prefix`) for the tests of one
 * `describe` block: the mock and every spy are reset after each test, the directory removed after all.
 */
export function useMockedEndpoint(prefix: string): { sfn: SfnMock; workDir: () => string } {
  const sfn = mockClient(SFNClient);
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    sfn.restore();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    sfn.reset();
  });
  return { sfn, workDir: () => dir };
}

/** An execution of the state machine `machine`, named `name`, as DescribeExecution answers it. */
export function anExecution(
  machine: string,
  name: string,
  status: ExecutionStatus,
  startedAt: string,
  input: unknown,
  more: { output?: string; error?: string; cause?: string } = {},
) {
  return {
    name,
    executionArn: `${EXECUTIONS}:${machine}:${name}`,
    status,
    startDate: new Date(startedAt),
    stateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:${machine}`,
    input: JSON.stringify(input),
    ...more,
  };
}

/**
 * The endpoint's Step Functions, on `sfn`: `service`'s blue-green release v13 SUCCEEDED, ValidateRequest's
 * plan `tracks`, its request `replicas` (as ValidateRequest filled them in) when given; no other execution.
 */
export function anEndpointWhereBlueGreenV13Ran(
  sfn: SfnMock,
  service: { name: string; namespace: string },
  tracks?: { live: string; next: string },
  replicas?: number,
): void {
  const request = { service, release: { version: 'v13', ...(replicas === undefined ? {} : { replicas }) } };
  const v13 = anExecution('blue-green', 'checkout-v13', 'SUCCEEDED', '2026-11-29T09:00:00Z', request, {
    output: JSON.stringify({ request, plan: { strategy: 'blue-green', tracks } }),
  });
  sfn.on(ListStateMachinesCommand).resolves({
    stateMachines: ['canary', 'blue-green', 'rolling', 'database-migration'].map((name) => ({
      name,
      stateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`,
      type: 'STANDARD',
      creationDate: new Date('2026-11-01T00:00:00Z'),
    })),
  });
  sfn.on(ListExecutionsCommand).callsFake(({ stateMachineArn }) => ({
    executions: tracks && stateMachineArn.endsWith(':blue-green') ? [v13] : [],
  }));
  sfn.on(DescribeExecutionCommand).resolves(v13);
}

import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
  paginateGetExecutionHistory,
  SFNClient,
} from '@aws-sdk/client-sfn';
import type { ObjectStorage } from '#local/asl/object-storage.ts';
import { type Clock, RealClock } from '#local/clock.ts';
import type { LambdaRegistry } from '#local/lambda-registry.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';

/** Credentials the local runtime accepts (it does not check signatures). */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' } as const;

/**
 * An SDK client for a local runtime's endpoint. It sends StartSyncExecution and TestState to the endpoint
 * itself: without `disableHostPrefix`, the SDK sends them to `sync-<host>`, as AWS serves them.
 */
export function sfnClient(endpoint: string): SFNClient {
  return new SFNClient({
    endpoint,
    region: 'us-east-1',
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
    disableHostPrefix: true,
  });
}

export interface TestRuntime {
  readonly runtime: LocalRuntime;
  readonly client: SFNClient;
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts the local runtime in-process on 127.0.0.1, port 0, in memory unless `dataDir` is given, with no
 * project state machines and waits scaled to zero unless a `clock` is given.
 *
 * @example
 * const { client, close } = await startTestRuntime({ lambdas: new MapLambdaRegistry({ echo: (p) => p }) });
 */
export async function startTestRuntime(
  options: {
    lambdas?: LambdaRegistry;
    clock?: Clock;
    dataDir?: string;
    projectDir?: string | null;
    objectStorage?: ObjectStorage;
  } = {},
): Promise<TestRuntime> {
  const runtime = await startLocalRuntime({
    port: 0,
    projectDir: options.projectDir ?? null,
    dataDir: options.dataDir,
    clock: options.clock ?? new RealClock(0),
    lambdas: options.lambdas,
    objectStorage: options.objectStorage,
  });
  const client = sfnClient(runtime.endpoint);
  return {
    runtime,
    client,
    endpoint: runtime.endpoint,
    close: async () => {
      client.destroy();
      await runtime.close();
    },
  };
}

/** Polls DescribeExecution until the execution is no longer RUNNING. */
export async function waitForExecution(
  client: SFNClient,
  executionArn: string,
): Promise<DescribeExecutionCommandOutput> {
  for (;;) {
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING') return execution;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The whole history of an execution, oldest first. */
export async function executionHistory(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for await (const page of paginateGetExecutionHistory({ client }, { executionArn }))
    events.push(...(page.events ?? []));
  return events;
}

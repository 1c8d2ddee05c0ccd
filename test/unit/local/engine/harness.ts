import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { ObjectStorage } from '#local/asl/object-storage.ts';
import { VirtualClock } from '#local/clock.ts';
import { type LocalLambdaHandler, MapLambdaRegistry } from '#local/lambda-registry.ts';
import { LocalStepFunctions } from '#local/service.ts';

export const ROLE_ARN = 'arn:aws:iam::000000000000:role/test';
export const FUNCTION_ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

/** A state machine definition with `states`, starting at the first one. */
export function machine(states: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ StartAt: Object.keys(states)[0], States: states, ...extra });
}

export interface Harness {
  sfn: LocalStepFunctions;
  clock: VirtualClock;
  lambdas: MapLambdaRegistry;
  /** Creates a state machine and runs one execution to its end (advancing the virtual clock). */
  run(
    definition: string,
    input?: unknown,
  ): Promise<Awaited<ReturnType<LocalStepFunctions['describeExecution']>>>;
  /** Creates a state machine and starts one execution; returns its ARN. */
  start(definition: string, input?: unknown, name?: string): Promise<string>;
  /** The types of the execution's history events, in order. */
  eventTypes(executionArn: string): Promise<string[]>;
  history(executionArn: string): Promise<HistoryEvent[]>;
}

let machines = 0;

/** Every event of an execution's history, read page by page. */
export async function fullHistory(sfn: LocalStepFunctions, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.getExecutionHistory({ executionArn, nextToken, maxResults: 1000 });
    events.push(...((page.events ?? []) as HistoryEvent[]));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/**
 * A service over an in-memory store (or `dataDir`) with a virtual clock and the given Lambda handlers (and
 * the S3 a Distributed Map's ItemReader reads).
 */
export function harness(
  handlers: Record<string, LocalLambdaHandler> = {},
  dataDir?: string,
  clock = new VirtualClock(),
  objectStorage?: ObjectStorage,
): Harness {
  const lambdas = new MapLambdaRegistry(handlers);
  const sfn = new LocalStepFunctions({
    clock,
    lambdas,
    objectStorage,
    ...(dataDir === undefined ? {} : { dataDir }),
  });
  const start = async (definition: string, input: unknown = {}, name?: string) => {
    const { stateMachineArn } = await sfn.createStateMachine({
      name: `m${++machines}`,
      definition,
      roleArn: ROLE_ARN,
    });
    const { executionArn } = await sfn.startExecution({
      stateMachineArn,
      input: JSON.stringify(input),
      name,
    });
    return executionArn!;
  };
  const history = async (executionArn: string) =>
    (await sfn.getExecutionHistory({ executionArn, maxResults: 1000 })).events as HistoryEvent[];
  return {
    sfn,
    clock,
    lambdas,
    start,
    history,
    eventTypes: async (executionArn) => (await history(executionArn)).map((event) => String(event.type)),
    run: async (definition, input) => {
      const executionArn = await start(definition, input);
      const done = sfn.awaitExecution(executionArn);
      await clock.runAll();
      return done;
    },
  };
}

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

/** The types of the events that end an execution (or one attempt of it, before a redrive). */
const TERMINAL_EVENTS: ReadonlySet<string> = new Set([
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionAborted',
  'ExecutionTimedOut',
]);

/**
 * What is wrong with a history as a whole: ids other than 1..n, an event linked to itself or a later one,
 * a time earlier than the one before, a start other than one ExecutionStarted first, an end other than one
 * terminal event per attempt (one, and one more per ExecutionRedriven) with one last. Empty when it is whole.
 */
export function historyFaults(events: readonly HistoryEvent[]): string[] {
  const faults: string[] = [];
  events.forEach((event, index) => {
    if (event.id !== index + 1) faults.push(`event ${index + 1} has id ${event.id}`);
    if (index > 0 && !(event.previousEventId! < event.id!)) {
      faults.push(`event ${event.id} links to ${event.previousEventId}`);
    }
    if (index > 0 && new Date(event.timestamp!) < new Date(events[index - 1]!.timestamp!)) {
      faults.push(`event ${event.id} is earlier than the one before`);
    }
  });
  const starts = events.filter((event) => event.type === 'ExecutionStarted').length;
  if (starts !== 1 || events[0]?.type !== 'ExecutionStarted') {
    faults.push(`${starts} ExecutionStarted, first ${events[0]?.type}`);
  }
  const attempts = 1 + events.filter((event) => event.type === 'ExecutionRedriven').length;
  const ends = events.filter((event) => TERMINAL_EVENTS.has(String(event.type))).length;
  if (ends !== attempts || !TERMINAL_EVENTS.has(String(events.at(-1)?.type))) {
    faults.push(`${ends} ends of ${attempts} attempts, last ${events.at(-1)?.type}`);
  }
  return faults;
}

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

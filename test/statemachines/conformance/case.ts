import type { HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { expect } from 'vitest';

/** What the runner knows about a case's execution, for outputs that contain names and ARNs. */
export interface ExecutionContext {
  readonly stateMachineName: string;
  readonly stateMachineArn: string;
  readonly executionName: string;
  readonly executionArn: string;
}

/** Lets a case act on its execution while it runs (send task tokens, stop it). */
export interface CaseDriver extends ExecutionContext {
  readonly client: SFNClient;
  /** Resolves with the task token a `capture-token` task received under `key`. */
  taskToken(key: string): Promise<string>;
}

/** The terminal state AWS reports for the case, from DescribeExecution (and GetExecutionHistory). */
export type Expected =
  | { readonly status: 'SUCCEEDED'; readonly output: unknown }
  | {
      readonly status: 'SUCCEEDED';
      /** Throws when the parsed output is wrong (for outputs with ids, ARNs or random values). */
      readonly check: (output: unknown, context: ExecutionContext) => void;
    }
  | {
      readonly status: 'FAILED' | 'TIMED_OUT' | 'ABORTED';
      /** The exact error; `null`: DescribeExecution has none. */
      readonly error?: string | null;
      /** The exact cause, or a substring of it; `null`: DescribeExecution has none. */
      readonly cause?: string | null | { readonly includes: string };
    };

/**
 * One conformance case: a definition, its input and what AWS Step Functions gives for them.
 * `source` names the AWS documentation page or behaviour the expectation comes from.
 */
export interface ExecutionCase {
  readonly name: string;
  readonly source: string;
  readonly definition: object;
  readonly input?: unknown;
  /** Other state machines the definition starts, by name; {@link childArn} in the definition becomes its ARN. */
  readonly children?: Readonly<Record<string, object>>;
  readonly executionName?: string;
  /** Activities (by name) created before the state machine. */
  readonly activities?: readonly string[];
  /** Runs before the state machine is created (after its activities). */
  readonly setup?: (client: SFNClient) => Promise<unknown>;
  /** Acts on the running execution (task tokens, StopExecution). */
  readonly drive?: (driver: CaseDriver) => Promise<void>;
  readonly expect: Expected;
  /** The exact sequence of history event types. */
  readonly history?: readonly string[];
  /** Event types that must appear in the history, with how many times. */
  readonly historyCounts?: Readonly<Record<string, number>>;
  /** Throws when the history's events (GetExecutionHistory, oldest first) are wrong. */
  readonly checkHistory?: (events: readonly HistoryEvent[]) => void;
}

/** A request id, message id or execution name as AWS makes them. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Checks the result of an SNS or Step Functions integration as AWS records it: `keys` in order, the service's
 * headers in the order it sent them (`AllHttpHeaders`) and by name (`HttpHeaders`), and one request id.
 */
export function expectServiceAnswer(
  output: unknown,
  expected: { keys: string[]; contentType: string; contentLength: string },
): void {
  const answer = output as {
    SdkHttpMetadata: { AllHttpHeaders: Record<string, string[]>; HttpHeaders: Record<string, string> };
    SdkResponseMetadata: { RequestId: string };
  };
  expect(Object.keys(answer)).toEqual(expected.keys);
  const requestId = answer.SdkResponseMetadata.RequestId;
  expect(requestId).toMatch(UUID);
  const { AllHttpHeaders, HttpHeaders } = answer.SdkHttpMetadata;
  expect(Object.keys(AllHttpHeaders)).toEqual([
    'x-amzn-RequestId',
    'connection',
    'Content-Length',
    'Date',
    'Content-Type',
  ]);
  expect(Object.keys(HttpHeaders)).toEqual([
    'connection',
    'Content-Length',
    'Content-Type',
    'Date',
    'x-amzn-RequestId',
  ]);
  expect(HttpHeaders).toEqual({
    connection: 'keep-alive',
    'Content-Length': expected.contentLength,
    'Content-Type': expected.contentType,
    Date: expect.stringMatching(/ GMT$/),
    'x-amzn-RequestId': requestId,
  });
  for (const [name, value] of Object.entries(HttpHeaders)) expect(AllHttpHeaders[name]).toEqual([value]);
  expect(answer.SdkHttpMetadata).toMatchObject({ HttpStatusCode: 200 });
}

/** The members of the context object's `Execution`, in the order AWS gives them. */
export const CONTEXT_EXECUTION_KEYS = ['Id', 'Input', 'StartTime', 'Name', 'RoleArn', 'RedriveCount'];

/** The history of a Task state run once to `outcome` (TaskFailed, TaskTimedOut...), then the events `after` it. */
export function taskRunHistory(outcome: string, ...after: string[]): string[] {
  return ['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', outcome, ...after];
}

/** A single-state machine: `{ StartAt: 'S', States: { S: { ...state, End: true } } }` (no `End` on Succeed/Fail/Choice). */
export function single(state: Record<string, unknown>): object {
  const terminal = ['Succeed', 'Fail', 'Choice'].includes(String(state.Type));
  return { StartAt: 'S', States: { S: terminal ? state : { ...state, End: true } } };
}

/** A chain of states run in order, named `S1`, `S2`, ... */
export function chain(...states: Record<string, unknown>[]): object {
  const entries = states.map((state, index) => {
    const last = index === states.length - 1;
    const terminal = ['Succeed', 'Fail', 'Choice'].includes(String(state.Type));
    const transition = terminal ? {} : last ? { End: true } : { Next: `S${index + 2}` };
    return [`S${index + 1}`, { ...state, ...transition }];
  });
  return { StartAt: 'S1', States: Object.fromEntries(entries) };
}

/** `arn:aws:lambda:us-east-1:000000000000:function:<name>` of a conformance function. */
export function fn(name: string): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
}

/** A `lambda:invoke` Task calling `name` with `payload`, selecting the function's result. */
export function invoke(
  name: string,
  payload: unknown,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: fn(name), Payload: payload },
    OutputPath: '$.Payload',
    ...extra,
  };
}

/** The placeholder the runner replaces with the ARN of the case's child state machine `name`. */
export function childArn(name: string): string {
  return `{{${name}}}`;
}

/**
 * A {@link ExecutionCase.checkHistory} asserting each event's `previousEventId`, oldest first, as AWS
 * recorded them.
 */
export function previousEventIds(expected: readonly number[]): (events: readonly HistoryEvent[]) => void {
  return (events) => {
    const actual = events.map((event) => event.previousEventId);
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      throw new Error(`previousEventIds ${JSON.stringify(actual)}, AWS recorded ${JSON.stringify(expected)}`);
    }
  };
}

/** Each `...StateExited` event that assigned variables: its state and `assignedVariables`, oldest first. */
export function assignments(events: readonly HistoryEvent[]): [string, Record<string, string>][] {
  return events.flatMap((event) => {
    const details = event.stateExitedEventDetails;
    if (!details?.assignedVariables) return [];
    expect(details.assignedVariablesDetails).toEqual({ truncated: false });
    return [[details.name!, details.assignedVariables]];
  });
}

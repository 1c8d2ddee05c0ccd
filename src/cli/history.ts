import {
  GetExecutionHistoryCommand,
  type GetExecutionHistoryCommandInput,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { type CaughtError, failureBeingHandled } from '#core/failure-path.ts';
import { DATABASE_MIGRATION, isRollbackWorkflow, machineParts, type RollbackInput } from '#core/rollback.ts';

/** One GetExecutionHistory call: of an `SFNClient`, or of the local runtime's service itself. */
export type HistoryPages = (
  input: GetExecutionHistoryCommandInput,
) => Promise<{ events?: HistoryEvent[]; nextToken?: string }>;

/**
 * The failure a running release or database migration handles on its failure path (rolling back, cleaning
 * up), read from its newest events; undefined on its way to success. See `failureBeingHandled`.
 */
export function failureOnItsPath(
  pages: HistoryPages,
  executionArn: string,
): Promise<CaughtError | undefined> {
  return failureBeingHandled((nextToken) =>
    pages({ executionArn, reverseOrder: true, maxResults: POLL_PAGE, nextToken }),
  );
}

/** Events a poll asks for: a page that holds the few new ones, without the rest of a long history. */
const POLL_PAGE = 100;
/** Events a first read asks for at once: the most GetExecutionHistory gives. */
const FULL_PAGE = 1000;

/** Every history event of an execution, oldest first. */
export function readHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  return collectHistory((input) => sfn.send(new GetExecutionHistoryCommand(input)), executionArn);
}

/** Every history event of an execution, with inputs and outputs, oldest first, read page by page. */
export async function collectHistory(pages: HistoryPages, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await pages({ executionArn, includeExecutionData: true, maxResults: FULL_PAGE, nextToken });
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/**
 * The history events after `afterEventId`, oldest first, read newest first in pages of 100 (of 1000 for
 * the first read, from event 0) until the page that reaches `afterEventId`: a poll costs one call while few
 * events are new, however long the history already is.
 */
export function readEventsAfter(
  sfn: SFNClient,
  executionArn: string,
  afterEventId: number,
): Promise<HistoryEvent[]> {
  return collectEventsAfter(
    (input) => sfn.send(new GetExecutionHistoryCommand(input)),
    executionArn,
    afterEventId,
  );
}

/** {@link readEventsAfter} through any {@link HistoryPages}: an `SFNClient` or the local runtime's service. */
export async function collectEventsAfter(
  pages: HistoryPages,
  executionArn: string,
  afterEventId: number,
): Promise<HistoryEvent[]> {
  const newestFirst: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await pages({
      executionArn,
      includeExecutionData: true,
      maxResults: afterEventId === 0 ? FULL_PAGE : POLL_PAGE,
      nextToken,
      reverseOrder: true,
    });
    for (const event of page.events ?? []) {
      if ((event.id ?? 0) <= afterEventId) return newestFirst.reverse();
      newestFirst.push(event);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return newestFirst.reverse();
}

/** Finds the first string under a key named `taskToken` at any depth. */
function findTaskToken(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'taskToken' && typeof child === 'string') return child;
    const found = findTaskToken(child);
    if (found) return found;
  }
  return undefined;
}

/**
 * The events that end a `.waitForTaskToken` task (Scheduled, Started, Submitted, then one of these): answered,
 * rejected, timed out, aborted, or its state aborted (a paused step's wait, when the checks beside it failed).
 */
export const TASK_WAIT_ENDS: ReadonlySet<string> = new Set([
  'TaskSucceeded',
  'TaskFailed',
  'TaskTimedOut',
  'TaskAborted',
  'TaskStateAborted',
]);

/** The events after which no task waits for its token: the task's end, or the execution's. */
const WAIT_ENDED: ReadonlySet<string> = new Set([
  ...TASK_WAIT_ENDS,
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionTimedOut',
  'ExecutionAborted',
]);

/** Whether the event schedules a task that waits for its token (`.waitForTaskToken`): an approval. */
export function schedulesTaskTokenWait(event: HistoryEvent): boolean {
  return (
    event.type === 'TaskScheduled' &&
    event.taskScheduledEventDetails?.resource?.endsWith('.waitForTaskToken') === true
  );
}

/**
 * Whether the event schedules an approval: a `.waitForTaskToken` task whose parameters pass the token as
 * `taskToken`, as Cutover's approvals do and as `cutover approve` finds them; another task-token wait (an SNS
 * message carrying the token to a person or a system) is none.
 */
export function schedulesApproval(event: HistoryEvent): boolean {
  return schedulesTaskTokenWait(event) && findTaskToken(scheduledParametersOf(event)) !== undefined;
}

/** Whether no task waits for its token after the event: a task's end, or the execution's. */
export function endsTaskTokenWait(event: HistoryEvent): boolean {
  return event.type !== undefined && WAIT_ENDED.has(event.type);
}

/** The parameters a TaskScheduled event gave its task, parsed; `{}` without any. */
export function scheduledParametersOf(event: HistoryEvent): unknown {
  return JSON.parse(event.taskScheduledEventDetails?.parameters ?? '{}');
}

/**
 * The task token of the approval an execution is waiting on: the newest `.waitForTaskToken` task that has
 * not ended, whose parameters pass the token as `taskToken`; none once the execution ended. Works the same
 * against AWS and the local runtime.
 */
export function pendingTaskToken(events: readonly HistoryEvent[]): string | undefined {
  return events.reduce(pendingTaskTokenAfter, undefined);
}

/**
 * {@link pendingTaskToken} one event later: the token pending once `event` follows a history whose pending
 * token was `token`, to follow a history as it grows.
 *
 * @example
 * token = pendingTaskTokenAfter(token, event);
 */
export function pendingTaskTokenAfter(token: string | undefined, event: HistoryEvent): string | undefined {
  if (schedulesTaskTokenWait(event)) return findTaskToken(scheduledParametersOf(event));
  return endsTaskTokenWait(event) ? undefined : token;
}

/**
 * The rollback machine's input for a stopped execution, from its history: the input it started with and
 * its workflow: a release's strategy as its first task was given it, or the database migration, named by
 * the state machine in the execution ARN (`...:execution:database-migration:<name>`, or
 * `<stack>-database-migration` as deployed), whose tasks are given none. `undefined` when it stopped
 * before any task ran (nothing was locked or changed, so there is nothing to roll back) or is neither.
 */
export function rollbackInputOf(
  events: readonly HistoryEvent[],
  executionArn: string,
  reason: string,
): RollbackInput | undefined {
  const input = events.find((event) => event.type === 'ExecutionStarted')?.executionStartedEventDetails
    ?.input;
  const firstTask = events.map(taskPayload).find((payload) => payload !== undefined);
  if (input === undefined || firstTask === undefined) return undefined;
  const machine = executionArn.split(':').at(-2) ?? '';
  const strategy =
    machineParts(machine)?.workflow === DATABASE_MIGRATION ? DATABASE_MIGRATION : firstTask.strategy;
  if (!isRollbackWorkflow(strategy)) return undefined;
  return { strategy, executionArn, input, reason };
}

/** The payload a task was given: a Lambda function's input, or an integration's `Payload`/parameters. */
function taskPayload(event: HistoryEvent): { strategy?: unknown } | undefined {
  const lambdaInput = event.lambdaFunctionScheduledEventDetails?.input;
  if (lambdaInput !== undefined) return JSON.parse(lambdaInput) as { strategy?: unknown };
  const parameters = event.taskScheduledEventDetails?.parameters;
  if (parameters === undefined) return undefined;
  const parsed = JSON.parse(parameters) as { Payload?: { strategy?: unknown }; strategy?: unknown };
  return parsed.Payload ?? parsed;
}

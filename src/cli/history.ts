import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';

/** Every history event of an execution, oldest first. */
export async function readHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        maxResults: 1000,
        nextToken,
        includeExecutionData: true,
      }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
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

const TASK_ENDED = new Set(['TaskSucceeded', 'TaskFailed', 'TaskTimedOut', 'TaskAborted']);

/**
 * The task token of the approval an execution is waiting on: the newest `.waitForTaskToken` task that has
 * not ended, whose parameters pass the token as `taskToken`. Works the same against AWS and the local runtime.
 */
export function pendingTaskToken(events: readonly HistoryEvent[]): string | undefined {
  let token: string | undefined;
  for (const event of events) {
    const scheduled = event.taskScheduledEventDetails;
    if (event.type === 'TaskScheduled' && scheduled?.resource?.endsWith('.waitForTaskToken')) {
      token = findTaskToken(JSON.parse(scheduled.parameters ?? '{}'));
    } else if (event.type && TASK_ENDED.has(event.type)) {
      token = undefined;
    }
  }
  return token;
}

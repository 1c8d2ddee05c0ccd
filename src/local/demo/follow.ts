import { DescribeExecutionCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { readHistory } from '../../cli/history.ts';
import { formatProgress, progressOf } from '../../cli/progress.ts';

/** How an execution the demo followed ended. */
export interface FollowedExecution {
  readonly status: string;
  readonly error?: string;
  readonly output?: string;
}

/**
 * Prints an execution's progress as it happens until it ends. `onEvents` sees the whole history after
 * each poll (the demo answers approvals there).
 */
export async function followExecution(
  sfn: SFNClient,
  executionArn: string,
  print: (line: string) => void,
  onEvents: (events: readonly HistoryEvent[]) => Promise<void> = async () => {},
): Promise<FollowedExecution> {
  let seen = 0;
  for (;;) {
    const events = await readHistory(sfn, executionArn);
    for (const event of events.slice(seen)) for (const line of progressOf(event)) print(formatProgress(line));
    seen = events.length;
    await onEvents(events);
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING') {
      return { status: execution.status ?? 'UNKNOWN', error: execution.error, output: execution.output };
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

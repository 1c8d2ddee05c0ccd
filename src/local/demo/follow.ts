import { DescribeExecutionCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { executionNameOf } from '#core/api-routes.ts';
import { type ApprovalDeadline, withApprovalDeadline } from '../../cli/approval-deadline.ts';
import { readEventsAfter } from '../../cli/history.ts';
import { formatProgress, ProgressReader } from '../../cli/progress.ts';

/** How an execution the demo followed ended. */
export interface FollowedExecution {
  readonly status: string;
  readonly error?: string;
  readonly output?: string;
}

/** How {@link followExecution} reads and prints. */
export interface FollowOptions {
  /** Sees the whole history after each poll (the demo answers approvals there). */
  readonly onEvents?: (events: readonly HistoryEvent[]) => Promise<void>;
  /** When a waiting approval times out, for its line. */
  readonly approvalDeadline?: ApprovalDeadline;
  /** The runtime's endpoint, which the commands an approval line names need. */
  readonly endpoint?: string;
}

/**
 * Prints an execution's progress as it happens until its history ends (so its last events are printed
 * too), an approval with its deadline when `approvalDeadline` knows it.
 */
export async function followExecution(
  sfn: SFNClient,
  executionArn: string,
  print: (line: string) => void,
  { onEvents = async () => {}, approvalDeadline, endpoint }: FollowOptions = {},
): Promise<FollowedExecution> {
  const execution = `${executionNameOf(executionArn)}${endpoint ? ` --endpoint ${endpoint}` : ''}`;
  const events: HistoryEvent[] = [];
  const reader = new ProgressReader();
  for (;;) {
    const fresh = await readEventsAfter(sfn, executionArn, events.at(-1)?.id ?? 0);
    let ended = false;
    for (const event of fresh) {
      for (const line of reader.linesOf(event)) {
        const shown = await withApprovalDeadline(line, executionArn, approvalDeadline);
        print(formatProgress(shown, execution));
        ended ||= line.kind === 'end';
      }
    }
    events.push(...fresh);
    await onEvents(events);
    if (ended) {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return { status: execution.status ?? 'UNKNOWN', error: execution.error, output: execution.output };
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

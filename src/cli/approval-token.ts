/**
 * Answering an approval with the task token its execution's history shows pending: how `approve` and
 * `reject` answer on AWS, or at any endpoint without the local runtime's release API.
 */
import {
  DescribeExecutionCommand,
  type HistoryEvent,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { ApprovalRejectedError, NO_REASON_GIVEN } from '#core/errors.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import { pendingTaskToken, readHistory } from './history.ts';
import { type ApprovalAnswer, lastApprovalAnswer } from './progress.ts';

export type Decision = 'approve' | 'reject';
/** The release API's approve body (`{comment?, approver?}`) or reject body (`{reason?, approver?}`). */
export type DecisionBody = Readonly<Record<string, string>>;

/** What SendTaskSuccess and SendTaskFailure answer for a token no task waits on any longer. */
const STALE_TOKEN_ERRORS: ReadonlySet<string> = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** How an ended execution's status reads after `it` (`it was aborted`). */
const ENDED: Readonly<Record<string, string>> = {
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  TIMED_OUT: 'timed out',
  ABORTED: 'was aborted',
};

/**
 * The usage error for an execution that waits on no approval, saying who answered its last approval when
 * someone did, how it ended when it did (`checkout-v8 is not waiting for an approval: it was aborted`,
 * `...: it was rejected by bob (p99 up) and failed`), and otherwise the state it is in (`...: it is in BakeStep`).
 */
async function notWaiting(sfn: SFNClient, ref: string, executionArn: string, cause?: unknown) {
  // Who answered and how it ended only add to the answer: a failed read leaves them out rather than replacing it.
  const [{ status = 'RUNNING' }, events] = await Promise.all([
    sfn.send(new DescribeExecutionCommand({ executionArn })).catch(() => ({ status: 'RUNNING' })),
    readHistory(sfn, executionArn).catch(() => []),
  ]);
  const answer = lastApprovalAnswer(events);
  const ended = status === 'RUNNING' ? undefined : (ENDED[status] ?? `ended ${status}`);
  // Not answered, not ended: where it is says whether its approval is still to come (a bake, a rollout).
  const where = answer || ended ? undefined : stateEntered(events);
  const what = [answer && answeredText(answer), ended, where && `is in ${where}`]
    .filter(Boolean)
    .join(' and ');
  return new CliError(`${ref} is not waiting for an approval${what ? `: it ${what}` : ''}`, ExitCode.Usage, {
    cause,
  });
}

/** The name of the state the history entered last, if any. */
function stateEntered(events: readonly HistoryEvent[]): string | undefined {
  return events.findLast((event) => event.stateEnteredEventDetails)?.stateEnteredEventDetails?.name;
}

/** `was rejected by bob (p99 up)`, `was approved by alice (looks good)`, `was approved`. */
function answeredText(answer: ApprovalAnswer): string {
  const by = answer.approver ? ` by ${answer.approver}` : '';
  if (answer.kind === 'rejected') return `was rejected${by} (${answer.reason ?? NO_REASON_GIVEN})`;
  return `was approved${by}${answer.comment ? ` (${answer.comment})` : ''}`;
}

/**
 * Answers the approval the execution's history shows pending with its task token: SendTaskSuccess with
 * `body` as the output (approve), or SendTaskFailure with error `ApprovalRejected` and `body` as the cause
 * (reject). An execution that waits on no approval (it ended, or its approval was answered or timed out,
 * also between the read and the answer) is a usage error (exit 2) naming `ref`.
 *
 * @example
 * await answerApprovalToken(sfn, 'checkout-v3', executionArn, 'approve', { approver: 'alice' });
 */
export async function answerApprovalToken(
  sfn: SFNClient,
  ref: string,
  executionArn: string,
  decision: Decision,
  body: DecisionBody,
): Promise<void> {
  const taskToken = pendingTaskToken(await readHistory(sfn, executionArn));
  if (!taskToken) throw await notWaiting(sfn, ref, executionArn);
  const text = JSON.stringify(body);
  try {
    if (decision === 'approve') {
      await sfn.send(new SendTaskSuccessCommand({ taskToken, output: text }));
    } else {
      const error = ApprovalRejectedError.errorName;
      await sfn.send(new SendTaskFailureCommand({ taskToken, error, cause: text }));
    }
  } catch (error) {
    if (!STALE_TOKEN_ERRORS.has((error as Error).name)) throw error;
    throw await notWaiting(sfn, ref, executionArn, error);
  }
}

/**
 * Answering an approval with the task token its execution's history shows pending: how `approve` and
 * `reject` answer on AWS, or at any endpoint without the local runtime's release API.
 */
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { ApprovalRejectedError } from '#core/errors.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import { pendingTaskToken, readHistory } from './history.ts';

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
 * The usage error for an execution that waits on no approval, saying how it ended when it did
 * (`checkout-v8 is not waiting for an approval: it was aborted`).
 */
async function notWaiting(sfn: SFNClient, ref: string, executionArn: string, cause?: unknown) {
  // How it ended only adds to the answer: a failed read leaves it out rather than replacing it.
  const { status = 'RUNNING' } = await sfn
    .send(new DescribeExecutionCommand({ executionArn }))
    .catch(() => ({ status: 'RUNNING' }));
  const ended = status === 'RUNNING' ? '' : `: it ${ENDED[status] ?? `ended ${status}`}`;
  return new CliError(`${ref} is not waiting for an approval${ended}`, ExitCode.Usage, { cause });
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

import * as z from 'zod';
import { approvalStageText, UNANSWERED_RELEASE } from '#core/approval-stages.ts';
import {
  errorDetail,
  failureSummary,
  RollbackStoppedError,
  readableCause,
  ValidationError,
} from '#core/errors.ts';
import { DEPLOYMENT_EVENT_TYPES } from '#core/schemas/common.ts';
import { dependencies, notifierFamily } from '#lambdas/shared/dependencies.ts';
import { describeRelease, publishEvent } from '#lambdas/shared/events.ts';
import { noticeHandler, stateErrorSchema } from '#lambdas/shared/task-handler.ts';

/**
 * What a rollback's check that failed itself adds to the message: its tracks' readiness is unknown
 * (`; the check after the rollback failed: KubernetesApiError (...)`).
 */
function checkError(rolledBack: { Error?: string; Cause?: string } | undefined): string {
  if (!rolledBack?.Error) return '';
  return `; the check after the rollback failed: ${failureSummary({ Error: rolledBack.Error, Cause: rolledBack.Cause })}`;
}

/**
 * `canary release v2 of shop/checkout got no answer to its approval after step 1 of 2 within 600s: it goes
 * on (approval.onTimeout continue)`: an `ApprovalUnanswered` event, when a person's gate let the release by.
 */
function unansweredMessage(
  subject: Parameters<typeof describeRelease>[0],
  approval: UnansweredApproval,
): string {
  return `${describeRelease(subject)} got no answer to its approval ${approvalStageText(approval.stage)} within ${approval.timeoutSeconds}s: it ${UNANSWERED_RELEASE.continue} (approval.onTimeout continue)`;
}

/**
 * What a failed rollback adds to the message: one that stopped before moving the traffic says where it
 * is (its cause does); any other may have left traffic and tracks as the release had them.
 */
function rollbackOutcome(rollbackError: { Error: string; Cause?: string }): string {
  if (rollbackError.Error === RollbackStoppedError.errorName) {
    return `; the rollback stopped before moving the traffic: ${readableCause(rollbackError.Cause, rollbackError.Error) ?? rollbackError.Error}`;
  }
  return `; the rollback failed too: ${failureSummary(rollbackError)}: traffic and tracks may be as the release left them`;
}

interface UnansweredApproval {
  readonly stage: string;
  readonly timeoutSeconds: number;
}

const OUTCOME = {
  Started: 'started',
  Succeeded: 'succeeded',
  RolledBack: 'rolled back',
  Failed: 'failed',
} as const;

/**
 * Notify: publishes a lifecycle event (`Started`, `Succeeded`, `RolledBack`, `Failed`, and
 * `ApprovalUnanswered` with its `approval`: nobody answered and the release goes on), naming the
 * error that caused a failure and its message (a Lambda error's message, not its JSON and stack trace; who
 * rejected an approval and why, not the reject body), and, for a rollback, the tracks the last capacity
 * check (`rolledBack`, CheckRolledBack's result) found short of their replicas: `not restored in full: blue
 * 2/4 ready: ImagePullBackOff`; a `Failed` event after a rollback that failed names that error too
 * (`rollbackError`), as traffic and tracks may be left as the release had them; one after the promotion
 * (`leftover`: the clean-up of that track failed) says the new version serves all traffic.
 */
export const handler = noticeHandler(
  'notify',
  {
    type: z.enum(DEPLOYMENT_EVENT_TYPES),
    error: stateErrorSchema.optional(),
    /** CheckRolledBack's result, or its own error in its place (`Error`, `Cause`). */
    rolledBack: z
      .object({ shortfall: z.array(z.string()).optional(), ...stateErrorSchema.partial().shape })
      .optional(),
    rollbackError: stateErrorSchema.optional(),
    /**
     * Set on a failure after the promotion: the track whose clean-up failed (the new version serves all
     * traffic; that track may still run).
     */
    leftover: z.string().min(1).optional(),
    /** Set on `ApprovalUnanswered`: the approval that timed out. */
    approval: z.object({ stage: z.string().min(1), timeoutSeconds: z.number().int().min(1) }).optional(),
  },
  async (input) => {
    const notifier = () => dependencies(input.request, { notifier: notifierFamily }).notifier();
    if (input.type === 'ApprovalUnanswered') {
      const { approval } = input;
      if (!approval) throw new ValidationError('approval: is required with type ApprovalUnanswered');
      const detail = { ...approval, onTimeout: 'continue' };
      const published = await publishEvent(
        await notifier(),
        input,
        input.type,
        unansweredMessage(input, approval),
        detail,
      );
      return { type: input.type, published };
    }
    const outcome = input.leftover
      ? 'promoted (it serves all traffic), then its clean-up failed'
      : (OUTCOME[input.type as keyof typeof OUTCOME] ?? input.type);
    const leftover = input.leftover
      ? `; track ${input.leftover} may still run: scale it down by hand, or release again`
      : '';
    const cause = input.error ? `: ${failureSummary(input.error)}` : '';
    const shortfall = input.rolledBack?.shortfall ?? [];
    const short = shortfall.length > 0 ? `; not restored in full: ${shortfall.join(', ')}` : '';
    const unchecked = checkError(input.rolledBack);
    const { rollbackError } = input;
    const unrestored = rollbackError ? rollbackOutcome(rollbackError) : '';
    const detail = input.error
      ? {
          ...errorDetail(input.error),
          ...(shortfall.length > 0 && { shortfall }),
          ...(rollbackError && { rollbackError: errorDetail(rollbackError) }),
          ...(input.leftover && { promoted: true, leftover: input.leftover }),
        }
      : undefined;
    const published = await publishEvent(
      await notifier(),
      input,
      input.type,
      `${describeRelease(input)} ${outcome}${cause}${short}${unchecked}${unrestored}${leftover}`,
      detail,
    );
    return { type: input.type, published };
  },
);

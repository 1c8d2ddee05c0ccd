import * as z from 'zod';
import { executionIdOf, executionNameOf } from '#core/api-routes.ts';
import { approvalStageText, UNANSWERED_RELEASE } from '#core/approval-stages.ts';
import { cliFlagsFor } from '#core/cli-flags.ts';
import { APPROVAL_TIMEOUT_ACTIONS } from '#core/schemas/common.ts';
import { approvalsFamily, dependencies, notifierFamily } from '#lambdas/shared/dependencies.ts';
import { describeRelease, publishEventBestEffort } from '#lambdas/shared/events.ts';
import { taskHandler } from '#lambdas/shared/task-handler.ts';

/**
 * RequestApproval, invoked by a `lambda:invoke.waitForTaskToken` state: stores the task token, for at
 * least the state's `timeoutSeconds`, so `cutover approve` / `reject` (SendTaskSuccess, or SendTaskFailure
 * with error `ApprovalRejected`) can answer it, and notifies (best effort: an event that did not go out is
 * returned as `notifyError`). The state waits until then or its timeout, after which the release goes on
 * or rolls back (`ApprovalTimedOut`), as `onTimeout` says.
 */
export const handler = taskHandler(
  'request-approval',
  {
    taskToken: z.string().min(1),
    stage: z.string().min(1),
    timeoutSeconds: z.number().int().min(1),
    // Absent in the payloads of state machines deployed before approval.onTimeout: they roll back.
    onTimeout: z.enum(APPROVAL_TIMEOUT_ACTIONS).default('rollback'),
  },
  async (input) => {
    const deps = dependencies(input.request, { approvals: approvalsFamily, notifier: notifierFamily });
    const requestedAt = new Date().toISOString();
    const approvals = await deps.approvals();
    await approvals.put({
      executionArn: input.executionArn,
      taskToken: input.taskToken,
      stage: input.stage,
      requestedAt,
      timeoutSeconds: input.timeoutSeconds,
      onTimeout: input.onTimeout,
    });
    const message = `${describeRelease(input)} waits for approval ${approvalStageText(input.stage)} for up to ${input.timeoutSeconds}s, then ${UNANSWERED_RELEASE[input.onTimeout]}: cutover approve ${executionNameOf(input.executionArn)}${cliFlagsFor(input.executionArn)}, or POST /releases/${executionIdOf(input.executionArn)}/approve`;
    const outcome = await publishEventBestEffort(deps.notifier, input, 'ApprovalRequested', message, {
      stage: input.stage,
      timeoutSeconds: input.timeoutSeconds,
      onTimeout: input.onTimeout,
    });
    return { stage: input.stage, requestedAt, ...outcome };
  },
);

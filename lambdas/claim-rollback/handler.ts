import * as z from 'zod';
import { createLockFromEnvironment } from '#adapters/lock/index.ts';
import { ValidationError } from '#core/errors.ts';
import type { Lock } from '#core/ports/lock.ts';
import { RUNNING_CLAIM_SECONDS } from '#core/rollback.ts';
import { serviceSchema } from '#core/schemas/common.ts';
import { logger, plainTaskHandler } from '#lambdas/shared/task-handler.ts';

/**
 * How long the claim of a rollback that ended lasts, cleaned up or given up: 15 days. A duplicate of the same stop started
 * later (EventBridge delivers at least once and retries a start for up to an hour; `cutover abort` starts
 * one when none appeared) finds it, and so does the stopped execution itself if it is redriven, which Step
 * Functions allows for 14 days after its stop: its tasks then change nothing (`ExecutionStopped`).
 */
const CLEANED_UP_CLAIM_SECONDS = 15 * 86_400;

/**
 * ClaimRollback: one clean-up per stopped execution. Without `ended`, claims the clean-up after
 * `executionArn` for this rollback (`rollbackArn`) and answers:
 * - `{ claimed: true }` when this rollback holds the claim (newly, or again on a retry);
 * - `{ claimed: false, by }` when another rollback of the same stop holds it (it cleans up alone);
 * - `{ claimed: false, refused }` when another execution holds `service`'s lock (a release started
 *   since): restoring the stopped execution's backup would undo it, so nothing is restored, and the claim
 *   is kept 15 days so no later run of the rollback restores it either.
 * From the claim on, the stopped execution's tasks still in flight change nothing (`ExecutionStopped`).
 * `ended: 'cleanedUp'` keeps the claim for 15 days; `ended: 'failed'` gives it up, so the rollback machine
 * can run again for the same stop, and keeps it, given up, for 15 days too: the stopped execution, if it is
 * redriven, still changes nothing.
 */
export const handler = plainTaskHandler(
  'claim-rollback',
  {
    executionArn: z.string().min(1),
    rollbackArn: z.string().min(1),
    // The stopped execution's input as given: its namespace may be left to the default.
    service: serviceSchema.optional(),
    ended: z.enum(['cleanedUp', 'failed']).optional(),
  },
  async ({ executionArn, rollbackArn, service, ended }) => {
    const lock = createLockFromEnvironment();
    if (ended === 'failed') {
      await lock.giveUpRollback(executionArn, rollbackArn, CLEANED_UP_CLAIM_SECONDS);
      return { claimed: false, released: true };
    }
    if (ended === 'cleanedUp') {
      await lock.claimRollback(executionArn, rollbackArn, CLEANED_UP_CLAIM_SECONDS);
      return { claimed: true };
    }
    if (!service)
      throw new ValidationError("service: is required to claim a clean-up (the request's service)");
    const by = await claimOrHolder(lock, executionArn, rollbackArn);
    if (by !== rollbackArn) {
      logger.warn('another rollback cleans up after this execution', { executionArn, by });
      return { claimed: false, by };
    }
    const holder = await lock.holder(service);
    if (holder !== undefined && holder !== executionArn) {
      await lock.claimRollback(executionArn, rollbackArn, CLEANED_UP_CLAIM_SECONDS);
      const refused =
        `${service.namespace}/${service.name} is locked by ${holder}, not by ${executionArn}: restoring ` +
        "the stopped execution's backup would undo what that one changes, so nothing was restored";
      logger.warn(refused);
      return { claimed: false, refused };
    }
    return { claimed: true };
  },
);

/**
 * Claims the clean-up for `rollbackArn` while it runs; the rollback that holds the claim after the call (a
 * claim given up or expired between the failed claim and the read is claimed again).
 */
async function claimOrHolder(lock: Lock, executionArn: string, rollbackArn: string): Promise<string> {
  for (;;) {
    if (await lock.claimRollback(executionArn, rollbackArn, RUNNING_CLAIM_SECONDS)) return rollbackArn;
    const claim = await lock.rollbackOf(executionArn);
    if (claim && !claim.givenUp) return claim.rollbackArn;
  }
}

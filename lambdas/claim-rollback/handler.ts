import * as z from 'zod';
import { createLockFromEnvironment } from '#adapters/lock/index.ts';
import { ValidationError } from '#core/errors.ts';
import type { Lock } from '#core/ports/lock.ts';
import { RUNNING_CLAIM_SECONDS, STOPPED_CLAIM_KEPT_SECONDS } from '#core/rollback.ts';
import { serviceSchema } from '#core/schemas/common.ts';
import { logger, plainTaskHandler } from '#lambdas/shared/task-handler.ts';

/**
 * How long a rollback that cleaned up holds its claim: as long as a claim is kept, 15 days. A duplicate of
 * the same stop started later (EventBridge delivers at least once and retries a start for up to an hour;
 * `cutover abort` starts one when none appeared) finds it held and restores nothing.
 */
const CLEANED_UP_CLAIM_SECONDS = STOPPED_CLAIM_KEPT_SECONDS;

/**
 * ClaimRollback: one clean-up per stopped execution. Without `ended`, claims the clean-up after
 * `executionArn` for this rollback (`rollbackArn`) and answers:
 * - `{ claimed: true }` when this rollback holds the claim (newly, or again on a retry);
 * - `{ claimed: false, by }` when another rollback of the same stop holds it (it cleans up alone);
 * - `{ claimed: false, refused }` when another execution holds `service`'s lock (a release started
 *   since): restoring the stopped execution's backup would undo it, so nothing is restored, and the claim
 *   is kept 15 days so no later run of the rollback restores it either.
 * From the claim on, the stopped execution's tasks still in flight change nothing (`ExecutionStopped`).
 * `ended: 'cleanedUp'` holds the claim for 15 days; `ended: 'failed'` gives it up, so the rollback machine
 * can run again for the same stop. A claim held or not is kept 15 days (`STOPPED_CLAIM_KEPT_SECONDS`): the
 * stopped execution, if it is redriven (Step Functions allows it for 14 days), changes nothing.
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
      await lock.giveUpRollback(executionArn, rollbackArn);
      return { claimed: false, givenUp: true };
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

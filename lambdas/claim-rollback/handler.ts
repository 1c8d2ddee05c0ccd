import * as z from 'zod';
import { createLockFromEnvironment } from '#adapters/lock/index.ts';
import { logger, plainTaskHandler } from '#lambdas/shared/task-handler.ts';

/**
 * How long a claim outlasts its rollback: a duplicate rollback of the same stop (EventBridge delivers at
 * least once, and retries a start for up to an hour; `cutover abort` starts one when none appeared) finds
 * it for a week.
 */
const CLAIM_SECONDS = 7 * 86_400;

/**
 * ClaimRollback: claims the clean-up after the stopped execution `executionArn` for this rollback
 * (`rollbackArn`). Answers `{ claimed: true }` when this rollback holds the claim (newly, or again on a
 * retry), `{ claimed: false, by }` when another rollback of the same stop claimed it first, which then
 * does the clean-up alone. From the claim on, the stopped execution's tasks still in flight change nothing
 * (`ExecutionStopped`).
 */
export const handler = plainTaskHandler(
  'claim-rollback',
  { executionArn: z.string().min(1), rollbackArn: z.string().min(1) },
  async ({ executionArn, rollbackArn }) => {
    const lock = createLockFromEnvironment();
    if (await lock.claimRollback(executionArn, rollbackArn, CLAIM_SECONDS)) return { claimed: true };
    const by = await lock.rollbackOf(executionArn);
    logger.warn('another rollback cleans up after this execution', { executionArn, by });
    return { claimed: false, ...(by ? { by } : {}) };
  },
);

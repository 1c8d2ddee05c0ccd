import * as z from 'zod';
import { DEFAULT_RDS_POLL_SECONDS, maxPollChecks } from '#core/polling.ts';
import type { DatabaseMigrationRequest } from '#core/schemas/database-migration.ts';

/** The fields of one Wait/check/Choice loop: the check counts its attempts up to `maxAttempts`. */
export const pollShape = {
  attempt: z.number().int().min(0),
  maxAttempts: z.number().int().min(1),
};

/** The first turn of a loop waiting `timeoutSeconds` in steps of `rds.pollSeconds`. */
export function firstPoll(request: DatabaseMigrationRequest, timeoutSeconds: number) {
  const pollSeconds = request.rds?.pollSeconds ?? DEFAULT_RDS_POLL_SECONDS;
  return { attempt: 0, maxAttempts: maxPollChecks(timeoutSeconds, pollSeconds) };
}

/**
 * The next turn of a loop: `{ ready, attempt + 1, maxAttempts }`, or `exhausted()` thrown when the
 * check is still not ready at its last attempt.
 */
export function nextPoll(
  poll: { attempt: number; maxAttempts: number },
  ready: boolean,
  exhausted: (checks: number) => Error,
) {
  const attempt = poll.attempt + 1;
  if (!ready && attempt >= poll.maxAttempts) throw exhausted(attempt);
  return { ready, attempt, maxAttempts: poll.maxAttempts };
}

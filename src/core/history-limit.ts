/**
 * Step Functions records at most 25,000 events in one execution's history; an execution that needs more
 * fails without running its Catch (no rollback). These bounds keep a request's own loops well inside it.
 */

/** The events one execution's history may hold on AWS. */
export const HISTORY_EVENT_LIMIT = 25_000;

/**
 * The most state transitions a release's planned path (every rollout ready at its first check, every
 * analysis passing) may take: each writes 2 events, a task 5, and checks and re-analyses come on top.
 */
export const MAX_PLANNED_TRANSITIONS = 5_000;

/** Events one check of a polled wait writes: the Wait (2), the check task (5) and the Choice (2). */
export const EVENTS_PER_POLL_CHECK = 9;

/** The most checks a request's polled waits may add up to: 18,000 events, room left for the rest. */
export const MAX_POLL_CHECKS = 2_000;

/**
 * The most checks the bakes of one release may take (each a Wait, an Analyze task and a Choice, as a poll
 * check): 4,500 events; longer bakes are checked less often.
 */
export const MAX_BAKE_CHECKS = 500;

/**
 * The most checks the pauses of one release may take while they wait for a person (a canary step's `pause`,
 * and the pause of an inconclusive analysis in any strategy; each check a Wait, an Analyze task and a
 * Choice): 1,800 events; longer pauses are checked less often.
 */
export const MAX_PAUSE_CHECKS = 200;

/** Why a limit exists, for error messages. */
export const HISTORY_LIMIT_REASON = `past what one Step Functions execution can record (${HISTORY_EVENT_LIMIT.toLocaleString('en-US')} history events)`;

import * as z from 'zod';
import { type BlueGreenState, blueGreenState, createRdsClient } from '#adapters/database/rds.ts';
import { BlueGreenSwitchoverFailedError } from '#core/errors.ts';
import { nextPoll, pollShape } from '#lambdas/shared/db-polling.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';

type Phase = 'available' | 'switchover';

/** The status each phase waits for. */
const AWAITED = { available: 'AVAILABLE', switchover: 'SWITCHOVER_COMPLETED' } as const;

/** The statuses from which each phase's awaited status can still come (the awaited one included). */
const REACHABLE: Record<Phase, ReadonlySet<string>> = {
  available: new Set(['PROVISIONING', 'AVAILABLE']),
  // Right after the switchover call RDS may still say AVAILABLE.
  switchover: new Set(['AVAILABLE', 'SWITCHOVER_IN_PROGRESS', 'SWITCHOVER_COMPLETED']),
};

/** Member statuses no member comes back from. */
const FAILED_MEMBER = new Set(['SWITCHOVER_FAILED', 'MISSING_SOURCE', 'MISSING_TARGET']);

/**
 * Throws `BlueGreenSwitchoverFailed` naming what keeps the deployment from ever reaching the phase's
 * status: a status the phase cannot move past, a failed member, a failed task.
 */
function assertCanReach(identifier: string, phase: Phase, state: BlueGreenState): void {
  const problems = [
    ...(REACHABLE[phase].has(state.status) ? [] : [`status ${state.status}`]),
    ...state.members.filter((m) => FAILED_MEMBER.has(m.status)).map((m) => `${m.source} ${m.status}`),
    ...state.tasks.filter((t) => t.status === 'FAILED').map((t) => `task ${t.name} FAILED`),
  ];
  if (problems.length > 0) {
    throw new BlueGreenSwitchoverFailedError(
      `Blue/Green deployment ${identifier} cannot reach ${AWAITED[phase]}: ${problems.join(', ')}`,
    );
  }
}

/**
 * DbCheckBlueGreen, one turn of a Blue/Green loop: `ready` once the deployment is `AVAILABLE` (phase
 * `available`) or `SWITCHOVER_COMPLETED` (phase `switchover`); `BlueGreenSwitchoverFailed` at once on a
 * failed status, member or task, or a status the phase cannot move past, and when the phase's time is up.
 */
export const handler = dbTaskHandler(
  'db-check-blue-green',
  { identifier: z.string().min(1), phase: z.enum(['available', 'switchover']), ...pollShape },
  async ({ request, identifier, phase, attempt, maxAttempts }) => {
    const state = await blueGreenState(createRdsClient(request.rds), identifier);
    assertCanReach(identifier, phase, state);
    const { status } = state;
    const poll = nextPoll(
      { attempt, maxAttempts },
      status === AWAITED[phase],
      (checks) =>
        new BlueGreenSwitchoverFailedError(
          `Blue/Green deployment ${identifier} still ${status} after ${checks} checks (waiting for ${AWAITED[phase]})`,
        ),
    );
    return { identifier, status, ...poll };
  },
);

import { executionNameOf } from '#core/api-routes.ts';
import { cliFlagsFor } from '#core/cli-flags.ts';
import { ServiceLockedError } from '#core/errors.ts';
import type { ExecutionOutcome } from '#core/ports/executions.ts';
import type { ServiceRef } from '#core/types.ts';

/** Ends of a holder that keeps the lock with no rollback to give it back: nothing caught its error. */
const ENDED_UNCAUGHT: ReadonlySet<string> = new Set(['FAILED', 'TIMED_OUT']);

/**
 * The error of a release or migration refused because `holder` (an execution ARN, if the lock names one)
 * holds the service's lock, saying what to do: wait for it, or stop it, then start again. A holder that
 * already ended FAILED or TIMED_OUT (`outcome`) without giving the lock back ran no rollback: the message
 * says so, and how to free the service once a person has looked at it.
 */
export function serviceLocked(
  service: ServiceRef,
  holder: string | undefined,
  outcome?: ExecutionOutcome,
): ServiceLockedError {
  // The holder may be a release or a database migration: its ARN names its state machine.
  const label = `${service.namespace}/${service.name}`;
  const what = `${label} is locked by`;
  if (holder === undefined) {
    return new ServiceLockedError(`${what} another execution: start again once it has ended`);
  }
  if (outcome && ENDED_UNCAUGHT.has(outcome.status)) {
    const ended = `${outcome.status}${outcome.error ? ` (${outcome.error})` : ''}`;
    return new ServiceLockedError(
      `${what} ${holder}, which ended ${ended} holding it and ran no rollback: look at the service first, ` +
        `then wait for the lock to expire or remove it (the item lock#${label} of the state table; ` +
        'under cutover local, its row of service_locks in cutover.db)',
    );
  }
  const name = `${executionNameOf(holder)}${cliFlagsFor(holder)}`;
  return new ServiceLockedError(
    `${what} ${holder}: wait for it to end (\`cutover watch ${name}\`) or stop it (\`cutover abort ${name}\`), then start again; if it was aborted, its rollback holds the lock until it has cleaned up (\`cutover abort ${name}\` names it)`,
  );
}

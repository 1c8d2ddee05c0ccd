import { executionNameOf } from '#core/api-routes.ts';
import { cliFlagsFor } from '#core/cli-flags.ts';
import { ServiceLockedError } from '#core/errors.ts';
import type { ServiceRef } from '#core/types.ts';

/**
 * The error of a release or migration refused because `holder` (an execution ARN, if the lock names one)
 * holds the service's lock, saying what to do: wait for it, or stop it, then start again.
 */
export function serviceLocked(service: ServiceRef, holder: string | undefined): ServiceLockedError {
  // The holder may be a release or a database migration: its ARN names its state machine.
  const what = `${service.namespace}/${service.name} is locked by`;
  if (holder === undefined) {
    return new ServiceLockedError(`${what} another execution: start again once it has ended`);
  }
  const name = `${executionNameOf(holder)}${cliFlagsFor(holder)}`;
  return new ServiceLockedError(
    `${what} ${holder}: wait for it to end (\`cutover watch ${name}\`) or stop it (\`cutover abort ${name}\`), then start again; if it was aborted, its rollback holds the lock until it has cleaned up (\`cutover abort ${name}\` names it)`,
  );
}

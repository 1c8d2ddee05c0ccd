import * as z from 'zod';
import { runHooks } from '#adapters/hooks/webhooks.ts';
import { HOOK_PHASES } from '#core/schemas/index.ts';
import { dependencies, lockFamily } from '#lambdas/shared/dependencies.ts';
import { refuseIfFencedOff } from '#lambdas/shared/execution-fence.ts';
import { logger, taskHandler } from '#lambdas/shared/task-handler.ts';

/**
 * RunHooks: POSTs the release to each webhook of the request's `phase`, in order: `beforeTraffic` once the
 * new `track` is ready and before it takes traffic, `afterTraffic` once all traffic is on the new release
 * (`track` serves it) and before the previous version is scaled down or removed. The hooks'
 * `headersSecretArn` and `signingSecretArn` are read first (once per secret), each only for URLs under the
 * prefixes `CUTOVER_HOOK_SECRETS` binds it to, when set (a `ValidationError` otherwise, before any read);
 * a hook's headers are sent
 * with its POST, as are a delivery id (the same on each retry), the attempt (one more than the state's
 * `retryCount`) and, with a signing key, a timestamp and the signature of the body. Returns
 * `{ hooks: [{ name, status, ms }] }`; throws `HookFailed` at the first hook that answers other than 2xx
 * or not in time (the release rolls back), `ValidationError` for a secret that does not hold headers or a
 * signing key of 32 bytes or more, the AWS error's name for one that cannot be read, and
 * `TransientAdapterError` when a hook or Secrets Manager cannot be reached, or a hook breaks off its answer
 * (retried).
 */
export const handler = taskHandler(
  'run-hooks',
  {
    track: z.string().min(1),
    // A state machine deployed before afterTraffic existed sends no phase.
    phase: z.enum(HOOK_PHASES).default('beforeTraffic'),
    // `$$.State.RetryCount`; a state machine deployed before it was passed sends none.
    retryCount: z.number().int().min(0).default(0),
  },
  async ({ strategy, request, executionArn, track, phase, retryCount }) => {
    await refuseIfFencedOff(
      await dependencies(request, { lock: lockFamily }).lock(),
      { service: request.service, executionArn },
      'run-hooks',
    );
    const hooks = await runHooks(
      request.hooks?.[phase] ?? [],
      {
        phase,
        strategy,
        service: request.service,
        release: {
          version: request.release.version,
          ...(request.release.image ? { image: request.release.image } : {}),
        },
        track,
        executionArn,
      },
      retryCount + 1,
    );
    logger.info('hooks passed', { phase, track, hooks });
    return { hooks };
  },
);

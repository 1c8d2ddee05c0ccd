import type { SFNClient } from '@aws-sdk/client-sfn';

/** How long a CLI call waits to connect to the endpoint: one that is up accepts at once. */
export const CONNECTION_TIMEOUT_MS = 5_000;

/**
 * How long a CLI call waits for its answer (a stopped process, a dropped network, a proxy that holds it):
 * every Step Functions call answers well within it.
 */
export const REQUEST_TIMEOUT_MS = 10_000;

/** How the CLI's AWS SDK clients send requests: each given up after the timeouts above. */
export const CLI_REQUEST_HANDLER = {
  connectionTimeout: CONNECTION_TIMEOUT_MS,
  requestTimeout: REQUEST_TIMEOUT_MS,
  throwOnRequestTimeout: true,
} as const;

/**
 * Socket codes the SDK's handler names `TimeoutError` though nothing timed out: the connection was closed
 * under the call, as a server does to a kept-alive connection it thinks idle. The call was not answered;
 * sending it again on a new connection is what the SDK's retries are for.
 */
const CLOSED_CONNECTION_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE']);

/** An AWS SDK v3 client: each has a middleware stack. */
export type SdkClient = { readonly middlewareStack: { add: (...args: never[]) => unknown } };

/**
 * Makes a client fail a call that timed out at once, where the SDK's retries would send it twice more and
 * keep the user waiting three times as long; other retries (throttling, 5xx, a refused or reset connection)
 * are unchanged. `watch` and `run --wait` try again on their own, for `--reconnect-seconds`.
 *
 * @example
 * const sfn = withoutRetryAfterTimeout(new SFNClient({ requestHandler: CLI_REQUEST_HANDLER }));
 */
export function withoutRetryAfterTimeout<Client extends SdkClient>(client: Client): Client {
  // The calls that timed out, by their context: the attempts of one call share it.
  const timedOut = new WeakMap<object, unknown>();
  // The middleware reads no service's own types: the Step Functions client's stand for any client's.
  (client as unknown as SFNClient).middlewareStack.add(
    (next, context) => async (args) => {
      if (timedOut.has(context)) throw timedOut.get(context);
      try {
        return await next(args);
      } catch (error) {
        if (isTimeout(error)) timedOut.set(context, error);
        throw error;
      }
    },
    // Below the retries (`finalizeRequest`, high priority): once for every attempt.
    { step: 'finalizeRequest', priority: 'low', name: 'cutoverNoRetryAfterTimeout' },
  );
  return client;
}

/** Whether the SDK's `TimeoutError` is a timeout, not a connection closed under the call. */
function isTimeout(error: unknown): boolean {
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  return name === 'TimeoutError' && !CLOSED_CONNECTION_CODES.has(code ?? '');
}

import { TransientAdapterError } from '#core/errors.ts';

/** What an AWS SDK v3 service exception carries that tells a retriable failure from a permanent one. */
interface AwsErrorShape {
  readonly name?: string;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** Names of the errors AWS answers when the caller sends more requests than its quota allows. */
export const THROTTLING_ERROR_NAMES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
]);

/** Names of AWS errors worth retrying: throttling, service unavailability, timeouts. */
const TRANSIENT_ERROR_NAMES = new Set([
  ...THROTTLING_ERROR_NAMES,
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** True for throttling, timeouts, 5xx and errors the SDK marks retriable (the state machines retry these). */
export function isTransientAwsError(error: unknown): boolean {
  const e = (error ?? {}) as AwsErrorShape;
  const status = e.$metadata?.httpStatusCode ?? 0;
  return Boolean(e.$retryable) || status >= 500 || TRANSIENT_ERROR_NAMES.has(e.name ?? '');
}

/**
 * Rethrows an AWS SDK error as `TransientAdapterError` when it is worth retrying, unchanged otherwise.
 *
 * @example
 * try { await client.send(command); } catch (error) { throw asAdapterError(error, 'sns:Publish'); }
 */
export function asAdapterError(error: unknown, operation: string): unknown {
  if (!isTransientAwsError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TransientAdapterError(`${operation} failed, retry later: ${message}`, { cause: error });
}

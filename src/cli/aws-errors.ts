import type { SFNClient } from '@aws-sdk/client-sfn';
import { THROTTLING_ERROR_NAMES } from '#adapters/aws-errors.ts';
import { CliError, ExitCode } from './exit-codes.ts';

/** What AWS answers, or the SDK throws, when the caller's credentials are expired, unknown or unusable. */
const REFUSED_CREDENTIALS = new Set([
  'ExpiredTokenException',
  'ExpiredToken',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'InvalidClientTokenId',
  'CredentialsProviderError',
]);

/** The SDK's messages when no region is set: none at all, or an empty `AWS_REGION`. */
const NO_REGION = /^Region is missing$|^Region not accepted: region="" /;

/** What to do about credentials AWS refused or the SDK could not load. */
export const REFRESH_CREDENTIALS = 'set AWS_PROFILE or run `aws sso login`';

interface SdkError {
  readonly name?: string;
  readonly cause?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: { readonly throttling?: boolean };
}

/** Whether AWS refused the caller's credentials (expired, unknown) or the SDK found none: also as a cause. */
export function isRefusedCredentials(error: unknown): boolean {
  const { name, cause } = (error ?? {}) as SdkError;
  return REFUSED_CREDENTIALS.has(name ?? '') || (cause !== undefined && isRefusedCredentials(cause));
}

/** Whether AWS throttled the call: it answered, and asks to be called less often. */
export function isThrottled(error: unknown): boolean {
  const { name, $metadata, $retryable } = (error ?? {}) as SdkError;
  return (
    THROTTLING_ERROR_NAMES.has(name ?? '') ||
    $metadata?.httpStatusCode === 429 ||
    $retryable?.throttling === true
  );
}

/**
 * A usage error saying how to set up AWS access, for an SDK error thrown before any call was made (no
 * credentials, no region); undefined for any other.
 */
function setupError(error: unknown): CliError | undefined {
  const { name, message } = error as Error;
  if (name === 'CredentialsProviderError') {
    return new CliError(`no usable AWS credentials (${message}): ${REFRESH_CREDENTIALS}`, ExitCode.Usage, {
      cause: error,
    });
  }
  if (NO_REGION.test(message)) {
    return new CliError('no AWS region: pass --region or set AWS_REGION', ExitCode.Usage, { cause: error });
  }
  return undefined;
}

/** An AWS SDK v3 client: each has a middleware stack. */
type SdkClient = { readonly middlewareStack: { add: (...args: never[]) => unknown } };

/**
 * Makes an AWS SDK client throw a usage error with a hint where the SDK would throw its bare messages
 * (`Could not load credentials from any providers`, `Region is missing`).
 */
export function withSetupHints<Client extends SdkClient>(client: Client): Client {
  // The middleware reads no service's own types: the Step Functions client's stand for any client's.
  (client as unknown as SFNClient).middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw setupError(error) ?? error;
      }
    },
    { step: 'initialize', name: 'cutoverSetupHints' },
  );
  return client;
}

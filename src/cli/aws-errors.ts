import type { SFNClient } from '@aws-sdk/client-sfn';
import { THROTTLING_ERROR_NAMES } from '#adapters/aws-errors.ts';
import { type SdkClient, withoutRetryAfterTimeout } from './call-timeouts.ts';
import { CredentialChainLog } from './credential-chain-log.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import { withFailedCalls } from './failed-call.ts';

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
 * credentials, no region); undefined for any other. With `AWS_PROFILE` set, the error names why its
 * credentials could not be loaded, as `log` heard it from the credential chain.
 */
function setupError(error: unknown, log: unknown): CliError | undefined {
  const { name, message } = error as Error;
  if (name === 'CredentialsProviderError') {
    const profile = process.env.AWS_PROFILE || undefined;
    const why = (profile && log instanceof CredentialChainLog && log.profileFailure) || message;
    const hint = profile
      ? `check AWS_PROFILE=${profile} (\`aws configure list-profiles\`) or run \`aws sso login\``
      : REFRESH_CREDENTIALS;
    return new CliError(`no usable AWS credentials (${why.replace(/\.$/, '')}): ${hint}`, ExitCode.Usage, {
      cause: error,
    });
  }
  if (NO_REGION.test(message)) {
    return new CliError('no AWS region: pass --region or set AWS_REGION', ExitCode.Usage, { cause: error });
  }
  return undefined;
}

/**
 * The usage error, with its hint, for an SDK error a client without {@link withSetupHints} threw because
 * no credentials or region could be found (the S3 client of `cutover backups`); `undefined` for any other.
 */
export function awsSetupError(error: unknown): CliError | undefined {
  return error instanceof Error ? setupError(error, undefined) : undefined;
}

/**
 * Makes a CLI client of AWS fail as the CLI says: a usage error with a hint where the SDK would throw its
 * bare messages (`Could not load credentials from any providers`, `Region is missing`); any other failed
 * call named with its endpoint and region (`describeFailedCall`, `namedBy` the option that named the
 * endpoint, if one did); a call that timed out not tried again (`withoutRetryAfterTimeout`).
 */
export function withSetupHints<Client extends SdkClient>(client: Client, namedBy?: string): Client {
  // The middleware reads no service's own types: the Step Functions client's stand for any client's.
  const sdk = client as unknown as SFNClient;
  sdk.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw setupError(error, sdk.config.logger) ?? error;
      }
    },
    { step: 'initialize', name: 'cutoverSetupHints' },
  );
  return withFailedCalls(withoutRetryAfterTimeout(client), { aws: true, namedBy });
}

/**
 * Reading a Secrets Manager secret in the region its ARN names (a secret is read there, whatever region
 * the caller runs in), for the adapters that take one: database connections and webhook headers. Each
 * caller words the errors of its own secrets.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The part of the Secrets Manager client used here, so tests (and the CLI) can pass their own. */
export type SecretsClient = Pick<SecretsManagerClient, 'send'>;

/**
 * The region a Secrets Manager ARN names; undefined for a secret name or an ARN without one.
 *
 * @example
 * secretRegion('arn:aws:secretsmanager:eu-west-1:123456789012:secret:db'); // 'eu-west-1'
 */
export function secretRegion(secretArn: string): string | undefined {
  return /^arn:[^:]+:secretsmanager:([^:]+):/.exec(secretArn)?.[1];
}

/**
 * The Secrets Manager client configuration for `secretArn`: the region the ARN names, or the SDK's region
 * chain for an ARN without one.
 *
 * @example
 * new SecretsManagerClient(secretClientConfig('arn:aws:secretsmanager:eu-west-1:123456789012:secret:db'));
 */
export function secretClientConfig(secretArn: string): { region?: string } {
  const region = secretRegion(secretArn);
  return region ? { region } : {};
}

/** How to read a secret: with the caller's client, and the error to throw for a failed GetSecretValue. */
export interface ReadSecretOptions {
  /** Read with this client; by default a client in the region the ARN names, destroyed after the read. */
  readonly client?: SecretsClient;
  /** The error to throw for GetSecretValue's error, worded for the caller's secret. */
  readonly unreadable: (error: unknown) => unknown;
}

/**
 * The `SecretString` of `secretArn` (`GetSecretValue`); undefined for a binary secret (`SecretBinary`).
 *
 * @example
 * const text = await readSecretString(secretArn, { unreadable: (error) => error });
 */
export async function readSecretString(
  secretArn: string,
  { client, unreadable }: ReadSecretOptions,
): Promise<string | undefined> {
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const own = client ? undefined : new SecretsManagerClient(secretClientConfig(secretArn));
  try {
    const { SecretString } = await (client ?? own!).send(new GetSecretValueCommand({ SecretId: secretArn }));
    return SecretString;
  } catch (error) {
    throw unreadable(error);
  } finally {
    own?.destroy();
  }
}

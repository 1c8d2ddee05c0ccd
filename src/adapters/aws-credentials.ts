import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * The SDK's default credential chain (environment, SSO, web identity, container and instance roles), for
 * code that signs requests itself (EKS tokens, SigV4 to Amazon Managed Prometheus).
 *
 * @example
 * const signer = new SignatureV4({ service: 'aps', region, credentials: defaultCredentialProvider(region), sha256: Sha256 });
 */
export function defaultCredentialProvider(region: string): AwsCredentialIdentityProvider {
  return new STSClient({ region }).config.credentials;
}

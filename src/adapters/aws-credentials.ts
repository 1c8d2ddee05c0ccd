import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { onFirstUse } from './first-use.ts';

/**
 * The SDK's default credential chain (environment, SSO, web identity, container and instance roles), for
 * code that signs requests itself (EKS tokens, SigV4 to Amazon Managed Prometheus). The SDK package that
 * resolves the chain is imported when credentials are first asked for.
 *
 * @example
 * const signer = new SignatureV4({ service: 'aps', region, credentials: defaultCredentialProvider(region), sha256: Sha256 });
 */
export function defaultCredentialProvider(region: string): AwsCredentialIdentityProvider {
  const chain = onFirstUse(
    async () => new (await import('@aws-sdk/client-sts')).STSClient({ region }).config.credentials,
  );
  return async (properties) => (await chain())(properties);
}

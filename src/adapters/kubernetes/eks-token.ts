import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** The prefix aws-iam-authenticator expects on a bearer token. */
export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** How long the presigned URL is valid, as `aws eks get-token` signs it. */
export const PRESIGN_SECONDS = 60;
/** EKS accepts a token for 15 minutes after its signing time; reuse it for less than 14. */
export const TOKEN_REUSE_MS = 14 * 60 * 1000;

/** What an EKS token is made of. */
export interface EksTokenOptions {
  readonly clusterName: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/**
 * An EKS bearer token: `k8s-aws-v1.` + base64url (unpadded) of a presigned STS GetCallerIdentity URL whose
 * signed headers include `x-k8s-aws-id: <cluster>`, the form aws-iam-authenticator verifies.
 *
 * @example
 * const token = await createEksToken({ clusterName: 'prod', region: 'eu-west-1', credentials }, new Date());
 * // Authorization: Bearer k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20v...
 */
export async function createEksToken(options: EksTokenOptions, signingDate: Date): Promise<string> {
  const hostname = `sts.${options.region}.amazonaws.com${options.region.startsWith('cn-') ? '.cn' : ''}`;
  const signer = new SignatureV4({
    service: 'sts',
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
  });
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, 'x-k8s-aws-id': options.clusterName },
    },
    { expiresIn: PRESIGN_SECONDS, signingDate },
  );
  const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
  const url = `https://${hostname}/?${query}`;
  return EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url');
}

/**
 * Hands out an EKS token per request, signing a new one only when the cached one is 14 minutes old.
 *
 * @example
 * const tokens = new EksTokenProvider({ clusterName: 'prod', region: 'eu-west-1', credentials });
 * const client = KubernetesObjectClient.fromKubeConfig(kc, { token: () => tokens.token() });
 */
export class EksTokenProvider {
  #cached: { token: string; signedAt: number } | undefined;

  constructor(
    private readonly options: EksTokenOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async token(): Promise<string> {
    const now = this.now();
    if (this.#cached && now.getTime() - this.#cached.signedAt < TOKEN_REUSE_MS) return this.#cached.token;
    const token = await createEksToken(this.options, now);
    this.#cached = { token, signedAt: now.getTime() };
    return token;
  }
}

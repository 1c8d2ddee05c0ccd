import { describe, expect, it } from 'vitest';
import { createEksToken, EksTokenProvider } from '#adapters/kubernetes/eks-token.ts';
import { verifyEksToken } from '#test/support/iam-authenticator.ts';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token',
};
const signingDate = new Date('2026-11-28T12:00:00Z');

describe('createEksToken', () => {
  it('passes every check aws-iam-authenticator makes', async () => {
    // Act
    const token = await createEksToken(
      { clusterName: 'prod', region: 'eu-west-1', credentials },
      signingDate,
    );
    // Assess
    const { problems, url } = verifyEksToken(token, 'prod', new Date('2026-11-28T12:10:00Z'));
    expect(problems).toEqual([]);
    expect(url?.hostname).toBe('sts.eu-west-1.amazonaws.com');
    expect(Object.fromEntries(url!.searchParams)).toMatchObject({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20261128/eu-west-1/sts/aws4_request',
      'X-Amz-Date': '20261128T120000Z',
      'X-Amz-Expires': '60',
      'X-Amz-Security-Token': 'session-token',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
    });
    expect(token).not.toContain('=');
  });

  it('is deterministic for a fixed clock and credentials, and bound to the cluster name', async () => {
    // Act
    const a = await createEksToken({ clusterName: 'prod', region: 'eu-west-1', credentials }, signingDate);
    const b = await createEksToken({ clusterName: 'prod', region: 'eu-west-1', credentials }, signingDate);
    const other = await createEksToken(
      { clusterName: 'staging', region: 'eu-west-1', credentials },
      signingDate,
    );
    // Assess
    expect(a).toBe(b);
    expect(
      new URL(Buffer.from(other.slice(11), 'base64url').toString()).searchParams.get('X-Amz-Signature'),
    ).not.toBe(new URL(Buffer.from(a.slice(11), 'base64url').toString()).searchParams.get('X-Amz-Signature'));
  });

  it('is rejected by the authenticator rules once older than 15 minutes', async () => {
    // Prepare
    const token = await createEksToken(
      { clusterName: 'prod', region: 'eu-west-1', credentials },
      signingDate,
    );
    // Act
    const { problems } = verifyEksToken(token, 'prod', new Date('2026-11-28T12:15:01Z'));
    // Assess
    expect(problems).toEqual(['token is older than 15 minutes']);
  });
});

describe('EksTokenProvider', () => {
  it('reuses a token for under 14 minutes, then signs a new one', async () => {
    // Prepare
    let now = signingDate;
    const provider = new EksTokenProvider(
      { clusterName: 'prod', region: 'eu-west-1', credentials },
      () => now,
    );
    // Act
    const first = await provider.token();
    now = new Date(signingDate.getTime() + 13 * 60_000 + 59_000);
    const reused = await provider.token();
    now = new Date(signingDate.getTime() + 14 * 60_000);
    const renewed = await provider.token();
    // Assess
    expect(reused).toBe(first);
    expect(renewed).not.toBe(first);
    expect(verifyEksToken(renewed, 'prod', now).problems).toEqual([]);
  });
});

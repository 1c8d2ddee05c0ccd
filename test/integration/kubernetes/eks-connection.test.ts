import { DescribeClusterCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eksObjects } from '#adapters/kubernetes/connect.ts';
import { KubernetesCluster } from '#adapters/kubernetes/kubernetes-cluster.ts';
import { TransientAdapterError } from '#core/errors.ts';
import { verifyEksToken } from '#test/support/iam-authenticator.ts';
import { type KubernetesEmulator, startKubernetesEmulator } from '#test/support/k8s-emulator/index.ts';
import { aRelease, aService } from '#test/support/kubernetes-fixtures.ts';

const now = new Date('2026-11-28T12:00:00Z');
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
/** STS's answer to AssumeRole of the cluster's role. */
const ASSUMED_ROLE = {
  Credentials: {
    AccessKeyId: 'ASIAROLE',
    SecretAccessKey: 's',
    SessionToken: 't',
    Expiration: new Date('2026-11-28T12:15:00Z'),
  },
};

describe('eksObjects', () => {
  let emulator: KubernetesEmulator;
  const eks = mockClient(EKSClient);
  const sts = mockClient(STSClient);

  beforeAll(async () => {
    emulator = await startKubernetesEmulator({ tls: true });
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    emulator.reset();
    eks.reset();
    sts.reset();
    eks.on(DescribeClusterCommand).resolves({
      cluster: {
        name: 'prod',
        status: 'ACTIVE',
        endpoint: emulator.url,
        certificateAuthority: { data: emulator.caData },
      },
    });
  });

  it('finds the endpoint with DescribeCluster and authenticates with an EKS token', async () => {
    // Prepare
    const cluster = new KubernetesCluster(
      eksObjects(
        { name: 'prod', region: 'eu-west-1' },
        { eks: new EKSClient({ region: 'eu-west-1' }), credentials, now: () => now },
      ),
    );
    // Act
    await cluster.apply(aService(), 'canary', aRelease());
    await cluster.status(aService(), 'canary');
    // Assess
    expect(eks).toHaveReceivedCommandTimes(DescribeClusterCommand, 1);
    expect(eks.commandCalls(DescribeClusterCommand)[0]!.args[0].input).toEqual({ name: 'prod' });
    const authorization = emulator.requests.map((r) => r.authorization);
    expect(new Set(authorization).size).toBe(1);
    const token = authorization[0]!.replace(/^Bearer /, '');
    expect(verifyEksToken(token, 'prod', now).problems).toEqual([]);
  });

  it('signs the token with an assumed role when roleArn is given', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(ASSUMED_ROLE);
    const roleArn = 'arn:aws:iam::123456789012:role/cutover-deployer';
    const cluster = new KubernetesCluster(
      eksObjects(
        { name: 'prod', region: 'eu-west-1', roleArn },
        {
          eks: new EKSClient({ region: 'eu-west-1' }),
          sts: new STSClient({ region: 'eu-west-1' }),
          now: () => now,
        },
      ),
    );
    // Act
    await cluster.apply(aService(), 'canary', aRelease());
    // Assess
    expect(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input).toEqual({
      RoleArn: roleArn,
      RoleSessionName: 'cutover',
      DurationSeconds: 900,
    });
    const token = emulator.requests[0]!.authorization!.replace(/^Bearer /, '');
    const url = new URL(Buffer.from(token.slice(11), 'base64url').toString());
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^ASIAROLE\//);
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('t');
  });

  it("describes a cluster of another account with the assumed role, not the task's own credentials", async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(ASSUMED_ROLE);
    const roleArn = 'arn:aws:iam::210987654321:role/cutover-deployer';
    const cluster = new KubernetesCluster(
      eksObjects(
        { name: 'prod', region: 'eu-west-1', roleArn },
        { sts: new STSClient({ region: 'eu-west-1' }), now: () => now },
      ),
    );
    // Act
    await cluster.apply(aService(), 'canary', aRelease());
    // Assess
    const describing = eks.commandCalls(DescribeClusterCommand)[0]!.thisValue as EKSClient;
    expect(await describing.config.credentials()).toMatchObject({
      accessKeyId: 'ASIAROLE',
      sessionToken: 't',
    });
  });

  it('surfaces EKS throttling as TransientAdapterError and connects on the next call', async () => {
    // Prepare
    eks
      .on(DescribeClusterCommand)
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $metadata: { httpStatusCode: 400 },
        }),
      )
      .resolves({ cluster: { endpoint: emulator.url, certificateAuthority: { data: emulator.caData } } });
    const cluster = new KubernetesCluster(
      eksObjects(
        { name: 'prod', region: 'eu-west-1' },
        { eks: new EKSClient({ region: 'eu-west-1' }), credentials },
      ),
    );
    // Act
    const first = await cluster.status(aService(), 'canary').catch((e: unknown) => e);
    const second = await cluster.status(aService(), 'canary');
    // Assess
    expect(first).toBeInstanceOf(TransientAdapterError);
    expect((first as Error).message).toContain('eks:DescribeCluster prod');
    expect(second.failed?.reason).toBe('DeploymentNotFound');
  });

  it('keeps an unknown cluster a persistent error', async () => {
    // Prepare
    eks
      .on(DescribeClusterCommand)
      .rejects(new ResourceNotFoundException({ message: 'No cluster found for name: nope.', $metadata: {} }));
    const cluster = new KubernetesCluster(
      eksObjects(
        { name: 'nope', region: 'eu-west-1' },
        { eks: new EKSClient({ region: 'eu-west-1' }), credentials },
      ),
    );
    // Act + Assess
    await expect(cluster.status(aService(), 'canary')).rejects.toThrow(ResourceNotFoundException);
  });
});

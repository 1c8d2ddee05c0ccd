import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_CAPABILITIES } from '#lib/capabilities.ts';
import { readContext } from '#lib/context.ts';
import { Cutover, type CutoverProps } from '#lib/cutover.ts';
import { pascalCase } from '#lib/discovery.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const DOCS = join(import.meta.dirname, '../../docs');
const DATABASE_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-GhIjKl';
const EKS_ROLE = 'arn:aws:iam::123456789012:role/cutover-eks';

/** The fixture project (one task function), with `props`, in a stack pinned to an account and region. */
function fixtureStack(props: Partial<CutoverProps> | ((stack: Stack) => Partial<CutoverProps>) = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  new Cutover(stack, 'Cutover', {
    clusterName: 'prod',
    allowedNamespaces: ['shop'],
    alarmEmail: 'oncall@example.com',
    lambdasDir: join(FIXTURES, 'lambdas'),
    stateMachinesDir: join(FIXTURES, 'statemachines'),
    functionCapabilities: { 'check-rollout': ['database'] },
    ...(typeof props === 'function' ? props(stack) : props),
  });
  return stack;
}

/** The synth warnings about database tasks outside a VPC. */
const databaseWarnings = (stack: Stack) =>
  Annotations.fromStack(stack)
    .findWarning('*', Match.stringLikeRegexp('outside any VPC'))
    .map((warning) => warning.entry.data);

const context = (values: Record<string, unknown>) =>
  readContext((key) => ({ clusterName: 'prod', allowedNamespaces: 'shop', ...values })[key]);

describe('First-deploy checks at synth', () => {
  it('takes one alarmEmail address, naming a bad one and what to do for several', () => {
    // Act
    const good = context({ alarmEmail: 'oncall@example.com' });
    // Assess
    expect(good.alarmEmail).toBe('oncall@example.com');
    for (const alarmEmail of ['oncall@example.com,sre@example.com', 'oncall']) {
      expect(() => context({ alarmEmail })).toThrowError(
        `alarmEmail: "${alarmEmail}" is not one email address (oncall@example.com): the alert topic subscribes one; subscribe more to it after deploying, or give a mailing list`,
      );
    }
  });

  it('accepts a vpcId of vpc- and 8 or 17 hex digits only, as CloudFormation does', () => {
    // Act
    const short = context({ vpcId: 'vpc-0123abcd', subnetIds: 'subnet-0123456789abcdef0' });
    const long = context({ vpcId: 'vpc-0123456789abcdef0', subnetIds: 'subnet-0123456789abcdef0' });
    // Assess
    expect([short.vpcId, long.vpcId]).toEqual(['vpc-0123abcd', 'vpc-0123456789abcdef0']);
    for (const vpcId of ['vpc-0abc', 'vpc-0123456789abcdef', 'vpc-0123456789ABCDEF0', 'vpc-0123abcdx']) {
      expect(() => context({ vpcId, subnetIds: 'subnet-0123456789abcdef0' })).toThrowError(
        `vpcId: is not a VPC id: "vpc-" and 8 or 17 lower-case hex digits (vpc-0123456789abcdef0), got "${vpcId}"`,
      );
    }
  });

  it('accepts subnet and security group ids of subnet- or sg- and 8 or 17 hex digits only, naming each bad one and the form', () => {
    // Prepare
    const vpcId = 'vpc-0123456789abcdef0';
    // Act
    const good = context({
      vpcId,
      subnetIds: 'subnet-0123abcd,subnet-0123456789abcdef0',
      securityGroupIds: 'sg-0123abcd,sg-0123456789abcdef0',
    });
    const bad = () =>
      context({
        vpcId,
        subnetIds: 'subnet-0aaa,subnet-0123456789ABCDEF0',
        securityGroupIds: 'sg-0123456789abcdef',
      });
    // Assess
    expect(good).toMatchObject({
      subnetIds: ['subnet-0123abcd', 'subnet-0123456789abcdef0'],
      securityGroupIds: ['sg-0123abcd', 'sg-0123456789abcdef0'],
    });
    expect(bad).toThrowError(
      'cdk.json context (or -c key=value) is missing or wrong:\n' +
        '- subnetIds.0: "subnet-0aaa" is not a subnet id: "subnet-" and 8 or 17 lower-case hex digits (subnet-0123456789abcdef0)\n' +
        '- subnetIds.1: "subnet-0123456789ABCDEF0" is not a subnet id: "subnet-" and 8 or 17 lower-case hex digits (subnet-0123456789abcdef0)\n' +
        '- securityGroupIds.0: "sg-0123456789abcdef" is not a security group id: "sg-" and 8 or 17 lower-case hex digits (sg-0123456789abcdef0)',
    );
  });

  it('warns when databases are configured without a VPC: the database tasks then reach no private database', () => {
    // Act
    const withSecret = databaseWarnings(fixtureStack({ databaseSecretArns: [DATABASE_SECRET] }));
    const withInstance = databaseWarnings(fixtureStack({ rdsInstanceIdentifiers: ['orders'] }));
    const inVpc = databaseWarnings(
      fixtureStack((stack) => ({
        databaseSecretArns: [DATABASE_SECRET],
        rdsInstanceIdentifiers: ['orders'],
        vpc: ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
          vpcId: 'vpc-0123456789abcdef0',
          availabilityZones: ['eu-west-1a'],
          privateSubnetIds: ['subnet-0123456789abcdef0'],
        }),
      })),
    );
    const withoutDatabases = databaseWarnings(fixtureStack());
    // Assess
    expect(withSecret).toEqual([
      expect.stringMatching(
        /^databaseSecretArns are set without a VPC \(context vpcId and subnetIds, or the vpc prop\): the database tasks run outside any VPC/,
      ),
    ]);
    expect(withInstance).toEqual([expect.stringMatching(/^rdsInstanceIdentifiers are set without a VPC/)]);
    expect(inVpc).toEqual([]);
    expect(withoutDatabases).toEqual([]);
  });
});

describe('EKS roles of the requests', () => {
  let template: Template;
  beforeAll(() => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    new Cutover(stack, 'Cutover', {
      clusterName: 'prod',
      allowedNamespaces: ['shop'],
      eksRoleArns: [EKS_ROLE],
    });
    template = Template.fromStack(stack);
  });

  it("lets the read-only cluster functions assume the eksRoleArns too, since every task of a release assumes the request's one cluster.roleArn, and docs say what that means for those roles", () => {
    // Prepare
    const assuming = (task: string) => {
      const prefix = `CutoverTasks${pascalCase(task)}Role`;
      const policy = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) =>
        id.startsWith(prefix),
      )?.[1];
      return JSON.stringify(policy?.Properties.PolicyDocument.Statement ?? []).includes('sts:AssumeRole');
    };
    const clusterFacing = Object.entries(FUNCTION_CAPABILITIES)
      .filter(([, capabilities]) => capabilities.includes('cluster') || capabilities.includes('clusterRead'))
      .map(([task]) => task);
    // Act
    const readers = ['validate-request', 'backup-state', 'check-rollout'].filter(assuming);
    const others = Object.keys(FUNCTION_CAPABILITIES).filter(
      (task) => assuming(task) && !clusterFacing.includes(task),
    );
    const eksDocs = readFileSync(join(DOCS, 'eks.md'), 'utf8');
    const awsDocs = readFileSync(join(DOCS, 'aws.md'), 'utf8');
    // Assess
    expect(readers).toEqual(['validate-request', 'backup-state', 'check-rollout']);
    expect(others).toEqual([]);
    for (const docs of [eksDocs, awsDocs]) {
      expect(docs).toMatch(/ValidateRequest, BackupState and CheckRollout assume it too/);
      expect(docs).toContain('AmazonEKSClusterAdminPolicy');
    }
  });
});

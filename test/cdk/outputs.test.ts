import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { readContext } from '#lib/context.ts';
import type { CutoverProps } from '#lib/cutover.ts';
import { CutoverStack } from '#lib/cutover-stack.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');

/** The fixture project: one task function. */
const FIXTURE_PROJECT: Partial<CutoverProps> = {
  lambdasDir: join(FIXTURES, 'lambdas'),
  stateMachinesDir: join(FIXTURES, 'statemachines'),
  functionCapabilities: { 'check-rollout': ['cluster', 'backup', 'state', 'notify'] },
};

/**
 * The stack `bin/app.ts` deploys, on the fixture project (or `project`), its context `context`, pinned to
 * an account and region: its template, and the context lookups its synth left missing (what `cdk synth`
 * would need credentials for).
 */
function synthStack(context: Record<string, unknown>, project: Partial<CutoverProps> = FIXTURE_PROJECT) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new CutoverStack(app, 'Cutover', {
    env: { account: '123456789012', region: 'eu-west-1' },
    context: readContext((key) => ({ clusterName: 'prod', allowedNamespaces: 'shop', ...context })[key]),
    overrides: project,
  });
  const missing = app.synth().manifest.missing ?? [];
  const warnings = Annotations.fromStack(stack)
    .findWarning('*', Match.anyValue())
    .map((warning) => `${warning.id}: ${JSON.stringify(warning.entry.data)}`);
  return { template: Template.fromStack(stack), missing, warnings };
}

const IN_VPC = { vpcId: 'vpc-0123456789abcdef0', subnetIds: 'subnet-0123456789abcdef0' };

describe('CutoverStack outputs', () => {
  it('outputs the backup bucket and prefix `cutover backups` reads, and the release API URL', () => {
    // Act
    const { template } = synthStack({});
    // Assess
    const outputs = template.findOutputs('*');
    expect(outputs.BackupBucketName).toMatchObject({
      Value: { Ref: expect.stringMatching(/^CutoverStorageBackups/) },
      Description: expect.stringContaining('CUTOVER_BACKUP_BUCKET'),
    });
    expect(outputs.BackupPrefix).toMatchObject({
      Value: 'backups/',
      Description: expect.stringContaining('CUTOVER_BACKUP_PREFIX'),
    });
    expect(outputs.ReleaseApiUrl?.Description).toContain('release API');
    expect(outputs.AlertTopicArn?.Value).toEqual({ Ref: expect.stringMatching(/^CutoverMonitoringAlerts/) });
    expect(JSON.stringify(outputs.ReleaseApiUrl?.Value)).toContain('execute-api');
  });

  it('outputs the role that answers approvals, the one a policy should leave SendTaskSuccess to', () => {
    // Act
    const { template } = synthStack({});
    // Assess: the output names the role whose policy sends the task success
    const role = template.findOutputs('ApprovalRoleArn').ApprovalRoleArn?.Value as {
      'Fn::GetAtt': [string, string];
    };
    expect(role['Fn::GetAtt'][1]).toBe('Arn');
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.Roles).includes(role['Fn::GetAtt'][0]),
    );
    expect(JSON.stringify(policies)).toContain('states:sendTaskSuccess');
  });
});

describe('CutoverStack log retention', () => {
  it('keeps every log group as long as -c logRetentionDays says, the access log of who approved included', () => {
    // Act
    const { template } = synthStack({ logRetentionDays: '400' });
    // Assess
    const retentions = Object.values(template.findResources('AWS::Logs::LogGroup')).map(
      (group) => group.Properties?.RetentionInDays,
    );
    expect(retentions.length).toBeGreaterThan(2);
    expect(new Set(retentions)).toEqual(new Set([400]));
  });
});

describe('CutoverStack in a VPC', () => {
  it('synthesizes offline when pinned to an account and region: no availability-zone lookup', () => {
    // Act
    const { template, missing } = synthStack(IN_VPC);
    // Assess
    expect(missing).toEqual([]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: Match.objectLike({ SubnetIds: ['subnet-0123456789abcdef0'] }),
    });
  });

  it('synthesizes without a warning when every key that warns is given, so `cdk synth --strict` passes', () => {
    // Act
    const { warnings } = synthStack({
      ...IN_VPC,
      subnetIds: 'subnet-0123456789abcdef0,subnet-0fedcba9876543210',
      alarmEmail: 'oncall@example.com',
      releaseApiPrincipals: 'arn:aws:iam::123456789012:role/ci',
      approverPrincipals: 'arn:aws:iam::123456789012:role/lead',
    });
    // Assess: no warning of the imported VPC's zones or the subnets' route tables, which the functions never read
    expect(warnings).toEqual([]);
  });

  it('runs every task function in one security group, all egress and no ingress, and outputs its id', () => {
    // Act
    const { template } = synthStack(IN_VPC, {});
    // Assess
    const groups = template.findResources('AWS::EC2::SecurityGroup');
    expect(Object.keys(groups)).toHaveLength(1);
    const [id, group] = Object.entries(groups)[0]!;
    expect(group.Properties).toEqual({
      GroupDescription: 'Cutover task functions: all egress, no ingress',
      SecurityGroupEgress: [
        { CidrIp: '0.0.0.0/0', Description: 'Allow all outbound traffic by default', IpProtocol: '-1' },
      ],
      VpcId: 'vpc-0123456789abcdef0',
    });
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThan(30);
    for (const fn of functions) {
      expect(fn.Properties.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [id, 'GroupId'] }]);
    }
    expect(template.findOutputs('TaskSecurityGroupId').TaskSecurityGroupId).toMatchObject({
      Value: { 'Fn::GetAtt': [id, 'GroupId'] },
      Description: expect.stringContaining('allow ingress from it'),
    });
  });

  it('runs the task functions in the securityGroupIds given, creating and outputting none', () => {
    // Act
    const { template } = synthStack({ ...IN_VPC, securityGroupIds: 'sg-0123456789abcdef0' });
    // Assess
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: Match.objectLike({ SecurityGroupIds: ['sg-0123456789abcdef0'] }),
    });
    expect(template.findOutputs('TaskSecurityGroupId')).toEqual({});
  });
});

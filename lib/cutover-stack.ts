import { Annotations, CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { CutoverContext } from './context.ts';
import { Cutover, type CutoverProps } from './cutover.ts';

/** Props of {@link CutoverStack}: the validated context, plus `Cutover` props a stack cannot read from context. */
export interface CutoverStackProps extends StackProps {
  readonly context: CutoverContext;
  /** @default the Cutover construct's defaults */
  readonly overrides?: Partial<CutoverProps>;
}

/**
 * A stack holding one {@link Cutover}, configured from `cdk.json` context (see docs/aws.md).
 *
 * @example
 * new CutoverStack(app, 'Cutover', { context: readContext((key) => app.node.tryGetContext(key)) });
 */
export class CutoverStack extends Stack {
  readonly cutover: Cutover;

  constructor(scope: Construct, id: string, props: CutoverStackProps) {
    super(scope, id, props);
    const { context } = props;
    const vpc = context.vpcId ? this.importVpc(context.vpcId) : undefined;
    this.cutover = new Cutover(this, 'Cutover', {
      clusterName: context.clusterName,
      allowedNamespaces: context.allowedNamespaces,
      vpc,
      vpcSubnets: context.subnetIds
        ? { subnets: context.subnetIds.map((id, index) => this.importSubnet(id, index)) }
        : undefined,
      securityGroups: context.securityGroupIds?.map((id, index) =>
        ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${index}`, id),
      ),
      alarmEmail: context.alarmEmail,
      listenerArns: context.listenerArns,
      eksRoleArns: context.eksRoleArns,
      backupReaderArns: context.backupReaderArns,
      prometheusWorkspaceArns: context.prometheusWorkspaceArns,
      rdsInstanceIdentifiers: context.rdsInstanceIdentifiers,
      databaseSecretArns: context.databaseSecretArns,
      hookSecrets: context.hookSecrets,
      eventBusName: context.eventBusName,
      logRetention: context.logRetentionDays,
      backupRetentionDays: context.backupRetentionDays,
      noncurrentBackupRetentionDays: context.noncurrentBackupRetentionDays,
      ecrTriggers: context.ecrTriggers,
      releaseEventPrincipals: context.releaseEventPrincipals,
      releaseApiPrincipals: context.releaseApiPrincipals,
      approverPrincipals: context.approverPrincipals,
      ...props.overrides,
    });
    this.addOutputs();
  }

  /**
   * The VPC `vpcId`, with the region's zones resolved at deploy time: `this.availabilityZones` of a stack
   * pinned to an account and region is a context lookup, which needs credentials at synth. The functions
   * run in the `subnetIds` given, so nothing selects subnets by zone, and CDK's warning that the zones are a
   * token is acknowledged (`cdk synth --strict` fails on warnings).
   */
  private importVpc(vpcId: string): ec2.IVpc {
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId, availabilityZones: Fn.getAzs() });
    Annotations.of(vpc).acknowledgeWarning(
      '@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones',
      'the task functions run in the subnets given; nothing selects subnets by zone',
    );
    return vpc;
  }

  /** Subnet `subnetId`, without its route table: a function's VPC configuration names subnets only. */
  private importSubnet(subnetId: string, index: number): ec2.ISubnet {
    const subnet = ec2.Subnet.fromSubnetId(this, `Subnet${index}`, subnetId);
    Annotations.of(subnet).acknowledgeWarning(
      '@aws-cdk/aws-ec2:noSubnetRouteTableId',
      "a function's VPC configuration names subnets only; nothing reads their route tables",
    );
    return subnet;
  }

  /**
   * What the CLI and the release API's callers are configured with, and the security group a database or
   * a private EKS endpoint admits the tasks from, as stack outputs.
   */
  private addOutputs(): void {
    const { storage, api, approvals, functions, monitoring } = this.cutover;
    new CfnOutput(this, 'AlertTopicArn', {
      value: monitoring.topic.topicArn,
      description:
        'The alert topic: alarms and the executions that need a person; subscribe your pager to it',
    });
    new CfnOutput(this, 'BackupBucketName', {
      value: storage.bucket.bucketName,
      description: 'The backup bucket: CUTOVER_BACKUP_BUCKET for `cutover backups`',
    });
    new CfnOutput(this, 'BackupPrefix', {
      value: storage.backupPrefix,
      description: 'The key prefix of the backups in the bucket: CUTOVER_BACKUP_PREFIX for `cutover backups`',
    });
    new CfnOutput(this, 'BackupKeyArn', {
      value: storage.backupKey.keyArn,
      description:
        'The KMS key of the backups: `cutover backups` needs kms:Decrypt on it, and its role in backupReaderArns',
    });
    if (functions.securityGroup) {
      new CfnOutput(this, 'TaskSecurityGroupId', {
        value: functions.securityGroup.securityGroupId,
        description:
          'The security group of every task function: allow ingress from it to the databases and the EKS endpoint',
      });
    }
    if (api) {
      new CfnOutput(this, 'ReleaseApiUrl', {
        value: api.api.url,
        description:
          'The release API (IAM-signed): POST <url>releases/<strategy>, GET <url>releases/<executionId>',
      });
    }
    if (approvals) {
      new CfnOutput(this, 'ApprovalRoleArn', {
        value: approvals.stateMachine.role.roleArn,
        description:
          'The role the release API answers approvals with: deny states:SendTaskSuccess and SendTaskFailure to every other principal to keep approverPrincipals the only approvers',
      });
    }
  }
}

import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ROLLBACK_WORKFLOWS, stateMachineName } from '#core/rollback.ts';
import type { Capability } from './capabilities.ts';

/** The resources the capabilities are scoped to. */
export interface TaskResources {
  readonly clusterName: string;
  /**
   * Roles the EKS adapter may assume for its token (`cluster.roleArn` of the requests), by every function
   * that talks to the cluster, the read-only ones too: a request names one role for all its tasks.
   */
  readonly eksRoleArns: readonly string[];
  readonly listenerArns: readonly string[];
  readonly prometheusWorkspaceArns: readonly string[];
  readonly bucket: s3.IBucket;
  readonly backupPrefix: string;
  /** The key the backups are encrypted with; its key policy must also let the backup task roles use it. */
  readonly backupKey: kms.IKey;
  readonly rdsInstanceIdentifiers: readonly string[];
  readonly databaseSecretArns: readonly string[];
  /**
   * Secrets holding the webhooks' headers and signing keys (`headersSecretArn`, `signingSecretArn` of the
   * requests' hooks): the ARNs of the `hookSecrets` prop, each bound to its URL prefixes.
   */
  readonly hookSecretArns: readonly string[];
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  readonly eventBusName?: string;
}

/**
 * The IAM statements one capability grants, scoped to `resources`. Actions without resource-level
 * permissions (Describe*, GetMetricData) are the only ones on `*`.
 *
 * @example
 * role.addToPolicy(...capabilityStatements(this, 'backup', resources));
 */
export function capabilityStatements(
  scope: Construct,
  capability: Capability,
  resources: TaskResources,
): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const arn = (service: string, resource: string, resourceName?: string) =>
    stack.formatArn({ service, resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  switch (capability) {
    case 'cluster':
    case 'clusterRead':
      return [
        statement(['eks:DescribeCluster'], [arn('eks', 'cluster', resources.clusterName)]),
        ...(resources.eksRoleArns.length > 0
          ? [statement(['sts:AssumeRole'], [...resources.eksRoleArns])]
          : []),
      ];
    case 'listeners':
      return [...listenerWeightStatements(resources.listenerArns), loadBalancerReads()];
    case 'listenersRead':
      return [loadBalancerReads()];
    case 'metrics':
      return [
        statement(['cloudwatch:GetMetricData', 'cloudwatch:DescribeAlarms'], ['*']),
        ...(resources.prometheusWorkspaceArns.length > 0
          ? [
              // The prometheus adapter reads /api/v1/query only: QueryMetrics.
              statement(['aps:QueryMetrics'], [...resources.prometheusWorkspaceArns]),
            ]
          : []),
      ];
    case 'backup':
      return [
        statement(
          ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
          [resources.bucket.arnForObjects(`${resources.backupPrefix}*`)],
        ),
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [resources.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${resources.backupPrefix}*`] } },
        }),
        // SSE-KMS: S3 generates a data key to write an object (a multipart upload also decrypts it) and
        // decrypts it to read one, on the caller's permissions.
        statement(['kms:Decrypt', 'kms:GenerateDataKey'], [resources.backupKey.keyArn]),
      ];
    case 'database':
      return resources.databaseSecretArns.length > 0
        ? [statement(['secretsmanager:GetSecretValue'], [...resources.databaseSecretArns])]
        : [];
    case 'snapshotCreate':
    case 'snapshotStatus':
    case 'blueGreenCreate':
    case 'blueGreenStatus':
    case 'blueGreenSwitchover':
    case 'blueGreenDelete':
      return rdsStatements(scope, capability, resources.rdsInstanceIdentifiers);
    case 'state':
      return [
        keyedStatement(
          ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
          resources.table,
          'lock#*',
        ),
      ];
    case 'approvals':
      return [keyedStatement(['dynamodb:PutItem'], resources.table, 'approval#*')];
    case 'fence':
      return [keyedStatement(['dynamodb:GetItem'], resources.table, 'rollback#*')];
    case 'claims':
      return [
        keyedStatement(['dynamodb:GetItem', 'dynamodb:PutItem'], resources.table, 'rollback#*'),
        keyedStatement(['dynamodb:GetItem'], resources.table, 'lock#*'),
      ];
    case 'executions':
      return [statement(['states:DescribeExecution'], lockHoldingExecutionArns(stack))];
    case 'notify':
      return [
        statement(['sns:Publish'], [resources.topic.topicArn]),
        // The topic is encrypted: publishing needs its key.
        ...(resources.topic.masterKey
          ? [statement(['kms:Decrypt', 'kms:GenerateDataKey*'], [resources.topic.masterKey.keyArn])]
          : []),
        ...(resources.eventBusName
          ? [statement(['events:PutEvents'], [eventBusArn(scope, resources.eventBusName)])]
          : []),
      ];
    case 'hooks':
      return resources.hookSecretArns.length > 0
        ? [statement(['secretsmanager:GetSecretValue'], [...resources.hookSecretArns])]
        : [];
  }
}

/**
 * The executions of the stack's state machines that lock a service (the strategies and the database
 * migration), by name: the machines' ARNs would make each function's policy depend on the machines that
 * invoke it.
 */
function lockHoldingExecutionArns(stack: Stack): string[] {
  return ROLLBACK_WORKFLOWS.map((workflow) =>
    stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachineName(stack.stackName, workflow)}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  );
}

function statement(actions: string[], resources: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions, resources });
}

/** `actions` on the items of `table` whose partition key matches `keys` (`rollback#*`). */
function keyedStatement(actions: string[], table: dynamodb.ITable, keys: string): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions, resources: [table.tableArn], conditions: onItemsKeyed(keys) });
}

/**
 * The IAM condition that limits DynamoDB item actions to the items whose partition key matches `keys`.
 *
 * @example
 * statement.addConditions(onItemsKeyed('approval#*'));
 */
export function onItemsKeyed(keys: string): Record<string, unknown> {
  return { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keys] } };
}

/** Modify only on the configured listeners and the rules under them; nothing without configured listeners. */
function listenerWeightStatements(listenerArns: readonly string[]): iam.PolicyStatement[] {
  if (listenerArns.length === 0) return [];
  const ruleArns = listenerArns.map((listener) => `${listener.replace(':listener/', ':listener-rule/')}/*`);
  return [
    statement(['elasticloadbalancing:ModifyListener'], [...listenerArns]),
    statement(['elasticloadbalancing:ModifyRule'], ruleArns),
  ];
}

/**
 * The ELBv2 reads of the traffic routers: `elbv2` reads the weights it changes, `alb-ingress` verifies what
 * the ALB really does, with or without configured listeners. They have no resource-level permissions.
 */
function loadBalancerReads(): iam.PolicyStatement {
  return statement(
    [
      'elasticloadbalancing:DescribeListeners',
      'elasticloadbalancing:DescribeLoadBalancers',
      'elasticloadbalancing:DescribeRules',
      'elasticloadbalancing:DescribeTags',
    ],
    ['*'],
  );
}

type RdsCapability = Extract<
  Capability,
  | 'snapshotCreate'
  | 'snapshotStatus'
  | 'blueGreenCreate'
  | 'blueGreenStatus'
  | 'blueGreenSwitchover'
  | 'blueGreenDelete'
>;

/**
 * The RDS statements of one capability; none without configured instances, since Cutover's snapshots and
 * Blue/Green deployments are all of them. Only creating, switching over and deleting a deployment reach
 * `db:*`.
 */
function rdsStatements(
  scope: Construct,
  capability: RdsCapability,
  instanceIdentifiers: readonly string[],
): iam.PolicyStatement[] {
  if (instanceIdentifiers.length === 0) return [];
  const stack = Stack.of(scope);
  const rds = (resource: string, name: string) =>
    stack.formatArn({
      service: 'rds',
      resource,
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  const instances = instanceIdentifiers.map((id) => rds('db', id));
  const snapshots = [...instances, rds('snapshot', 'cutover-*')];
  // RDS names blue/green deployments `bgd-<generated id>`: the resource type is as narrow as it gets.
  const deployments = [rds('deployment', '*')];
  // RDS creates, renames, promotes and deletes the green instances on the caller's permissions, under
  // names it generates; its Blue/Green docs allow no partial name pattern for them, only `*`.
  const anyInstance = [rds('db', '*')];
  switch (capability) {
    case 'snapshotCreate':
      return [statement(['rds:CreateDBSnapshot', 'rds:AddTagsToResource'], snapshots)];
    case 'snapshotStatus':
      return [statement(['rds:DescribeDBSnapshots'], snapshots)];
    case 'blueGreenCreate':
      return blueGreenCreateStatements(rds, instances, deployments, anyInstance);
    case 'blueGreenStatus':
      return [statement(['rds:DescribeBlueGreenDeployments'], deployments)];
    case 'blueGreenSwitchover':
      return [
        statement(['rds:SwitchoverBlueGreenDeployment'], deployments),
        statement(['rds:ModifyDBInstance', 'rds:PromoteReadReplica'], anyInstance),
      ];
    case 'blueGreenDelete':
      return [
        statement(['rds:DeleteBlueGreenDeployment'], deployments),
        statement(['rds:DeleteDBInstance'], anyInstance),
      ];
  }
}

/**
 * Creating a Blue/Green deployment. The Service Authorization Reference for RDS authorizes
 * CreateBlueGreenDeployment against the parameter groups it names (`TargetDBParameterGroupName` and its
 * cluster counterpart: `pg:`, `cluster-pg:`), and the green instances' CreateDBInstanceReadReplica, which RDS
 * makes on the caller's permissions, against their option, parameter and subnet groups (`og:`, `pg:`,
 * `subgrp:`), the blue instance's or the target ones: without them the create is refused. Those groups
 * are the account's, named by whoever made them, so any of them in the stack's account and region. Tagging
 * stays on the green instances and the deployment.
 */
function blueGreenCreateStatements(
  rds: (resource: string, name: string) => string,
  instances: readonly string[],
  deployments: readonly string[],
  anyInstance: readonly string[],
): iam.PolicyStatement[] {
  const anyGroup = (resource: 'og' | 'pg' | 'cluster-pg' | 'subgrp') => rds(resource, '*');
  return [
    statement(
      ['rds:CreateBlueGreenDeployment'],
      [...instances, ...deployments, anyGroup('pg'), anyGroup('cluster-pg')],
    ),
    statement(
      ['rds:CreateDBInstanceReadReplica'],
      [...anyInstance, anyGroup('og'), anyGroup('pg'), anyGroup('subgrp')],
    ),
    statement(['rds:AddTagsToResource'], [...anyInstance, ...deployments]),
  ];
}

function eventBusArn(scope: Construct, eventBusName: string): string {
  if (eventBusName.startsWith('arn:')) return eventBusName;
  return Arn.format(
    { service: 'events', resource: 'event-bus', resourceName: eventBusName },
    Stack.of(scope),
  );
}

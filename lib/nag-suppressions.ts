import { Aspects, type IAspect, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';
import { NETWORK_INTERFACES_POLICY } from './task-functions.ts';

/** A kind of IAM wildcard Cutover grants: the cdk-nag findings it raises, and the only actions it may grant. */
interface JustifiedWildcard {
  /** The IAM5 finding: `Resource::<flattened resource>` or `Action::<action>`. */
  readonly finding: RegExp;
  /** Every action of the statements raising the finding must be one of these. */
  readonly actions: readonly string[];
  readonly reason: string;
}

/**
 * Why each kind of IAM wildcard Cutover grants is the narrowest possible, matched on the cdk-nag finding and
 * on the actions granted with it. A wildcard no entry explains, or one granting any other action (an
 * `s3:*` on a bucket's objects, a `secretsmanager:GetSecretValue` on `*`), stays a finding, so a new one
 * cannot slip in unjustified.
 */
const JUSTIFIED_WILDCARDS: readonly JustifiedWildcard[] = [
  {
    finding: /^Resource::\*$/,
    actions: [
      'cloudwatch:GetMetricData',
      'cloudwatch:DescribeAlarms',
      'elasticloadbalancing:DescribeListeners',
      'elasticloadbalancing:DescribeLoadBalancers',
      'elasticloadbalancing:DescribeRules',
      'elasticloadbalancing:DescribeTags',
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ],
    reason:
      'Describe*, GetMetricData and X-Ray/log-delivery actions have no resource-level permissions; DescribeAlarms returns composite alarms only when granted on *',
  },
  {
    finding: /^Action::kms:GenerateDataKey\*$/,
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    reason: 'GenerateDataKey* variants, on the alert topic key only, to publish to the encrypted topic',
  },
  {
    // A prefix, never the whole bucket (`<Bucket.Arn>/*`).
    finding: /^Resource::<[^>]+\.Arn>\/[^*]+\*$/,
    actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
    reason: 'objects under the backup prefix of the backup bucket only',
  },
  {
    finding: /^Resource::<[^>]+\.Arn>:\*$/,
    actions: ['lambda:InvokeFunction'],
    reason: 'any version or alias of the one task function the state machine names',
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:rds:.*:snapshot:cutover-\*$/,
    actions: ['rds:CreateDBSnapshot', 'rds:AddTagsToResource', 'rds:DescribeDBSnapshots'],
    reason: 'only the RDS snapshots Cutover creates, all named cutover-*',
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:rds:.*:deployment:\*$/,
    actions: [
      'rds:CreateBlueGreenDeployment',
      'rds:AddTagsToResource',
      'rds:DescribeBlueGreenDeployments',
      'rds:SwitchoverBlueGreenDeployment',
      'rds:DeleteBlueGreenDeployment',
    ],
    reason: 'RDS blue/green deployments, whose bgd-* identifiers RDS generates (no narrower pattern exists)',
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:rds:.*:db:\*$/,
    actions: [
      'rds:CreateDBInstanceReadReplica',
      'rds:AddTagsToResource',
      'rds:ModifyDBInstance',
      'rds:PromoteReadReplica',
      'rds:DeleteDBInstance',
    ],
    reason:
      'the green DB instances of RDS blue/green deployments, named by RDS (its docs allow only *), for the replica, rename, promotion and deletion it makes on our behalf',
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:rds:.*:(og|pg|cluster-pg|subgrp):\*$/,
    actions: ['rds:CreateBlueGreenDeployment', 'rds:CreateDBInstanceReadReplica'],
    reason:
      'the option, parameter and subnet groups RDS authorizes a blue/green deployment and its green instances against; the account names them, not Cutover',
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:states:.*:execution:.*:\*$/,
    actions: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:StopExecution'],
    reason:
      "executions of Cutover's own state machines only; StopExecution of the release strategies' only (the release API's abort)",
  },
  {
    // A name before the `*`, never `secret:*`: the documented way to match the suffix Secrets Manager appends.
    finding: /^Resource::arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:[^*]+\*$/,
    actions: ['secretsmanager:GetSecretValue'],
    reason: 'the configured secrets, whose names end in the 6 random characters Secrets Manager appends',
  },
  {
    finding: /^Resource::arn:[^:]+:elasticloadbalancing:.*:listener-rule\/.*\/\*$/,
    actions: ['elasticloadbalancing:ModifyRule'],
    reason: 'rules of the configured listeners only',
  },
];

/** Acknowledges, on each IAM policy, the wildcard findings {@link JUSTIFIED_WILDCARDS} explains. */
class AcknowledgeJustifiedWildcards implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy)) return;
    const document = Stack.of(node).resolve(node.policyDocument) as { Statement?: Statement[] };
    for (const [finding, actions] of wildcardFindings(document.Statement ?? [])) {
      const justified = JUSTIFIED_WILDCARDS.find(
        (wildcard) =>
          wildcard.finding.test(finding) && [...actions].every((action) => wildcard.actions.includes(action)),
      );
      if (justified) {
        Validations.of(node).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: justified.reason });
      }
    }
  }
}

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/**
 * The findings cdk-nag's IAM5 reports (`Action::<action with *>` and `Resource::<flattened resource with
 * *>`), each with every action of the statements that raise it.
 */
function wildcardFindings(statements: readonly Statement[]): Map<string, Set<string>> {
  const findings = new Map<string, Set<string>>();
  const add = (finding: string, actions: readonly string[]) => {
    const granted = findings.get(finding) ?? new Set<string>();
    for (const action of actions) granted.add(action);
    findings.set(finding, granted);
  };
  for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
    const actions = [statement.Action].flat();
    for (const action of actions.filter((a) => a.includes('*'))) add(`Action::${action}`, actions);
    for (const resource of [statement.Resource].flat().map(flattenCfnReference)) {
      if (resource.includes('*')) add(`Resource::${resource}`, actions);
    }
  }
  return findings;
}

/** Acknowledges the resource-type findings that do not apply to Cutover, each with its reason. */
class AcknowledgeByResourceType implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof lambda.CfnFunction) {
      Validations.of(node).acknowledge({
        id: 'AwsSolutions-L1',
        reason: 'Runtime is chosen by the runtime prop (Node.js 20 or 22), the versions the bundles target',
      });
    }
    if (node instanceof s3.CfnBucket) {
      Validations.of(node).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'No second bucket for access logs: audit backup access with CloudTrail S3 data events on the bucket, a deploy step of docs/aws.md',
      });
    }
    if (node instanceof apigw.CfnMethod) {
      Validations.of(node).acknowledge({
        id: 'AwsSolutions-COG4',
        reason: 'IAM (SigV4) authorization: callers are AWS principals, not Cognito users',
      });
    }
    if (node instanceof apigw.CfnStage) {
      Validations.of(node).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'IAM-authorized API for AWS principals only; attach an account WAF web ACL if policy requires one',
      });
    }
    if (node instanceof iam.CfnRole && hasPolicyNamed(node, NETWORK_INTERFACES_POLICY)) {
      Validations.of(node).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "a VPC task function's network interface actions, which Lambda needs and which support no resource but *",
      });
    }
  }
}

/**
 * Acknowledges the cdk-nag AwsSolutions findings Cutover accepts, each with a one-line reason.
 *
 * @example
 * suppressJustifiedFindings(cutoverConstruct);
 */
export function suppressJustifiedFindings(scope: IConstruct): void {
  Aspects.of(scope).add(new AcknowledgeJustifiedWildcards());
  Aspects.of(scope).add(new AcknowledgeByResourceType());
}

/** Whether `role` has an inline policy of that name. */
function hasPolicyNamed(role: iam.CfnRole, name: string): boolean {
  const policies = Stack.of(role).resolve(role.policies) as { policyName: string }[] | undefined;
  return (policies ?? []).some((policy) => policy.policyName === name);
}

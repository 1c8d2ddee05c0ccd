import { Aspects, type IAspect, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/**
 * Why each kind of IAM wildcard Cutover grants is the narrowest possible, matched on the cdk-nag finding.
 * A wildcard no pattern explains stays a finding, so a new one cannot slip in unjustified.
 */
const WILDCARD_REASONS: readonly (readonly [RegExp, string])[] = [
  [
    /^Resource::\*$/,
    'Describe*, GetMetricData, DescribeAlarms and X-Ray/log-delivery actions have no resource-level permissions',
  ],
  [
    /^Action::kms:GenerateDataKey\*$/,
    'GenerateDataKey* variants, on the alert topic key only, to publish to the encrypted topic',
  ],
  [/^Resource::<[^>]+\.Arn>\/.*\*$/, 'objects under the backup prefix of the backup bucket only'],
  [/^Resource::<[^>]+\.Arn>:\*$/, 'any version or alias of the one task function the state machine names'],
  [
    /^Resource::arn:<AWS::Partition>:rds:.*:snapshot:cutover-\*$/,
    'only the RDS snapshots Cutover creates, all named cutover-*',
  ],
  [
    /^Resource::arn:<AWS::Partition>:rds:.*:deployment:\*$/,
    'RDS blue/green deployments, whose bgd-* identifiers RDS generates (no narrower pattern exists)',
  ],
  [
    /^Resource::arn:<AWS::Partition>:rds:.*:db:\*$/,
    'the green DB instances of RDS blue/green deployments, named by RDS (its docs allow only *), for the replica, rename and promotion it makes on our behalf',
  ],
  [
    /^Resource::arn:<AWS::Partition>:states:.*:execution:.*:\*$/,
    "executions of Cutover's own state machines only",
  ],
  [
    /^Resource::arn:[^:]+:elasticloadbalancing:.*:listener-rule\/.*\/\*$/,
    'rules of the configured listeners only',
  ],
  [/^Resource::<[^>]+\.Arn>\/\*$/, 'a stack-owned log group or table and its sub-resources only'],
];

/** Acknowledges, on each IAM policy, the wildcard findings {@link WILDCARD_REASONS} explains. */
class AcknowledgeJustifiedWildcards implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy)) return;
    const document = Stack.of(node).resolve(node.policyDocument) as { Statement?: Statement[] };
    for (const finding of wildcardFindings(document.Statement ?? [])) {
      const reason = WILDCARD_REASONS.find(([pattern]) => pattern.test(finding))?.[1];
      if (reason) Validations.of(node).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    }
  }
}

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** The findings cdk-nag's IAM5 reports: `Action::<action with *>` and `Resource::<flattened resource with *>`. */
function wildcardFindings(statements: readonly Statement[]): Set<string> {
  const findings = new Set<string>();
  for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
    for (const action of [statement.Action].flat().filter((a) => a.includes('*')))
      findings.add(`Action::${action}`);
    for (const resource of [statement.Resource].flat().map(flattenCfnReference)) {
      if (resource.includes('*')) findings.add(`Resource::${resource}`);
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
        reason: 'Backup access is audited with CloudTrail data events; no second bucket for access logs',
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
    if (node instanceof iam.CfnRole) {
      Validations.of(node).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          "AWSLambdaVPCAccessExecutionRole is the AWS managed policy scoped to exactly this service role's job",
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

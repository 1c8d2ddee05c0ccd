import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { NOT_READABLE } from '#core/api-routes.ts';
import { FUNCTION_CAPABILITIES } from '#lib/capabilities.ts';
import { readContext } from '#lib/context.ts';
import { Cutover, type CutoverProps } from '#lib/cutover.ts';
import { rbacManifests } from '#lib/eks-access.ts';
import { VPC_NETWORK_INTERFACE_ACTIONS } from '#lib/task-functions.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const LISTENER =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/prod/50dc6c495c0c9188/f2f7dc8efc522ab2';

function buildProps(overrides: Partial<CutoverProps> = {}): CutoverProps {
  return {
    clusterName: 'prod',
    allowedNamespaces: ['shop'],
    alarmEmail: 'oncall@example.com',
    lambdasDir: join(FIXTURES, 'lambdas'),
    stateMachinesDir: join(FIXTURES, 'statemachines'),
    functionCapabilities: {
      'check-rollout': [
        'cluster',
        'listeners',
        'metrics',
        'backup',
        'database',
        'snapshotCreate',
        'snapshotStatus',
        'blueGreenCreate',
        'blueGreenStatus',
        'blueGreenSwitchover',
        'state',
        'notify',
      ],
    },
    listenerArns: [LISTENER],
    rdsInstanceIdentifiers: ['orders'],
    ecrTriggers: [
      {
        repositoryName: 'checkout',
        strategy: 'canary',
        request: {
          service: { name: 'checkout', namespace: 'shop' },
          release: { replicas: 3 },
          cluster: { type: 'eks', name: 'prod', region: 'eu-west-1' },
          traffic: { type: 'alb-ingress', ingress: 'checkout' },
          metrics: { type: 'cloudwatch-alarms', alarmNames: ['checkout-5xx'] },
          canary: { steps: [{ weight: 10 }] },
        },
      },
    ],
    ...overrides,
  };
}

/** The test stack with one Cutover; props may be built from the stack (for constructs such as a VPC). */
function synth(props: CutoverProps | ((stack: Stack) => CutoverProps)) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const cutover = new Cutover(stack, 'Cutover', typeof props === 'function' ? props(stack) : props);
  return { app, stack, cutover };
}

/** The lines of the error synth fails with. */
function synthProblems(props: CutoverProps): string[] {
  try {
    synth(props);
  } catch (error) {
    return (error as Error).message.split('\n');
  }
  throw new Error('synth did not fail');
}

/** The integration responses of the release API method that calls Step Functions' `action`. */
function integrationResponses(template: Template, action: string) {
  const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as {
    Properties: {
      Integration: {
        Uri: unknown;
        IntegrationResponses: {
          StatusCode: string;
          SelectionPattern?: string;
          ResponseTemplates: Record<string, string>;
        }[];
      };
    };
  }[];
  const method = methods.find((m) =>
    JSON.stringify(m.Properties.Integration.Uri).includes(`action/${action}`),
  );
  return method!.Properties.Integration.IntegrationResponses;
}

function policyOf(template: Template, roleIdPrefix: string): unknown[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const entry = Object.entries(policies).find(([id]) => id.startsWith(roleIdPrefix));
  return (entry![1] as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument
    .Statement;
}

/** The states of the approval machine (the EXPRESS one), its tokens (table, partition) written `<token>`. */
function approvalStates(template: Template): Record<string, Record<string, unknown>> {
  const [approvals] = Object.values(
    template.findResources('AWS::StepFunctions::StateMachine', {
      Properties: { StateMachineType: 'EXPRESS' },
    }),
  ) as { Properties: { DefinitionString: string | { 'Fn::Join': [string, unknown[]] } } }[];
  const definition = approvals!.Properties.DefinitionString;
  const text =
    typeof definition === 'string'
      ? definition
      : definition['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '<token>')).join('');
  return (JSON.parse(text) as { States: Record<string, Record<string, unknown>> }).States;
}

/** The request templates of the release API's methods, their tokens written `<Ref>`. */
function requestTemplates(template: Template): string[] {
  const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as {
    Properties: {
      Integration: { RequestTemplates?: Record<string, string | { 'Fn::Join': [string, unknown[]] }> };
    };
  }[];
  return methods
    .map((m) => m.Properties.Integration.RequestTemplates?.['application/json'])
    .filter((t) => t !== undefined)
    .map((t) =>
      typeof t === 'string'
        ? t
        : t['Fn::Join'][1]
            .map((part) => (typeof part === 'string' ? part : `<${(part as { Ref?: string }).Ref}>`))
            .join(''),
    );
}

/** A VTL expression escaping `value` for a JSON string, as lib/release-api.ts writes it. */
const escaped = (value: string) => `$util.escapeJavaScript(${value}).replaceAll("\\\\'", "'")`;

/** An RDS resource ARN of the test stack's account and region, as the template writes it. */
function rdsArn(resource: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:rds:eu-west-1:123456789012:${resource}`]] };
}

describe('Cutover construct', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(synth(buildProps()).stack);
  });

  it('creates one arm64 Node.js function per handler directory, skipping shared, with the environment contract', () => {
    // Assess
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({
          CUTOVER_STATE_TABLE: Match.anyValue(),
          CUTOVER_BACKUP_BUCKET: Match.anyValue(),
          CUTOVER_BACKUP_PREFIX: 'backups/',
          CUTOVER_EVENT_TOPIC_ARN: Match.anyValue(),
          POWERTOOLS_SERVICE_NAME: 'cutover',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
  });

  it('gives the tasks whose time grows with the request or the data 15 minutes, the others functionTimeout', () => {
    // Prepare
    const project = join(import.meta.dirname, '../..');
    const props = buildProps({
      lambdasDir: join(project, 'lambdas'),
      stateMachinesDir: join(project, 'statemachines'),
      functionCapabilities: undefined,
    });
    // Act
    const functions = Template.fromStack(synth(props).stack).findResources('AWS::Lambda::Function');
    const timeoutOf = (task: string) =>
      Object.values(functions).find((f) => f.Properties.Description === `Cutover task ${task}`)?.Properties
        .Timeout;
    // Assess
    const long = ['db-copy-table', 'run-hooks', 'db-backup', 'db-migrate', 'db-validate'];
    expect([...long, 'check-rollout', 'db-prepare'].map(timeoutOf)).toEqual([
      900, 900, 900, 900, 900, 300, 300,
    ]);
  });

  it('lets a metrics function only query the Prometheus workspaces it is given (QueryMetrics, what /api/v1/query needs)', () => {
    // Prepare
    const workspace = 'arn:aws:aps:eu-west-1:123456789012:workspace/ws-0123abcd-4567-89ef-0123-456789abcdef';
    // Act
    const withWorkspace = Template.fromStack(
      synth(buildProps({ prometheusWorkspaceArns: [workspace] })).stack,
    );
    // Assess
    const statements = JSON.stringify(policyOf(withWorkspace, 'CutoverTasksCheckRolloutRole'));
    expect(statements).toContain(`"Action":"aps:QueryMetrics","Effect":"Allow","Resource":"${workspace}"`);
    expect(statements).not.toMatch(/aps:Get/);
  });

  it("scopes the function's IAM statements to the configured resources", () => {
    // Act
    const statements = JSON.stringify(policyOf(template, 'CutoverTasksCheckRolloutRole'));
    // Assess
    expect(statements).toContain('"Action":"eks:DescribeCluster"');
    expect(statements).toContain(':cluster/prod');
    expect(statements).toContain(
      `"Action":"elasticloadbalancing:ModifyListener","Effect":"Allow","Resource":"${LISTENER}"`,
    );
    expect(statements).toContain('listener-rule/app/prod/50dc6c495c0c9188/f2f7dc8efc522ab2/*');
    expect(statements).toContain('/backups/*');
    expect(statements).toContain('"s3:prefix":["backups/*"]');
    expect(statements).toContain(':db:orders');
    expect(statements).toContain('"Action":["dynamodb:GetItem","dynamodb:PutItem","dynamodb:DeleteItem"]');
    expect(statements).not.toContain('"Action":"s3:*"');
    expect(statements).not.toMatch(
      /"Action":"elasticloadbalancing:Modify[A-Za-z]*","Effect":"Allow","Resource":"\*"/,
    );
  });

  it('grants the ALB verification its Describe calls and the RDS Blue/Green path its deployment actions', () => {
    // Act
    const statements = policyOf(template, 'CutoverTasksCheckRolloutRole');
    // Assess
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining([
          'elasticloadbalancing:DescribeLoadBalancers',
          'elasticloadbalancing:DescribeTags',
        ]),
        Resource: '*',
      }),
    );
    expect(statements).toContainEqual({
      Action: 'rds:CreateBlueGreenDeployment',
      Effect: 'Allow',
      Resource: [rdsArn('db:orders'), rdsArn('deployment:*'), rdsArn('pg:*'), rdsArn('cluster-pg:*')],
    });
    expect(statements).toContainEqual({
      Action: 'rds:DescribeBlueGreenDeployments',
      Effect: 'Allow',
      Resource: rdsArn('deployment:*'),
    });
    expect(statements).toContainEqual({
      Action: 'rds:SwitchoverBlueGreenDeployment',
      Effect: 'Allow',
      Resource: rdsArn('deployment:*'),
    });
  });

  it('grants the alb-ingress verification its ELBv2 Describe calls when no listenerArns are configured', () => {
    // Prepare
    const withoutListeners = Template.fromStack(synth(buildProps({ listenerArns: [] })).stack);
    // Act
    const statements = policyOf(withoutListeners, 'CutoverTasksCheckRolloutRole');
    // Assess
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining([
          'elasticloadbalancing:DescribeLoadBalancers',
          'elasticloadbalancing:DescribeListeners',
          'elasticloadbalancing:DescribeRules',
          'elasticloadbalancing:DescribeTags',
        ]),
        Resource: '*',
      }),
    );
    expect(JSON.stringify(statements)).not.toMatch(/elasticloadbalancing:Modify/);
  });

  it('lets the task functions in a VPC manage their network interfaces', () => {
    // Prepare
    const inVpc = Template.fromStack(
      synth((stack) =>
        buildProps({
          vpc: ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
            vpcId: 'vpc-0123456789abcdef0',
            availabilityZones: ['eu-west-1a'],
            privateSubnetIds: ['subnet-0123456789abcdef0'],
          }),
        }),
      ).stack,
    );
    const networkInterfaces = {
      PolicyName: 'NetworkInterfaces',
      PolicyDocument: Match.objectLike({
        Statement: [{ Action: [...VPC_NETWORK_INTERFACE_ACTIONS], Effect: 'Allow', Resource: '*' }],
      }),
    };
    // Assess
    inVpc.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: Match.objectLike({ SubnetIds: ['subnet-0123456789abcdef0'] }),
    });
    // The EC2 actions alone, in the role itself: no managed policy writing to every log group
    inVpc.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('^Cutover task check-rollout'),
      Policies: [networkInterfaces],
      ManagedPolicyArns: Match.absent(),
    });
    template.resourcePropertiesCountIs('AWS::IAM::Role', { Policies: [networkInterfaces] }, 0);
  });

  it('grants the RDS actions Blue/Green performs on the green instances: read replica and tags to create, modify and promote to switch over', () => {
    // Act
    const statements = policyOf(template, 'CutoverTasksCheckRolloutRole');
    // Assess
    expect(statements).toContainEqual({
      Action: 'rds:CreateDBInstanceReadReplica',
      Effect: 'Allow',
      Resource: [rdsArn('db:*'), rdsArn('og:*'), rdsArn('pg:*'), rdsArn('subgrp:*')],
    });
    expect(statements).toContainEqual({
      Action: 'rds:AddTagsToResource',
      Effect: 'Allow',
      Resource: [rdsArn('db:*'), rdsArn('deployment:*')],
    });
    expect(statements).toContainEqual({
      Action: ['rds:ModifyDBInstance', 'rds:PromoteReadReplica'],
      Effect: 'Allow',
      Resource: rdsArn('db:*'),
    });
  });

  it('lets the cluster functions assume only the configured EKS roles', () => {
    // Prepare
    const eksRole = 'arn:aws:iam::210987654321:role/cutover-eks';
    const withRole = Template.fromStack(synth(buildProps({ eksRoleArns: [eksRole] })).stack);
    // Act
    const granted = policyOf(withRole, 'CutoverTasksCheckRolloutRole');
    const byDefault = JSON.stringify(policyOf(template, 'CutoverTasksCheckRolloutRole'));
    // Assess
    expect(granted).toContainEqual({ Action: 'sts:AssumeRole', Effect: 'Allow', Resource: eksRole });
    expect(byDefault).not.toContain('sts:AssumeRole');
  });

  it('lets run-hooks read only the hookSecrets, and tells it and validate-request where each may be sent', () => {
    // Prepare
    const hookSecret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hooks/ci-AbCdEf';
    const signingSecrets = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hooks/signing-*';
    const databaseSecret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-GhIjKl';
    const project = join(import.meta.dirname, '../..');
    const projectProps = (overrides: Partial<CutoverProps>) =>
      buildProps({
        lambdasDir: join(project, 'lambdas'),
        stateMachinesDir: join(project, 'statemachines'),
        functionCapabilities: undefined,
        ...overrides,
      });
    const hookSecrets = [
      { arn: hookSecret, urlPrefixes: ['https://ci.example.com/hooks/'] },
      {
        arn: signingSecrets,
        urlPrefixes: ['https://ci.example.com/hooks/', 'https://qa.example.com:8443/smoke'],
      },
      { arn: hookSecret, urlPrefixes: ['https://qa.example.com:8443/smoke'] },
    ];
    const configured = Template.fromStack(
      synth(projectProps({ hookSecrets, databaseSecretArns: [databaseSecret] })).stack,
    );
    const unconfigured = Template.fromStack(
      synth(projectProps({ databaseSecretArns: [databaseSecret] })).stack,
    );
    // Act
    const granted = policyOf(configured, 'CutoverTasksRunHooksRole');
    const secretsOf = (statements: unknown[]) =>
      statements.filter((s) => JSON.stringify(s).includes('secretsmanager:'));
    const byDefault = secretsOf(policyOf(unconfigured, 'CutoverTasksRunHooksRole'));
    const otherRoles = Object.entries(configured.findResources('AWS::IAM::Policy'))
      .filter(([id]) => !id.startsWith('CutoverTasksRunHooksRole'))
      .map(([, policy]) => JSON.stringify(policy));
    const destinationsOf = (template: Template) =>
      Object.fromEntries(
        Object.values(template.findResources('AWS::Lambda::Function')).flatMap((fn) => {
          const value = fn.Properties.Environment.Variables.CUTOVER_HOOK_SECRETS;
          return value === undefined ? [] : [[fn.Properties.Description, JSON.parse(value)]];
        }),
      );
    // Assess
    expect(secretsOf(granted)).toEqual([
      {
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: [hookSecret, signingSecrets],
      },
    ]);
    expect(byDefault).toEqual([]);
    expect(otherRoles.filter((policy) => policy.includes('hooks/'))).toEqual([]);
    configured.hasResourceProperties('AWS::IAM::Role', {
      Description: 'Cutover task run-hooks: hooks, fence',
    });
    const destinations = {
      [hookSecret]: ['https://ci.example.com/hooks/', 'https://qa.example.com:8443/smoke'],
      [signingSecrets]: ['https://ci.example.com/hooks/', 'https://qa.example.com:8443/smoke'],
    };
    expect(destinationsOf(configured)).toEqual({
      'Cutover task run-hooks': destinations,
      'Cutover task validate-request': destinations,
    });
    expect(destinationsOf(unconfigured)).toEqual({
      'Cutover task run-hooks': {},
      'Cutover task validate-request': {},
    });
  });

  it('fails synth naming hookSecrets when a secret is not a Secrets Manager secret ARN or a URL prefix is not one', () => {
    // Prepare
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hooks/ci-AbCdEf';
    const hookSecrets = [
      { arn: 'hooks/ci', urlPrefixes: ['https://ci.example.com/'] },
      { arn, urlPrefixes: [] },
      { arn, urlPrefixes: ['ci.example.com/hooks', 'https://ci.example.com/hooks?token=x'] },
      { arn, urlPrefixes: ['https://user:pass@ci.example.com/', 'ftp://ci.example.com/'] },
    ];
    // Act
    const problems = synthProblems(buildProps({ hookSecrets }));
    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^hookSecrets\[0\]\.arn: "hooks\/ci" is not a Secrets Manager secret ARN as IAM/),
      'hookSecrets[1].urlPrefixes: must list at least one URL prefix the secret may be sent to',
      ...[
        [2, 'ci.example.com/hooks'],
        [2, 'https://ci.example.com/hooks?token=x'],
        [3, 'https://user:pass@ci.example.com/'],
        [3, 'ftp://ci.example.com/'],
      ].map(
        ([index, prefix]) =>
          `hookSecrets[${index}].urlPrefixes: "${prefix}" is not a URL prefix: an http:// or https:// URL ` +
          'without credentials, query or fragment, e.g. https://ci.example.com/hooks/',
      ),
    ]);
  });

  it('refuses hookSecretArns, which let any release send their secrets to any URL, saying how to give them as hookSecrets', () => {
    // Prepare
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hooks/ci-AbCdEf';
    // Act
    const problems = synthProblems(buildProps({ hookSecretArns: [arn] }));
    // Assess
    expect(problems).toEqual([
      'hookSecretArns is replaced by hookSecrets, which binds each secret to the URLs it may be sent to ' +
        '(with hookSecretArns, anyone who can start a release could send the secrets to a URL of their own): ' +
        `hookSecrets: [{ arn: '${arn}', urlPrefixes: ['https://<host of its hooks>/'] }]`,
    ]);
  });

  it('fails synth naming eksRoleArns when one is not an IAM role ARN', () => {
    // Act + Assess
    expect(() => synth(buildProps({ eksRoleArns: ['cutover-eks'] }))).toThrowError(
      /eksRoleArns: "cutover-eks" is not an IAM role ARN/,
    );
  });

  it('runs the functions on Node.js 24 when asked, and refuses a runtime that is not Node.js 20, 22 or 24', () => {
    // Act
    const template = Template.fromStack(synth(buildProps({ runtime: lambda.Runtime.NODEJS_24_X })).stack);
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x' });
    expect(() => synth(buildProps({ runtime: lambda.Runtime.NODEJS_18_X }))).toThrowError(
      /runtime must be one of: nodejs20.x, nodejs22.x, nodejs24.x \(got nodejs18.x\)/,
    );
  });

  it('fails synth naming the function when a handler has no capabilities', () => {
    // Act + Assess
    expect(() => synth(buildProps({ functionCapabilities: {} }))).toThrowError(
      /functionCapabilities has no entry for lambdas\/check-rollout/,
    );
  });

  it('creates a STANDARD state machine per ASL file with complete substitutions, ALL logging and tracing', () => {
    // Assess
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      StateMachineName: 'Test-canary',
      DefinitionSubstitutions: {
        CheckRolloutFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('CheckRollout'), 'Arn'] },
      },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: Match.anyValue() },
      TracingConfiguration: { Enabled: true },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('fails synth when an ASL file uses a substitution nobody provides, or a function is used by no file', () => {
    // Prepare
    const noFunctions = join(FIXTURES, 'statemachines');
    // Act + Assess
    expect(() =>
      synth(buildProps({ lambdasDir: join(FIXTURES, 'lambdas', 'shared'), stateMachinesDir: noFunctions })),
    ).toThrowError(/canary\.asl\.json uses \$\{CheckRolloutFunctionArn\}, which has no substitution/);
    expect(() => synth(buildProps({ stateMachinesDir: join(FIXTURES, 'lambdas', 'shared') }))).toThrowError(
      /substitution \$\{CheckRolloutFunctionArn\} is used by no statemachines/,
    );
  });

  it('keeps backups in an encrypted, versioned, SSL-only, private bucket, expiring only under the backup prefix, and state in a protected TTL table', () => {
    // Assess
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: Match.anyValue(),
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({ ExpirationInDays: 90, Prefix: 'backups/', Status: 'Enabled' }),
          {
            Id: 'remove-expired-delete-markers',
            ExpiredObjectDeleteMarker: true,
            Prefix: 'backups/',
            Status: 'Enabled',
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  it('gives the cluster-facing task roles an EKS access entry in the deployers group', () => {
    // Assess
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      ClusterName: 'prod',
      Type: 'STANDARD',
      KubernetesGroups: ['cutover-deployers'],
      PrincipalArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('CheckRolloutRole'), 'Arn'] },
    });
    expect(rbacManifests(['shop'], 'cutover-deployers').map((m) => `${m.kind}`)).toEqual([
      'Role',
      'RoleBinding',
    ]);
  });

  it('lets the deployers read the HorizontalPodAutoscalers of their namespaces, in docs/eks-rbac.yaml too', () => {
    // Prepare
    const autoscalerRule = {
      apiGroups: ['autoscaling'],
      resources: ['horizontalpodautoscalers'],
      verbs: ['get', 'list'],
    };
    const committed = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../docs/eks-rbac.yaml'), 'utf8'),
    ) as { items: { rules?: unknown }[] };
    // Act
    const [role] = rbacManifests(['shop'], 'cutover-deployers');
    // Assess
    expect(role?.rules).toContainEqual(autoscalerRule);
    expect(committed.items[0]?.rules).toContainEqual(autoscalerRule);
  });

  it('serves the release API with IAM auth, a validated model per strategy and direct Step Functions integrations', () => {
    // Assess
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as {
      Properties: {
        HttpMethod: string;
        AuthorizationType: string;
        Integration: { Uri: unknown };
        RequestModels?: unknown;
      };
    }[];
    const actions = methods.map(
      (m) =>
        `${m.Properties.HttpMethod} ${JSON.stringify(m.Properties.Integration.Uri).match(/action\/(\w+)/)?.[1]}`,
    );
    expect(actions.sort()).toEqual([
      'GET DescribeExecution',
      'GET StartSyncExecution',
      'POST StartExecution',
      'POST StartSyncExecution',
      'POST StartSyncExecution',
      'POST StopExecution',
    ]);
    expect(methods.every((m) => m.Properties.AuthorizationType === 'AWS_IAM')).toBe(true);
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      Name: 'CanaryRequest',
      Schema: Match.objectLike({
        $schema: 'http://json-schema.org/draft-04/schema#',
        required: Match.arrayWith(['service']),
      }),
    });
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'BAD_REQUEST_BODY',
      StatusCode: '400',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('validationErrorString') },
    });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'EXPRESS' });
  });

  it('models the start routes as AWS runs requests: no local cluster, router or metrics, a release of an image', () => {
    // Act
    const [model] = Object.values(
      template.findResources('AWS::ApiGateway::Model', { Properties: { Name: 'CanaryRequest' } }),
    ) as { Properties: { Schema: { properties: Record<string, Record<string, unknown>> } } }[];
    const { cluster, traffic, metrics, release } = model!.Properties.Schema.properties;
    const typesOf = (field: Record<string, unknown> | undefined) =>
      ((field?.oneOf ?? []) as { properties: { type: { enum: string[] } } }[]).map(
        (v) => v.properties.type.enum[0],
      );
    // Assess
    expect(typesOf(cluster)).toEqual(['eks', 'kubeconfig']);
    expect(cluster).toMatchObject({
      required: ['type'],
      properties: { type: { enum: ['eks', 'kubeconfig'] } },
    });
    for (const field of [traffic, metrics]) {
      expect(typesOf(field)).not.toContain('local');
      expect(typesOf(field).length).toBeGreaterThan(1);
      expect(field?.properties).toEqual({ type: { type: 'string', enum: typesOf(field) } });
    }
    expect(release).toMatchObject({ required: ['version', 'image'], additionalProperties: false });
    expect(release?.properties).not.toHaveProperty('command');
  });

  it('models a start route refusing a namespace not allowed and a URL with credentials, as ValidateRequest would after starting', () => {
    // Act
    const [model] = Object.values(
      template.findResources('AWS::ApiGateway::Model', { Properties: { Name: 'CanaryRequest' } }),
    ) as { Properties: { Schema: Record<string, unknown> } }[];
    const schema = model!.Properties.Schema;
    const service = (
      schema.properties as Record<string, { properties: Record<string, unknown>; required: string[] }>
    ).service!;
    const urlPatterns: RegExp[] = [];
    const collect = (node: unknown): void => {
      if (node === null || typeof node !== 'object') return;
      const { format, pattern } = node as { format?: string; pattern?: string };
      if (format === 'uri') urlPatterns.push(new RegExp(pattern ?? ''));
      for (const value of Object.values(node)) collect(value);
    };
    collect(schema);
    const accepted = (url: string) => urlPatterns.every((pattern) => pattern.test(url));
    // Assess: a JSON Schema validator tests `pattern` as an ECMA 262 regular expression
    expect(service.properties.namespace).toMatchObject({ enum: ['shop'] });
    expect(service.required).toEqual(['name', 'namespace']);
    expect(urlPatterns).toHaveLength(3); // the Prometheus URL and both phases' hook URLs
    expect(accepted('https://bob:hunter2@ci.example/x')).toBe(false);
    expect(accepted('https://bob@ci.example/x')).toBe(false);
    expect(accepted('https://ci.example/hooks/smoke?run=1@2')).toBe(true);
    expect(accepted('http://[::1]:9090')).toBe(true);
  });

  it('answers a start refused by Step Functions with 409 for a name taken, 429 for throttling or too many open executions, else 400', () => {
    // Act
    const refused = integrationResponses(template, 'StartExecution').find((r) => r.StatusCode === '400')!;
    const body = refused.ResponseTemplates['application/json']!;
    // Assess: Step Functions answers every refusal 400, naming it in __type
    expect(refused.SelectionPattern).toBe('4\\d{2}');
    expect(body).toContain(
      "#if($type.contains('ExecutionAlreadyExists'))#set($context.responseOverride.status = 409)",
    );
    expect(body).toContain(
      "#elseif($type.contains('ThrottlingException') || $type.contains('ExecutionLimitExceeded'))#set($context.responseOverride.status = 429)#end",
    );
    expect(body).toMatch(/\{"message": "\$util\.escapeJavaScript\(\$input\.path\('\$\.message'\)\)"\}$/);
  });

  it("aborts a release with StopExecution, Aborted and the reason given (a default without one), and may stop only the strategies' executions", () => {
    // Act
    const request = requestTemplates(template).find((t) => t.includes('"error": "Aborted"'));
    const responses = integrationResponses(template, 'StopExecution');
    const refused = responses.find((r) => r.StatusCode === '400')!.ResponseTemplates['application/json']!;
    const stopGrants = policyOf(template, 'CutoverReleaseApiIntegrationRole').filter((s) =>
      JSON.stringify(s).includes('states:StopExecution'),
    );
    // Assess
    expect(request).toContain("#set($reason = $input.path('$.reason'))");
    expect(request).toContain('#if("$!reason" == "")#set($reason = "aborted through the release API")#end');
    expect(request).toContain(
      `{"executionArn": "${escaped('$executionArn')}", "error": "Aborted", "cause": "${escaped('$reason')}"}`,
    );
    expect(responses.find((r) => r.StatusCode === '200')?.ResponseTemplates['application/json']).toContain(
      `{"executionId": "${escaped('$executionId')}", "stopDate": $input.path('$.stopDate')}`,
    );
    expect(refused).toContain(
      "#if($type.contains('ExecutionDoesNotExist'))#set($context.responseOverride.status = 404)",
    );
    expect(refused).toContain(
      "#elseif($type.contains('AccessDenied'))#set($context.responseOverride.status = 403)",
    );
    const stoppable = JSON.stringify(stopGrants);
    // The fixture's only strategy is the canary; its other machines may not be stopped through the API.
    expect(stoppable).toContain('CutoverStrategiesCanary');
    for (const other of ['Rollback', 'DatabaseMigration', 'Approvals'])
      expect(stoppable).not.toContain(other);
  });

  it('reads the executions of the database migration and the rollback too, as the local API does, and answers 403 for any other', () => {
    // Act
    const refused = integrationResponses(template, 'DescribeExecution').find((r) => r.StatusCode === '400')!
      .ResponseTemplates['application/json']!;
    const readable = JSON.stringify(
      policyOf(template, 'CutoverReleaseApiIntegrationRole').filter((s) =>
        JSON.stringify(s).includes('states:DescribeExecution'),
      ),
    );
    // Assess
    for (const machine of ['CutoverStrategiesCanary', 'DatabaseMigration', 'Rollback'])
      expect(readable).toContain(machine);
    expect(readable).not.toContain('Approvals');
    expect(refused).toContain(
      "#if($type.contains('ExecutionDoesNotExist'))#set($context.responseOverride.status = 404)",
    );
    expect(refused).toContain(
      `#elseif($type.contains('AccessDenied'))#set($context.responseOverride.status = 403)\n{"message": "${NOT_READABLE}"}`,
    );
  });

  it("records the caller's IAM identity as the approver of an approval or rejection, whatever the body says", () => {
    // Act
    const answers = requestTemplates(template).filter(
      (t) => t.includes('"input"') && t.includes('$executionArn'),
    );
    const states = approvalStates(template);
    // Assess: the API passes the caller (escaped twice, as every string of the machine's input), and the
    // machine answers with the body, its approver replaced by the caller's.
    expect(answers).toHaveLength(3);
    for (const answer of answers) {
      expect(answer).toContain(
        `\\"caller\\": {\\"approver\\": \\"${escaped(escaped('$context.identity.userArn'))}\\"}`,
      );
    }
    const answer = 'States.JsonToString(States.JsonMerge($.body, $.caller, false))';
    expect(states.SendTaskSuccess?.Parameters).toMatchObject({ 'Output.$': answer });
    expect(states.SendTaskFailure?.Parameters).toMatchObject({
      Error: 'ApprovalRejected',
      'Cause.$': answer,
    });
  });

  it('lets the approval machine read and delete approval items only, and answer only the machines that ask for approval', () => {
    // Act
    const statements = policyOf(template, 'CutoverApprovalsStateMachineRole');
    const onApprovalItems = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['approval#*'] } };
    const sendTask = statements.filter((s) => /states:sendTask/i.test(JSON.stringify(s)));
    // Assess
    expect(statements.filter((s) => JSON.stringify(s).includes('dynamodb:'))).toEqual(
      ['dynamodb:GetItem', 'dynamodb:DeleteItem'].map((action) =>
        expect.objectContaining({ Action: action, Condition: onApprovalItems }),
      ),
    );
    expect(sendTask).toHaveLength(3);
    expect(JSON.stringify(sendTask)).toContain('CutoverStrategiesCanary');
    expect(JSON.stringify(statements)).not.toContain('CutoverStrategiesDatabaseMigration');
  });

  it('describes a pending approval, with its deadline when stored, only while its task still takes the token, deleting nothing', () => {
    // Act
    const states = approvalStates(template);
    // Assess
    expect(states.Decision?.Choices).toContainEqual({
      Variable: '$.decision',
      StringEquals: 'describe',
      Next: 'StillWaiting',
    });
    expect(states.StillWaiting).toMatchObject({
      Resource: 'arn:<token>:states:::aws-sdk:sfn:sendTaskHeartbeat',
      Parameters: { 'TaskToken.$': '$.pending.Item.taskToken.S' },
      ResultPath: null,
      Next: 'StoredWithTimeout',
      Catch: [expect.objectContaining({ Next: 'NoPending' })],
    });
    expect(states.StoredWithTimeout).toMatchObject({
      Choices: [{ Variable: '$.pending.Item.timesOutAt.S', IsPresent: true, Next: 'PendingApproval' }],
      Default: 'PendingApprovalWithoutTimeout',
    });
    const stored = {
      'executionId.$': '$.executionId',
      'stage.$': '$.pending.Item.stage.S',
      'requestedAt.$': '$.pending.Item.requestedAt.S',
    };
    expect(states.PendingApproval?.Parameters).toEqual({
      ...stored,
      'timeoutSeconds.$': 'States.StringToJson($.pending.Item.timeoutSeconds.N)',
      'onTimeout.$': '$.pending.Item.onTimeout.S',
      'timesOutAt.$': '$.pending.Item.timesOutAt.S',
    });
    expect(states.PendingApprovalWithoutTimeout?.Parameters).toEqual(stored);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'states:sendTaskHeartbeat', Resource: Match.anyValue() }),
        ]),
      },
    });
  });

  it("builds the execution ARN of the path in the stack's partition, escaped once in DescribeExecution and twice in the approval machine's input", () => {
    // Act
    const requests = requestTemplates(template).filter((t) => t.includes('$executionArn'));
    const describeExecution = requests.find((t) => !t.includes('"input"'));
    const answers = requests.filter((t) => t.includes('"input"'));
    // Assess: approve, reject and the approval's describe go through the approval machine
    expect(answers).toHaveLength(3);
    for (const request of requests) {
      expect(request).toContain(
        '#set($executionArn = "arn:<AWS::Partition>:states:eu-west-1:123456789012:execution:$executionId")',
      );
      expect(request).not.toContain('arn:aws:');
    }
    expect(describeExecution).toContain(`{"executionArn": "${escaped('$executionArn')}"}`);
    // A start names its execution whenever ?name= is given, empty too (Step Functions refuses an empty name).
    const starts = requestTemplates(template).filter(
      (t) => t.includes('"stateMachineArn"') && !t.includes('$executionArn'),
    );
    expect(starts.length).toBeGreaterThan(0);
    for (const start of starts) {
      expect(start).toContain(
        `#if($input.params().querystring.containsKey('name'))"name": "${escaped('$name')}",#end`,
      );
    }
    for (const answer of answers) {
      expect(answer).toContain(`\\"executionId\\": \\"${escaped(escaped('$executionId'))}\\"`);
      expect(answer).toContain(`\\"executionArn\\": \\"${escaped(escaped('$executionArn'))}\\"`);
    }
  });

  it('starts releases from ECR pushes, and from Release Requested events on the release bus only when releaseEventPrincipals are named', () => {
    // Prepare
    const withPrincipals = Template.fromStack(
      synth(buildProps({ releaseEventPrincipals: ['arn:aws:iam::123456789012:role/ci'] })).stack,
    );
    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ecr'],
        'detail-type': ['ECR Image Action'],
        detail: Match.objectLike({ 'action-type': ['PUSH'], 'repository-name': ['checkout'] }),
      },
      Targets: [
        Match.objectLike({
          InputTransformer: Match.objectLike({
            InputPathsMap: Match.objectLike({ 'detail-image-tag': '$.detail.image-tag' }),
          }),
        }),
      ],
    });
    template.resourcePropertiesCountIs(
      'AWS::Events::Rule',
      { EventPattern: Match.objectLike({ source: ['cutover'] }) },
      0,
    );
    withPrincipals.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('ReleaseEvents') },
      EventPattern: {
        source: ['cutover'],
        'detail-type': ['Release Requested'],
        detail: { strategy: ['canary'] },
      },
      Targets: [Match.objectLike({ InputPath: '$.detail.request' })],
    });
  });

  it('rolls back aborted releases and unlocks aborted database migrations: an ABORTED status change of a workflow machine starts the rollback machine', () => {
    // Act
    const rules = Object.values(
      template.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { detail: { status: ['ABORTED'] } } },
      }),
    ) as { Properties: Record<string, unknown> }[];
    // Assess
    const ruleOf = (machine: RegExp, strategy: string) => ({
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [{ Ref: expect.stringMatching(machine) }] },
      },
      Targets: [
        {
          Arn: { Ref: expect.stringMatching(/Rollback/) },
          InputTransformer: {
            InputPathsMap: {
              'detail-executionArn': '$.detail.executionArn',
              'detail-input': '$.detail.input',
            },
            InputTemplate: expect.stringContaining(`"strategy":"${strategy}"`),
          },
        },
      ],
    });
    expect(rules.map((rule) => rule.Properties)).toMatchObject([
      ruleOf(/Canary/, 'canary'),
      ruleOf(/DatabaseMigration/, 'database-migration'),
    ]);
    template.resourcePropertiesCountIs(
      'AWS::Events::Rule',
      { EventPattern: { detail: { strategy: ['rollback'] } } },
      0,
    );
  });

  it('sends execution ends to the alert topic, alarms on failed ones per state machine (none can time out) and draws a dashboard', () => {
    // Prepare
    const machines = template.findResources('AWS::StepFunctions::StateMachine', {
      Properties: { StateMachineType: 'STANDARD' },
    });
    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'detail-type': ['Step Functions Execution Status Change'] }),
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^CutoverMonitoringAlerts') } })],
    });
    for (const id of Object.keys(machines)) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: id } }],
      });
    }
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionsTimedOut' }, 0);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('lets the alarms publish to the alert topic, whose topic policy replaces the default one', () => {
    // Prepare
    const publishing = {
      Properties: {
        AlarmActions: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^CutoverMonitoringAlerts') }]),
      },
    };
    const alarms = [
      ...Object.keys(template.findResources('AWS::CloudWatch::Alarm', publishing)),
      ...Object.keys(template.findResources('AWS::CloudWatch::CompositeAlarm', publishing)),
    ].sort();
    // Act
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0] as {
      Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } };
    };
    const statements = policy.Properties.PolicyDocument.Statement.filter(
      (s) => JSON.stringify(s.Principal) === '{"Service":"cloudwatch.amazonaws.com"}',
    );
    // Assess
    for (const statement of statements) {
      expect(statement).toMatchObject({
        Effect: 'Allow',
        Action: 'sns:Publish',
        Resource: { Ref: expect.stringMatching(/^CutoverMonitoringAlerts/) },
      });
    }
    const sources = statements.flatMap(
      (statement) =>
        (statement.Condition as { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': string[] }[] } }).ArnLike[
          'aws:SourceArn'
        ],
    );
    expect(sources.map((source) => source['Fn::GetAtt'][0]).sort()).toEqual(alarms);
  });

  it('lets a failed first deploy delete the log groups, state machines and dead-letter queue it created, some named, but retains them on update and delete, and the bucket and table always', () => {
    // Prepare
    const destroyedTemplate = Template.fromStack(
      synth(buildProps({ removalPolicy: RemovalPolicy.DESTROY })).stack,
    );
    const destroyed = destroyedTemplate.toJSON();
    const policiesOf = (resources: Record<string, { Type: string; DeletionPolicy?: string }>, type: string) =>
      Object.values(resources)
        .filter((resource) => resource.Type === type)
        .map((resource) => resource.DeletionPolicy);
    const { Resources: resources } = template.toJSON();
    // Assess
    for (const type of ['AWS::Logs::LogGroup', 'AWS::StepFunctions::StateMachine', 'AWS::SQS::Queue']) {
      const policies = policiesOf(resources, type);
      expect(policies.length).toBeGreaterThan(0);
      expect(new Set(policies)).toEqual(new Set(['RetainExceptOnCreate']));
      expect(new Set(policiesOf(destroyed.Resources, type))).toEqual(new Set(['Delete']));
    }
    template.hasResource('AWS::StepFunctions::StateMachine', {
      Properties: { StateMachineName: 'Test-canary' },
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    destroyedTemplate.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });

  it('traces the task functions with X-Ray, their roles allowed to write the traces', () => {
    // Act
    const statements = policyOf(template, 'CutoverTasksCheckRolloutRole');
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
    expect(statements).toContainEqual({
      Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
      Effect: 'Allow',
      Resource: '*',
    });
  });

  it('serves the release API from a regional endpoint, each method throttled', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Name: 'Test-release-api',
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 10,
          ThrottlingBurstLimit: 20,
        }),
      ],
    });
  });

  it("logs each API request as JSON naming the caller IAM authenticated, and the request's error", () => {
    // Act
    const [stage] = Object.values(template.findResources('AWS::ApiGateway::Stage')) as {
      Properties: { AccessLogSetting: { Format: string } };
    }[];
    const fields = JSON.parse(stage!.Properties.AccessLogSetting.Format) as Record<string, string>;
    // Assess
    expect(fields).toMatchObject({
      requestId: '$context.requestId',
      httpMethod: '$context.httpMethod',
      path: '$context.path',
      status: '$context.status',
      userArn: '$context.identity.userArn',
      caller: '$context.identity.caller',
      user: '$context.identity.user',
      accountId: '$context.identity.accountId',
      principalOrgId: '$context.identity.principalOrgId',
      ip: '$context.identity.sourceIp',
      errorMessage: '$context.error.message',
      errorResponseType: '$context.error.responseType',
      integrationStatus: '$context.integration.status',
    });
  });

  it("alarms to the alert topic on any 5XX answer of the release API's stage", () => {
    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Dimensions: Match.arrayWith([
        { Name: 'ApiName', Value: 'Test-release-api' },
        { Name: 'Stage', Value: Match.anyValue() },
      ]),
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^CutoverMonitoringAlerts') }],
    });
  });

  it('accepts no bucket access logs for a reason docs/aws.md makes true: CloudTrail S3 data events on the bucket', () => {
    // Prepare
    const { app, stack } = synth(buildProps());
    // Act
    app.synth();
    const reasons = stack.node
      .findAll()
      .filter((node) => node instanceof CfnBucket)
      .flatMap((node) => node.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .filter(([id]) => id.includes('AwsSolutions-S1'))
      .map(([, reason]) => reason);
    const docs = readFileSync(join(import.meta.dirname, '../../docs/aws.md'), 'utf8');
    // Assess
    expect(reasons).toEqual([expect.stringMatching(/CloudTrail S3 data events.*docs\/aws\.md/)]);
    expect(docs).toMatch(/enable CloudTrail S3 data events for the\s+bucket/);
    expect(docs).toContain('aws cloudtrail put-event-selectors --trail-name <trail>');
  });

  it('passes the cdk-nag AwsSolutions checks', () => {
    // Prepare
    const { app } = synth(buildProps());
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // Act + Assess
    expect(() => app.synth()).not.toThrow();
  });

  it('refuses bad props naming the prop', () => {
    // Act + Assess
    expect(() => synth(buildProps({ allowedNamespaces: ['Shop'] }))).toThrowError(
      /allowedNamespaces: "Shop"/,
    );
    expect(() => synth(buildProps({ listenerArns: ['nope'] }))).toThrowError(/listenerArns: "nope"/);
    expect(() =>
      synth(buildProps({ ecrTriggers: [{ repositoryName: 'x', strategy: 'nope', request: {} }] })),
    ).toThrowError('ecrTriggers[0].strategy must be one of: canary (got "nope")');
  });
});

describe('Cutover construct on the project itself', () => {
  it("synthesizes the project's own state machines and functions, as `npx cdk synth` does, cdk-nag included", () => {
    // Prepare
    const { lambdasDir, stateMachinesDir, functionCapabilities, ...props } = buildProps();
    const { app, stack } = synth(props);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act
    app.synth();

    // Assess
    const template = Template.fromStack(stack);
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).map(
      (machine) => (machine as { Properties: { StateMachineName?: unknown } }).Properties.StateMachineName,
    );
    expect(machines.length).toBeGreaterThanOrEqual(6);
    const paths = Object.values(template.findResources('AWS::ApiGateway::Resource')).map(
      (resource) => (resource as { Properties: { PathPart: string } }).Properties.PathPart,
    );
    expect(paths).toEqual(expect.arrayContaining(['canary', 'blue-green', 'rolling']));
    expect(paths).not.toContain('database-migration');
    const abortRules = Object.values(
      template.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { detail: { status: ['ABORTED'] } } },
      }),
    ) as { Properties: { Targets: { InputTransformer: { InputTemplate: string } }[] } }[];
    const rolledBack = abortRules.map(
      (rule) => rule.Properties.Targets[0]!.InputTransformer.InputTemplate.match(/"strategy":"([^"]+)"/)?.[1],
    );
    expect(rolledBack.sort()).toEqual(['blue-green', 'canary', 'database-migration', 'rolling']);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'Test-rollback',
      DefinitionSubstitutions: Match.objectLike({
        DbNotifyFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DbNotify'), 'Arn'] },
        DbUnlockFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DbUnlock'), 'Arn'] },
        DbListAppliedFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DbListApplied'), 'Arn'] },
      }),
    });
  });
});

describe("Cutover construct with the project's task functions", () => {
  type FunctionResource = {
    Properties: {
      Description: string;
      MemorySize?: number;
      Environment: { Variables: Record<string, unknown> };
    };
  };
  let template: Template;
  let functions: Record<string, FunctionResource>;
  beforeAll(() => {
    const { lambdasDir, stateMachinesDir, functionCapabilities, ...props } = buildProps();
    template = Template.fromStack(synth(props).stack);
    functions = template.findResources('AWS::Lambda::Function') as Record<string, FunctionResource>;
  });

  it('lets the functions with the database capability, and only those, load the CA certificates of RDS', () => {
    // Prepare
    const databaseTasks = Object.entries(FUNCTION_CAPABILITIES)
      .filter(([, capabilities]) => capabilities.includes('database'))
      .map(([name]) => name);
    // Act
    const loadingCaCertificates = Object.values(functions)
      .filter((fn) => fn.Properties.Environment.Variables.NODE_EXTRA_CA_CERTS === '/var/runtime/ca-cert.pem')
      .map((fn) => fn.Properties.Description.replace('Cutover task ', ''));
    // Assess
    expect(databaseTasks).toContain('db-copy-table');
    expect(loadingCaCertificates.sort()).toEqual(databaseTasks.sort());
    expect(
      Object.values(functions).filter((fn) => 'NODE_EXTRA_CA_CERTS' in fn.Properties.Environment.Variables),
    ).toHaveLength(databaseTasks.length);
  });

  it('gives the long tasks that compute in the function one full vCPU (1769 MB), the others functionMemorySize', () => {
    // Act
    const memoryOf = (task: string) =>
      Object.values(functions).find((fn) => fn.Properties.Description === `Cutover task ${task}`)?.Properties
        .MemorySize;
    // Assess
    expect(
      ['db-backup', 'db-copy-table', 'db-validate', 'db-migrate', 'check-rollout'].map(memoryOf),
    ).toEqual([1769, 1769, 1769, 512, 512]);
  });

  it('alerts once when any task function is throttled: a composite over metric math alarms of at most 10 functions each', () => {
    // Prepare
    type MetricQuery = {
      MetricStat?: { Metric: { MetricName: string; Dimensions: { Value: { Ref: string } }[] } };
    };
    const groups = Object.values(
      template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { AlarmDescription: Match.stringLikeRegexp('throttled') },
      }),
    ) as { Properties: { Metrics: MetricQuery[]; AlarmActions?: unknown } }[];
    // Act
    const watched = groups.map((alarm) =>
      alarm.Properties.Metrics.flatMap((query) => (query.MetricStat ? [query.MetricStat.Metric] : [])),
    );
    // Assess
    expect(groups.length).toBe(Math.ceil(Object.keys(functions).length / 10));
    for (const metrics of watched) expect(metrics.length).toBeLessThanOrEqual(10);
    expect(new Set(watched.flat().map((metric) => metric.MetricName))).toEqual(new Set(['Throttles']));
    expect(
      watched
        .flat()
        .map((metric) => metric.Dimensions[0]!.Value.Ref)
        .sort(),
    ).toEqual(Object.keys(functions).sort());
    expect(groups.filter((alarm) => alarm.Properties.AlarmActions)).toEqual([]);
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^CutoverMonitoringAlerts') }],
    });
  });
});

describe('readContext', () => {
  it('reads lists from cdk.json arrays or comma-separated -c values', () => {
    // Act
    const context = readContext((key) => ({ clusterName: 'prod', allowedNamespaces: 'shop, billing' })[key]);
    const withHookSecrets = readContext(
      (key) =>
        ({
          clusterName: 'prod',
          allowedNamespaces: ['shop'],
          hookSecrets:
            'arn:aws:secretsmanager:eu-west-1:123456789012:secret:a-AbCdEf https://ci.example.com/hooks/, arn:aws:secretsmanager:eu-west-1:123456789012:secret:b-* https://ci.example.com/  https://qa.example.com/smoke',
        })[key],
    );
    // Assess
    expect(context).toMatchObject({
      stackName: 'Cutover',
      clusterName: 'prod',
      allowedNamespaces: ['shop', 'billing'],
    });
    expect(withHookSecrets.hookSecrets).toEqual([
      {
        arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:a-AbCdEf',
        urlPrefixes: ['https://ci.example.com/hooks/'],
      },
      {
        arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:b-*',
        urlPrefixes: ['https://ci.example.com/', 'https://qa.example.com/smoke'],
      },
    ]);
  });

  it('reads hookSecrets from a cdk.json array, naming an item that is not a secret ARN and its URL prefixes', () => {
    // Prepare
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci-AbCdEf';
    const base = { clusterName: 'prod', allowedNamespaces: 'shop' };
    // Act
    const context = readContext(
      (key) => ({ ...base, hookSecrets: [`${arn} https://ci.example.com/hooks/`] })[key],
    );
    const bad = () =>
      readContext(
        (key) =>
          ({ ...base, hookSecrets: [arn, 'ci-AbCdEf https://ci.example.com/', `${arn} ci.example.com`] })[
            key
          ],
      );
    // Assess
    expect(context.hookSecrets).toEqual([{ arn, urlPrefixes: ['https://ci.example.com/hooks/'] }]);
    expect(bad).toThrowError(
      new RegExp(
        [
          `hookSecrets\\.0: "${arn}" is not "<secret ARN> <URL prefix> \\[<URL prefix>\\.\\.\\.\\]"`,
          'hookSecrets\\.1: "ci-AbCdEf" is not a Secrets Manager secret ARN as IAM matches it',
          'hookSecrets\\.2: "ci\\.example\\.com" is not a URL prefix: an http:// or https:// URL',
        ].join('[^]*'),
      ),
    );
  });

  it('refuses hookSecretArns, saying how to give its secrets as hookSecrets', () => {
    // Prepare
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci-AbCdEf';
    // Act + Assess
    expect(() =>
      readContext((key) => ({ clusterName: 'prod', allowedNamespaces: 'shop', hookSecretArns: arn })[key]),
    ).toThrowError(
      '- hookSecretArns: is replaced by hookSecrets, which binds each secret to the URLs it may be sent to ' +
        '(with hookSecretArns, anyone who can start a release could send the secrets to a URL of their own): ' +
        `"hookSecrets": ["${arn} https://<host of its hooks>/"]`,
    );
  });

  it('reads the account and region the stack is pinned to, naming a bad one', () => {
    // Prepare
    const base = { clusterName: 'prod', allowedNamespaces: 'shop' };
    // Act
    const pinned = readContext((key) => ({ ...base, account: '123456789012', region: 'eu-west-1' })[key]);
    const unpinned = readContext((key) => ({ ...base })[key]);
    // Assess
    expect(pinned).toMatchObject({ account: '123456789012', region: 'eu-west-1' });
    expect(unpinned).not.toHaveProperty('account');
    expect(unpinned).not.toHaveProperty('region');
    expect(() => readContext((key) => ({ ...base, account: '1234', region: 'Ireland' })[key])).toThrowError(
      /account: is not a 12-digit AWS account id\n- region: is not an AWS region name/,
    );
  });

  it('caps stackName so that every <stackName>-<workflow> state machine name fits in 80 characters', () => {
    // Prepare
    const base = { clusterName: 'prod', allowedNamespaces: 'shop' };
    // 80 - '-database-migration'.length
    const longest = `C${'x'.repeat(60)}`;
    // Act
    const context = readContext((key) => ({ ...base, stackName: longest })[key]);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, context.stackName, {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    new Cutover(stack, 'Cutover', buildProps());
    const names = Object.values(
      Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine', {
        Properties: { StateMachineType: 'STANDARD' },
      }),
    ).map((machine) => machine.Properties.StateMachineName as string);
    // Assess
    expect(names).toContain(`${longest}-database-migration`);
    expect(Math.max(...names.map((name) => name.length))).toBe(80);
    expect(() => readContext((key) => ({ ...base, stackName: `${longest}x` })[key])).toThrowError(
      "stackName: is longer than 61 characters (got 62): its state machine <stackName>-database-migration must fit Step Functions' 80-character limit on state machine names",
    );
  });

  it('refuses a key it does not know, naming the key it most likely meant, and leaves CDK’s own keys alone', () => {
    // Prepare: a misspelt key would otherwise fall back to its default without a word
    const given = {
      clusterName: 'prod',
      allowedNamespaces: 'shop',
      backupRetentionDay: '7',
      clusterNmae: 'typo',
      colour: 'blue',
      '@aws-cdk/core:checkSecretUsage': true,
      'aws:cdk:bundling-stacks': ['**'],
      'availability-zones:account=123456789012:region=eu-west-1': ['eu-west-1a'],
    };
    const read = (key: string) => (given as Record<string, unknown>)[key];
    // Act + Assess
    expect(() => readContext(read, Object.keys(given))).toThrowError(
      'cdk.json context (or -c key=value) is missing or wrong:\n' +
        '- backupRetentionDay: is not a context key of Cutover (did you mean backupRetentionDays?)\n' +
        '- clusterNmae: is not a context key of Cutover (did you mean clusterName?)\n' +
        '- colour: is not a context key of Cutover (docs/aws.md lists them)',
    );
    expect(readContext(read, ['clusterName', 'allowedNamespaces', 'aws:cdk:bundling-stacks'])).toMatchObject({
      clusterName: 'prod',
    });
  });

  it('refuses an unknown key of any shape, not only a plain name: alarm_email, cluster-name, backup.retention', () => {
    // Prepare: -c alarm_email=oncall@example.com -c cluster-name=prod -c backup.retention=7
    const given = {
      clusterName: 'prod',
      allowedNamespaces: 'shop',
      alarm_email: 'oncall@example.com',
      'cluster-name': 'prod',
      'backup.retention': '7',
    };
    const read = (key: string) => (given as Record<string, unknown>)[key];
    // Act + Assess
    expect(() => readContext(read, Object.keys(given))).toThrowError(
      'cdk.json context (or -c key=value) is missing or wrong:\n' +
        '- alarm_email: is not a context key of Cutover (did you mean alarmEmail?)\n' +
        '- cluster-name: is not a context key of Cutover (did you mean clusterName?)\n' +
        '- backup.retention: is not a context key of Cutover (did you mean backupRetentionDays?)',
    );
  });

  it('leaves alone every key CDK and its CLI pass: feature flags, CLI settings, cached lookups, acknowledged notices', () => {
    // Prepare: what `cdk synth` passes besides Cutover's keys, from cdk.json, cdk.context.json and its settings
    const cdkKeys = [
      '@aws-cdk/core:checkSecretUsage',
      '@aws-cdk/core:failSynthOnValidationErrors',
      '@aws-cdk-containers/ecs-service-extensions:enableDefaultLogDriver',
      'aws:cdk:enable-path-metadata',
      'aws:cdk:enable-asset-metadata',
      'aws:cdk:version-reporting',
      'aws:cdk:bundling-stacks',
      'aws-cdk:enableDiffNoFail',
      'cdk-migrate',
      'acknowledged-issue-numbers',
      'cli-telemetry',
      'availability-zones:account=123456789012:region=eu-west-1',
      'ssm:account=123456789012:parameterName=/cutover/x:region=eu-west-1',
      'vpc-provider:account=123456789012:filter.vpc-id=vpc-0123456789abcdef0:region=eu-west-1',
    ];
    const read = (key: string) => ({ clusterName: 'prod', allowedNamespaces: 'shop' })[key as 'clusterName'];
    // Act
    const context = readContext(read, ['clusterName', 'allowedNamespaces', ...cdkKeys]);
    // Assess
    expect(context).toMatchObject({ clusterName: 'prod', allowedNamespaces: ['shop'] });
  });

  it('refuses a namespace that is no Kubernetes namespace name, longer than 63 characters say, in the words of the construct', () => {
    // Prepare
    const [longest, tooLong] = ['a'.repeat(63), 'a'.repeat(64)];
    const form =
      'a Kubernetes namespace name (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)';
    const given = (allowedNamespaces: string) => (key: string) =>
      ({ clusterName: 'prod', allowedNamespaces })[key as 'clusterName'];
    // Act
    const context = readContext(given(`shop,${longest}`));
    // Assess
    expect(context.allowedNamespaces).toEqual(['shop', longest]);
    expect(() => readContext(given(`shop,Billing,${tooLong}`))).toThrowError(
      'cdk.json context (or -c key=value) is missing or wrong:\n' +
        `- allowedNamespaces.1: "Billing" is not ${form}\n` +
        `- allowedNamespaces.2: "${tooLong}" is not ${form}`,
    );
    expect(() => synth(buildProps({ allowedNamespaces: [tooLong] }))).toThrowError(
      `allowedNamespaces: "${tooLong}" is not ${form}`,
    );
  });

  it('says a -c value that is not JSON or not a number of days is that, naming the key', () => {
    // Prepare
    const base = { clusterName: 'prod', allowedNamespaces: 'shop' };
    const given = {
      ...base,
      ecrTriggers: 'not json',
      backupRetentionDays: 'abc',
      noncurrentBackupRetentionDays: '0',
    };
    // Act + Assess
    expect(() => readContext((key) => (given as Record<string, unknown>)[key])).toThrowError(
      /- backupRetentionDays: must be a whole number of days, 1 or more \(got "abc"\)\n- noncurrentBackupRetentionDays: must be a whole number of days, 1 or more \(got 0\)\n- ecrTriggers: is not valid JSON \(Unexpected token/,
    );
    expect(
      readContext((key) => ({ ...base, backupRetentionDays: '7' })[key as 'clusterName']).backupRetentionDays,
    ).toBe(7);
  });

  it('refuses a log retention CloudWatch Logs does not accept, a bad cluster or bus name, security groups without a VPC', () => {
    // Prepare
    const given = {
      clusterName: 'prod cluster/x',
      allowedNamespaces: 'shop',
      logRetentionDays: '100',
      eventBusName: 'x y',
      securityGroupIds: 'sg-0123456789abcdef0',
    };
    // Act + Assess
    expect(() => readContext((key) => (given as Record<string, unknown>)[key])).toThrowError(
      'cdk.json context (or -c key=value) is missing or wrong:\n' +
        '- clusterName: is not an EKS cluster name (a letter or digit, then letters, digits, "-" and "_", at most 100), got "prod cluster/x"\n' +
        '- eventBusName: is not an EventBridge event bus name (letters, digits and "/._-", at most 256), got "x y"\n' +
        '- logRetentionDays: must be a retention CloudWatch Logs accepts, in days: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (got 100)\n' +
        '- vpcId: securityGroupIds needs vpcId',
    );
  });

  it('names every missing or bad key', () => {
    // Act + Assess
    expect(() => readContext((key) => ({ vpcId: 'vpc-1', alarmEmail: 'nope' })[key])).toThrowError(
      /clusterName[\s\S]*allowedNamespaces[\s\S]*alarmEmail/,
    );
  });
});

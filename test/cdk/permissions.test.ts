import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_CAPABILITIES } from '#lib/capabilities.ts';
import { Cutover } from '#lib/cutover.ts';
import { pascalCase } from '#lib/discovery.ts';
import { DEPLOYER_RULES, DEPLOYERS_GROUP, READERS_GROUP, rbacManifests } from '#lib/eks-access.ts';
import { ACCOUNT, projectCutover, type Statement } from './project-cutover.ts';

const DATABASE_SECRET = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:orders-GhIjKl`;
const LISTENER = `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:listener/app/prod/50dc6c495c0c9188/f2f7dc8efc522ab2`;

/** The project's own functions and state machines, with one RDS instance and its secret configured. */
function projectTemplate(): Template {
  const { stack } = projectCutover({
    rdsInstanceIdentifiers: ['orders'],
    databaseSecretArns: [DATABASE_SECRET],
  });
  return Template.fromStack(stack);
}

/** The statements of a task function's role (`db-migrate` -> `CutoverTasksDbMigrateRole...`). */
function statementsOf(template: Template, task: string): Statement[] {
  const prefix = `CutoverTasks${pascalCase(task)}Role`;
  const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
  const policy = policies.find(([id]) => id.startsWith(prefix))?.[1];
  return (policy?.Properties.PolicyDocument.Statement ?? []) as Statement[];
}

const actionsOf = (statements: readonly Statement[]) => statements.flatMap((s) => [s.Action].flat());
const onAnyInstance = (statements: readonly Statement[]) =>
  statements.some((s) => JSON.stringify(s.Resource).includes(':rds:eu-west-1:123456789012:db:*'));
const tasksWhere = (template: Template, test: (statements: Statement[]) => boolean) =>
  Object.keys(FUNCTION_CAPABILITIES).filter((task) => test(statementsOf(template, task)));

let template: Template;
beforeAll(() => {
  template = projectTemplate();
});

describe('Task function permissions', () => {
  it('keeps the functions that run request SQL off RDS: db-migrate and db-copy-table get the secret, no RDS action', () => {
    // Act
    const migrate = statementsOf(template, 'db-migrate');
    const copyTable = statementsOf(template, 'db-copy-table');
    // Assess
    for (const statements of [migrate, copyTable]) {
      expect(actionsOf(statements)).not.toContain('rds:ModifyDBInstance');
      expect(actionsOf(statements).filter((action) => action.startsWith('rds:'))).toEqual([]);
      expect(onAnyInstance(statements)).toBe(false);
      expect(statements).toContainEqual(
        expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: DATABASE_SECRET }),
      );
    }
  });

  it('lets only db-switchover-blue-green modify and promote any instance, and only the Blue/Green create, switchover and delete reach db:*', () => {
    // Act
    const modifying = tasksWhere(template, (statements) =>
      actionsOf(statements).includes('rds:ModifyDBInstance'),
    );
    const onDbStar = tasksWhere(template, onAnyInstance);
    const switchover = statementsOf(template, 'db-switchover-blue-green');
    // Assess
    expect(modifying).toEqual(['db-switchover-blue-green']);
    expect(onDbStar.sort()).toEqual([
      'db-create-blue-green',
      'db-delete-blue-green',
      'db-switchover-blue-green',
    ]);
    expect(actionsOf(switchover)).toEqual(
      expect.arrayContaining([
        'rds:SwitchoverBlueGreenDeployment',
        'rds:ModifyDBInstance',
        'rds:PromoteReadReplica',
        'rds:DescribeBlueGreenDeployments',
      ]),
    );
    expect(actionsOf(switchover)).not.toContain('rds:CreateDBInstanceReadReplica');
  });

  it("lets only the locking functions and db-list-applied describe executions, and only those of the stack's release and migration machines", () => {
    // Act
    const describing = tasksWhere(template, (statements) =>
      actionsOf(statements).includes('states:DescribeExecution'),
    );
    const statement = statementsOf(template, 'validate-request').find(
      (s) => s.Action === 'states:DescribeExecution',
    );
    // Assess
    expect(describing.sort()).toEqual(['db-list-applied', 'db-prepare', 'validate-request']);
    expect(statement?.Resource).toEqual(
      ['canary', 'blue-green', 'rolling', 'database-migration'].map((workflow) => ({
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, `:states:eu-west-1:${ACCOUNT}:execution:Test-${workflow}:*`],
        ],
      })),
    );
  });

  it('lets only db-delete-blue-green delete, and it only deletes deployments and the instances RDS deletes with them', () => {
    // Act
    const deleting = tasksWhere(template, (statements) =>
      actionsOf(statements).some((action) => /^rds:Delete/.test(action)),
    );
    const statements = statementsOf(template, 'db-delete-blue-green');
    // Assess
    expect(deleting).toEqual(['db-delete-blue-green']);
    expect(actionsOf(statements).filter((action) => action.startsWith('rds:'))).toEqual([
      'rds:DeleteBlueGreenDeployment',
      'rds:DeleteDBInstance',
      'rds:DescribeBlueGreenDeployments',
    ]);
    const resourceOf = (action: string) =>
      JSON.stringify(statements.find((s) => [s.Action].flat().includes(action))?.Resource);
    expect(resourceOf('rds:DeleteBlueGreenDeployment')).toContain(':rds:eu-west-1:123456789012:deployment:*');
    expect(resourceOf('rds:DeleteDBInstance')).toContain(':rds:eu-west-1:123456789012:db:*');
  });

  it('lets db-create-blue-green create the deployment with its target parameter group, and the green instances with their option, parameter and subnet groups', () => {
    // Prepare
    const rds = (resource: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:rds:eu-west-1:${ACCOUNT}:${resource}`]],
    });
    // Act
    const statements = statementsOf(template, 'db-create-blue-green').filter((s) =>
      actionsOf([s]).some((action) => action.startsWith('rds:')),
    );
    // Assess
    expect(statements).toEqual([
      {
        Action: 'rds:CreateBlueGreenDeployment',
        Effect: 'Allow',
        Resource: [rds('db:orders'), rds('deployment:*'), rds('pg:*'), rds('cluster-pg:*')],
      },
      {
        Action: 'rds:CreateDBInstanceReadReplica',
        Effect: 'Allow',
        Resource: [rds('db:*'), rds('og:*'), rds('pg:*'), rds('subgrp:*')],
      },
      {
        Action: 'rds:AddTagsToResource',
        Effect: 'Allow',
        Resource: [rds('db:*'), rds('deployment:*')],
      },
      {
        Action: 'rds:DescribeBlueGreenDeployments',
        Effect: 'Allow',
        Resource: rds('deployment:*'),
      },
    ]);
  });

  it('lets db-create-snapshot read the snapshot a retried create finds, to check it is its own', () => {
    // Act
    const actions = actionsOf(statementsOf(template, 'db-create-snapshot')).filter((action) =>
      action.startsWith('rds:'),
    );
    // Assess
    expect(actions.sort()).toEqual([
      'rds:AddTagsToResource',
      'rds:CreateDBSnapshot',
      'rds:DescribeDBSnapshots',
    ]);
  });

  it('gives the check and validate functions only RDS Describe actions, and no secret', () => {
    // Act
    const actions = ['db-check-snapshot', 'db-check-blue-green', 'db-validate-blue-green'].map((task) =>
      actionsOf(statementsOf(template, task)).filter((action) => !/^(logs|xray):/.test(action)),
    );
    // Assess
    expect(actions).toEqual([
      ['rds:DescribeDBSnapshots'],
      ['rds:DescribeBlueGreenDeployments'],
      ['rds:DescribeBlueGreenDeployments'],
    ]);
  });

  it('grants no RDS action without rdsInstanceIdentifiers', () => {
    // Prepare
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Test', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    new Cutover(stack, 'Cutover', { clusterName: 'prod', allowedNamespaces: ['shop'] });
    // Act
    const withRds = tasksWhere(Template.fromStack(stack), (statements) =>
      actionsOf(statements).some((action) => action.startsWith('rds:')),
    );
    // Assess
    expect(withRds).toEqual([]);
  });

  it('keeps the state table tasks to their key prefixes: service locks, approval tokens, rollback claims read only', () => {
    // Prepare
    const tableActions = (task: string) =>
      statementsOf(template, task)
        .filter((s) => actionsOf([s]).some((action) => action.startsWith('dynamodb:')))
        .map((s) => ({
          actions: s.Action,
          keys: s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'],
        }));
    const locks = {
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      keys: ['lock#*'],
    };
    const readClaims = { actions: 'dynamodb:GetItem', keys: ['rollback#*'] };
    // Act
    const [unlock, dbUnlock, validateRequest, dbPrepare, requestApproval] = [
      'unlock',
      'db-unlock',
      'validate-request',
      'db-prepare',
      'request-approval',
    ].map(tableActions);
    // Assess
    expect(unlock).toEqual([locks]);
    expect(dbUnlock).toEqual([locks]);
    expect(validateRequest).toEqual([locks, readClaims]);
    expect(dbPrepare).toEqual([locks, readClaims]);
    expect(requestApproval).toEqual([{ actions: 'dynamodb:PutItem', keys: ['approval#*'] }]);
  });

  it('lets no task delete backups: reading, writing and listing under the backup prefix only', () => {
    // Act
    const withBackups = tasksWhere(template, (statements) =>
      actionsOf(statements).some((action) => action.startsWith('s3:')),
    );
    const deleting = tasksWhere(template, (statements) =>
      actionsOf(statements).some((action) => /^s3:Delete/.test(action)),
    );
    // Assess
    expect(withBackups.sort()).toEqual([
      'backup-state',
      'db-backup',
      'db-migrate',
      'restore-capacity',
      'rollback',
    ]);
    expect(deleting).toEqual([]);
  });

  it('lets no database task publish events but db-notify: the rollback of a stop says what stayed applied', () => {
    // Act
    const publishers = tasksWhere(template, (statements) => actionsOf(statements).includes('sns:Publish'));
    // Assess
    expect(publishers.filter((task) => task.startsWith('db-'))).toEqual(['db-notify']);
  });

  it('lets only the tasks that set weights modify listeners, and the others that read them only Describe', () => {
    // Prepare
    const withListener = Template.fromStack(projectCutover({ listenerArns: [LISTENER] }).stack);
    const elbv2Actions = (statements: readonly Statement[]) =>
      actionsOf(statements).filter((action) => action.startsWith('elasticloadbalancing:'));
    // Act
    const modifying = tasksWhere(withListener, (statements) =>
      elbv2Actions(statements).some((action) => action.includes(':Modify')),
    );
    const readingOnly = tasksWhere(
      withListener,
      (statements) =>
        elbv2Actions(statements).length > 0 &&
        elbv2Actions(statements).every((action) => action.includes(':Describe')),
    );
    // Assess
    expect(modifying.sort()).toEqual(['promote', 'rollback', 'set-weights']);
    expect(readingOnly.sort()).toEqual(['backup-state', 'validate-request']);
    expect(elbv2Actions(statementsOf(withListener, 'validate-request')).sort()).toEqual([
      'elasticloadbalancing:DescribeListeners',
      'elasticloadbalancing:DescribeLoadBalancers',
      'elasticloadbalancing:DescribeRules',
      'elasticloadbalancing:DescribeTags',
    ]);
  });

  it('lets the tasks that change the service or the database, and the backup, read rollback claims only, and claim-rollback write them and read locks only', () => {
    // Act
    const readingClaims = tasksWhere(template, (statements) =>
      statements.some((s) => JSON.stringify(s.Condition ?? {}).includes('rollback#*')),
    );
    const deployTrack = statementsOf(template, 'deploy-track');
    // Assess
    expect(readingClaims.sort()).toEqual([
      'claim-rollback',
      'cleanup',
      'db-backup',
      'db-copy-table',
      'db-migrate',
      'db-prepare',
      'db-switchover-blue-green',
      'db-sync-sequences',
      'deploy-track',
      'promote',
      'run-hooks',
      'scale-track',
      'set-weights',
      'validate-request',
    ]);
    expect(
      deployTrack.filter((s) => actionsOf([s]).some((action) => action.startsWith('dynamodb:'))),
    ).toEqual([
      {
        Action: 'dynamodb:GetItem',
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['rollback#*'] } },
        Effect: 'Allow',
        Resource: expect.anything(),
      },
    ]);
    const claimRollback = statementsOf(template, 'claim-rollback').filter((s) =>
      actionsOf([s]).some((action) => action.startsWith('dynamodb:')),
    );
    expect(claimRollback).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['rollback#*'] } },
      }),
      expect.objectContaining({
        Action: 'dynamodb:GetItem',
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['lock#*'] } },
      }),
    ]);
  });
});

describe('Kubernetes access', () => {
  /** The Kubernetes groups of the access entries, by task (`CutoverTasksCheckRolloutRole...` -> `check-rollout`). */
  const groupsOf = (from: Template) =>
    Object.fromEntries(
      Object.values(from.findResources('AWS::EKS::AccessEntry')).map((entry) => {
        const roleId = entry.Properties.PrincipalArn['Fn::GetAtt'][0] as string;
        const task = Object.keys(FUNCTION_CAPABILITIES).find((name) =>
          roleId.startsWith(`CutoverTasks${pascalCase(name)}Role`),
        );
        return [task, entry.Properties.KubernetesGroups];
      }),
    );

  it('maps the tasks that only read the cluster to the readers group, and those that change it to the deployers', () => {
    // Act
    const groups = groupsOf(template);
    // Assess
    expect(groups).toEqual({
      'backup-state': [READERS_GROUP],
      'check-rollout': [READERS_GROUP],
      'validate-request': [READERS_GROUP],
      cleanup: [DEPLOYERS_GROUP],
      'deploy-track': [DEPLOYERS_GROUP],
      promote: [DEPLOYERS_GROUP],
      'restore-capacity': [DEPLOYERS_GROUP],
      rollback: [DEPLOYERS_GROUP],
      'scale-track': [DEPLOYERS_GROUP],
      'set-weights': [DEPLOYERS_GROUP],
    });
  });

  it('binds the readers group to a Role that only gets and lists, in every allowed namespace', () => {
    // Act
    const manifests = rbacManifests(['shop', 'billing'], READERS_GROUP, 'reader') as {
      kind: string;
      metadata: { name: string; namespace: string };
      rules?: { verbs: string[] }[];
      subjects?: { name: string }[];
    }[];
    // Assess
    expect(manifests.map((m) => `${m.kind} ${m.metadata.namespace}/${m.metadata.name}`)).toEqual([
      'Role shop/cutover-reader',
      'RoleBinding shop/cutover-reader',
      'Role billing/cutover-reader',
      'RoleBinding billing/cutover-reader',
    ]);
    expect(new Set(manifests.flatMap((m) => m.rules ?? []).flatMap((rule) => rule.verbs))).toEqual(
      new Set(['get', 'list']),
    );
    expect(manifests[1]?.subjects).toEqual([expect.objectContaining({ name: READERS_GROUP })]);
  });

  it('lets the deployers only apply, merge-patch and read, and delete nothing but Deployments', () => {
    // Act
    const verbs = new Set<string>(DEPLOYER_RULES.flatMap((rule) => rule.verbs));
    const deletable = DEPLOYER_RULES.filter((rule) => (rule.verbs as readonly string[]).includes('delete'));
    const resources: string[] = DEPLOYER_RULES.flatMap((rule) => rule.resources);
    // Assess
    expect(verbs).toEqual(new Set(['get', 'list', 'create', 'patch', 'delete']));
    expect(deletable.flatMap((rule) => rule.resources)).toEqual(['deployments']);
    expect(resources).not.toContain('replicasets');
  });

  it('keeps docs/eks-rbac.yaml what bin/rbac-manifest.ts prints: both groups, in one namespace', () => {
    // Prepare
    const committed = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../docs/eks-rbac.yaml'), 'utf8'),
    ) as { items: unknown[] };
    // Assess
    expect(committed.items).toEqual([
      ...rbacManifests(['shop'], DEPLOYERS_GROUP),
      ...rbacManifests(['shop'], READERS_GROUP, 'reader'),
    ]);
  });

  it('has bin/rbac-manifest.ts refuse a namespace Kubernetes would not take, printing nothing (exit 2)', () => {
    // Act
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/rbac-manifest.ts', 'shop', 'Bad_NS'], {
      cwd: join(import.meta.dirname, '../..'),
      encoding: 'utf8',
    });
    // Assess
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toBe(
      'rbac-manifest.ts: "Bad_NS" is not a Kubernetes namespace name (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)',
    );
  });

  it('tells every task function the allowed namespaces', () => {
    // Prepare
    const { stack } = projectCutover({ allowedNamespaces: ['shop', 'billing'] });
    // Act
    const functions = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
    const namespaces = functions.map(
      (fn) => fn.Properties.Environment?.Variables?.CUTOVER_ALLOWED_NAMESPACES,
    );
    // Assess
    expect(functions.length).toBe(Object.keys(FUNCTION_CAPABILITIES).length);
    expect(new Set(namespaces)).toEqual(new Set(['shop,billing']));
  });
});

describe('cdk-nag IAM wildcard acknowledgements', () => {
  /** Synthesizes the project with cdk-nag after `grant` added a statement to a task role. */
  const nagged = (grant: (cutover: Cutover) => void) => {
    const { app, cutover } = projectCutover();
    grant(cutover);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    return () => app.synth();
  };
  const grantTo = (task: string, actions: string[], resources: (cutover: Cutover) => string[]) =>
    nagged((cutover) =>
      cutover.functions.byName
        .get(task)!
        .addToRolePolicy(new iam.PolicyStatement({ actions, resources: resources(cutover) })),
    );

  it('leaves a secretsmanager:GetSecretValue on * a finding, next to the Describe calls on * the role has', () => {
    // Prepare
    const synth = grantTo('validate-request', ['secretsmanager:GetSecretValue'], () => ['*']);
    // Act + Assess
    expect(synth).toThrowError(/AwsSolutions-IAM5\[Resource::\*\]/);
  });

  it('leaves an S3 action on every object of the backup bucket a finding', () => {
    // Prepare
    const synth = grantTo('backup-state', ['s3:GetObject'], (cutover) => [
      cutover.storage.bucket.arnForObjects('*'),
    ]);
    // Act + Assess
    expect(synth).toThrowError(/AwsSolutions-IAM5\[Resource::<CutoverStorageBackups\w*\.Arn>\/\*\]/);
  });

  it('leaves an action no task needs under the backup prefix a finding: deleting backups', () => {
    // Prepare
    const synth = grantTo('backup-state', ['s3:DeleteObject'], (cutover) => [
      cutover.storage.bucket.arnForObjects('backups/*'),
    ]);
    // Act + Assess
    expect(synth).toThrowError(/AwsSolutions-IAM5\[Resource::<CutoverStorageBackups\w*\.Arn>\/backups\/\*\]/);
  });

  it('leaves any other action on every option, parameter or subnet group a finding: deleting an option group', () => {
    // Prepare
    const synth = grantTo('db-create-blue-green', ['rds:DeleteOptionGroup'], (cutover) => [
      Stack.of(cutover).formatArn({
        service: 'rds',
        resource: 'og',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ]);
    // Act + Assess
    expect(synth).toThrowError(
      /AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:rds:eu-west-1:123456789012:og:\*\]/,
    );
  });

  it('acknowledges configured secret ARNs that end in * for the suffix Secrets Manager appends, not secret:*', () => {
    // Prepare
    const secret = (name: string) => `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:${name}`;
    const configured = () => {
      const { app } = projectCutover({
        databaseSecretArns: [secret('orders-*')],
        hookSecrets: [{ arn: secret('ci/hooks-*'), urlPrefixes: ['https://ci.example.com/hooks/'] }],
      });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      return () => app.synth();
    };
    const anySecret = grantTo('db-migrate', ['secretsmanager:GetSecretValue'], () => [secret('*')]);
    // Act + Assess
    expect(configured()).not.toThrow();
    expect(anySecret).toThrowError(
      /AwsSolutions-IAM5\[Resource::arn:aws:secretsmanager:eu-west-1:123456789012:secret:\*\]/,
    );
  });

  it("acknowledges the project's own wildcards", () => {
    // Act + Assess
    expect(nagged(() => {})).not.toThrow();
  });
});

describe('Alert topic and key policies', () => {
  const servicesOf = (statement: Statement) => [statement.Principal?.Service ?? []].flat();

  it('lets EventBridge and CloudWatch use the alert key, without source conditions SNS does not pass to KMS for EventBridge', () => {
    // Act
    const key = Object.entries(template.findResources('AWS::KMS::Key')).find(([id]) =>
      id.startsWith('CutoverMonitoringAlertsKey'),
    )?.[1];
    const statements = (key?.Properties.KeyPolicy.Statement ?? []) as Statement[];
    const forServices = statements.filter((statement) => servicesOf(statement).length > 0);
    // Assess
    expect(forServices.flatMap(servicesOf).sort()).toEqual([
      'cloudwatch.amazonaws.com',
      'events.amazonaws.com',
    ]);
    for (const statement of forServices) expect(statement.Condition).toBeUndefined();
  });

  it('lets EventBridge publish to the alert topic only for the alert rule, and CloudWatch only for alarms of this account', () => {
    // Act
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0];
    const statements = (policy?.Properties.PolicyDocument.Statement ?? []) as Statement[];
    const fromEvents = statements.filter((statement) =>
      servicesOf(statement).includes('events.amazonaws.com'),
    );
    const alarms = statements.filter((statement) =>
      JSON.stringify(statement.Condition).includes('CanaryFailedAlarm'),
    );
    // Assess
    expect(fromEvents).toEqual([
      expect.objectContaining({
        Action: 'sns:Publish',
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: {
            'aws:SourceArn': [
              { 'Fn::GetAtt': [expect.stringMatching(/^CutoverMonitoringExecutionStatusRule/), 'Arn'] },
            ],
          },
        },
      }),
    ]);
    expect(alarms).toEqual([
      expect.objectContaining({
        Condition: expect.objectContaining({ StringEquals: { 'aws:SourceAccount': ACCOUNT } }),
      }),
    ]);
  });
});

describe('Release API logging', () => {
  it("leaves the region's API Gateway CloudWatch role alone and still writes access and execution logs", () => {
    // Assess
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      MethodSettings: [Match.objectLike({ LoggingLevel: 'INFO' })],
    });
  });
});

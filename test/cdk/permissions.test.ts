import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_CAPABILITIES } from '#lib/capabilities.ts';
import { Cutover } from '#lib/cutover.ts';
import { pascalCase } from '#lib/discovery.ts';

const ACCOUNT = '123456789012';
const DATABASE_SECRET = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:orders-GhIjKl`;

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Principal?: { Service?: string | string[] };
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** The project's own functions and state machines, with one RDS instance and its secret configured. */
function projectTemplate(): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  new Cutover(stack, 'Cutover', {
    clusterName: 'prod',
    allowedNamespaces: ['shop'],
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

  it('lets only db-switchover-blue-green modify and promote any instance, and only it and db-create-blue-green reach db:*', () => {
    // Act
    const modifying = tasksWhere(template, (statements) =>
      actionsOf(statements).includes('rds:ModifyDBInstance'),
    );
    const onDbStar = tasksWhere(template, onAnyInstance);
    const switchover = statementsOf(template, 'db-switchover-blue-green');
    // Assess
    expect(modifying).toEqual(['db-switchover-blue-green']);
    expect(onDbStar.sort()).toEqual(['db-create-blue-green', 'db-switchover-blue-green']);
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

  it('gives the check and validate functions only RDS Describe actions, and no secret', () => {
    // Act
    const actions = ['db-check-snapshot', 'db-check-blue-green', 'db-validate-blue-green'].map((task) =>
      actionsOf(statementsOf(template, task)).filter((action) => !action.startsWith('logs:')),
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

  it('lets the tasks that change the service or the database read rollback claims only, and claim-rollback write them and read locks only', () => {
    // Act
    const readingClaims = tasksWhere(template, (statements) =>
      statements.some((s) => JSON.stringify(s.Condition ?? {}).includes('rollback#*')),
    );
    const deployTrack = statementsOf(template, 'deploy-track');
    // Assess
    expect(readingClaims.sort()).toEqual([
      'claim-rollback',
      'cleanup',
      'db-copy-table',
      'db-migrate',
      'db-switchover-blue-green',
      'db-sync-sequences',
      'deploy-track',
      'promote',
      'run-hooks',
      'scale-track',
      'set-weights',
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
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['rollback#*'] } },
      }),
      expect.objectContaining({
        Action: 'dynamodb:GetItem',
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['lock#*'] } },
      }),
    ]);
  });
});

describe('Alert topic and key policies', () => {
  const servicesOf = (statement: Statement) => [statement.Principal?.Service ?? []].flat();

  it('lets EventBridge and CloudWatch use the alert key, without source conditions SNS does not pass to KMS for EventBridge', () => {
    // Act
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0];
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

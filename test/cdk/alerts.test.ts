import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { STRATEGIES } from '#core/strategies.ts';
import { Cutover, type CutoverProps } from '#lib/cutover.ts';
import { CutoverMonitoring, RELEASE_STATE_ALARMS } from '#lib/monitoring.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const STATE_MACHINES = join(import.meta.dirname, '../../statemachines');
const EMAIL = 'oncall@example.com';

/** The fixture project (canary, database-migration, rollback) with the on-call's email, `props` over it. */
function synthTemplate(props: Partial<CutoverProps> = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  new Cutover(stack, 'Cutover', {
    clusterName: 'prod',
    allowedNamespaces: ['shop'],
    alarmEmail: EMAIL,
    lambdasDir: join(FIXTURES, 'lambdas'),
    stateMachinesDir: join(FIXTURES, 'statemachines'),
    functionCapabilities: { 'check-rollout': ['notify'] },
    ...props,
  });
  return Template.fromStack(stack);
}

/** The logical id of the topic a `{ Ref }` names. */
const refOf = (value: unknown) => (value as { Ref: string }).Ref;

/** The id of the state machine of `workflow` (`database-migration` -> `CutoverStrategiesDatabaseMigration...`). */
function machineOf(template: Template, pascalWorkflow: string): string {
  const ids = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'));
  return ids.find((id) => id.startsWith(`CutoverStrategies${pascalWorkflow}`))!;
}

/** A `Fn::GetAtt` of a resource's attribute: `[logical id, attribute]`. */
type GetAtt = { readonly 'Fn::GetAtt': readonly [string, string] };

/** An EventBridge rule's properties, as the tests read them. */
interface RuleProperties {
  readonly EventPattern: Record<string, unknown>;
  readonly Targets: readonly {
    readonly Arn: unknown;
    readonly RetryPolicy?: unknown;
    readonly DeadLetterConfig: { readonly Arn: GetAtt };
  }[];
}

/** A CloudWatch alarm's properties, as the tests read them. */
interface AlarmProperties {
  readonly MetricName?: string;
  readonly Namespace?: string;
  readonly Dimensions?: readonly unknown[];
  readonly AlarmActions: readonly unknown[];
  readonly [property: string]: unknown;
}

/** A topic policy statement, as the tests read it. */
interface TopicStatement {
  readonly Principal?: { readonly Service?: string };
  readonly Condition: { readonly ArnLike: { readonly 'aws:SourceArn': readonly GetAtt[] } };
}

/** The rule that sends execution status changes to the alert topic: its logical id and properties. */
function statusRule(template: Template): [id: string, properties: RuleProperties] {
  const [rule] = Object.entries(template.findResources('AWS::Events::Rule')).filter(([id]) =>
    id.startsWith('CutoverMonitoringExecutionStatusRule'),
  );
  return [rule![0], rule![1].Properties];
}

/** The event pattern of the rule that sends execution status changes to the alert topic. */
function statusRulePattern(template: Template): Record<string, unknown> {
  return statusRule(template)[1].EventPattern;
}

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
function idOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

/** The alarms (logical id -> properties) that publish to `topic`, a topic's logical id. */
function alarmsPublishingTo(template: Template, topic: string): Record<string, AlarmProperties> {
  const alarms = template.findResources('AWS::CloudWatch::Alarm', {
    Properties: { AlarmActions: Match.arrayWith([{ Ref: topic }]) },
  });
  return Object.fromEntries(Object.entries(alarms).map(([id, alarm]) => [id, alarm.Properties]));
}

/** The alarms `topic`'s policy lets CloudWatch publish for (`aws:SourceArn`), by logical id. */
function cloudWatchPublishers(template: Template, topic: string): string[] {
  const [policy] = Object.values(
    template.findResources('AWS::SNS::TopicPolicy', { Properties: { Topics: [{ Ref: topic }] } }),
  );
  const statements: TopicStatement[] = policy!.Properties.PolicyDocument.Statement;
  return statements
    .filter((statement) => statement.Principal?.Service === 'cloudwatch.amazonaws.com')
    .flatMap((statement) => statement.Condition.ArnLike['aws:SourceArn'])
    .map((source) => source['Fn::GetAtt'][0])
    .sort();
}

/** The ASL definition of a project workflow, `statemachines/<workflow>.asl.json`. */
function definitionOf(workflow: string): { States: Record<string, { Type: string }> } {
  return JSON.parse(readFileSync(join(STATE_MACHINES, `${workflow}.asl.json`), 'utf8'));
}

describe('What pages the on-call', () => {
  let template: Template;
  beforeAll(() => {
    template = synthTemplate();
  });

  it('emails every alarm and every alert-rule message unfiltered: CloudWatch and EventBridge publish without message attributes', () => {
    // Act
    const alarms = Object.values(
      template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmActions: Match.anyValue() } }),
    ).map((alarm) => alarm.Properties);
    const [, rule] = statusRule(template);
    const ruleTopic = refOf(rule.Targets[0]!.Arn);
    const subscriptions = Object.values(
      template.findResources('AWS::SNS::Subscription', { Properties: { TopicArn: { Ref: ruleTopic } } }),
    );
    // Assess
    const notOnRuleTopic = alarms.filter((alarm) => !alarm.AlarmActions.map(refOf).includes(ruleTopic));
    expect(ruleTopic).toMatch(/^CutoverMonitoringAlerts/);
    expect(notOnRuleTopic.map((alarm) => [alarm.MetricName, alarm.Dimensions])).toEqual([
      [
        'NumberOfNotificationsFailed',
        [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [ruleTopic, 'TopicName'] } }],
      ],
    ]);
    expect(subscriptions.map((s) => s.Properties)).toEqual([
      { Protocol: 'email', Endpoint: EMAIL, TopicArn: { Ref: ruleTopic } },
    ]);
  });

  it('emails, of the deployment events the tasks publish, only Failed, RolledBack, ApprovalRequested and ApprovalUnanswered: a filter on their `type` attribute, on a topic of their own', () => {
    // Act
    const [task] = Object.values(template.findResources('AWS::Lambda::Function'));
    const eventTopic = refOf(task!.Properties.Environment.Variables.CUTOVER_EVENT_TOPIC_ARN);
    const subscriptions = Object.values(
      template.findResources('AWS::SNS::Subscription', { Properties: { TopicArn: { Ref: eventTopic } } }),
    );
    // Assess
    expect(eventTopic).toMatch(/^CutoverMonitoringEvents/);
    expect(subscriptions.map((s) => s.Properties)).toEqual([
      {
        Protocol: 'email',
        Endpoint: EMAIL,
        TopicArn: { Ref: eventTopic },
        FilterPolicy: { type: ['Failed', 'RolledBack', 'ApprovalRequested', 'ApprovalUnanswered'] },
      },
    ]);
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'Cutover deployment events',
      KmsMasterKeyId: Match.anyValue(),
    });
  });

  it('reports by the execution status rule only the ends no Cutover event reports: a rollback that failed, timed out or was stopped, and any execution that timed out', () => {
    // Act
    const pattern = statusRulePattern(template);
    // Assess
    expect(pattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: {
        $or: [
          {
            status: ['TIMED_OUT'],
            stateMachineArn: [
              { Ref: machineOf(template, 'Canary') },
              { Ref: machineOf(template, 'DatabaseMigration') },
            ],
          },
          {
            status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
            stateMachineArn: [{ Ref: machineOf(template, 'Rollback') }],
          },
        ],
      },
    });
  });

  it('warns at synth when no alarmEmail is given: the alert topic would page nobody', () => {
    // Prepare
    const synthWith = (alarmEmail: string | undefined) => {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
      new Cutover(stack, 'Cutover', {
        clusterName: 'prod',
        allowedNamespaces: ['shop'],
        ...(alarmEmail ? { alarmEmail } : {}),
        lambdasDir: join(FIXTURES, 'lambdas'),
        stateMachinesDir: join(FIXTURES, 'statemachines'),
        functionCapabilities: { 'check-rollout': ['notify'] },
      });
      return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('no alarmEmail'));
    };
    // Act
    const [without, withEmail] = [synthWith(undefined), synthWith(EMAIL)];
    // Assess
    expect(without.map((warning) => warning.entry.data)).toEqual([
      expect.stringMatching(/^no alarmEmail: the alert topic \(output AlertTopicArn\) has no subscriber/),
    ]);
    expect(withEmail).toEqual([]);
  });

  it('reports a stopped release by the rule when no rollback machine is deployed to roll it back', () => {
    // Prepare
    const machines = mkdtempSync(join(tmpdir(), 'cutover-machines-'));
    copyFileSync(join(FIXTURES, 'statemachines', 'canary.asl.json'), join(machines, 'canary.asl.json'));
    // Act
    const pattern = statusRulePattern(synthTemplate({ stateMachinesDir: machines, ecrTriggers: [] }));
    // Assess
    expect(pattern.detail).toEqual({
      status: ['TIMED_OUT', 'ABORTED'],
      stateMachineArn: [{ Ref: expect.stringMatching(/^CutoverStrategiesCanary/) }],
    });
  });

  it('alarms on the failed executions of a state machine as a rate, 3 within an hour, not on each one', () => {
    // Act
    const alarms = Object.values(
      template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'ExecutionsFailed' } }),
    );
    // Assess
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({
        Statistic: 'Sum',
        Period: 3600,
        EvaluationPeriods: 1,
        Threshold: 3,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });
});

describe('What pages the on-call when a release is left unfinished or a page is not delivered', () => {
  let template: Template;
  let alertTopic: string;
  let eventTopic: string;
  beforeAll(() => {
    template = synthTemplate();
    alertTopic = idOf(template, 'AWS::SNS::Topic', 'CutoverMonitoringAlerts');
    eventTopic = idOf(template, 'AWS::SNS::Topic', 'CutoverMonitoringEvents');
  });

  it("pages when a release's rollback failed or stopped, from the StateEntered records of its machine's log, whether or not its Failed event got out", () => {
    // Prepare
    const canaryLogs = idOf(template, 'AWS::Logs::LogGroup', 'CutoverStrategiesCanaryLogs');
    // Act
    const filters = Object.values(template.findResources('AWS::Logs::MetricFilter')).map((f) => f.Properties);
    const rollbackFailed = filters.find(
      (filter) => filter.MetricTransformations[0].MetricName === 'Test-canary.RollbackFailed',
    );
    const alarms = Object.values(alarmsPublishingTo(template, alertTopic)).filter(
      (alarm) => alarm.MetricName === 'Test-canary.RollbackFailed',
    );
    // Assess
    expect(rollbackFailed).toMatchObject({
      FilterPattern:
        '{ (($.type = "TaskStateEntered") && ($.details.name = "NotifyRollbackFailed")) || (($.type = "FailStateEntered") && ($.details.name = "RollbackStopped")) }',
      MetricTransformations: [
        { MetricNamespace: 'Cutover', MetricName: 'Test-canary.RollbackFailed', MetricValue: '1' },
      ],
    });
    expect(JSON.stringify(rollbackFailed!.LogGroupName)).toContain(canaryLogs);
    expect(alarms).toEqual([
      expect.objectContaining({
        AlarmDescription: expect.stringMatching(
          /^Cutover canary: a release's rollback failed: the service may be half-released .*see the execution's NotifyRollbackFailed event.*Test-canary/,
        ),
        Namespace: 'Cutover',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: alertTopic }],
      }),
    ]);
  });

  it('pages when a promoted release could not clean up, saying the new version serves all traffic', () => {
    // Act
    const filters = Object.values(template.findResources('AWS::Logs::MetricFilter')).map((f) => f.Properties);
    const cleanupFailed = filters.find(
      (filter) => filter.MetricTransformations[0].MetricName === 'Test-canary.CleanupFailed',
    );
    const alarms = Object.values(alarmsPublishingTo(template, alertTopic)).filter(
      (alarm) => alarm.MetricName === 'Test-canary.CleanupFailed',
    );
    // Assess
    expect(cleanupFailed?.FilterPattern).toBe(
      '{ ($.type = "TaskStateEntered") && ($.details.name = "NotifyCleanupFailed") }',
    );
    expect(alarms).toEqual([
      expect.objectContaining({
        AlarmDescription: expect.stringMatching(
          /^Cutover canary: a release was promoted but its clean-up failed: the new version serves all traffic/,
        ),
        Namespace: 'Cutover',
        Period: 60,
        Threshold: 1,
        AlarmActions: [{ Ref: alertTopic }],
      }),
    ]);
  });

  it('watches the logs of the release strategies only: the rollback machine ends FAILED when its clean-up fails, which the status rule reports', () => {
    // Act
    const metrics = Object.values(template.findResources('AWS::Logs::MetricFilter')).map(
      (filter) => filter.Properties.MetricTransformations[0].MetricName,
    );
    const rollback = definitionOf('rollback');
    // Assess
    expect(metrics.sort()).toEqual(['Test-canary.CleanupFailed', 'Test-canary.RollbackFailed']);
    expect([rollback.States.RollbackFailed?.Type, rollback.States.MigrationCleanupFailed?.Type]).toEqual([
      'Fail',
      'Fail',
    ]);
    expect(statusRulePattern(template)).toMatchObject({
      detail: {
        $or: expect.arrayContaining([
          expect.objectContaining({ status: ['FAILED', 'TIMED_OUT', 'ABORTED'] }),
        ]),
      },
    });
  });

  it("watches states every release strategy's machine has, with the type its StateEntered record is named after", () => {
    // Prepare
    const watched = RELEASE_STATE_ALARMS.flatMap((alarm) => Object.entries(alarm.states));
    // Act
    const types = STRATEGIES.map((strategy) => {
      const { States } = definitionOf(strategy);
      return [strategy, Object.fromEntries(watched.map(([state]) => [state, States[state]?.Type]))];
    });
    // Assess
    expect(watched.map(([state]) => state).sort()).toEqual([
      'NotifyCleanupFailed',
      'NotifyRollbackFailed',
      'RollbackStopped',
    ]);
    expect(types).toEqual(STRATEGIES.map((strategy) => [strategy, Object.fromEntries(watched)]));
  });

  it('lets CloudWatch publish to the alert topic for the unfinished-release alarms', () => {
    // Act
    const unfinished = Object.entries(alarmsPublishingTo(template, alertTopic))
      .filter(([, alarm]) => alarm.Namespace === 'Cutover')
      .map(([id]) => id);
    // Assess
    expect(unfinished).toHaveLength(2);
    expect(cloudWatchPublishers(template, alertTopic)).toEqual(expect.arrayContaining(unfinished));
  });

  it('warns at synth, and watches no log, when a release machine does not log ALL its events to CloudWatch Logs', () => {
    // Prepare
    const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    const machine = new sfn.StateMachine(stack, 'Canary', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')),
    });
    const monitoring = new CutoverMonitoring(stack, 'Monitoring', {
      alarmEmail: EMAIL,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Act
    monitoring.watch(new Map([['canary', machine]]));
    // Assess
    const warnings = Annotations.fromStack(stack).findWarning(
      '*',
      Match.stringLikeRegexp('does not log ALL'),
    );
    expect(warnings.map((warning) => warning.entry.data)).toEqual([
      expect.stringMatching(/^the canary state machine does not log ALL its events to CloudWatch Logs/),
    ]);
    Template.fromStack(stack).resourceCountIs('AWS::Logs::MetricFilter', 0);
  });

  it('retries an alert the status rule could not publish for an hour, then keeps it in an encrypted, TLS-only dead-letter queue only that rule may send to', () => {
    // Act
    const [ruleId, rule] = statusRule(template);
    const [target] = rule.Targets;
    const [queue] = target!.DeadLetterConfig.Arn['Fn::GetAtt'];
    const [queuePolicy] = Object.values(
      template.findResources('AWS::SQS::QueuePolicy', { Properties: { Queues: [{ Ref: queue }] } }),
    );
    // Assess
    expect(target).toMatchObject({
      Arn: { Ref: alertTopic },
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue, 'Arn'] } },
    });
    expect(queue).toMatch(/^CutoverMonitoringAlertDeadLetters/);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
    expect(queuePolicy!.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
        }),
      ]),
    );
  });

  it('alarms on an undelivered alert to both topics: the alert topic may be what refused it', () => {
    // Prepare
    const queue = idOf(template, 'AWS::SQS::Queue', 'CutoverMonitoringAlertDeadLetters');
    // Act
    const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(([, alarm]) =>
      JSON.stringify(alarm.Properties.Dimensions ?? []).includes(queue),
    );
    // Assess
    expect(alarms).toHaveLength(1);
    const [id, alarm] = alarms[0]!;
    expect(alarm.Properties).toMatchObject({
      AlarmDescription: expect.stringMatching(
        /^Cutover: an alert of the execution status rule could not be published/,
      ),
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(alarm.Properties.AlarmActions).toEqual([{ Ref: alertTopic }, { Ref: eventTopic }]);
    expect(cloudWatchPublishers(template, alertTopic)).toContain(id);
    expect(cloudWatchPublishers(template, eventTopic)).toContain(id);
  });

  it("alarms when SNS fails to deliver either topic's messages, each alarm publishing to the other topic", () => {
    // Act
    const failedDeliveries = (topic: string) =>
      Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(
        ([, alarm]) =>
          alarm.Properties.MetricName === 'NumberOfNotificationsFailed' &&
          JSON.stringify(alarm.Properties.Dimensions) ===
            JSON.stringify([{ Name: 'TopicName', Value: { 'Fn::GetAtt': [topic, 'TopicName'] } }]),
      );
    const [alerts, deploymentEvents] = [failedDeliveries(alertTopic), failedDeliveries(eventTopic)];
    // Assess
    expect(alerts).toHaveLength(1);
    expect(deploymentEvents).toHaveLength(1);
    for (const [, alarm] of [...alerts, ...deploymentEvents]) {
      expect(alarm.Properties).toMatchObject({
        Namespace: 'AWS/SNS',
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    expect(alerts[0]![1].Properties.AlarmActions).toEqual([{ Ref: eventTopic }]);
    expect(deploymentEvents[0]![1].Properties.AlarmActions).toEqual([{ Ref: alertTopic }]);
    expect(cloudWatchPublishers(template, eventTopic)).toContain(alerts[0]![0]);
    expect(cloudWatchPublishers(template, alertTopic)).toContain(deploymentEvents[0]![0]);
    expect(cloudWatchPublishers(template, alertTopic)).not.toContain(alerts[0]![0]);
  });

  it('lets CloudWatch publish to the event topic for exactly the alarms that publish there', () => {
    // Act
    const publishing = Object.keys(alarmsPublishingTo(template, eventTopic)).sort();
    // Assess
    expect(publishing).toHaveLength(2);
    expect(cloudWatchPublishers(template, eventTopic)).toEqual(publishing);
  });
});

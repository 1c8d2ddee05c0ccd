import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { Cutover, type CutoverProps } from '#lib/cutover.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
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

/** The event pattern of the rule that sends execution status changes to the alert topic. */
function statusRulePattern(template: Template): Record<string, unknown> {
  const [rule] = Object.entries(template.findResources('AWS::Events::Rule')).filter(([id]) =>
    id.startsWith('CutoverMonitoringExecutionStatusRule'),
  );
  return rule![1].Properties.EventPattern;
}

describe('What pages the on-call', () => {
  let template: Template;
  beforeAll(() => {
    template = synthTemplate();
  });

  it('emails every alarm and every alert-rule message unfiltered: CloudWatch and EventBridge publish without message attributes', () => {
    // Act
    const alarmTopics = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .flatMap((alarm) => alarm.Properties.AlarmActions ?? [])
      .map(refOf);
    const [rule] = Object.values(template.findResources('AWS::Events::Rule')).filter((r) =>
      JSON.stringify(r.Properties.EventPattern).includes('"aws.states"'),
    );
    const ruleTopic = refOf(rule!.Properties.Targets[0].Arn);
    const subscriptions = Object.values(
      template.findResources('AWS::SNS::Subscription', { Properties: { TopicArn: { Ref: ruleTopic } } }),
    );
    // Assess
    expect(new Set(alarmTopics)).toEqual(new Set([ruleTopic]));
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

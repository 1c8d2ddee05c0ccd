import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { pascalCase } from './discovery.ts';

/** Props of {@link CutoverMonitoring}. */
export interface CutoverMonitoringProps {
  /** Subscribed to the alert topic when set. */
  readonly alarmEmail?: string;
}

/** The services that publish to the alert topic: EventBridge for the rule, CloudWatch for the alarms. */
const PUBLISHERS = ['events.amazonaws.com', 'cloudwatch.amazonaws.com'] as const;

/** The execution statuses that alert. */
export const ALERTING_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/** The most metrics one metric math alarm may use: a CloudWatch limit that cannot be raised. */
const METRICS_PER_MATH_ALARM = 10;

/**
 * Alerts and a dashboard: an encrypted SNS topic; an EventBridge rule sending failed, timed-out and aborted
 * executions to it; an alarm on ExecutionsFailed per state machine, allowed to publish to it by its topic
 * policy; and a dashboard of executions started, succeeded and failed, and their durations, per strategy.
 *
 * @example
 * const monitoring = new CutoverMonitoring(this, 'Monitoring', { alarmEmail: 'oncall@example.com' });
 * monitoring.watch(machines.byStrategy);
 */
export class CutoverMonitoring extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: CutoverMonitoringProps) {
    super(scope, id);
    const key = new kms.Key(this, 'AlertsKey', {
      description: 'Cutover alert topic encryption',
      enableKeyRotation: true,
    });
    // EventBridge and CloudWatch alarms publish to the topic, so they must be able to use its key. Without
    // conditions: the KMS calls SNS makes for EventBridge carry no aws:SourceAccount / aws:SourceArn (SNS
    // does not support them for EventBridge to an encrypted topic), so such a condition would drop every
    // alert. The topic policy names the one rule and the alarms that may publish.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: PUBLISHERS.map((service) => new iam.ServicePrincipal(service)),
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Alerts', {
      displayName: 'Cutover alerts',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard');
  }

  /** Alerts on and charts the executions of each state machine, by strategy. */
  watch(stateMachines: ReadonlyMap<string, sfn.IStateMachine>): void {
    const machines = [...stateMachines.entries()];
    if (machines.length > 0) {
      const message = events.RuleTargetInput.fromText(
        `Cutover execution ${events.EventField.fromPath('$.detail.name')} ` +
          `${events.EventField.fromPath('$.detail.status')}: ${events.EventField.fromPath('$.detail.executionArn')}`,
      );
      const rule = new events.Rule(this, 'ExecutionStatusRule', {
        description: 'Cutover executions that failed, timed out or were aborted',
        eventPattern: {
          source: ['aws.states'],
          detailType: ['Step Functions Execution Status Change'],
          detail: {
            status: [...ALERTING_STATUSES],
            stateMachineArn: machines.map(([, machine]) => machine.stateMachineArn),
          },
        },
        // Not `targets.SnsTopic`: it lets every EventBridge rule of every account publish to the topic.
        targets: [{ bind: () => ({ arn: this.topic.topicArn, input: message }) }],
      });
      this.#allowToPublish('events.amazonaws.com', [rule.ruleArn]);
    }

    // One alarm per machine, on ExecutionsFailed: none has a top-level TimeoutSeconds, so no execution ends
    // TIMED_OUT (an approval that times out fails its task, and the execution FAILS).
    const alarmAction = new actions.SnsAction(this.topic);
    const alarms = machines.map(([strategy, machine]) => {
      const alarm = new cloudwatch.Alarm(this, `${pascalCase(strategy)}FailedAlarm`, {
        alarmDescription: `Cutover ${strategy}: an execution failed`,
        metric: machine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(alarmAction);
      return alarm;
    });
    if (alarms.length > 0) {
      this.#allowToPublish(
        'cloudwatch.amazonaws.com',
        alarms.map((alarm) => alarm.alarmArn),
      );
    }

    for (const [strategy, machine] of machines) {
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${strategy}: executions`,
          width: 12,
          left: [
            machine.metricStarted({ label: 'started', statistic: 'Sum' }),
            machine.metricSucceeded({ label: 'succeeded', statistic: 'Sum' }),
            machine.metricFailed({ label: 'failed', statistic: 'Sum' }),
            machine.metricTimedOut({ label: 'timed out', statistic: 'Sum' }),
            machine.metricAborted({ label: 'aborted', statistic: 'Sum' }),
          ],
        }),
        new cloudwatch.GraphWidget({
          title: `${strategy}: duration`,
          width: 12,
          left: [
            machine.metricTime({ label: 'p50', statistic: 'p50' }),
            machine.metricTime({ label: 'p90', statistic: 'p90' }),
            machine.metricTime({ label: 'max', statistic: 'Maximum' }),
          ],
        }),
      );
    }
  }

  /**
   * Alerts when task functions are throttled: the account's Lambda concurrency is used up, so release steps,
   * rollbacks included, wait and then fail. One composite alarm publishes; under it, one metric math alarm
   * per group of up to {@link METRICS_PER_MATH_ALARM} functions sums their `Throttles`. Function errors do
   * not alarm: they are Cutover's control flow (a rejected request, a retried transient error, a failure
   * caught into a rollback), and each one that matters fails its execution, which {@link watch} alarms on.
   */
  watchTaskFunctions(functions: ReadonlyMap<string, lambda.IFunction>): void {
    const entries = [...functions];
    if (entries.length === 0) return;
    const period = Duration.minutes(5);
    const groups = Array.from({ length: Math.ceil(entries.length / METRICS_PER_MATH_ALARM) }, (_, index) =>
      entries.slice(index * METRICS_PER_MATH_ALARM, (index + 1) * METRICS_PER_MATH_ALARM),
    );
    const groupAlarms = groups.map(
      (group, index) =>
        new cloudwatch.Alarm(this, `TaskThrottles${index + 1}Alarm`, {
          alarmDescription: `Cutover tasks ${group.map(([name]) => name).join(', ')}: throttled (no action: TaskThrottlesAlarm alerts)`,
          metric: new cloudwatch.MathExpression({
            expression: 'SUM(METRICS())',
            usingMetrics: Object.fromEntries(
              group.map(([, fn], position) => [
                `f${position}`,
                fn.metricThrottles({ period, statistic: 'Sum' }),
              ]),
            ),
            period,
          }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    );
    this.alert(
      new cloudwatch.CompositeAlarm(this, 'TaskThrottlesAlarm', {
        alarmDescription:
          "Cutover: task functions are throttled (the account's Lambda concurrency is used up); release steps and rollbacks wait, then fail",
        alarmRule: cloudwatch.AlarmRule.anyOf(...groupAlarms),
      }),
    );
  }

  /** Sends `alarm`'s state changes to the alert topic, whose policy lets exactly that alarm publish. */
  alert(alarm: cloudwatch.AlarmBase): void {
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    this.#allowToPublish('cloudwatch.amazonaws.com', [alarm.alarmArn]);
  }

  /**
   * Lets `service` publish to the topic for exactly `sources` (`aws:SourceArn`) of this account. The topic
   * policy CDK writes replaces SNS's default one (which let the account's services publish), so nothing else
   * may.
   */
  #allowToPublish(service: (typeof PUBLISHERS)[number], sources: readonly string[]): void {
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(service)],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnLike: { 'aws:SourceArn': [...sources] },
        },
      }),
    );
  }
}

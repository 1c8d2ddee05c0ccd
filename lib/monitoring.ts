import { Annotations, Duration, Stack } from 'aws-cdk-lib';
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
import { isRollbackWorkflow, ROLLBACK_MACHINE } from '#core/rollback.ts';
import type { DeploymentEventType } from '#core/schemas/common.ts';
import { pascalCase } from './discovery.ts';

/** Props of {@link CutoverMonitoring}. */
export interface CutoverMonitoringProps {
  /**
   * Subscribed to the alert topic (every message) and to the event topic (the {@link PAGED_EVENT_TYPES}
   * only) when set. @default no subscription
   */
  readonly alarmEmail?: string;
}

/**
 * The deployment events that need a person: a release that failed or was rolled back, an approval to
 * give, and one nobody gave in time that let the release go on (`approval.onTimeout: continue`).
 * `Started`, `Promoted` and `Succeeded` stay on the event topic for other subscribers.
 */
export const PAGED_EVENT_TYPES = [
  'Failed',
  'RolledBack',
  'ApprovalRequested',
  'ApprovalUnanswered',
] as const satisfies readonly DeploymentEventType[];

/** The services that publish to the alert topic: EventBridge for the rule, CloudWatch for the alarms. */
const PUBLISHERS = ['events.amazonaws.com', 'cloudwatch.amazonaws.com'] as const;

/** The execution statuses that can need a person. */
export const ALERTING_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;
type AlertingStatus = (typeof ALERTING_STATUSES)[number];

/**
 * Failed executions of one workflow within {@link FAILURE_WINDOW} that alarm: a rate signal (releases keep
 * failing: a broken cluster, trigger or permission), each failed release having sent its own event.
 */
const FAILURES_TO_ALARM = 3;
const FAILURE_WINDOW = Duration.hours(1);

/** The most metrics one metric math alarm may use: a CloudWatch limit that cannot be raised. */
const METRICS_PER_MATH_ALARM = 10;

/**
 * The execution statuses of `workflow` that end with no Cutover event saying so, which the alert rule
 * reports. A release workflow (a strategy or the database migration) publishes its own `Failed` or
 * `RolledBack` event before it ends FAILED (but for a refused request, which changed nothing), and an
 * ABORTED one is rolled back by the rollback machine (when deployed), which publishes how that went. A
 * TIMED_OUT execution runs no `Catch`, and nothing rolls back the rollback machine itself.
 *
 * @example
 * unreportedStatuses('canary', true); // ['TIMED_OUT']
 * unreportedStatuses('rollback', true); // ['FAILED', 'TIMED_OUT', 'ABORTED']
 */
export function unreportedStatuses(workflow: string, rollbackDeployed: boolean): readonly AlertingStatus[] {
  if (!isRollbackWorkflow(workflow)) return ALERTING_STATUSES;
  return rollbackDeployed ? ['TIMED_OUT'] : ['TIMED_OUT', 'ABORTED'];
}

/**
 * Alerts and a dashboard. Two encrypted SNS topics: the event topic, where the task functions publish every
 * deployment event (with its `type` as a message attribute), and the alert topic, where CloudWatch alarms
 * and an EventBridge rule publish (messages without attributes, which no attribute filter policy lets
 * through). The alarm email gets every alert and, filtered on `type`, the {@link PAGED_EVENT_TYPES}. The
 * rule reports the executions that end with no Cutover event ({@link unreportedStatuses}); an alarm per
 * state machine reports {@link FAILURES_TO_ALARM} failures within an hour; a dashboard charts executions
 * and their durations, per strategy.
 *
 * @example
 * const monitoring = new CutoverMonitoring(this, 'Monitoring', { alarmEmail: 'oncall@example.com' });
 * monitoring.watch(machines.byStrategy);
 */
export class CutoverMonitoring extends Construct {
  /** Where CloudWatch alarms and the execution status rule publish: every message needs a person. */
  readonly topic: sns.Topic;
  /** Where the task functions publish the deployment events (`CUTOVER_EVENT_TOPIC_ARN`). */
  readonly eventTopic: sns.Topic;
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
    this.eventTopic = new sns.Topic(this, 'Events', {
      displayName: 'Cutover deployment events',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.#subscribe(props.alarmEmail);
    else {
      Annotations.of(this).addWarningV2(
        'cutover:Monitoring.noAlarmEmail',
        'no alarmEmail: the alert topic (output AlertTopicArn) has no subscriber, so alarms and failed rollbacks page nobody: deploy with -c alarmEmail=<on-call address>, or subscribe your pager to the topic',
      );
    }
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard');
  }

  /** Alerts on and charts the executions of each state machine, by strategy. */
  watch(stateMachines: ReadonlyMap<string, sfn.IStateMachine>): void {
    const machines = [...stateMachines.entries()];
    if (machines.length === 0) return;
    this.#alertOnUnreportedEnds(machines, stateMachines.has(ROLLBACK_MACHINE));
    this.#alarmOnFailureRate(machines);
    this.#chart(machines);
  }

  /**
   * `email` gets every alert, and the deployment events that need a person. Two subscriptions: CloudWatch
   * and EventBridge publish without message attributes, and SNS matches no attribute filter policy against
   * a message without attributes, not even `{"exists": false}`.
   */
  #subscribe(email: string): void {
    this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    this.eventTopic.addSubscription(
      new subscriptions.EmailSubscription(email, {
        filterPolicy: { type: sns.SubscriptionFilter.stringFilter({ allowlist: [...PAGED_EVENT_TYPES] }) },
      }),
    );
  }

  /** One EventBridge rule sends the execution ends of {@link unreportedStatuses} to the alert topic. */
  #alertOnUnreportedEnds(machines: readonly Machine[], rollbackDeployed: boolean): void {
    const message = events.RuleTargetInput.fromText(
      `Cutover execution ${events.EventField.fromPath('$.detail.name')} ` +
        `${events.EventField.fromPath('$.detail.status')}: ${events.EventField.fromPath('$.detail.executionArn')}`,
    );
    const rule = new events.Rule(this, 'ExecutionStatusRule', {
      description:
        'Cutover executions that ended with no Cutover event: a rollback that failed, timed out or was stopped, an execution that timed out',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: unreportedEndsPattern(machines, rollbackDeployed),
      },
      // Not `targets.SnsTopic`: it lets every EventBridge rule of every account publish to the topic.
      targets: [{ bind: () => ({ arn: this.topic.topicArn, input: message }) }],
    });
    this.#allowToPublish('events.amazonaws.com', [rule.ruleArn]);
  }

  /**
   * One alarm per machine, when {@link FAILURES_TO_ALARM} executions failed within {@link FAILURE_WINDOW}:
   * each failed or rolled-back release already sent its own event. None has a top-level TimeoutSeconds, so
   * no execution ends TIMED_OUT (an approval that times out fails its task, and the execution FAILS).
   */
  #alarmOnFailureRate(machines: readonly Machine[]): void {
    const alarmAction = new actions.SnsAction(this.topic);
    const alarms = machines.map(([strategy, machine]) => {
      const alarm = new cloudwatch.Alarm(this, `${pascalCase(strategy)}FailedAlarm`, {
        alarmDescription: `Cutover ${strategy}: ${FAILURES_TO_ALARM} or more executions failed within an hour (each failed release also sends its own event)`,
        metric: machine.metricFailed({ period: FAILURE_WINDOW, statistic: 'Sum' }),
        threshold: FAILURES_TO_ALARM,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(alarmAction);
      return alarm;
    });
    this.#allowToPublish(
      'cloudwatch.amazonaws.com',
      alarms.map((alarm) => alarm.alarmArn),
    );
  }

  /** Executions started, succeeded, failed, timed out and aborted, and their durations, per strategy. */
  #chart(machines: readonly Machine[]): void {
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
   * caught into a rollback), and each one that matters ends its release with a `Failed` or `RolledBack`
   * event (see {@link watch}).
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

/** A state machine by its workflow name. */
type Machine = readonly [workflow: string, machine: sfn.IStateMachine];

/**
 * The `detail` pattern matching the execution ends of {@link unreportedStatuses}: the machines grouped by
 * their statuses, several groups joined with `$or`.
 */
function unreportedEndsPattern(
  machines: readonly Machine[],
  rollbackDeployed: boolean,
): Record<string, unknown> {
  const groups = new Map<string, { status: AlertingStatus[]; stateMachineArn: string[] }>();
  for (const [workflow, machine] of machines) {
    const status = [...unreportedStatuses(workflow, rollbackDeployed)];
    const group = groups.get(status.join()) ?? { status, stateMachineArn: [] };
    group.stateMachineArn.push(machine.stateMachineArn);
    groups.set(status.join(), group);
  }
  const patterns = [...groups.values()];
  return patterns.length === 1 ? patterns[0]! : { $or: patterns };
}

import { Annotations, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { isRollbackWorkflow, ROLLBACK_MACHINE } from '#core/rollback.ts';
import type { DeploymentEventType } from '#core/schemas/common.ts';
import { isStrategy } from '#core/strategies.ts';
import { pascalCase } from './discovery.ts';
import { DeadLetters } from './rule-targets.ts';

/** Props of {@link CutoverMonitoring}. */
export interface CutoverMonitoringProps {
  /**
   * Subscribed to the alert topic (every message) and to the event topic (the {@link PAGED_EVENT_TYPES}
   * only) when set. @default no subscription
   */
  readonly alarmEmail?: string;
  /** The alert dead-letter queue's removal policy, as the rules' dead-letter queue has it. */
  readonly removalPolicy: RemovalPolicy;
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

/** How long, and how many times (with backoff), EventBridge retries an alert the topic did not take. */
const ALERT_MAX_EVENT_AGE = Duration.hours(1);
const ALERT_RETRY_ATTEMPTS = 185; // the most EventBridge allows: the event age bounds the retries

/** The namespace of the metrics Cutover makes of its state machines' logs. */
export const METRIC_NAMESPACE = 'Cutover';

/** A state's `Type`, which names the log record of entering it: `<Type>StateEntered`. */
export type StateType = 'Choice' | 'Fail' | 'Map' | 'Parallel' | 'Pass' | 'Succeed' | 'Task' | 'Wait';

/** States of a state machine whose entering pages, and what the page says. */
export interface EnteredStatesAlarm {
  /** Names the metric (`<state machine name>.<name>`) and the alarm (`<Workflow><name>Alarm`). */
  readonly name: string;
  /** The states by name, each with its `Type`. */
  readonly states: Readonly<Record<string, StateType>>;
  /** What happened and where the service stands, for the on-call. */
  readonly description: string;
}

/**
 * The states of the release strategies' machines that leave the service unfinished, entered before the
 * execution ends FAILED: entering one pages, whether or not the `Failed` event the state publishes gets out.
 * A rollback that stopped before moving the traffic (`RollbackStopped`) goes through `NotifyRollbackFailed`
 * first; both are watched, so that either alone still pages.
 */
export const RELEASE_STATE_ALARMS: readonly EnteredStatesAlarm[] = [
  {
    name: 'RollbackFailed',
    states: { NotifyRollbackFailed: 'Task', RollbackStopped: 'Fail' },
    description:
      "a release's rollback failed: the service may be half-released (its traffic and tracks as the release left them); see the execution's NotifyRollbackFailed event",
  },
  {
    name: 'CleanupFailed',
    states: { NotifyCleanupFailed: 'Task' },
    description:
      "a release was promoted but its clean-up failed: the new version serves all traffic, and the track it names as leftover still runs; see the execution's NotifyCleanupFailed event",
  },
];

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
 * rule reports the executions that end with no Cutover event ({@link unreportedStatuses}), the alerts it could
 * not publish going to a dead-letter queue; an alarm per state machine reports {@link FAILURES_TO_ALARM}
 * failures within an hour; alarms on the release machines' logs report a release left unfinished
 * ({@link RELEASE_STATE_ALARMS}); alarms on each topic's failed deliveries publish to the other topic; a
 * dashboard charts executions and their durations, per strategy.
 *
 * @example
 * const monitoring = new CutoverMonitoring(this, 'Monitoring', { alarmEmail: 'oncall@example.com', removalPolicy });
 * monitoring.watch(machines.byStrategy);
 */
export class CutoverMonitoring extends Construct {
  /** Where CloudWatch alarms and the execution status rule publish: every message needs a person. */
  readonly topic: sns.Topic;
  /** Where the task functions publish the deployment events (`CUTOVER_EVENT_TOPIC_ARN`). */
  readonly eventTopic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  /** The alarms that say a page may not have arrived, shown on the dashboard. */
  readonly #deliveryAlarms: cloudwatch.Alarm[] = [];
  readonly #removalPolicy: RemovalPolicy;

  constructor(scope: Construct, id: string, props: CutoverMonitoringProps) {
    super(scope, id);
    this.#removalPolicy = props.removalPolicy;
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
    this.#alarmOnFailedDeliveries();
  }

  /**
   * Alerts on and charts the executions of each state machine, by strategy, and pages when a release
   * strategy's machine enters a state of {@link RELEASE_STATE_ALARMS}.
   */
  watch(stateMachines: ReadonlyMap<string, sfn.IStateMachine>): void {
    const machines = [...stateMachines.entries()];
    if (machines.length === 0) return;
    this.#alertOnUnreportedEnds(machines, stateMachines.has(ROLLBACK_MACHINE));
    this.#alarmOnFailureRate(machines);
    const unfinished = this.#alarmOnUnfinishedReleases(machines.filter(([workflow]) => isStrategy(workflow)));
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Releases left unfinished, and pages that may not have arrived',
        width: 24,
        alarms: [...unfinished, ...this.#deliveryAlarms],
      }),
    );
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

  /**
   * One EventBridge rule sends the execution ends of {@link unreportedStatuses} to the alert topic. An alert
   * the topic does not take is retried for {@link ALERT_MAX_EVENT_AGE}, then goes to a dead-letter queue (at
   * once for an error EventBridge does not retry, such as a policy that refuses it).
   */
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
    });
    const deadLetters = this.#alertDeadLetters(rule);
    // Not `targets.SnsTopic`: it lets every EventBridge rule of every account publish to the topic.
    rule.addTarget({
      bind: () => ({
        arn: this.topic.topicArn,
        input: message,
        retryPolicy: {
          maximumRetryAttempts: ALERT_RETRY_ATTEMPTS,
          maximumEventAgeInSeconds: ALERT_MAX_EVENT_AGE.toSeconds(),
        },
        deadLetterConfig: { arn: deadLetters.queueArn },
      }),
    });
    this.#allowToPublish('events.amazonaws.com', [rule.ruleArn]);
  }

  /**
   * The alerts `rule` could not publish: an SQS queue (SQS-managed encryption, SSL only, messages kept 14
   * days, removed as the props' `removalPolicy` says) only that rule may send to, and an
   * alarm as soon as it holds one. The alarm publishes to both topics: the alert topic's policy or
   * subscription may be what failed.
   */
  #alertDeadLetters(rule: events.Rule): sqs.Queue {
    const { queue, alarm } = new DeadLetters(this, 'AlertDeadLetters', {
      removalPolicy: this.#removalPolicy,
      holds: 'The dead-letter queue of the alert rule target',
      alarmDescription:
        "Cutover: an alert of the execution status rule could not be published to the alert topic (a rollback that failed, timed out or was stopped, an execution that timed out); the event is in the alert dead-letter queue: read it, and check the alert topic's policy and key",
    });
    queue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
      }),
    );
    this.alert(alarm);
    this.#publishToEventTopic(alarm);
    this.#deliveryAlarms.push(alarm);
    return queue;
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

  /**
   * For each release machine, a metric filter on its log per {@link RELEASE_STATE_ALARMS} (the records of
   * entering those states, in namespace {@link METRIC_NAMESPACE}) and an alarm as soon as one is entered,
   * publishing to the alert topic. A machine that does not log ALL its events to CloudWatch Logs gets a synth
   * warning instead: no StateEntered record to count.
   */
  #alarmOnUnfinishedReleases(machines: readonly Machine[]): cloudwatch.Alarm[] {
    const alarms = machines.flatMap(([workflow, machine]) => {
      const log = allEventsLog(machine);
      if (!log) {
        Annotations.of(this).addWarningV2(
          `cutover:Monitoring.noStateLog.${workflow}`,
          `the ${workflow} state machine does not log ALL its events to CloudWatch Logs: no alarm pages when its rollback or clean-up fails (give it logs with level ALL)`,
        );
        return [];
      }
      const logGroup = logs.LogGroup.fromLogGroupArn(this, `${pascalCase(workflow)}Logs`, log.logGroupArn);
      return RELEASE_STATE_ALARMS.map((watched) =>
        this.#alarmOnEntering(workflow, log.stateMachineName, logGroup, watched),
      );
    });
    if (alarms.length > 0) {
      this.#allowToPublish(
        'cloudwatch.amazonaws.com',
        alarms.map((alarm) => alarm.alarmArn),
      );
    }
    return alarms;
  }

  /** A metric filter counting the entering of `watched.states` in `logGroup`, and an alarm at the first. */
  #alarmOnEntering(
    workflow: string,
    stateMachineName: string,
    logGroup: logs.ILogGroup,
    watched: EnteredStatesAlarm,
  ): cloudwatch.Alarm {
    const id = `${pascalCase(workflow)}${watched.name}`;
    const filter = new logs.MetricFilter(this, `${id}Filter`, {
      logGroup,
      filterPattern: enteredPattern(watched.states),
      metricNamespace: METRIC_NAMESPACE,
      // A metric filter's dimensions take their values from the log record, which does not name the state
      // machine: the metric name does.
      metricName: `${stateMachineName}.${watched.name}`,
      metricValue: '1',
    });
    const alarm = new cloudwatch.Alarm(this, `${id}Alarm`, {
      alarmDescription: `Cutover ${workflow}: ${watched.description}, in the latest FAILED executions of state machine ${stateMachineName}`,
      metric: filter.metric({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    return alarm;
  }

  /**
   * Alarms when SNS fails to deliver a message to a subscriber (`NumberOfNotificationsFailed`, any in 5
   * minutes): the event topic's alarm publishes to the alert topic; the alert topic's to the event topic,
   * since publishing to the topic that failed would fail the same way (the on-call's email subscription there
   * filters on `type` and drops it: its other subscribers get it, and the dashboard shows it).
   */
  #alarmOnFailedDeliveries(): void {
    const alerts = this.#failedDeliveriesAlarm(
      'AlertsUndeliveredAlarm',
      this.topic,
      "Cutover: SNS could not deliver a message of the alert topic to a subscriber: an alarm or a failed rollback may have paged nobody; check the alert topic's subscriptions and the Cutover alarms in ALARM",
    );
    this.#publishToEventTopic(alerts);
    const deploymentEvents = this.#failedDeliveriesAlarm(
      'EventsUndeliveredAlarm',
      this.eventTopic,
      `Cutover: SNS could not deliver a deployment event to a subscriber of the event topic: a ${PAGED_EVENT_TYPES.join(', ')} event may not have reached the on-call; check the event topic's subscriptions`,
    );
    this.alert(deploymentEvents);
    this.#deliveryAlarms.push(alerts, deploymentEvents);
  }

  /** An alarm as soon as SNS fails to deliver one message of `topic` to a subscriber. */
  #failedDeliveriesAlarm(id: string, topic: sns.Topic, description: string): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, id, {
      alarmDescription: description,
      metric: topic.metricNumberOfNotificationsFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
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

  /** Sends `alarm`'s state changes to the event topic too, whose policy lets exactly that alarm publish. */
  #publishToEventTopic(alarm: cloudwatch.AlarmBase): void {
    alarm.addAlarmAction(new actions.SnsAction(this.eventTopic));
    this.#allowToPublish('cloudwatch.amazonaws.com', [alarm.alarmArn], this.eventTopic);
  }

  /**
   * Lets `service` publish to `topic` (the alert topic by default) for exactly `sources` (`aws:SourceArn`) of
   * this account. The topic policy CDK writes replaces SNS's default one (which let the account's services
   * publish), so nothing else may.
   */
  #allowToPublish(
    service: (typeof PUBLISHERS)[number],
    sources: readonly string[],
    topic: sns.Topic = this.topic,
  ): void {
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(service)],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
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

/**
 * The filter pattern matching the log records of entering `states`: `<Type>StateEntered` records (which
 * Step Functions writes at log level ALL) whose `details.name` is the state's.
 *
 * @example
 * enteredPattern({ RollbackStopped: 'Fail' }).logPatternString;
 * // '{ ($.type = "FailStateEntered") && ($.details.name = "RollbackStopped") }'
 */
export function enteredPattern(states: Readonly<Record<string, StateType>>): logs.IFilterPattern {
  return logs.FilterPattern.any(
    ...Object.entries(states).map(([name, type]) =>
      logs.FilterPattern.all(
        logs.FilterPattern.stringValue('$.type', '=', `${type}StateEntered`),
        logs.FilterPattern.stringValue('$.details.name', '=', name),
      ),
    ),
  );
}

/**
 * The name of `machine` and the ARN of the log group it logs ALL its events to; none for a machine that logs
 * less, or is not defined in this app.
 */
function allEventsLog(
  machine: sfn.IStateMachine,
): { readonly stateMachineName: string; readonly logGroupArn: string } | undefined {
  if (!(machine instanceof sfn.StateMachine)) return undefined;
  const resource = machine.node.defaultChild as sfn.CfnStateMachine;
  const logging = resource.loggingConfiguration as
    | sfn.CfnStateMachine.LoggingConfigurationProperty
    | undefined;
  if (logging?.level !== sfn.LogLevel.ALL) return undefined;
  const [destination] = (logging.destinations ?? []) as sfn.CfnStateMachine.LogDestinationProperty[];
  const logGroup = destination?.cloudWatchLogsLogGroup as
    | sfn.CfnStateMachine.CloudWatchLogsLogGroupProperty
    | undefined;
  if (!logGroup?.logGroupArn) return undefined;
  // The name given, rather than the `Name` attribute: the alarm and metric then read it in the template.
  return {
    stateMachineName: resource.stateMachineName ?? machine.stateMachineName,
    logGroupArn: logGroup.logGroupArn,
  };
}

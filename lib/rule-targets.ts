import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { CutoverMonitoring } from './monitoring.ts';

/** How long EventBridge retries a StartExecution that failed (throttling, a service error), with backoff. */
const MAX_EVENT_AGE = Duration.hours(1);

/**
 * A rule target that starts `machine` with `input`: a failed StartExecution is retried for an hour, then
 * the event goes to `deadLetterQueue` (at once for an error EventBridge does not retry, such as a missing
 * permission).
 *
 * @example
 * new events.Rule(this, 'Rule', { eventPattern, targets: [startExecution(machine, input, deadLetters.queue)] });
 */
export function startExecution(
  machine: sfn.IStateMachine,
  input: events.RuleTargetInput,
  deadLetterQueue: sqs.IQueue,
): targets.SfnStateMachine {
  return new targets.SfnStateMachine(machine, {
    input,
    deadLetterQueue,
    retryAttempts: 185, // the most EventBridge allows: the event age bounds the retries
    maxEventAge: MAX_EVENT_AGE,
  });
}

/** Props of {@link DeadLetters}. */
export interface DeadLettersProps {
  /** The queue's removal policy: the log groups' and state machines' (`RetainExceptOnCreate` by default). */
  readonly removalPolicy: RemovalPolicy;
  /** What lands in the queue, for cdk-nag's record: `the dead-letter queue of the alert rule target`. */
  readonly holds: string;
  /** The alarm's description: what could not be delivered, and what to do. */
  readonly alarmDescription: string;
}

/**
 * A dead-letter queue (SQS-managed encryption, SSL only, messages kept 14 days, the queue kept as
 * `removalPolicy` says) and an alarm as soon as it holds a message; the owner routes the alarm.
 *
 * @example
 * const { queue, alarm } = new DeadLetters(this, 'AlertDeadLetters', { removalPolicy, holds, alarmDescription });
 */
export class DeadLetters extends Construct {
  readonly queue: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DeadLettersProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `${props.holds}: the last stop, read by people after its alarm`,
    });
    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmDescription: props.alarmDescription,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}

/** Props of {@link RuleDeadLetters}. */
export interface RuleDeadLettersProps {
  /** Where the alarm goes. */
  readonly monitoring: CutoverMonitoring;
  /** The queue's removal policy: the log groups' and state machines' (`RetainExceptOnCreate` by default). */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The events EventBridge rules could not start an execution for (a rollback left undone, a release not
 * started): {@link DeadLetters} whose alarm publishes to the alert topic.
 *
 * @example
 * const deadLetters = new RuleDeadLetters(this, 'RuleDeadLetters', { monitoring, removalPolicy });
 */
export class RuleDeadLetters extends DeadLetters {
  constructor(scope: Construct, id: string, props: RuleDeadLettersProps) {
    super(scope, id, {
      removalPolicy: props.removalPolicy,
      holds: 'The dead-letter queue of the EventBridge rule targets',
      alarmDescription:
        'Cutover: an EventBridge rule could not start an execution (a rollback or a release), or a Release Requested event names no strategy served or lacks a required field; the event is in the dead-letter queue',
    });
    props.monitoring.alert(this.alarm);
  }
}

import type { SNSClient } from '@aws-sdk/client-sns';
import type { Notifier } from '#core/ports/notifier.ts';
import type { DeploymentEvent } from '#core/types.ts';
import { asAdapterError } from '../aws-errors.ts';

/** Options of {@link SnsNotifier}. */
export interface SnsNotifierOptions {
  readonly client: Pick<SNSClient, 'send'>;
  readonly topicArn: string;
}

/** SNS subjects are at most 100 printable ASCII characters. */
const MAX_SUBJECT = 100;

/**
 * Publishes deployment events to an SNS topic: a readable subject, the event as JSON in the body, and the
 * event type, service and namespace as message attributes for subscription filter policies.
 *
 * @example
 * const notifier = new SnsNotifier({ client: new SNSClient({}), topicArn: process.env.CUTOVER_EVENT_TOPIC_ARN! });
 * await notifier.publish({ type: 'RolledBack', service, message: 'canary v2 failed analysis', at: new Date().toISOString() });
 */
export class SnsNotifier implements Notifier {
  readonly type = 'sns';
  readonly #client: Pick<SNSClient, 'send'>;
  readonly #topicArn: string;

  constructor(options: SnsNotifierOptions) {
    this.#client = options.client;
    this.#topicArn = options.topicArn;
  }

  async publish(event: DeploymentEvent): Promise<void> {
    const { PublishCommand } = await import('@aws-sdk/client-sns');
    const command = new PublishCommand({
      TopicArn: this.#topicArn,
      Subject: subjectOf(event),
      Message: JSON.stringify(event, null, 2),
      MessageAttributes: {
        type: { DataType: 'String', StringValue: event.type },
        service: { DataType: 'String', StringValue: event.service.name },
        namespace: { DataType: 'String', StringValue: event.service.namespace },
      },
    });
    await this.#client.send(command).catch((error: unknown) => {
      throw asAdapterError(error, 'sns:Publish');
    });
  }
}

/** `Cutover RolledBack: shop/checkout v2`, printable ASCII, cut to SNS's limit. */
function subjectOf(event: DeploymentEvent): string {
  const version = event.version ? ` ${event.version}` : '';
  const subject = `Cutover ${event.type}: ${event.service.namespace}/${event.service.name}${version}`;
  return subject.replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_SUBJECT);
}

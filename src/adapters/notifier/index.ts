import type { Notifier } from '#core/ports/notifier.ts';
import type { DeploymentEvent } from '#core/types.ts';
import { clientOnFirstSend } from '../aws-clients.ts';
import { AdapterRegistry } from '../registry.ts';
import { EventBridgeNotifier } from './eventbridge.ts';
import { SnsNotifier } from './sns.ts';

export { CUTOVER_EVENT_SOURCE, EventBridgeNotifier } from './eventbridge.ts';
export { SnsNotifier } from './sns.ts';

/** Which notifier to build: an SNS topic, an EventBridge bus, or the local runtime's `notifications` table. */
export type NotifierConfig =
  | { readonly type: 'sns'; readonly topicArn: string; readonly region?: string }
  | { readonly type: 'eventbridge'; readonly eventBusName: string; readonly region?: string }
  | { readonly type: 'local'; readonly dataDir: string };

/** The `notifier` family: `sns` and `eventbridge` register here; the local runtime registers `local`. */
export const notifiers = new AdapterRegistry<NotifierConfig, Notifier>('notifier');

notifiers.register('sns', (config) => {
  const { topicArn, region } = config as Extract<NotifierConfig, { type: 'sns' }>;
  const client = clientOnFirstSend(
    async () => new (await import('@aws-sdk/client-sns')).SNSClient(region ? { region } : {}),
  );
  return new SnsNotifier({ client, topicArn });
});

notifiers.register('eventbridge', (config) => {
  const { eventBusName, region } = config as Extract<NotifierConfig, { type: 'eventbridge' }>;
  const client = clientOnFirstSend(
    async () => new (await import('@aws-sdk/client-eventbridge')).EventBridgeClient(region ? { region } : {}),
  );
  return new EventBridgeNotifier({ client, eventBusName });
});

/**
 * Builds the notifier for `config.type`; throws `UnknownAdapterType` naming the allowed types.
 *
 * @example
 * const notifier = createNotifier({ type: 'sns', topicArn: 'arn:aws:sns:eu-west-1:123456789012:cutover-alerts' });
 */
export function createNotifier(config: NotifierConfig): Notifier {
  return notifiers.create(config);
}

/**
 * The notifier configs the task functions use: SNS when `CUTOVER_EVENT_TOPIC_ARN` is set, EventBridge when
 * `CUTOVER_EVENT_BUS` is set (both when both are), else the local `notifications` table in `CUTOVER_DATA_DIR`.
 *
 * @example
 * notifierConfigsFromEnvironment({ CUTOVER_EVENT_BUS: 'default' }); // [{ type: 'eventbridge', eventBusName: 'default' }]
 */
export function notifierConfigsFromEnvironment(env: NodeJS.ProcessEnv = process.env): NotifierConfig[] {
  const region = env.AWS_REGION ? { region: env.AWS_REGION } : {};
  const configs: NotifierConfig[] = [];
  if (env.CUTOVER_EVENT_TOPIC_ARN)
    configs.push({ type: 'sns', topicArn: env.CUTOVER_EVENT_TOPIC_ARN, ...region });
  if (env.CUTOVER_EVENT_BUS)
    configs.push({ type: 'eventbridge', eventBusName: env.CUTOVER_EVENT_BUS, ...region });
  return configs.length > 0 ? configs : [{ type: 'local', dataDir: env.CUTOVER_DATA_DIR || '.cutover' }];
}

/**
 * The notifier the task functions use: every notifier of {@link notifierConfigsFromEnvironment}, each
 * event published to all of them.
 *
 * @example
 * await createNotifierFromEnvironment(process.env).publish(event);
 */
export function createNotifierFromEnvironment(env: NodeJS.ProcessEnv = process.env): Notifier {
  const targets = notifierConfigsFromEnvironment(env).map(createNotifier);
  return targets.length === 1 ? targets[0]! : new FanOutNotifier(targets);
}

/** Publishes each event to every target; all are tried, the first failure is rethrown. */
class FanOutNotifier implements Notifier {
  constructor(private readonly targets: readonly Notifier[]) {}

  async publish(event: DeploymentEvent): Promise<void> {
    const results = await Promise.allSettled(this.targets.map((target) => target.publish(event)));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  }
}

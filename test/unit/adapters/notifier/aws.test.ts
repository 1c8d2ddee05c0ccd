import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { NotifierDeliveryError } from '#adapters/notifier/errors.ts';
import { EventBridgeNotifier } from '#adapters/notifier/eventbridge.ts';
import { SnsNotifier } from '#adapters/notifier/sns.ts';
import { TransientAdapterError } from '#core/errors.ts';
import type { DeploymentEvent } from '#core/types.ts';

function buildEvent(overrides: Partial<DeploymentEvent> = {}): DeploymentEvent {
  return {
    type: 'RolledBack',
    service: { name: 'checkout', namespace: 'shop' },
    executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:cutover-canary:rel-1',
    strategy: 'canary',
    version: 'v2',
    message: 'canary v2 failed analysis',
    at: '2026-11-28T12:00:00.000Z',
    ...overrides,
  };
}

describe('SnsNotifier', () => {
  it('publishes a readable subject, the event as JSON and filterable attributes', async () => {
    // Prepare
    const client = new SNSClient({ region: 'eu-west-1' });
    const mock = mockClient(client);
    mock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:cutover-alerts';
    const event = buildEvent();
    // Act
    await new SnsNotifier({ client, topicArn }).publish(event);
    // Assess
    expect(mock.commandCalls(PublishCommand)[0]!.args[0].input).toEqual({
      TopicArn: topicArn,
      Subject: 'Cutover RolledBack: shop/checkout v2',
      Message: JSON.stringify(event, null, 2),
      MessageAttributes: {
        type: { DataType: 'String', StringValue: 'RolledBack' },
        service: { DataType: 'String', StringValue: 'checkout' },
        namespace: { DataType: 'String', StringValue: 'shop' },
      },
    });
  });

  it('keeps the subject within 100 printable ASCII characters', async () => {
    // Prepare
    const client = new SNSClient({ region: 'eu-west-1' });
    const mock = mockClient(client);
    mock.on(PublishCommand).resolves({});
    const event = buildEvent({ service: { name: `caf\u00e9-${'x'.repeat(200)}`, namespace: 'shop' } });
    // Act
    await new SnsNotifier({ client, topicArn: 'arn:aws:sns:eu-west-1:1:t' }).publish(event);
    // Assess
    const subject = mock.commandCalls(PublishCommand)[0]!.args[0].input.Subject!;
    expect(subject).toHaveLength(100);
    expect(subject).toMatch(/^Cutover RolledBack: shop\/caf\?-x+$/);
  });
});

describe('EventBridgeNotifier', () => {
  it('puts the event as detail with source cutover and a detail-type per event type', async () => {
    // Prepare
    const client = new EventBridgeClient({ region: 'eu-west-1' });
    const mock = mockClient(client);
    mock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const event = buildEvent();
    // Act
    await new EventBridgeNotifier({ client, eventBusName: 'deployments' }).publish(event);
    // Assess
    expect(mock.commandCalls(PutEventsCommand)[0]!.args[0].input).toEqual({
      Entries: [
        {
          EventBusName: 'deployments',
          Source: 'cutover',
          DetailType: 'Deployment RolledBack',
          Detail: JSON.stringify(event),
          Time: new Date('2026-11-28T12:00:00.000Z'),
          Resources: [event.executionArn],
        },
      ],
    });
  });

  it('fails when the bus rejects the entry, and asks for a retry when the rejection is transient', async () => {
    // Prepare
    const client = new EventBridgeClient({ region: 'eu-west-1' });
    const mock = mockClient(client);
    mock
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'NotAuthorized', ErrorMessage: 'no' }] })
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] });
    const notifier = new EventBridgeNotifier({ client, eventBusName: 'deployments' });
    // Act + Assess
    await expect(notifier.publish(buildEvent())).rejects.toThrowError(NotifierDeliveryError);
    await expect(notifier.publish(buildEvent())).rejects.toThrowError(TransientAdapterError);
  });
});

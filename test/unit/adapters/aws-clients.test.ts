import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { clientOnFirstSend } from '#adapters/aws-clients.ts';
import { createLock } from '#adapters/lock/index.ts';
import { createNotifier } from '#adapters/notifier/index.ts';

const service = { name: 'checkout', namespace: 'shop' };

describe('clientOnFirstSend', () => {
  it('builds the client on the first send only, once for every later send', async () => {
    // Prepare
    const built: SNSClient[] = [];
    const client = clientOnFirstSend(async () => {
      const sns = new SNSClient({ region: 'eu-west-1' });
      mockClient(sns)
        .on(PublishCommand)
        .resolves({ MessageId: `m-${built.length}` });
      built.push(sns);
      return sns;
    });
    const buildsBeforeSend = built.length;
    // Act
    const first = await client.send(
      new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:1:t', Message: 'a' }),
    );
    const second = await client.send(
      new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:1:t', Message: 'b' }),
    );
    // Assess
    expect(buildsBeforeSend).toBe(0);
    expect(built).toHaveLength(1);
    expect([first.MessageId, second.MessageId]).toEqual(['m-0', 'm-0']);
  });

  it('builds again on the next send when a build failed', async () => {
    // Prepare
    let attempts = 0;
    const client = clientOnFirstSend(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('credentials not ready');
      const sns = new SNSClient({ region: 'eu-west-1' });
      mockClient(sns).on(PublishCommand).resolves({ MessageId: 'm-2' });
      return sns;
    });
    const command = new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:1:t', Message: 'a' });
    // Act
    const failed = await client.send(command).catch((error: Error) => error.message);
    const retried = await client.send(command);
    // Assess
    expect(failed).toBe('credentials not ready');
    expect(retried.MessageId).toBe('m-2');
  });
});

describe('adapters built by the family factories', () => {
  const restores: (() => void)[] = [];
  afterEach(() => {
    for (const restore of restores.splice(0)) restore();
  });

  it('send through the SDK client class, so mockClient(XClient) intercepts the lazily built client', async () => {
    // Prepare
    const sns = mockClient(SNSClient);
    const dynamodb = mockClient(DynamoDBClient);
    restores.push(
      () => sns.restore(),
      () => dynamodb.restore(),
    );
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    dynamodb.on(GetItemCommand).resolves({});
    const notifier = createNotifier({
      type: 'sns',
      topicArn: 'arn:aws:sns:eu-west-1:1:t',
      region: 'eu-west-1',
    });
    const lock = createLock({ type: 'dynamodb', tableName: 'cutover-state', region: 'eu-west-1' });
    // Act
    await notifier.publish({ type: 'Started', service, message: 'started', at: '2026-11-28T12:00:00.000Z' });
    const holder = await lock.holder(service);
    // Assess
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input.TopicArn).toBe('arn:aws:sns:eu-west-1:1:t');
    expect(dynamodb.commandCalls(GetItemCommand)[0]!.args[0].input.TableName).toBe('cutover-state');
    expect(holder).toBeUndefined();
  });
});

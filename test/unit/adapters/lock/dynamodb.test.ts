import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbLock } from '#adapters/lock/dynamodb.ts';
import { TransientAdapterError } from '#core/errors.ts';

const service = { name: 'checkout', namespace: 'shop' };
const NOW = new Date('2026-11-28T12:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;

function buildLock() {
  const client = new DynamoDBClient({ region: 'eu-west-1' });
  const mock = mockClient(client);
  const lock = new DynamoDbLock({ client, tableName: 'cutover-state', now: () => NOW });
  return { lock, mock };
}

function conditionFailed() {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}

describe('DynamoDbLock', () => {
  let built: ReturnType<typeof buildLock>;
  beforeEach(() => {
    built = buildLock();
  });

  it('acquires with a conditional PutItem carrying the owner and a TTL', async () => {
    // Prepare
    built.mock.on(PutItemCommand).resolves({});
    // Act
    const acquired = await built.lock.acquire(service, 'arn:exec:1', 3600);
    // Assess
    expect(acquired).toBe(true);
    expect(built.mock.commandCalls(PutItemCommand)[0]!.args[0].input).toEqual({
      TableName: 'cutover-state',
      Item: {
        pk: { S: 'lock#shop/checkout' },
        owner: { S: 'arn:exec:1' },
        acquiredAt: { S: '2026-11-28T12:00:00.000Z' },
        expiresAt: { N: String(NOW_SECONDS + 3600) },
      },
      ConditionExpression: 'attribute_not_exists(#pk) OR #owner = :owner OR #expiresAt <= :now',
      ExpressionAttributeNames: { '#pk': 'pk', '#owner': 'owner', '#expiresAt': 'expiresAt' },
      ExpressionAttributeValues: { ':owner': { S: 'arn:exec:1' }, ':now': { N: String(NOW_SECONDS) } },
    });
  });

  it('answers false when another owner holds an unexpired lock', async () => {
    // Prepare
    built.mock.on(PutItemCommand).rejects(conditionFailed());
    // Act
    const acquired = await built.lock.acquire(service, 'arn:exec:2', 3600);
    // Assess
    expect(acquired).toBe(false);
  });

  it('takes over with a PutItem conditioned also on the previous owner holding the lock', async () => {
    // Prepare
    built.mock.on(PutItemCommand).resolves({});
    // Act
    const taken = await built.lock.takeOver(service, 'arn:exec:1', 'arn:exec:2', 3600);
    // Assess
    expect(taken).toBe(true);
    const { input } = built.mock.commandCalls(PutItemCommand)[0]!.args[0];
    expect(input.Item?.owner).toEqual({ S: 'arn:exec:2' });
    expect(input.ConditionExpression).toBe(
      'attribute_not_exists(#pk) OR #owner = :owner OR #expiresAt <= :now OR #owner = :previousOwner',
    );
    expect(input.ExpressionAttributeValues).toEqual({
      ':owner': { S: 'arn:exec:2' },
      ':now': { N: String(NOW_SECONDS) },
      ':previousOwner': { S: 'arn:exec:1' },
    });
  });

  it('answers false to a take-over once a third owner holds the lock', async () => {
    // Prepare
    built.mock.on(PutItemCommand).rejects(conditionFailed());
    // Act
    const taken = await built.lock.takeOver(service, 'arn:exec:1', 'arn:exec:2', 3600);
    // Assess
    expect(taken).toBe(false);
  });

  it('turns throttling into a TransientAdapterError the state machines retry', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ProvisionedThroughputExceededException',
      $metadata: { httpStatusCode: 400 },
    });
    built.mock.on(PutItemCommand).rejects(throttled);
    // Act + Assess
    await expect(built.lock.acquire(service, 'arn:exec:1', 60)).rejects.toBeInstanceOf(TransientAdapterError);
  });

  it('releases with a DeleteItem conditioned on the owner, ignoring a lock held by someone else', async () => {
    // Prepare
    built.mock.on(DeleteItemCommand).rejects(conditionFailed());
    // Act
    await built.lock.release(service, 'arn:exec:1');
    // Assess
    expect(built.mock.commandCalls(DeleteItemCommand)[0]!.args[0].input).toEqual({
      TableName: 'cutover-state',
      Key: { pk: { S: 'lock#shop/checkout' } },
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': { S: 'arn:exec:1' } },
    });
  });

  it('reports the holder with a consistent read, and no holder once the lock expired', async () => {
    // Prepare
    built.mock
      .on(GetItemCommand)
      .resolvesOnce({ Item: { owner: { S: 'arn:exec:1' }, expiresAt: { N: String(NOW_SECONDS + 1) } } })
      .resolvesOnce({ Item: { owner: { S: 'arn:exec:1' }, expiresAt: { N: String(NOW_SECONDS) } } })
      .resolvesOnce({});
    // Act
    const holders = [
      await built.lock.holder(service),
      await built.lock.holder(service),
      await built.lock.holder(service),
    ];
    // Assess
    expect(holders).toEqual(['arn:exec:1', undefined, undefined]);
    expect(built.mock.commandCalls(GetItemCommand)[0]!.args[0].input).toEqual({
      TableName: 'cutover-state',
      Key: { pk: { S: 'lock#shop/checkout' } },
      ConsistentRead: true,
    });
  });

  it("claims a stopped execution's clean-up with a conditional PutItem under rollback#<executionArn>", async () => {
    // Prepare
    const stopped = 'arn:aws:states:eu-west-1:123456789012:execution:canary:release-1';
    built.mock.on(PutItemCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    // Act
    const claims = [
      await built.lock.claimRollback(stopped, 'arn:rollback:1', 604_800),
      await built.lock.claimRollback(stopped, 'arn:rollback:2', 604_800),
    ];
    // Assess
    expect(claims).toEqual([true, false]);
    expect(built.mock.commandCalls(PutItemCommand)[1]!.args[0].input).toEqual({
      TableName: 'cutover-state',
      Item: {
        pk: { S: `rollback#${stopped}` },
        owner: { S: 'arn:rollback:2' },
        acquiredAt: { S: '2026-11-28T12:00:00.000Z' },
        expiresAt: { N: String(NOW_SECONDS + 604_800) },
      },
      ConditionExpression:
        'attribute_not_exists(#pk) OR #owner = :owner OR #expiresAt <= :now OR #givenUp = :givenUp',
      ExpressionAttributeNames: {
        '#pk': 'pk',
        '#owner': 'owner',
        '#expiresAt': 'expiresAt',
        '#givenUp': 'givenUp',
      },
      ExpressionAttributeValues: {
        ':owner': { S: 'arn:rollback:2' },
        ':now': { N: String(NOW_SECONDS) },
        ':givenUp': { BOOL: true },
      },
    });
  });

  it('names the rollback that claimed an execution, and whether it gave the claim up, with a consistent read', async () => {
    // Prepare
    const stopped = 'arn:aws:states:eu-west-1:123456789012:execution:canary:release-1';
    const claim = { owner: { S: 'arn:rollback:1' }, expiresAt: { N: String(NOW_SECONDS + 60) } };
    built.mock
      .on(GetItemCommand)
      .resolvesOnce({ Item: claim })
      .resolvesOnce({ Item: { ...claim, givenUp: { BOOL: true } } })
      .resolvesOnce({ Item: { ...claim, givenUp: { BOOL: true }, expiresAt: { N: String(NOW_SECONDS) } } });
    // Act
    const claims = [
      await built.lock.rollbackOf(stopped),
      await built.lock.rollbackOf(stopped),
      await built.lock.rollbackOf(stopped),
    ];
    // Assess
    expect(claims).toEqual([
      { rollbackArn: 'arn:rollback:1', givenUp: false },
      { rollbackArn: 'arn:rollback:1', givenUp: true },
      undefined,
    ]);
    expect(built.mock.commandCalls(GetItemCommand)[0]!.args[0].input).toEqual({
      TableName: 'cutover-state',
      Key: { pk: { S: `rollback#${stopped}` } },
      ConsistentRead: true,
    });
  });

  it('gives a claim up with a PutItem marking it givenUp, conditioned on its rollback holding it', async () => {
    // Prepare
    const stopped = 'arn:aws:states:eu-west-1:123456789012:execution:canary:release-1';
    built.mock.on(PutItemCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    // Act
    await built.lock.giveUpRollback(stopped, 'arn:rollback:1', 1_296_000);
    await built.lock.giveUpRollback(stopped, 'arn:rollback:2', 1_296_000);
    // Assess: the second, whose rollback holds nothing, changes nothing and throws nothing
    expect(built.mock.commandCalls(PutItemCommand)[0]!.args[0].input).toEqual({
      TableName: 'cutover-state',
      Item: {
        pk: { S: `rollback#${stopped}` },
        owner: { S: 'arn:rollback:1' },
        acquiredAt: { S: '2026-11-28T12:00:00.000Z' },
        expiresAt: { N: String(NOW_SECONDS + 1_296_000) },
        givenUp: { BOOL: true },
      },
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': { S: 'arn:rollback:1' } },
    });
    expect(built.mock.commandCalls(PutItemCommand)).toHaveLength(2);
  });
});

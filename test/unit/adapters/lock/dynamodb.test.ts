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
import { STOPPED_CLAIM_KEPT_SECONDS } from '#core/rollback.ts';

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

  it("claims a stopped execution's clean-up with a conditional PutItem under rollback#<executionArn>, kept 15 days", async () => {
    // Prepare
    const stopped = 'arn:aws:states:eu-west-1:123456789012:execution:canary:release-1';
    built.mock.on(PutItemCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    // Act
    const claims = [
      await built.lock.claimRollback(stopped, 'arn:rollback:1', 7_200),
      await built.lock.claimRollback(stopped, 'arn:rollback:2', 7_200),
    ];
    // Assess: held 2 hours, swept by the TTL attribute no sooner than 15 days on
    expect(claims).toEqual([true, false]);
    expect(built.mock.commandCalls(PutItemCommand)[1]!.args[0].input).toEqual({
      TableName: 'cutover-state',
      Item: {
        pk: { S: `rollback#${stopped}` },
        owner: { S: 'arn:rollback:2' },
        acquiredAt: { S: '2026-11-28T12:00:00.000Z' },
        expiresAt: { N: String(NOW_SECONDS + STOPPED_CLAIM_KEPT_SECONDS) },
        heldUntil: { N: String(NOW_SECONDS + 7_200) },
      },
      ConditionExpression:
        'attribute_not_exists(#pk) OR #owner = :owner OR #givenUp = :givenUp OR #heldUntil <= :now OR #expiresAt <= :now',
      ExpressionAttributeNames: {
        '#pk': 'pk',
        '#owner': 'owner',
        '#givenUp': 'givenUp',
        '#heldUntil': 'heldUntil',
        '#expiresAt': 'expiresAt',
      },
      ExpressionAttributeValues: {
        ':owner': { S: 'arn:rollback:2' },
        ':givenUp': { BOOL: true },
        ':now': { N: String(NOW_SECONDS) },
      },
    });
  });

  it('names the rollback that claimed an execution, and whether it still holds the claim, with a consistent read', async () => {
    // Prepare: held; given up; its hold lapsed; one written before heldUntil, held until its TTL; swept-due
    const stopped = 'arn:aws:states:eu-west-1:123456789012:execution:canary:release-1';
    const kept = { N: String(NOW_SECONDS + 60) };
    const claim = { owner: { S: 'arn:rollback:1' }, expiresAt: kept, heldUntil: kept };
    built.mock
      .on(GetItemCommand)
      .resolvesOnce({ Item: claim })
      .resolvesOnce({ Item: { owner: claim.owner, expiresAt: kept, givenUp: { BOOL: true } } })
      .resolvesOnce({ Item: { ...claim, heldUntil: { N: String(NOW_SECONDS) } } })
      .resolvesOnce({ Item: { owner: claim.owner, expiresAt: kept } })
      .resolvesOnce({ Item: { ...claim, expiresAt: { N: String(NOW_SECONDS) } } });
    // Act
    const claims = [];
    for (let read = 0; read < 5; read++) claims.push(await built.lock.rollbackOf(stopped));
    // Assess
    expect(claims).toEqual([
      { rollbackArn: 'arn:rollback:1', givenUp: false },
      { rollbackArn: 'arn:rollback:1', givenUp: true },
      { rollbackArn: 'arn:rollback:1', givenUp: true },
      { rollbackArn: 'arn:rollback:1', givenUp: false },
      undefined,
    ]);
    expect(built.mock.commandCalls(GetItemCommand)[0]!.args[0].input).toEqual({
      TableName: 'cutover-state',
      Key: { pk: { S: `rollback#${stopped}` } },
      ConsistentRead: true,
    });
  });

  it('gives a claim up with a PutItem marking it givenUp, kept 15 days, conditioned on its rollback holding it', async () => {
    // Prepare
    const stopped = 'arn:aws:states:eu-west-1:123456789012:execution:canary:release-1';
    built.mock.on(PutItemCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    // Act
    await built.lock.giveUpRollback(stopped, 'arn:rollback:1');
    await built.lock.giveUpRollback(stopped, 'arn:rollback:2');
    // Assess: the second, whose rollback holds nothing, changes nothing and throws nothing
    expect(built.mock.commandCalls(PutItemCommand)[0]!.args[0].input).toEqual({
      TableName: 'cutover-state',
      Item: {
        pk: { S: `rollback#${stopped}` },
        owner: { S: 'arn:rollback:1' },
        acquiredAt: { S: '2026-11-28T12:00:00.000Z' },
        expiresAt: { N: String(NOW_SECONDS + STOPPED_CLAIM_KEPT_SECONDS) },
        givenUp: { BOOL: true },
      },
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': { S: 'arn:rollback:1' } },
    });
    expect(built.mock.commandCalls(PutItemCommand)).toHaveLength(2);
  });
});

import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Lock, RollbackClaim } from '#core/ports/lock.ts';
import type { ServiceRef } from '#core/types.ts';
import { asAdapterError } from '../aws-errors.ts';
import { epochSeconds, lockKey, rollbackClaimKey, STATE_TABLE } from '../state-table.ts';

/** Options of {@link DynamoDbLock}. */
export interface DynamoDbLockOptions {
  readonly client: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
  /** The clock used for expiry. @default () => new Date() */
  readonly now?: () => Date;
}

/**
 * One release at a time per service, as an item of the state table. Acquire is a conditional PutItem that
 * succeeds when the lock is free, expired, or already held by the same owner; the TTL attribute lets
 * DynamoDB sweep locks whose execution died without releasing them. Rollback claims are items of the same
 * shape under `rollback#<executionArn>`; a claim given up is kept with `givenUp: true`, which another
 * rollback's claim replaces.
 *
 * @example
 * const lock = new DynamoDbLock({ client: new DynamoDBClient({}), tableName: 'cutover-state' });
 * if (await lock.acquire({ name: 'checkout', namespace: 'shop' }, executionArn, 86_400)) { ... }
 */
export class DynamoDbLock implements Lock {
  readonly type = 'dynamodb';
  readonly #client: Pick<DynamoDBClient, 'send'>;
  readonly #tableName: string;
  readonly #now: () => Date;

  constructor(options: DynamoDbLockOptions) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#now = options.now ?? (() => new Date());
  }

  acquire(service: ServiceRef, owner: string, ttlSeconds: number): Promise<boolean> {
    return this.#putUnlessHeld(lockKey(service), owner, ttlSeconds);
  }

  takeOver(service: ServiceRef, previousOwner: string, owner: string, ttlSeconds: number): Promise<boolean> {
    return this.#putUnlessHeld(lockKey(service), owner, ttlSeconds, { previousOwner });
  }

  release(service: ServiceRef, owner: string): Promise<void> {
    return this.#deleteIfOwner(lockKey(service), owner);
  }

  async holder(service: ServiceRef): Promise<string | undefined> {
    return (await this.#unexpiredItem(lockKey(service)))?.owner?.S;
  }

  claimRollback(executionArn: string, rollbackArn: string, ttlSeconds: number): Promise<boolean> {
    return this.#putUnlessHeld(rollbackClaimKey(executionArn), rollbackArn, ttlSeconds, {
      overGivenUp: true,
    });
  }

  async rollbackOf(executionArn: string): Promise<RollbackClaim | undefined> {
    const item = await this.#unexpiredItem(rollbackClaimKey(executionArn));
    const rollbackArn = item?.owner?.S;
    return rollbackArn === undefined ? undefined : { rollbackArn, givenUp: item?.givenUp?.BOOL === true };
  }

  /** A PutItem of the claim, marked `givenUp`, conditioned on `rollbackArn` holding it. */
  async giveUpRollback(executionArn: string, rollbackArn: string, ttlSeconds: number): Promise<void> {
    const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    const item = this.#item(rollbackClaimKey(executionArn), rollbackArn, ttlSeconds);
    const command = new PutItemCommand({
      TableName: this.#tableName,
      Item: { ...item, givenUp: { BOOL: true } },
      ...ownerCondition(rollbackArn),
    });
    await this.#sendIfOwner(() => this.#client.send(command), 'dynamodb:PutItem');
  }

  /** The item of `key` held by `owner` for `ttlSeconds` from now. */
  #item(key: string, owner: string, ttlSeconds: number): Record<string, AttributeValue> {
    return {
      [STATE_TABLE.partitionKey]: { S: key },
      owner: { S: owner },
      acquiredAt: { S: this.#now().toISOString() },
      [STATE_TABLE.ttlAttribute]: { N: String(epochSeconds(this.#now()) + ttlSeconds) },
    };
  }

  /** A DeleteItem of `key` conditioned on `owner` holding it; a no-op when someone else does. */
  async #deleteIfOwner(key: string, owner: string): Promise<void> {
    const { DeleteItemCommand } = await import('@aws-sdk/client-dynamodb');
    const command = new DeleteItemCommand({
      TableName: this.#tableName,
      Key: { [STATE_TABLE.partitionKey]: { S: key } },
      ...ownerCondition(owner),
    });
    await this.#sendIfOwner(() => this.#client.send(command), 'dynamodb:DeleteItem');
  }

  /** Sends a write made with {@link ownerCondition}: a no-op when another owner holds the item. */
  async #sendIfOwner(send: () => Promise<unknown>, operation: string): Promise<void> {
    try {
      await send();
    } catch (error) {
      if (isConditionFailure(error)) return;
      throw asAdapterError(error, operation);
    }
  }

  /**
   * A conditional PutItem of `key` for `owner`: true unless another owner holds an unexpired item (other
   * than `previousOwner`, when given; and, with `overGivenUp`, one that is not given up).
   */
  async #putUnlessHeld(
    key: string,
    owner: string,
    ttlSeconds: number,
    { previousOwner, overGivenUp = false }: { previousOwner?: string; overGivenUp?: boolean } = {},
  ): Promise<boolean> {
    const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    const command = new PutItemCommand({
      TableName: this.#tableName,
      Item: this.#item(key, owner, ttlSeconds),
      ConditionExpression: `attribute_not_exists(#pk) OR #owner = :owner OR #expiresAt <= :now${
        previousOwner === undefined ? '' : ' OR #owner = :previousOwner'
      }${overGivenUp ? ' OR #givenUp = :givenUp' : ''}`,
      ExpressionAttributeNames: {
        '#pk': STATE_TABLE.partitionKey,
        '#owner': 'owner',
        '#expiresAt': STATE_TABLE.ttlAttribute,
        ...(overGivenUp && { '#givenUp': 'givenUp' }),
      },
      ExpressionAttributeValues: {
        ':owner': { S: owner },
        ':now': { N: String(epochSeconds(this.#now())) },
        ...(previousOwner !== undefined && { ':previousOwner': { S: previousOwner } }),
        ...(overGivenUp && { ':givenUp': { BOOL: true } }),
      },
    });
    try {
      await this.#client.send(command);
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw asAdapterError(error, 'dynamodb:PutItem');
    }
  }

  /** The item of `key` unless it expired (DynamoDB's TTL sweep is late by up to days). */
  async #unexpiredItem(key: string): Promise<Record<string, AttributeValue> | undefined> {
    const { GetItemCommand } = await import('@aws-sdk/client-dynamodb');
    const command = new GetItemCommand({
      TableName: this.#tableName,
      Key: { [STATE_TABLE.partitionKey]: { S: key } },
      ConsistentRead: true,
    });
    const { Item } = await this.#client.send(command).catch((error: unknown) => {
      throw asAdapterError(error, 'dynamodb:GetItem');
    });
    const expiresAt = Number(Item?.[STATE_TABLE.ttlAttribute]?.N ?? 0);
    return !Item || expiresAt <= epochSeconds(this.#now()) ? undefined : Item;
  }
}

/** The condition of a write that only the item's `owner` may make. */
function ownerCondition(owner: string) {
  return {
    ConditionExpression: '#owner = :owner',
    ExpressionAttributeNames: { '#owner': 'owner' },
    ExpressionAttributeValues: { ':owner': { S: owner } },
  };
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Lock } from '#core/ports/lock.ts';
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
 * shape under `rollback#<executionArn>`.
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
    return this.#putUnlessHeld(lockKey(service), owner, ttlSeconds, previousOwner);
  }

  release(service: ServiceRef, owner: string): Promise<void> {
    return this.#deleteIfOwner(lockKey(service), owner);
  }

  holder(service: ServiceRef): Promise<string | undefined> {
    return this.#unexpiredOwner(lockKey(service));
  }

  claimRollback(executionArn: string, rollbackArn: string, ttlSeconds: number): Promise<boolean> {
    return this.#putUnlessHeld(rollbackClaimKey(executionArn), rollbackArn, ttlSeconds);
  }

  rollbackOf(executionArn: string): Promise<string | undefined> {
    return this.#unexpiredOwner(rollbackClaimKey(executionArn));
  }

  releaseRollback(executionArn: string, rollbackArn: string): Promise<void> {
    return this.#deleteIfOwner(rollbackClaimKey(executionArn), rollbackArn);
  }

  /** A DeleteItem of `key` conditioned on `owner` holding it; a no-op when someone else does. */
  async #deleteIfOwner(key: string, owner: string): Promise<void> {
    const { DeleteItemCommand } = await import('@aws-sdk/client-dynamodb');
    const command = new DeleteItemCommand({
      TableName: this.#tableName,
      Key: { [STATE_TABLE.partitionKey]: { S: key } },
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': { S: owner } },
    });
    try {
      await this.#client.send(command);
    } catch (error) {
      if (isConditionFailure(error)) return;
      throw asAdapterError(error, 'dynamodb:DeleteItem');
    }
  }

  /**
   * A conditional PutItem of `key` for `owner`: true unless another owner holds an unexpired item (other
   * than `previousOwner`, when given).
   */
  async #putUnlessHeld(
    key: string,
    owner: string,
    ttlSeconds: number,
    previousOwner?: string,
  ): Promise<boolean> {
    const now = epochSeconds(this.#now());
    const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    const command = new PutItemCommand({
      TableName: this.#tableName,
      Item: {
        [STATE_TABLE.partitionKey]: { S: key },
        owner: { S: owner },
        acquiredAt: { S: this.#now().toISOString() },
        [STATE_TABLE.ttlAttribute]: { N: String(now + ttlSeconds) },
      },
      ConditionExpression: `attribute_not_exists(#pk) OR #owner = :owner OR #expiresAt <= :now${
        previousOwner === undefined ? '' : ' OR #owner = :previousOwner'
      }`,
      ExpressionAttributeNames: {
        '#pk': STATE_TABLE.partitionKey,
        '#owner': 'owner',
        '#expiresAt': STATE_TABLE.ttlAttribute,
      },
      ExpressionAttributeValues: {
        ':owner': { S: owner },
        ':now': { N: String(now) },
        ...(previousOwner !== undefined && { ':previousOwner': { S: previousOwner } }),
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

  /** The owner of `key`'s item unless it expired (DynamoDB's TTL sweep is late by up to days). */
  async #unexpiredOwner(key: string): Promise<string | undefined> {
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
    if (!Item || expiresAt <= epochSeconds(this.#now())) return undefined;
    return Item.owner?.S;
  }
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

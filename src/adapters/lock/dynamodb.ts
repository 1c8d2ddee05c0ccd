import type { AttributeValue, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Lock, RollbackClaim } from '#core/ports/lock.ts';
import { STOPPED_CLAIM_KEPT_SECONDS as KEPT_SECONDS } from '#core/rollback.ts';
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
 * shape under `rollback#<executionArn>`, held until `heldUntil` and kept (their TTL attribute) 15 days: one
 * given up (`givenUp: true`) or no longer held is replaced by another rollback's claim.
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

  async holder(service: ServiceRef): Promise<string | undefined> {
    return (await this.#unexpiredItem(lockKey(service)))?.owner?.S;
  }

  /**
   * A conditional PutItem of the claim, held until `heldUntil` and kept (the TTL attribute) at least
   * `STOPPED_CLAIM_KEPT_SECONDS`: true unless another rollback holds it. An item written before `heldUntil`
   * was held until its TTL attribute.
   */
  async claimRollback(executionArn: string, rollbackArn: string, ttlSeconds: number): Promise<boolean> {
    const now = epochSeconds(this.#now());
    const heldUntil = now + ttlSeconds;
    const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    const command = new PutItemCommand({
      TableName: this.#tableName,
      Item: {
        ...this.#item(rollbackClaimKey(executionArn), rollbackArn, Math.max(heldUntil, now + KEPT_SECONDS)),
        heldUntil: { N: String(heldUntil) },
      },
      ConditionExpression:
        'attribute_not_exists(#pk) OR #owner = :owner OR #givenUp = :givenUp OR #heldUntil <= :now OR #expiresAt <= :now',
      ExpressionAttributeNames: {
        '#pk': STATE_TABLE.partitionKey,
        '#owner': 'owner',
        '#givenUp': 'givenUp',
        '#heldUntil': 'heldUntil',
        '#expiresAt': STATE_TABLE.ttlAttribute,
      },
      ExpressionAttributeValues: {
        ':owner': { S: rollbackArn },
        ':givenUp': { BOOL: true },
        ':now': { N: String(now) },
      },
    });
    return this.#putIf(command);
  }

  async rollbackOf(executionArn: string): Promise<RollbackClaim | undefined> {
    const item = await this.#unexpiredItem(rollbackClaimKey(executionArn));
    const rollbackArn = item?.owner?.S;
    if (item === undefined || rollbackArn === undefined) return undefined;
    const heldUntil = Number((item.heldUntil ?? item[STATE_TABLE.ttlAttribute])?.N);
    const givenUp = item.givenUp?.BOOL === true || heldUntil <= epochSeconds(this.#now());
    return { rollbackArn, givenUp };
  }

  /** A PutItem of the claim, marked `givenUp` and kept from now, conditioned on `rollbackArn` holding it. */
  async giveUpRollback(executionArn: string, rollbackArn: string): Promise<void> {
    const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    const keptUntil = epochSeconds(this.#now()) + KEPT_SECONDS;
    const command = new PutItemCommand({
      TableName: this.#tableName,
      Item: {
        ...this.#item(rollbackClaimKey(executionArn), rollbackArn, keptUntil),
        givenUp: { BOOL: true },
      },
      ...ownerCondition(rollbackArn),
    });
    await this.#sendIfOwner(() => this.#client.send(command), 'dynamodb:PutItem');
  }

  /** The item of `key` for `owner`, its TTL attribute `expiresAt` (epoch seconds). */
  #item(key: string, owner: string, expiresAt: number): Record<string, AttributeValue> {
    return {
      [STATE_TABLE.partitionKey]: { S: key },
      owner: { S: owner },
      acquiredAt: { S: this.#now().toISOString() },
      [STATE_TABLE.ttlAttribute]: { N: String(expiresAt) },
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
      Item: this.#item(key, owner, now + ttlSeconds),
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
    return this.#putIf(command);
  }

  /** Sends a conditional PutItem: true when it was written, false when its condition failed. */
  async #putIf(command: PutItemCommand): Promise<boolean> {
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

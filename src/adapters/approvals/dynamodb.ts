import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ApprovalRequest, ApprovalStore, PendingApproval } from '#core/ports/approval-store.ts';
import { isApprovalTimeoutAction } from '#core/schemas/common.ts';
import { asAdapterError } from '../aws-errors.ts';
import { approvalKey, epochSeconds, STATE_TABLE } from '../state-table.ts';

/** Options of {@link DynamoDbApprovalStore}. */
export interface DynamoDbApprovalStoreOptions {
  readonly client: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
}

/** How long a token is kept past its approval's timeout, so an answer racing the timeout still finds it. */
const EXPIRY_MARGIN_SECONDS = 24 * 3600;

/**
 * Pending approvals as items of the state table, keyed by execution ARN, expired by TTL a day after the
 * approval's own timeout. The CDK app's approve/reject API reads the same items (see `approvalKey`),
 * `timesOutAt` (when the approval state times out, ISO 8601) among them.
 *
 * @example
 * const approvals = new DynamoDbApprovalStore({ client: new DynamoDBClient({}), tableName: 'cutover-state' });
 * await approvals.put({ executionArn, taskToken, stage: 'promote', requestedAt: new Date().toISOString(), timeoutSeconds: 3600, onTimeout: 'rollback' });
 */
export class DynamoDbApprovalStore implements ApprovalStore {
  readonly type = 'dynamodb';
  readonly #client: Pick<DynamoDBClient, 'send'>;
  readonly #tableName: string;

  constructor(options: DynamoDbApprovalStoreOptions) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  async put(approval: ApprovalRequest): Promise<void> {
    const timesOutAt = new Date(Date.parse(approval.requestedAt) + approval.timeoutSeconds * 1000);
    const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    const command = new PutItemCommand({
      TableName: this.#tableName,
      Item: {
        [STATE_TABLE.partitionKey]: { S: approvalKey(approval.executionArn) },
        executionArn: { S: approval.executionArn },
        taskToken: { S: approval.taskToken },
        stage: { S: approval.stage },
        requestedAt: { S: approval.requestedAt },
        timeoutSeconds: { N: String(approval.timeoutSeconds) },
        onTimeout: { S: approval.onTimeout },
        timesOutAt: { S: timesOutAt.toISOString() },
        [STATE_TABLE.ttlAttribute]: { N: String(epochSeconds(timesOutAt) + EXPIRY_MARGIN_SECONDS) },
      },
    });
    await this.#client.send(command).catch((error: unknown) => {
      throw asAdapterError(error, 'dynamodb:PutItem');
    });
  }

  async get(executionArn: string): Promise<PendingApproval | undefined> {
    const { GetItemCommand } = await import('@aws-sdk/client-dynamodb');
    const command = new GetItemCommand({
      TableName: this.#tableName,
      Key: { [STATE_TABLE.partitionKey]: { S: approvalKey(executionArn) } },
      ConsistentRead: true,
    });
    const { Item } = await this.#client.send(command).catch((error: unknown) => {
      throw asAdapterError(error, 'dynamodb:GetItem');
    });
    if (!Item?.taskToken?.S) return undefined;
    const onTimeout = Item.onTimeout?.S;
    return {
      executionArn,
      taskToken: Item.taskToken.S,
      stage: Item.stage?.S ?? '',
      requestedAt: Item.requestedAt?.S ?? '',
      ...(Item.timeoutSeconds?.N && { timeoutSeconds: Number(Item.timeoutSeconds.N) }),
      ...(isApprovalTimeoutAction(onTimeout) && { onTimeout }),
    };
  }

  async delete(executionArn: string): Promise<void> {
    const { DeleteItemCommand } = await import('@aws-sdk/client-dynamodb');
    const command = new DeleteItemCommand({
      TableName: this.#tableName,
      Key: { [STATE_TABLE.partitionKey]: { S: approvalKey(executionArn) } },
    });
    await this.#client.send(command).catch((error: unknown) => {
      throw asAdapterError(error, 'dynamodb:DeleteItem');
    });
  }
}

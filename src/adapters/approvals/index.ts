import type { ApprovalStore } from '#core/ports/approval-store.ts';
import { clientOnFirstSend } from '../aws-clients.ts';
import { AdapterRegistry } from '../registry.ts';
import { DynamoDbApprovalStore } from './dynamodb.ts';

export { DynamoDbApprovalStore } from './dynamodb.ts';

/** Which approval store to build: the DynamoDB state table (AWS), or the local runtime's SQLite store. */
export type ApprovalStoreConfig =
  | { readonly type: 'dynamodb'; readonly tableName: string; readonly region?: string }
  | { readonly type: 'local'; readonly dataDir: string };

/** The `approvals` family: `dynamodb` registers here; the local runtime registers `local` at start-up. */
export const approvalStores = new AdapterRegistry<ApprovalStoreConfig, ApprovalStore>('approvals');

approvalStores.register('dynamodb', (config) => {
  const { tableName, region } = config as Extract<ApprovalStoreConfig, { type: 'dynamodb' }>;
  const client = clientOnFirstSend(
    async () => new (await import('@aws-sdk/client-dynamodb')).DynamoDBClient(region ? { region } : {}),
  );
  return new DynamoDbApprovalStore({ client, tableName });
});

/**
 * Builds the approval store for `config.type`; throws `UnknownAdapterType` naming the allowed types.
 *
 * @example
 * const approvals = createApprovalStore({ type: 'dynamodb', tableName: 'cutover-state' });
 */
export function createApprovalStore(config: ApprovalStoreConfig): ApprovalStore {
  return approvalStores.create(config);
}

/**
 * The approval store config the task functions use: the DynamoDB table `CUTOVER_STATE_TABLE` when set,
 * else the local store in `CUTOVER_DATA_DIR` (default `.cutover`).
 *
 * @example
 * approvalStoreConfigFromEnvironment({}); // { type: 'local', dataDir: '.cutover' }
 */
export function approvalStoreConfigFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): ApprovalStoreConfig {
  const tableName = env.CUTOVER_STATE_TABLE;
  if (tableName)
    return { type: 'dynamodb', tableName, ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}) };
  return { type: 'local', dataDir: env.CUTOVER_DATA_DIR || '.cutover' };
}

/**
 * The approval store the task functions use, chosen by {@link approvalStoreConfigFromEnvironment}.
 *
 * @example
 * const approvals = createApprovalStoreFromEnvironment(process.env);
 */
export function createApprovalStoreFromEnvironment(env: NodeJS.ProcessEnv = process.env): ApprovalStore {
  return createApprovalStore(approvalStoreConfigFromEnvironment(env));
}

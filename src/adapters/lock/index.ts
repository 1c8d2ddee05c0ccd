import type { Lock } from '#core/ports/lock.ts';
import { clientOnFirstSend } from '../aws-clients.ts';
import { AdapterRegistry } from '../registry.ts';
import { DynamoDbLock } from './dynamodb.ts';

export { DynamoDbLock } from './dynamodb.ts';

/** Which lock to build: the DynamoDB state table (AWS), or the local runtime's SQLite store. */
export type LockConfig =
  | { readonly type: 'dynamodb'; readonly tableName: string; readonly region?: string }
  | { readonly type: 'local'; readonly dataDir: string };

/** The `lock` family: `dynamodb` registers here; the local runtime registers `local` at start-up. */
export const locks = new AdapterRegistry<LockConfig, Lock>('lock');

locks.register('dynamodb', (config) => {
  const { tableName, region } = config as Extract<LockConfig, { type: 'dynamodb' }>;
  const client = clientOnFirstSend(
    async () => new (await import('@aws-sdk/client-dynamodb')).DynamoDBClient(region ? { region } : {}),
  );
  return new DynamoDbLock({ client, tableName });
});

/**
 * Builds the lock for `config.type`; throws `UnknownAdapterType` naming the allowed types.
 *
 * @example
 * const lock = createLock({ type: 'dynamodb', tableName: 'cutover-state' });
 */
export function createLock(config: LockConfig): Lock {
  return locks.create(config);
}

/**
 * The lock config the task functions use: the DynamoDB table `CUTOVER_STATE_TABLE` when set, else the
 * local store in `CUTOVER_DATA_DIR` (default `.cutover`).
 *
 * @example
 * lockConfigFromEnvironment({ CUTOVER_STATE_TABLE: 'cutover-state' }); // { type: 'dynamodb', tableName: 'cutover-state' }
 */
export function lockConfigFromEnvironment(env: NodeJS.ProcessEnv = process.env): LockConfig {
  const tableName = env.CUTOVER_STATE_TABLE;
  if (tableName)
    return { type: 'dynamodb', tableName, ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}) };
  return { type: 'local', dataDir: env.CUTOVER_DATA_DIR || '.cutover' };
}

/**
 * The lock the task functions use, chosen by {@link lockConfigFromEnvironment}.
 *
 * @example
 * const lock = createLockFromEnvironment(process.env);
 */
export function createLockFromEnvironment(env: NodeJS.ProcessEnv = process.env): Lock {
  return createLock(lockConfigFromEnvironment(env));
}

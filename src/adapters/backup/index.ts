import { join } from 'node:path';
import { folderPrefix } from '#core/backup-keys.ts';
import { ValidationError } from '#core/errors.ts';
import type { BackupStore } from '#core/ports/backup-store.ts';
import { onFirstUse } from '../first-use.ts';
import { AdapterRegistry } from '../registry.ts';
import { FilesystemBackupStore } from './filesystem.ts';
import { S3BackupStore } from './s3.ts';

export { FilesystemBackupStore } from './filesystem.ts';
export { S3BackupStore } from './s3.ts';

/** Which backup store to build: a directory, or an S3 bucket (AWS or a local S3 endpoint). */
export type BackupStoreConfig =
  | { readonly type: 'filesystem'; readonly directory: string }
  | {
      readonly type: 's3';
      readonly bucket: string;
      /** Key prefix inside the bucket. @default '' */
      readonly prefix?: string;
      /** A local S3 endpoint (`http://127.0.0.1:4569`); path-style addressing is used with it. */
      readonly endpoint?: string;
      /** @default the SDK's region chain, or `us-east-1` with an endpoint */
      readonly region?: string;
    };

/** The `backup` family: production stores register here; tests may register fakes. */
export const backupStores = new AdapterRegistry<BackupStoreConfig, BackupStore>('backup');

type ConfigOf<T extends BackupStoreConfig['type']> = Extract<BackupStoreConfig, { type: T }>;

backupStores.register(
  'filesystem',
  (config) => new FilesystemBackupStore((config as ConfigOf<'filesystem'>).directory),
);

backupStores.register('s3', (anyConfig) => {
  const config = anyConfig as ConfigOf<'s3'>;
  const local = config.endpoint !== undefined;
  const settings = {
    ...(local ? { endpoint: config.endpoint, forcePathStyle: true } : {}),
    region: config.region ?? (local ? 'us-east-1' : undefined),
    // The local S3 server (s3rver) on loopback accepts only its own well-known key pair.
    ...(local && isLoopback(config.endpoint!)
      ? { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }
      : {}),
  };
  const client = onFirstUse(async () => new (await import('@aws-sdk/client-s3')).S3Client(settings));
  return new S3BackupStore({ client, bucket: config.bucket, prefix: config.prefix ?? '' });
});

function isLoopback(endpoint: string): boolean {
  if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
    throw new ValidationError(`backup.endpoint must be an http(s) URL (got ${JSON.stringify(endpoint)})`);
  }
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

/**
 * Builds the backup store for `config.type`; throws `UnknownAdapterType` naming the allowed types.
 *
 * @example
 * const store = createBackupStore({ type: 's3', bucket: 'cutover-backups', prefix: 'prod/' });
 */
export function createBackupStore(config: BackupStoreConfig): BackupStore {
  return backupStores.create(config);
}

/**
 * The backup store the task functions use: S3 when `CUTOVER_BACKUP_BUCKET` is set (with
 * `CUTOVER_BACKUP_PREFIX`, a folder: `backups` is `backups/`, and, for a local S3 server, `CUTOVER_S3_ENDPOINT`), else a directory at
 * `$CUTOVER_DATA_DIR/backups` (data dir default `.cutover`).
 *
 * @example
 * const store = createBackupStoreFromEnvironment(process.env);
 */
export function createBackupStoreFromEnvironment(env: NodeJS.ProcessEnv = process.env): BackupStore {
  const bucket = env.CUTOVER_BACKUP_BUCKET;
  if (bucket) {
    return createBackupStore({
      type: 's3',
      bucket,
      // A folder of the bucket: `backups` is `backups/`, never `backupsshop/...`.
      prefix: folderPrefix(env.CUTOVER_BACKUP_PREFIX ?? ''),
      ...(env.CUTOVER_S3_ENDPOINT ? { endpoint: env.CUTOVER_S3_ENDPOINT } : {}),
      ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    });
  }
  if (env.CUTOVER_BACKUP_PREFIX) {
    throw new ValidationError(
      'CUTOVER_BACKUP_PREFIX is set but CUTOVER_BACKUP_BUCKET is not: set the bucket too',
    );
  }
  return createBackupStore({
    type: 'filesystem',
    directory: join(env.CUTOVER_DATA_DIR || '.cutover', 'backups'),
  });
}

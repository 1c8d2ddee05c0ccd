import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_BACKUP_PREFIX } from '#adapters/backup/keys.ts';
import { folderPrefix } from '#core/backup-keys.ts';
import type { BackupStore } from '#core/ports/backup-store.ts';
import type { LOCAL_BACKUP_BUCKET, LOCAL_S3_FILE, PublishedLocalS3 } from '#local/data-services.ts';
import { assertLocalData, localDataDir } from './arguments.ts';

/**
 * Where a running `cutover local` publishes its S3 server (`startLocalDataServices`). Spelled out, not
 * imported, so the CLI does not load the data services (PostgreSQL); the type keeps the two names the same.
 */
const PUBLISHED_S3_FILE: typeof LOCAL_S3_FILE = 's3.json';
/** The bucket of that server, spelled out the same way. */
const LOCAL_BUCKET: typeof LOCAL_BACKUP_BUCKET = 'cutover-backups';

/** A backup store and, for messages, where it is. */
export interface BackupLocation {
  readonly store: BackupStore;
  /** `bucket cutover-backups at http://127.0.0.1:40321 (cutover local, data dir /repo/.cutover)`, or a folder. */
  readonly description: string;
  /** Stops what this command started to reach the store (the data dir's S3 server), if anything. */
  close(): Promise<void>;
}

const NOTHING_TO_CLOSE = async (): Promise<void> => {};

/**
 * The backup store `cutover backups` reads, the one the tasks write to: the bucket of
 * `CUTOVER_BACKUP_BUCKET` when set; else the S3 server of the `cutover local` running on the data dir
 * (`--data-dir`, `$CUTOVER_DATA_DIR`, `.cutover`), found in its `s3.json`; else, when one ran there and has
 * stopped, its S3 folder (`<data dir>/s3`), served by this command on 127.0.0.1 until `close()`; else the
 * folder `<data dir>/backups` (`cutover local --no-data-services`, or the tasks run without a runtime).
 * Without the bucket, a data dir where no `cutover local` ran and no task kept a backup is a usage error
 * naming `--data-dir`.
 *
 * @example
 * const { store, description } = await resolveBackupLocation({ dataDir: '.cutover' });
 */
export async function resolveBackupLocation(
  options: { readonly dataDir?: string | undefined } = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<BackupLocation> {
  const { createBackupStoreFromEnvironment } = await import('#adapters/backup/index.ts');
  if (env.CUTOVER_BACKUP_BUCKET) {
    const endpoint = env.CUTOVER_S3_ENDPOINT ? ` at ${env.CUTOVER_S3_ENDPOINT}` : '';
    const prefix = bucketPrefix(env);
    return {
      store: createBackupStoreFromEnvironment({ ...env, CUTOVER_BACKUP_PREFIX: prefix }),
      description: `bucket ${env.CUTOVER_BACKUP_BUCKET}${endpoint}${prefix ? ` under ${folderPrefix(prefix)}` : ''} (CUTOVER_BACKUP_BUCKET)`,
      close: NOTHING_TO_CLOSE,
    };
  }
  const dataDir = localDataDir(options.dataDir, env);
  const local = runningLocalS3(dataDir);
  if (local) {
    // What the tasks of that runtime see: its bucket and endpoint on top of this environment.
    const store = createBackupStoreFromEnvironment({
      ...env,
      CUTOVER_BACKUP_BUCKET: local.bucket,
      CUTOVER_S3_ENDPOINT: local.endpoint,
    });
    return {
      store,
      description: `bucket ${local.bucket} at ${local.endpoint} (cutover local, data dir ${dataDir})`,
      close: NOTHING_TO_CLOSE,
    };
  }
  const s3Directory = join(dataDir, 's3');
  if (existsSync(s3Directory)) {
    // The runtime that kept its backups there has stopped: the same server, run by this command meanwhile.
    const { startS3Server } = await import('#local/s3-server.ts');
    const served = await startS3Server({ directory: s3Directory, buckets: [LOCAL_BUCKET] });
    return {
      store: createBackupStoreFromEnvironment({
        ...env,
        CUTOVER_BACKUP_BUCKET: LOCAL_BUCKET,
        CUTOVER_S3_ENDPOINT: served.endpoint,
      }),
      description: `bucket ${LOCAL_BUCKET} in ${s3Directory} (served by this command: no \`cutover local\` runs on ${dataDir})`,
      close: () => served.stop(),
    };
  }
  const backupsDirectory = join(dataDir, 'backups');
  const { localDatabasePath } = await import('#local/adapters/database.ts');
  // The store of a runtime that kept no backup yet, or backups the tasks wrote without one: else no data dir.
  assertLocalData(dataDir, [localDatabasePath(dataDir), backupsDirectory]);
  return {
    store: createBackupStoreFromEnvironment({ ...env, CUTOVER_DATA_DIR: dataDir }),
    description: backupsDirectory,
    close: NOTHING_TO_CLOSE,
  };
}

/**
 * The prefix of the backups in the bucket `CUTOVER_BACKUP_BUCKET`: `CUTOVER_BACKUP_PREFIX`, else the
 * stack's {@link DEFAULT_BACKUP_PREFIX} for a bucket on AWS, else none for one at `CUTOVER_S3_ENDPOINT` (the
 * S3 server of `cutover local`, whose tasks write at the bucket's root).
 */
function bucketPrefix(env: NodeJS.ProcessEnv): string {
  return env.CUTOVER_BACKUP_PREFIX ?? (env.CUTOVER_S3_ENDPOINT ? '' : DEFAULT_BACKUP_PREFIX);
}

/** The S3 server published in `dataDir` by a `cutover local` still running, if any. */
function runningLocalS3(dataDir: string): PublishedLocalS3 | undefined {
  let published: PublishedLocalS3;
  try {
    published = JSON.parse(readFileSync(join(dataDir, PUBLISHED_S3_FILE), 'utf8')) as PublishedLocalS3;
  } catch {
    return undefined;
  }
  const complete = typeof published?.endpoint === 'string' && typeof published.bucket === 'string';
  return complete && isRunning(published.pid) ? published : undefined;
}

/** True when process `pid` exists (a file left by a killed runtime names one that is gone). */
function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

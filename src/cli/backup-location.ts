import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_BACKUP_PREFIX, folderPrefix } from '#adapters/backup/keys.ts';
import type { BackupStore } from '#core/ports/backup-store.ts';
import type { LOCAL_S3_FILE, PublishedLocalS3 } from '#local/data-services.ts';
import { assertLocalData, localDataDir } from './arguments.ts';

/**
 * Where a running `cutover local` publishes its S3 server (`startLocalDataServices`). Spelled out, not
 * imported, so the CLI does not load the S3 server; the type keeps the two names the same.
 */
const PUBLISHED_S3_FILE: typeof LOCAL_S3_FILE = 's3.json';

/** A backup store and, for messages, where it is. */
export interface BackupLocation {
  readonly store: BackupStore;
  /** `bucket cutover-backups at http://127.0.0.1:40321 (cutover local, data dir /repo/.cutover)`, or a folder. */
  readonly description: string;
  /** Why the store may not hold what the user looks for, if there is a reason to think so. */
  readonly hint?: string;
}

/**
 * The backup store `cutover backups` reads, the one the tasks write to: the bucket of
 * `CUTOVER_BACKUP_BUCKET` when set; else the S3 server of the `cutover local` running on the data dir
 * (`--data-dir`, `$CUTOVER_DATA_DIR`, `.cutover`), found in its `s3.json`; else the folder
 * `<data dir>/backups` (`cutover local --no-data-services`, or the tasks run without a runtime). Without
 * the bucket, a data dir that does not exist is a usage error naming `--data-dir`.
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
    };
  }
  const dataDir = localDataDir(options.dataDir, env);
  assertLocalData(dataDir);
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
    };
  }
  const directory = join(dataDir, 'backups');
  return {
    store: createBackupStoreFromEnvironment({ ...env, CUTOVER_DATA_DIR: dataDir }),
    description: directory,
    ...(existsSync(join(dataDir, 's3'))
      ? {
          hint: `the backups of \`cutover local\` are in its S3 server (${join(dataDir, 's3')}), served only while it runs: start \`cutover local\` on ${dataDir} to reach them`,
        }
      : {}),
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

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type LocalPostgres, startLocalPostgres } from './postgres.ts';
import { type S3Server, startS3Server } from './s3-server.ts';

/** The bucket the local S3 server keeps the backups in. */
export const LOCAL_BACKUP_BUCKET = 'cutover-backups';

/** The embedded PostgreSQL and the local S3 server of one data directory. */
export interface LocalDataServices {
  readonly postgres: LocalPostgres;
  readonly s3: S3Server;
  /** The backup bucket on `s3`. */
  readonly bucket: string;
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: no password, as requests carry it. */
  readonly databaseUrl: string;
  /** Stops both servers and restores the environment variables it set. */
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL (`$dataDir/postgres`) and a local S3 server (`$dataDir/s3`, bucket
 * `cutover-backups`), and points the tasks of this process at them: `CUTOVER_BACKUP_BUCKET`,
 * `CUTOVER_S3_ENDPOINT`, `CUTOVER_DATABASE_URL` (password-free) and `PGPASSWORD`. The server's password is
 * random, made on the first start and kept in `$dataDir/postgres.password` (mode 0600).
 *
 * @example
 * const services = await startLocalDataServices({ dataDir: '.cutover' });
 * const request = { database: { target: { url: services.postgres.requestUrlFor('shop') } } };
 * await services.stop();
 */
export async function startLocalDataServices(options: {
  readonly dataDir: string;
  readonly env?: NodeJS.ProcessEnv;
}): Promise<LocalDataServices> {
  const env = options.env ?? process.env;
  await mkdir(options.dataDir, { recursive: true });
  const password = await localPassword(join(options.dataDir, 'postgres.password'));
  const [pgResult, s3Result] = await Promise.allSettled([
    startLocalPostgres({ directory: join(options.dataDir, 'postgres'), password }),
    startS3Server({ directory: join(options.dataDir, 's3'), buckets: [LOCAL_BACKUP_BUCKET] }),
  ]);
  if (pgResult.status === 'rejected' || s3Result.status === 'rejected') {
    // Stop whichever did start, so nothing outlives the failure.
    await Promise.all([
      pgResult.status === 'fulfilled' ? pgResult.value.stop() : undefined,
      s3Result.status === 'fulfilled' ? s3Result.value.stop() : undefined,
    ]);
    throw pgResult.status === 'rejected' ? pgResult.reason : (s3Result as PromiseRejectedResult).reason;
  }
  const [postgres, s3] = [pgResult.value, s3Result.value];
  const databaseUrl = postgres.requestUrlFor('postgres');
  const settings = {
    CUTOVER_BACKUP_BUCKET: LOCAL_BACKUP_BUCKET,
    CUTOVER_S3_ENDPOINT: s3.endpoint,
    CUTOVER_DATABASE_URL: databaseUrl,
    PGPASSWORD: password,
  };
  const previous = Object.fromEntries(Object.keys(settings).map((name) => [name, env[name]]));
  Object.assign(env, settings);
  return {
    postgres,
    s3,
    bucket: LOCAL_BACKUP_BUCKET,
    databaseUrl,
    async stop() {
      for (const [name, value] of Object.entries(previous)) {
        if (value === undefined) delete env[name];
        else env[name] = value;
      }
      await Promise.all([postgres.stop(), s3.stop()]);
    },
  };
}

/** The password kept in `file`, made (random) on first use. */
async function localPassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

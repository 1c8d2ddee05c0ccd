import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_POSTGRES_VARIABLE } from '#adapters/database/connection.ts';
import { freePort, isPortFree } from './free-port.ts';
import { LOCAL_POSTGRES_FILES } from './kept-postgres.ts';
import { type LocalPostgres, startLocalPostgres, stopLeftoverServer } from './postgres.ts';
import { type S3Server, startS3Server } from './s3-server.ts';

/** The bucket the local S3 server keeps the backups in. */
export const LOCAL_BACKUP_BUCKET = 'cutover-backups';

/**
 * The file in the data dir where running data services say where their S3 server listens (its port changes
 * at every start), so that `cutover backups` finds the backups the tasks made; removed when they stop.
 */
export const LOCAL_S3_FILE = 's3.json';

/** The content of {@link LOCAL_S3_FILE}. */
export interface PublishedLocalS3 {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly bucket: string;
  /** The process serving it: a file left by a killed runtime names a process that is gone. */
  readonly pid: number;
}

/** The embedded PostgreSQL and the local S3 server of one data directory. */
export interface LocalDataServices {
  readonly postgres: LocalPostgres;
  readonly s3: S3Server;
  /** The backup bucket on `s3`. */
  readonly bucket: string;
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: no password, as requests carry it. */
  readonly databaseUrl: string;
  /** The port of the last start, when another program held it and PostgreSQL took another. */
  readonly postgresPortTaken?: number;
  /** Stops both servers and restores the environment variables it set. */
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL (`$dataDir/postgres`) and a local S3 server (`$dataDir/s3`, bucket
 * `cutover-backups`), and points the tasks of this process at them: `CUTOVER_BACKUP_BUCKET`,
 * `CUTOVER_S3_ENDPOINT`, and `CUTOVER_LOCAL_POSTGRES` ({@link LOCAL_POSTGRES_VARIABLE}: the server's URL with
 * its password, which the tasks use for this server only; `PGPASSWORD` and pgpass files stay the user's, for
 * their own servers). The server's password is random, made on the first start and kept in
 * `$dataDir/postgres.password` (mode 0600); its port is kept in
 * `$dataDir/postgres.port` and used again while it is free. The S3 endpoint and bucket are published in
 * `$dataDir/s3.json` ({@link LOCAL_S3_FILE}) until `stop()`.
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
  const password = await localPassword(join(options.dataDir, LOCAL_POSTGRES_FILES.password));
  const directory = join(options.dataDir, 'postgres');
  // A server a killed runtime left running holds the kept port: stop it before choosing.
  await stopLeftoverServer(directory);
  const { port, taken } = await keptPort(join(options.dataDir, LOCAL_POSTGRES_FILES.port));
  const [pgResult, s3Result] = await Promise.allSettled([
    startLocalPostgres({ directory, password, port }),
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
    [LOCAL_POSTGRES_VARIABLE]: postgres.url,
  };
  const published = join(options.dataDir, LOCAL_S3_FILE);
  const previous = Object.fromEntries(Object.keys(settings).map((name) => [name, env[name]]));
  try {
    await writeWhole(published, publishedS3(s3.endpoint));
  } catch (error) {
    await Promise.all([postgres.stop(), s3.stop()]);
    throw error;
  }
  setEnvironment(env, settings);
  return {
    postgres,
    s3,
    bucket: LOCAL_BACKUP_BUCKET,
    databaseUrl,
    ...(taken === undefined ? {} : { postgresPortTaken: taken }),
    async stop() {
      setEnvironment(env, previous);
      await rm(published, { force: true });
      await Promise.all([postgres.stop(), s3.stop()]);
    },
  };
}

/** Sets each variable of `values` in `env`, removing those `undefined`. */
function setEnvironment(env: NodeJS.ProcessEnv, values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
}

/** The content of {@link LOCAL_S3_FILE} for the S3 server at `endpoint`, run by this process. */
function publishedS3(endpoint: string): string {
  const content: PublishedLocalS3 = { endpoint, bucket: LOCAL_BACKUP_BUCKET, pid: process.pid };
  return `${JSON.stringify(content)}\n`;
}

/** Writes `file` whole (a temporary file renamed into place), so a reader never sees half of it. */
async function writeWhole(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/**
 * The port kept in `file` when it is free, so the URL printed at the last start (and written into request
 * files since) stays valid; else a free one, kept for the next start, with the kept one another program
 * holds (`taken`).
 */
async function keptPort(file: string): Promise<{ port: number; taken?: number }> {
  const kept = existsSync(file) ? Number((await readFile(file, 'utf8')).trim()) : Number.NaN;
  const valid = Number.isInteger(kept) && kept > 0 && kept < 65_536;
  if (valid && (await isPortFree(kept))) return { port: kept };
  const port = await freePort();
  await writeFile(file, `${port}\n`);
  return valid ? { port, taken: kept } : { port };
}

/** The password kept in `file`, made (random) on first use. */
async function localPassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

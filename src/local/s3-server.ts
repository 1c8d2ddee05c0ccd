import { mkdir } from 'node:fs/promises';
import S3rver from 's3rver';

/** Settings of {@link startS3Server}. */
export interface S3ServerOptions {
  /** Where the objects live (`$CUTOVER_DATA_DIR/s3`). */
  readonly directory: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Buckets created at start-up (existing ones are kept). */
  readonly buckets?: readonly string[];
}

/** A running local S3 server. */
export interface S3Server {
  /** `http://127.0.0.1:<port>`, for `CUTOVER_S3_ENDPOINT` or an `S3Client` with `forcePathStyle`. */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts a local S3 server (s3rver) bound to 127.0.0.1, storing objects under `directory`. Clients sign
 * with the key pair `S3RVER` / `S3RVER`.
 *
 * @example
 * const s3 = await startS3Server({ directory: '.cutover/s3', buckets: ['cutover-backups'] });
 * process.env.CUTOVER_S3_ENDPOINT = s3.endpoint;
 * await s3.stop();
 */
export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  await mkdir(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    directory: options.directory,
    silent: true,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      const closed = server.close();
      // SDK clients keep sockets alive; end them so the server stops at once.
      server.httpServer?.closeAllConnections();
      await closed;
    },
  };
}

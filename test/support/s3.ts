import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { localS3ClientConfig } from '#local/s3-object-storage.ts';
import { type S3Server, startS3Server } from '#local/s3-server.ts';

/** A local S3 server in a temporary directory with one bucket, and a client for it. */
export interface TestS3 {
  readonly server: S3Server;
  readonly client: S3Client;
  readonly bucket: string;
  stop(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1, port 0, with `bucket` created; `stop()` removes its directory. */
export async function startTestS3(bucket = 'cutover-test'): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'cutover-s3-'));
  const server = await startS3Server({ directory, buckets: [bucket] });
  const client = createTestS3Client(server.endpoint);
  return {
    server,
    client,
    bucket,
    async stop() {
      client.destroy();
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A real S3 client for a local S3 endpoint (path-style, the server's well-known key pair). */
export function createTestS3Client(endpoint: string): S3Client {
  return new S3Client(localS3ClientConfig(endpoint));
}

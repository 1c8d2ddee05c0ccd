import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { BackupNotFoundError } from '#core/errors.ts';
import type { BackupObject, BackupStore } from '#core/ports/backup-store.ts';
import { asAdapterError } from '../aws-errors.ts';
import { assertBackupKey, assertBackupMeta, assertBackupPrefix } from './keys.ts';

/** Settings of {@link S3BackupStore}. */
export interface S3BackupStoreOptions {
  /** The client, or a function building it on first use (the backup family imports the SDK only then). */
  readonly client: S3Client | (() => Promise<S3Client>);
  readonly bucket: string;
  /** Prepended to every key (`cutover/` -> `s3://bucket/cutover/<key>`). @default '' */
  readonly prefix?: string;
  /** Multipart part size in bytes for streamed uploads. @default 8 MiB */
  readonly partSize?: number;
}

/** HEAD requests in flight at once while listing (S3 listings carry no user metadata). */
const HEAD_CONCURRENCY = 8;

/**
 * A backup store in an S3 bucket (AWS, or a local S3 endpoint with `forcePathStyle`). Streams are uploaded
 * with multipart uploads; metadata values are URI-encoded so any text survives S3's ASCII headers.
 *
 * @example
 * const store = new S3BackupStore({ client: new S3Client({}), bucket: 'cutover-backups', prefix: 'prod/' });
 * await store.put('shop/checkout/db/orders.csv.gz', gzipStream, { table: 'orders' });
 */
export class S3BackupStore implements BackupStore {
  readonly type = 's3';
  readonly #client: () => Promise<S3Client>;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #partSize: number;

  constructor(options: S3BackupStoreOptions) {
    const client = options.client;
    this.#client = typeof client === 'function' ? client : async () => client;
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ?? '';
    this.#partSize = options.partSize ?? 8 * 1024 * 1024;
  }

  async put(key: string, body: string | Buffer | Readable, meta: Readonly<Record<string, string>> = {}) {
    assertBackupKey(key);
    assertBackupMeta(meta);
    const metadata = Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, encodeURIComponent(v)]));
    const { Upload } = await import('@aws-sdk/lib-storage');
    const upload = new Upload({
      client: await this.#client(),
      params: { Bucket: this.#bucket, Key: this.#prefix + key, Body: body, Metadata: metadata },
      partSize: this.#partSize,
      queueSize: 2,
    });
    await this.#call(key, () => upload.done());
  }

  async get(key: string): Promise<Buffer> {
    const stream = await this.getStream(key);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async getStream(key: string): Promise<Readable> {
    assertBackupKey(key);
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const client = await this.#client();
    const response = await this.#call(key, () =>
      client
        .send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }))
        .catch(async (error: unknown) => {
          if (isAccessDenied(error) && !(await this.#exists(client, key))) throw this.#notFound(key, error);
          throw error;
        }),
    );
    return response.Body as Readable;
  }

  /**
   * Whether `key` exists, asked with `ListObjectsV2` (which the task roles may call under their prefix):
   * S3 denies a GetObject of a missing key to a role without `s3:ListBucket` on that key. When the key
   * exists it is the first one listed under its own name.
   */
  async #exists(client: S3Client, key: string): Promise<boolean> {
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const fullKey = this.#prefix + key;
    const { Contents } = await client.send(
      new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: fullKey, MaxKeys: 1 }),
    );
    return Contents?.[0]?.Key === fullKey;
  }

  /**
   * Pages with ListObjects markers (the last key of each page), which AWS and local S3 servers both
   * serve without continuation tokens.
   */
  async list(prefix: string): Promise<BackupObject[]> {
    assertBackupPrefix(prefix);
    const { ListObjectsCommand } = await import('@aws-sdk/client-s3');
    const client = await this.#client();
    const listed: { key: string; size: number; lastModified: string }[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await this.#call(prefix, () =>
        client.send(
          new ListObjectsCommand({ Bucket: this.#bucket, Prefix: this.#prefix + prefix, Marker: marker }),
        ),
      );
      for (const object of page.Contents ?? []) {
        listed.push({
          key: object.Key!.slice(this.#prefix.length),
          size: object.Size ?? 0,
          lastModified: (object.LastModified ?? new Date(0)).toISOString(),
        });
      }
      marker = page.Contents?.at(-1)?.Key;
      if (!page.IsTruncated || marker === undefined) break;
    }
    return mapLimited(listed, HEAD_CONCURRENCY, async (object) => ({
      ...object,
      meta: await this.#meta(object.key),
    }));
  }

  async delete(key: string): Promise<void> {
    assertBackupKey(key);
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    const client = await this.#client();
    await this.#call(key, () =>
      client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key })),
    );
  }

  async #meta(key: string): Promise<Record<string, string>> {
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const client = await this.#client();
    const head = await this.#call(key, () =>
      client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key })),
    );
    return Object.fromEntries(
      Object.entries(head.Metadata ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]),
    );
  }

  /** Runs one S3 call, turning a missing key into `BackupNotFound` and 5xx/throttling into `TransientAdapterError`. */
  async #call<T>(key: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      const status = $metadata?.httpStatusCode ?? 0;
      if (name !== 'NoSuchBucket' && (name === 'NoSuchKey' || name === 'NotFound' || status === 404)) {
        throw this.#notFound(key, error);
      }
      throw asAdapterError(error, `s3 ${name ?? 'request'} for ${JSON.stringify(key)}`);
    }
  }

  /** The `BackupNotFound` of a missing key. */
  #notFound(key: string, cause: unknown): BackupNotFoundError {
    return new BackupNotFoundError(`backup ${JSON.stringify(key)} does not exist in s3://${this.#bucket}`, {
      cause,
    });
  }
}

/** True for S3's 403 answer (`AccessDenied`). */
function isAccessDenied(error: unknown): boolean {
  const { $metadata } = (error ?? {}) as { $metadata?: { httpStatusCode?: number } };
  return $metadata?.httpStatusCode === 403;
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { ListedObject, ObjectStorage } from './asl/object-storage.ts';

/**
 * {@link ObjectStorage} over a real S3 client, made on first use by `client` (the local S3 server of the data
 * directory in `cutover local`). Lists with ListObjects markers, which AWS and local S3 servers both serve.
 *
 * @example
 * const storage = s3ObjectStorage(async () => new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1' }));
 * await storage.getObjectText('items', 'orders.csv');
 */
export function s3ObjectStorage(client: () => Promise<S3Client>): ObjectStorage {
  return {
    async getObjectText(bucket, key, versionId) {
      const { GetObjectCommand } = await import('@aws-sdk/client-s3');
      const response = await (await client()).send(
        new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
      );
      return response.Body!.transformToString('utf-8');
    },
    async listObjects(bucket, prefix) {
      const { ListObjectsCommand } = await import('@aws-sdk/client-s3');
      const s3 = await client();
      const listed: ListedObject[] = [];
      let marker: string | undefined;
      for (;;) {
        const page = await s3.send(
          new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, Marker: marker }),
        );
        for (const object of page.Contents ?? []) {
          listed.push({
            key: object.Key!,
            etag: object.ETag ?? '',
            lastModified: object.LastModified ?? new Date(0),
            size: object.Size ?? 0,
            storageClass: object.StorageClass ?? 'STANDARD',
          });
        }
        marker = page.Contents?.at(-1)?.Key;
        if (!page.IsTruncated || marker === undefined) return listed;
      }
    },
  };
}

/** The settings of a client of the local S3 server at `endpoint`: path-style, with its well-known key pair. */
export function localS3ClientConfig(endpoint: string): S3ClientConfig {
  return {
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  };
}

/** A real S3 client made on first use, and a way to end its sockets. */
export interface LazyS3Client {
  client(): Promise<S3Client>;
  destroy(): void;
}

/**
 * A client of the local S3 server ({@link localS3ClientConfig}) whose endpoint `endpoint` gives on first use: the local S3 server starts only when a Map reads from it.
 */
export function localS3Client(endpoint: () => Promise<string>): LazyS3Client {
  let made: Promise<S3Client> | undefined;
  return {
    client() {
      made ??= Promise.all([import('@aws-sdk/client-s3'), endpoint()]).then(
        ([{ S3Client }, url]) => new S3Client(localS3ClientConfig(url)),
      );
      // A failed start is tried again by the next read.
      made.catch(() => {
        made = undefined;
      });
      return made;
    },
    destroy() {
      void made?.then((client) => client.destroy()).catch(() => undefined);
    },
  };
}

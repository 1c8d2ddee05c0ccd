/**
 * The Amazon S3 a Distributed Map's `ItemReader` reads its items from: in `cutover local`, the local S3
 * server of the data directory (see `s3-object-storage.ts`).
 */

/** One object as `ListObjectsV2` lists it. */
export interface ListedObject {
  readonly key: string;
  /** The entity tag as S3 gives it, quotes included. */
  readonly etag: string;
  readonly lastModified: Date;
  readonly size: number;
  readonly storageClass: string;
}

/** Reads objects of S3 buckets; a failure throws an `Error` whose `name` is S3's error code (`NoSuchKey`, ...). */
export interface ObjectStorage {
  /** The body of `s3://bucket/key` (of `versionId` when given) as UTF-8 text. */
  getObjectText(bucket: string, key: string, versionId?: string): Promise<string>;
  /** Every object of `bucket` whose key starts with `prefix`, in key order, over all pages. */
  listObjects(bucket: string, prefix?: string): Promise<ListedObject[]>;
}

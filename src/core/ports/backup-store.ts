import type { Readable } from 'node:stream';

/** One stored object's listing entry. */
export interface BackupObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: string;
  readonly meta: Readonly<Record<string, string>>;
}

/**
 * Keyed blob storage for backups (S3 in AWS and locally against a local S3 endpoint, or a directory).
 *
 * @example
 * await store.put('shop/checkout/2026-11-28/weights.json', JSON.stringify(weights), { kind: 'weights' });
 * const body = await store.get('shop/checkout/2026-11-28/weights.json');
 */
export interface BackupStore {
  readonly type: string;
  put(key: string, body: string | Buffer | Readable, meta?: Readonly<Record<string, string>>): Promise<void>;
  /** The object's bytes; throws `BackupNotFoundError` when absent. */
  get(key: string): Promise<Buffer>;
  /** A stream of the object's bytes, for large backups. */
  getStream(key: string): Promise<Readable>;
  list(prefix: string): Promise<BackupObject[]>;
  delete(key: string): Promise<void>;
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemBackupStore } from '#adapters/backup/filesystem.ts';
import { S3BackupStore } from '#adapters/backup/s3.ts';
import type { BackupStore } from '#core/ports/backup-store.ts';
import { startTestS3, type TestS3 } from '#test/support/s3.ts';

/** A store under test with its teardown. */
interface StoreFixture {
  readonly store: BackupStore;
  stop(): Promise<void>;
}

async function filesystemStore(): Promise<StoreFixture> {
  const directory = await mkdtemp(join(tmpdir(), 'cutover-backups-'));
  return {
    store: new FilesystemBackupStore(directory),
    stop: () => rm(directory, { recursive: true, force: true }),
  };
}

async function s3Store(): Promise<StoreFixture> {
  const s3: TestS3 = await startTestS3();
  // A small part size makes a few-MB stream a real multipart upload.
  const store = new S3BackupStore({
    client: s3.client,
    bucket: s3.bucket,
    prefix: 'team/',
    partSize: 5 * 1024 * 1024,
  });
  return { store, stop: () => s3.stop() };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Bytes that differ at every position, so a misplaced part shows. */
function patternedBytes(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
  return bytes;
}

describe.each([
  ['filesystem', filesystemStore],
  ['s3', s3Store],
])('BackupStore contract: %s', (_type, createFixture) => {
  let fixture: StoreFixture;
  let store: BackupStore;

  beforeAll(async () => {
    fixture = await createFixture();
    store = fixture.store;
  });
  afterAll(() => fixture?.stop());

  it('returns the bytes put under a key, from a string, a buffer or a stream', async () => {
    // Prepare
    const streamed = patternedBytes(11 * 1024 * 1024 + 17);
    // Act
    await store.put('svc/a/weights.json', '{"stable":100}');
    await store.put('svc/a/blob.bin', Buffer.from([0, 1, 2, 255]));
    await store.put('svc/a/big.bin', Readable.from(chunksOf(streamed, 64 * 1024)));
    // Assess
    expect((await store.get('svc/a/weights.json')).toString()).toBe('{"stable":100}');
    expect([...(await store.get('svc/a/blob.bin'))]).toEqual([0, 1, 2, 255]);
    expect((await readAll(await store.getStream('svc/a/big.bin'))).equals(streamed)).toBe(true);
  });

  it('lists keys under a prefix in key order with size and metadata', async () => {
    // Prepare
    await store.put('list/x/2.txt', 'bb', { kind: 'weights', note: 'déjà vu ✓' });
    await store.put('list/x/1.txt', 'a', { kind: 'cluster' });
    await store.put('list/xy.txt', 'ccc');
    await store.put('other/1.txt', 'd');
    // Act
    const listed = await store.list('list/x/');
    const byStringPrefix = await store.list('list/x');
    // Assess
    expect(listed.map((o) => [o.key, o.size, o.meta])).toEqual([
      ['list/x/1.txt', 1, { kind: 'cluster' }],
      ['list/x/2.txt', 2, { kind: 'weights', note: 'déjà vu ✓' }],
    ]);
    expect(byStringPrefix.map((o) => o.key)).toEqual(['list/x/1.txt', 'list/x/2.txt', 'list/xy.txt']);
    expect(Number.isNaN(Date.parse(listed[0]!.lastModified))).toBe(false);
  });

  it('lists past one page of results', async () => {
    // Prepare
    const keys = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => store.put(key, key)));
    }
    // Act
    const listed = await store.list('many/');
    // Assess
    expect(listed.map((o) => o.key)).toEqual(keys);
  });

  it('replaces an object put twice under the same key', async () => {
    // Act
    await store.put('replace/k', 'first', { version: '1' });
    await store.put('replace/k', 'second', { version: '2' });
    // Assess
    expect((await store.get('replace/k')).toString()).toBe('second');
    expect((await store.list('replace/')).map((o) => o.meta)).toEqual([{ version: '2' }]);
  });

  it('deletes an object, and deleting a missing key changes nothing', async () => {
    // Prepare
    await store.put('gone/k', 'x');
    // Act
    await store.delete('gone/k');
    await store.delete('gone/never-there');
    // Assess
    expect(await store.list('gone/')).toEqual([]);
  });

  it('throws BackupNotFound for a missing key from get and getStream', async () => {
    // Act + Assess
    await expect(store.get('missing/key')).rejects.toMatchObject({ name: 'BackupNotFound' });
    await expect(store.getStream('missing/key')).rejects.toMatchObject({ name: 'BackupNotFound' });
  });

  it('refuses malformed keys and metadata names, naming the field', async () => {
    // Act + Assess
    await expect(store.put('../escape', 'x')).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('key must be'),
    });
    await expect(store.put('a//b', 'x')).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(store.put('ok/key', 'x', { Kind: 'upper' })).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('meta.Kind'),
    });
    await expect(store.list('/abs')).rejects.toMatchObject({
      message: expect.stringContaining('prefix must be'),
    });
    expect(await store.list('ok/')).toEqual([]);
  });
});

function* chunksOf(bytes: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

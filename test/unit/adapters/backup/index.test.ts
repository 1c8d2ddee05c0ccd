import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackupStore, createBackupStoreFromEnvironment } from '#adapters/backup/index.ts';
import { startTestS3, type TestS3 } from '#test/support/s3.ts';

describe('createBackupStoreFromEnvironment', () => {
  let dataDir: string;
  let s3: TestS3;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cutover-data-'));
    s3 = await startTestS3('env-bucket');
  });
  afterAll(async () => {
    await s3?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('uses a filesystem store under $CUTOVER_DATA_DIR/backups when no bucket is set', async () => {
    // Prepare
    const store = createBackupStoreFromEnvironment({ CUTOVER_DATA_DIR: dataDir });
    // Act
    await store.put('svc/k.json', '{}');
    // Assess
    expect(store.type).toBe('filesystem');
    expect(await readFile(join(dataDir, 'backups', 'svc', 'k.json'), 'utf8')).toBe('{}');
  });

  it('uses an S3 store on the bucket, prefix and endpoint from the environment', async () => {
    // Prepare
    const store = createBackupStoreFromEnvironment({
      CUTOVER_BACKUP_BUCKET: 'env-bucket',
      CUTOVER_BACKUP_PREFIX: 'prod/',
      CUTOVER_S3_ENDPOINT: s3.server.endpoint,
    });
    // Act
    await store.put('svc/k.json', '{"a":1}');
    // Assess
    expect(store.type).toBe('s3');
    const raw = createBackupStore({ type: 's3', bucket: 'env-bucket', endpoint: s3.server.endpoint });
    expect((await raw.get('prod/svc/k.json')).toString()).toBe('{"a":1}');
  });

  it('refuses a prefix without a bucket, naming the missing variable', () => {
    // Act + Assess
    expect(() => createBackupStoreFromEnvironment({ CUTOVER_BACKUP_PREFIX: 'prod/' })).toThrowError(
      /CUTOVER_BACKUP_BUCKET/,
    );
  });

  it('refuses an unknown store type, naming the allowed ones', () => {
    // Act + Assess
    expect(() => createBackupStore({ type: 'ftp' } as never)).toThrowError(
      'backup.type must be one of: filesystem, s3 (got "ftp")',
    );
  });
});

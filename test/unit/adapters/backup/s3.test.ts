import { GetObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { S3BackupStore } from '#adapters/backup/s3.ts';

const key = 'shop/checkout/db/orders.csv.gz';

/** What S3 answers a GetObject the role may not read: without `s3:ListBucket` on the key, also a missing key. */
function accessDenied() {
  return new S3ServiceException({
    name: 'AccessDenied',
    $fault: 'client',
    $metadata: { httpStatusCode: 403 },
    message: 'Access Denied',
  });
}

function buildStore() {
  const client = new S3Client({ region: 'eu-west-1' });
  const mock = mockClient(client);
  const store = new S3BackupStore({ client, bucket: 'cutover-backups', prefix: 'prod/' });
  return { store, mock };
}

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: Error) => error,
  );

describe('S3BackupStore get', () => {
  it('throws BackupNotFound when GetObject is denied and listing the key finds nothing', async () => {
    // Prepare
    const { store, mock } = buildStore();
    mock.on(GetObjectCommand).rejects(accessDenied());
    mock.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
    // Act
    const error = await errorOf(store.get(key));
    // Assess
    expect(error?.name).toBe('BackupNotFound');
    expect(error?.message).toBe(`backup "${key}" does not exist in s3://cutover-backups`);
    expect(mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'cutover-backups', Prefix: `prod/${key}`, MaxKeys: 1 },
    ]);
  });

  it('throws BackupNotFound when the listing finds only longer keys', async () => {
    // Prepare
    const { store, mock } = buildStore();
    mock.on(GetObjectCommand).rejects(accessDenied());
    mock.on(ListObjectsV2Command).resolves({ KeyCount: 1, Contents: [{ Key: `prod/${key}.old` }] });
    // Act
    const error = await errorOf(store.get(key));
    // Assess
    expect(error?.name).toBe('BackupNotFound');
  });

  it('rethrows the AccessDenied when the key exists', async () => {
    // Prepare
    const { store, mock } = buildStore();
    const denied = accessDenied();
    mock.on(GetObjectCommand).rejects(denied);
    mock.on(ListObjectsV2Command).resolves({ KeyCount: 1, Contents: [{ Key: `prod/${key}` }] });
    // Act
    const error = await errorOf(store.get(key));
    // Assess
    expect(error).toBe(denied);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BackupStore } from '#adapters/backup/s3.ts';
import { listTables } from '#adapters/database/catalog.ts';
import { tableChecksums } from '#adapters/database/checksums.ts';
import { connectDatabase, withDatabase } from '#adapters/database/connection.ts';
import { backupDatabase, readManifest, restoreDatabase } from '#adapters/database/logical-backup.ts';
import { TransientAdapterError } from '#core/errors.ts';
import type { BackupStore } from '#core/ports/backup-store.ts';
import { startTestPostgres, type TestPostgres } from '#test/support/postgres.ts';
import { startTestS3, type TestS3 } from '#test/support/s3.ts';
import { runSql } from './dataset.ts';

let postgres: TestPostgres;
let s3: TestS3;
beforeAll(async () => {
  [postgres, s3] = await Promise.all([startTestPostgres(), startTestS3('backups')]);
});
afterAll(() => Promise.all([postgres?.stop(), s3?.stop()]));

function s3Store(): S3BackupStore {
  return new S3BackupStore({ client: s3.client, bucket: s3.bucket, prefix: 'db/' });
}

async function checksums(url: string) {
  return withDatabase({ url }, async (client) =>
    tableChecksums(client, await listTables(client, ['public'])),
  );
}

/** Rejects when `promise` has not settled within `ms`, so a hang fails the test quickly, named. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms),
    ),
  ]);
}

/** `inner` with its `put` replaced. */
function withPut(inner: BackupStore, put: BackupStore['put']): BackupStore {
  return {
    type: inner.type,
    put,
    get: (key) => inner.get(key),
    getStream: (key) => inner.getStream(key),
    list: (prefix) => inner.list(prefix),
    delete: (key) => inner.delete(key),
  };
}

const PARTITIONED = `
  CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, payload text) PARTITION BY RANGE (at);
  CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
  INSERT INTO events SELECT i, date '2025-06-01' + i, 'event ' || i FROM generate_series(1, 400) AS i;
`;

describe('backupDatabase / restoreDatabase failures and partitions', () => {
  it('backs up a partitioned table once and restores its rows into its partitions', async () => {
    // Prepare
    const url = await postgres.createDatabase('partitioned');
    await runSql(url, PARTITIONED);
    const before = await checksums(url);
    const store = s3Store();
    const manifestKey = await withDatabase({ url }, (c) => backupDatabase(c, store, 'part/b1', ['public']));
    await runSql(url, `DELETE FROM events WHERE id % 3 = 0; UPDATE events SET payload = 'x' WHERE id < 250`);
    // Act
    await withDatabase({ url }, (c) => restoreDatabase(c, store, manifestKey));
    // Assess
    expect(await checksums(url)).toEqual(before);
    const manifest = await readManifest(store, manifestKey);
    expect(manifest.tables.map((t) => [t.table, t.rows])).toEqual([['public.events', 400]]);
    const partitions = await runSql(
      url,
      `SELECT tableoid::regclass::text AS partition, count(*)::int AS rows FROM events GROUP BY 1 ORDER BY 1`,
    );
    expect(partitions.rows).toEqual([
      { partition: 'events_2025', rows: 213 },
      { partition: 'events_2026', rows: 187 },
    ]);
  });

  it('fails BackupFailed naming the table and the COPY error, and throws nothing uncaught', async () => {
    // Prepare
    const url = await postgres.createDatabase('denied');
    await runSql(
      url,
      `CREATE TABLE open_data (id int); CREATE TABLE secrets (id int);
       INSERT INTO open_data VALUES (1); INSERT INTO secrets VALUES (1);
       DROP ROLE IF EXISTS backup_reader; CREATE ROLE backup_reader LOGIN PASSWORD 'reader';
       GRANT SELECT ON open_data TO backup_reader`,
    );
    const readerUrl = new URL(url);
    readerUrl.username = 'backup_reader';
    readerUrl.password = 'reader';
    // Act
    const backup = withDatabase({ url: readerUrl.toString() }, (c) =>
      backupDatabase(c, s3Store(), 'denied/b1', ['public']),
    );
    // Assess
    await expect(within(10_000, backup)).rejects.toMatchObject({
      name: 'BackupFailed',
      message: expect.stringMatching(/public\.secrets.*permission denied for table secrets/),
    });
  });

  it('passes a failed upload through as TransientAdapterError without waiting on its COPY', async () => {
    // Prepare
    const url = await postgres.createDatabase('throttled');
    await runSql(
      url,
      `CREATE TABLE big (id int, payload text);
       INSERT INTO big SELECT i, md5(i::text) || md5((-i)::text) FROM generate_series(1, 200000) AS i`,
    );
    const throttled = new TransientAdapterError('s3 SlowDown for "big", retry later');
    const inner = s3Store();
    // Fails before reading the stream, as the S3 store does when it cannot start a multipart upload.
    const store = withPut(inner, (key, body, meta) =>
      key.endsWith('.copy.gz') ? Promise.reject(throttled) : inner.put(key, body, meta),
    );
    const client = await connectDatabase({ url });
    // Act
    const backup = backupDatabase(client, store, 'throttled/b1', ['public']);
    // Assess
    try {
      await expect(within(10_000, backup)).rejects.toBe(throttled);
    } finally {
      await client.end().catch(() => undefined);
    }
  });

  it('passes a dropped connection through as TransientAdapterError', async () => {
    // Prepare
    const url = await postgres.createDatabase('dropped');
    await runSql(url, `CREATE TABLE items (id int); INSERT INTO items SELECT generate_series(1, 1000)`);
    const inner = s3Store();
    const store = withPut(inner, async (key, body, meta) => {
      await runSql(
        url,
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'cutover'`,
      );
      return inner.put(key, body, meta);
    });
    // Act
    const backup = withDatabase({ url }, (c) => backupDatabase(c, store, 'dropped/b1', ['public']));
    // Assess
    await expect(within(10_000, backup)).rejects.toMatchObject({
      name: 'TransientAdapterError',
      message: expect.stringContaining('logical backup to dropped/b1 failed at public.items'),
    });
  });

  it('fails TransientAdapterError when the S3 server is down', async () => {
    // Prepare
    const url = await postgres.createDatabase('s3_down');
    await runSql(url, `CREATE TABLE items (id int); INSERT INTO items SELECT generate_series(1, 1000)`);
    const stopped = await startTestS3('stopped');
    await stopped.server.stop();
    const store = new S3BackupStore({ client: stopped.client, bucket: stopped.bucket });
    // Act
    const backup = withDatabase({ url }, (c) => backupDatabase(c, store, 's3-down/b1', ['public']));
    // Assess
    try {
      await expect(within(10_000, backup)).rejects.toMatchObject({
        name: 'TransientAdapterError',
        message: expect.stringContaining('ECONNREFUSED'),
      });
    } finally {
      await stopped.stop().catch(() => undefined);
    }
  });

  it('rolls back a restore whose COPY fails on S3, leaving no session in a transaction', async () => {
    // Prepare
    const url = await postgres.createDatabase('dropped_column');
    await runSql(
      url,
      `CREATE TABLE notes (id int PRIMARY KEY, body text, legacy text);
       INSERT INTO notes SELECT i, 'note ' || i, 'old' FROM generate_series(1, 300) AS i`,
    );
    const store = s3Store();
    const manifestKey = await withDatabase({ url }, (c) =>
      backupDatabase(c, store, 'dropped-column/b1', ['public']),
    );
    await runSql(url, `ALTER TABLE notes DROP COLUMN legacy; DELETE FROM notes WHERE id > 100`);
    const before = await checksums(url);
    const client = await connectDatabase({ url });
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // Act
    const restore = restoreDatabase(client, store, manifestKey);
    // Assess
    try {
      await expect(within(5_000, restore)).rejects.toMatchObject({
        name: 'RestoreFailed',
        message: expect.stringContaining('column "legacy" of relation "notes" does not exist'),
      });
      const session = await runSql(url, `SELECT state FROM pg_stat_activity WHERE pid = $1`, [rows[0]!.pid]);
      expect(session.rows).toEqual([{ state: 'idle' }]);
      expect(await checksums(url)).toEqual(before);
    } finally {
      await client.end().catch(() => undefined);
    }
  });
});

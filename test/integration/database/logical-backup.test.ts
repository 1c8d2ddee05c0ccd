import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BackupStore } from '#adapters/backup/s3.ts';
import { listTables } from '#adapters/database/catalog.ts';
import { tableChecksums } from '#adapters/database/checksums.ts';
import { connectDatabase, withDatabase } from '#adapters/database/connection.ts';
import { backupDatabase, readManifest, restoreDatabase } from '#adapters/database/logical-backup.ts';
import { ExecutionStoppedError, TransientAdapterError } from '#core/errors.ts';
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

  it('refuses, restoring nothing, a backup of another database over tables holding rows, unless told to', async () => {
    // Prepare: a backup of one database, and another database with the same tables and its own rows
    const origin = await postgres.createDatabase('origin');
    const other = await postgres.createDatabase('other');
    const empty = await postgres.createDatabase('empty');
    const ITEMS =
      'CREATE TABLE items (id int PRIMARY KEY, name text); CREATE TABLE tags (id int PRIMARY KEY)';
    await runSql(origin, `${ITEMS}; INSERT INTO items VALUES (1, 'a'), (2, 'b')`);
    await runSql(other, `${ITEMS}; INSERT INTO items SELECT i, 'x' FROM generate_series(1, 5) AS i`);
    const store = s3Store();
    const manifestKey = await withDatabase({ url: origin }, (c) =>
      backupDatabase(c, store, 'elsewhere/b1', ['public']),
    );
    const originName = new URL(origin).pathname.slice(1);
    const otherName = new URL(other).pathname.slice(1);
    // Act
    const refused = await withDatabase({ url: other }, (c) => restoreDatabase(c, store, manifestKey)).catch(
      (error: unknown) => error,
    );
    const rowsAfterRefusal = (await runSql(other, 'SELECT count(*)::int AS rows FROM items')).rows;
    await withDatabase({ url: empty }, (c) => restoreDatabase(c, store, manifestKey));
    await withDatabase({ url: other }, (c) =>
      restoreDatabase(c, store, manifestKey, { overAnotherDatabase: true }),
    );
    // Assess
    expect((await readManifest(store, manifestKey)).database).toBe(originName);
    expect(refused).toMatchObject({
      name: 'ValidationError',
      message:
        `this database is ${otherName}, not ${originName}, the database backed up, and the restore would ` +
        'replace the rows of public.items: restore into an empty database or into ' +
        `${originName}, or replace them anyway (--force)`,
    });
    expect(rowsAfterRefusal).toEqual([{ rows: 5 }]);
    expect(await checksums(empty)).toEqual(await checksums(origin));
    expect(await checksums(other)).toEqual(await checksums(origin));
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

  it('stops a backup waiting on a table lock once its execution is stopped, ending its session and writing no manifest', async () => {
    // Prepare: another session holds the second table, so the backup's COPY of it waits
    const url = await postgres.createDatabase('stopped_backup');
    await runSql(
      url,
      `CREATE TABLE a_first (id int); CREATE TABLE b_locked (id int);
       INSERT INTO a_first SELECT generate_series(1, 100); INSERT INTO b_locked SELECT generate_series(1, 100)`,
    );
    const holder = await connectDatabase({ url });
    await holder.query('BEGIN; LOCK TABLE b_locked IN ACCESS EXCLUSIVE MODE');
    const stop = new ExecutionStoppedError('db-backup stopped: the execution was stopped');
    let stopped = false;
    const checked: string[] = [];
    const client = await connectDatabase({ url });
    // Act
    const backup = backupDatabase(client, s3Store(), 'stopped/b1', ['public'], {
      checkStop: async () => {
        checked.push(stopped ? 'stopped' : 'running');
        if (stopped) throw stop;
      },
      checkEveryMs: 50,
    });
    setTimeout(() => (stopped = true), 300);
    // Assess
    try {
      await expect(within(5_000, backup)).rejects.toBe(stop);
      // The server ends the backup's session, waiting for the lock, within seconds of its client going
      let waiting: unknown[] = [];
      for (let attempt = 0; attempt < 100; attempt++) {
        const { rows } = await withDatabase({ url }, (c) =>
          c.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
          ),
        );
        waiting = rows;
        if (waiting.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(waiting).toEqual([]);
      const stored = (await s3Store().list('stopped/b1/')).map((object) => object.key);
      expect(stored).not.toContain('stopped/b1/manifest.json');
      expect(checked.length).toBeGreaterThan(2);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await Promise.all([holder.end(), client.end().catch(() => undefined)]);
    }
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

  it('refuses a backup object changed after the backup, even one that still loads, rolled back', async () => {
    // Prepare: the object of notes replaced by another valid one holding a changed row
    const url = await postgres.createDatabase('changed_object');
    await runSql(
      url,
      `CREATE TABLE notes (id int PRIMARY KEY, body text);
       INSERT INTO notes SELECT i, 'note ' || i FROM generate_series(1, 20) AS i`,
    );
    const store = s3Store();
    const manifestKey = await withDatabase({ url }, (c) =>
      backupDatabase(c, store, 'changed-object/b1', ['public']),
    );
    const manifest = await readManifest(store, manifestKey);
    const notes = manifest.tables.find((table) => table.table === 'public.notes')!;
    const rows = Array.from({ length: 20 }, (_, i) => `${i + 1}\tnote ${i === 0 ? 'changed' : i + 1}\n`);
    await store.put(notes.key, gzipSync(rows.join('')));
    await runSql(url, `UPDATE notes SET body = 'after the backup'`);
    const before = await checksums(url);
    // Act
    const restore = withDatabase({ url }, (client) => restoreDatabase(client, store, manifestKey));
    // Assess
    await expect(restore).rejects.toMatchObject({
      name: 'RestoreFailed',
      message: expect.stringContaining(
        `public.notes: its backup object ${notes.key} changed after the backup (sha256 `,
      ),
    });
    expect(await checksums(url)).toEqual(before);
  });
});

/** `people`, whose inserts a trigger audits, with triggers in each mode, and a partition with its own trigger. */
const TRIGGERED = `
  CREATE TABLE people (id int PRIMARY KEY, name text);
  CREATE TABLE audit (people_id int REFERENCES people DEFERRABLE INITIALLY DEFERRED);
  CREATE FUNCTION audit_people() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN INSERT INTO audit VALUES (NEW.id); RETURN NEW; END $$;
  CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN NEW.name := NEW.name || '!'; RETURN NEW; END $$;
  CREATE TRIGGER audit_people AFTER INSERT ON people FOR EACH ROW EXECUTE FUNCTION audit_people();
  CREATE TRIGGER shout BEFORE INSERT ON people FOR EACH ROW EXECUTE FUNCTION shout();
  ALTER TABLE people ENABLE ALWAYS TRIGGER shout;
  CREATE TRIGGER shout_off BEFORE INSERT ON people FOR EACH ROW EXECUTE FUNCTION shout();
  ALTER TABLE people DISABLE TRIGGER shout_off;
  INSERT INTO people SELECT i, 'person ' || i FROM generate_series(1, 3000) AS i;
  CREATE TABLE events (id int, at date, name text) PARTITION BY RANGE (at);
  CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  CREATE TRIGGER shout_event BEFORE INSERT ON events_2025 FOR EACH ROW EXECUTE FUNCTION shout();
  CREATE TRIGGER shout_all BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION shout();
  ALTER TABLE events ENABLE REPLICA TRIGGER shout_all;
  INSERT INTO events SELECT i, date '2025-01-01' + i, 'event ' || i FROM generate_series(1, 300) AS i`;

const TRIGGER_MODES = `SELECT tgrelid::regclass::text AS "table", tgname AS name, tgenabled AS mode
  FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2`;

describe('restoreDatabase and the triggers of the tables it loads', () => {
  it('restores a database over itself firing none of its triggers, which no other session sees disabled', async () => {
    // Prepare
    const url = await postgres.createDatabase('triggers');
    await runSql(url, TRIGGERED);
    const before = await checksums(url);
    const modes = (await runSql(url, TRIGGER_MODES)).rows;
    const inner = s3Store();
    const manifestKey = await withDatabase({ url }, (c) =>
      backupDatabase(c, inner, 'triggers/b1', ['public']),
    );
    await runSql(url, 'DELETE FROM audit WHERE people_id > 10; DELETE FROM people WHERE id > 10');
    const seenDuringLoad: unknown[] = [];
    const store: BackupStore = {
      ...withPut(inner, (key, body, meta) => inner.put(key, body, meta)),
      getStream: async (key) => {
        seenDuringLoad.push((await runSql(url, TRIGGER_MODES)).rows);
        return inner.getStream(key);
      },
    };
    // Act
    await withDatabase({ url }, (c) => restoreDatabase(c, store, manifestKey));
    // Assess
    expect(await checksums(url)).toEqual(before);
    expect(modes).toEqual([
      { table: 'events', name: 'shout_all', mode: 'R' },
      { table: 'events_2025', name: 'shout_all', mode: 'R' },
      { table: 'events_2025', name: 'shout_event', mode: 'O' },
      { table: 'people', name: 'audit_people', mode: 'O' },
      { table: 'people', name: 'shout', mode: 'A' },
      { table: 'people', name: 'shout_off', mode: 'D' },
    ]);
    expect(seenDuringLoad).toEqual([modes, modes, modes]);
    expect((await runSql(url, TRIGGER_MODES)).rows).toEqual(modes);
  });

  it('fails RestoreFailed naming a table whose triggers the role may not disable, rolled back', async () => {
    // Prepare
    const url = await postgres.createDatabase('trigger_owner');
    const role = `restorer_${Date.now()}`;
    await runSql(
      url,
      `CREATE TABLE notes (id int); CREATE TABLE people (id int PRIMARY KEY);
       CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
       CREATE TRIGGER noop AFTER INSERT ON people FOR EACH ROW EXECUTE FUNCTION noop();
       INSERT INTO notes VALUES (1); INSERT INTO people VALUES (1);
       CREATE ROLE ${role} LOGIN PASSWORD 'restorer';
       GRANT SELECT, INSERT, TRUNCATE ON notes, people TO ${role}`,
    );
    const store = s3Store();
    const manifestKey = await withDatabase({ url }, (c) => backupDatabase(c, store, 'owner/b1', ['public']));
    await runSql(url, 'DELETE FROM notes');
    const restorerUrl = new URL(url);
    restorerUrl.username = role;
    restorerUrl.password = 'restorer';
    // Act
    const restore = withDatabase({ url: restorerUrl.toString() }, (c) =>
      restoreDatabase(c, store, manifestKey),
    );
    // Assess
    await expect(restore).rejects.toMatchObject({
      name: 'RestoreFailed',
      message:
        `restore of ${manifestKey} failed and was rolled back: cannot disable trigger noop of public.people, ` +
        'so that it does not fire for the rows loaded (must be owner of table people): connect as the owner of public.people',
    });
    expect((await runSql(url, 'SELECT count(*)::int AS n FROM notes')).rows).toEqual([{ n: 0 }]);
  });
});

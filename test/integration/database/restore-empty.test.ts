import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemBackupStore } from '#adapters/backup/filesystem.ts';
import { listTables } from '#adapters/database/catalog.ts';
import { tableChecksums } from '#adapters/database/checksums.ts';
import { withDatabase } from '#adapters/database/connection.ts';
import { backupDatabase, readManifest, restoreDatabase } from '#adapters/database/logical-backup.ts';
import { parseMigrations } from '#adapters/database/migration-files.ts';
import { applyMigrations } from '#adapters/database/migrations.ts';
import { startTestPostgres, type TestPostgres } from '#test/support/postgres.ts';
import { runSql } from './dataset.ts';

let postgres: TestPostgres;
let directory: string;
beforeAll(async () => {
  postgres = await startTestPostgres();
  directory = await mkdtemp(join(tmpdir(), 'cutover-restore-empty-'));
});
afterAll(async () => {
  await postgres?.stop();
  await rm(directory, { recursive: true, force: true });
});

const store = () => new FilesystemBackupStore(directory);

async function checksums(url: string, schemas = ['public']) {
  return withDatabase({ url }, async (client) => tableChecksums(client, await listTables(client, schemas)));
}

/** Applies the migration files (name -> SQL) to the database. */
function migrate(url: string, files: Record<string, string>) {
  return withDatabase({ url }, (c) =>
    applyMigrations(c, parseMigrations(new Map(Object.entries(files))), 'all'),
  );
}

/** A database holding `sql`, backed up; returns its URL and the backup's manifest key. */
async function backedUp(name: string, sql: string) {
  const url = await postgres.createDatabase(name);
  await runSql(url, sql);
  const manifestKey = await withDatabase({ url }, (c) =>
    backupDatabase(c, store(), `${name}/b1`, ['public']),
  );
  return { url, manifestKey };
}

const HISTORY =
  'SELECT version, name, phase, checksum, applied_at, execution_ms FROM cutover_schema_history ORDER BY 1';

const V1_V2 = {
  'V1__items.sql':
    'CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, $$one$$);',
  'V2__price.sql': 'ALTER TABLE items ADD COLUMN price numeric; UPDATE items SET price = 9.5;',
};

describe('restoreDatabase into an empty database: the migration history', () => {
  it('recreates the history as of the backup, so a later run applies only the migrations after it', async () => {
    // Prepare
    const source = await postgres.createDatabase('history');
    await migrate(source, V1_V2);
    const manifestKey = await withDatabase({ url: source }, (c) =>
      backupDatabase(c, store(), 'history/b1', ['public']),
    );
    const empty = await postgres.createDatabase('history_empty');
    // Act
    const report = await withDatabase({ url: empty }, (c) => restoreDatabase(c, store(), manifestKey));
    const restoredHistory = (await runSql(empty, HISTORY)).rows;
    const run = await migrate(empty, {
      ...V1_V2,
      'V3__stock.sql': 'ALTER TABLE items ADD COLUMN stock int;',
    });
    // Assess
    expect(report).toEqual({ history: 'restored' });
    expect(restoredHistory).toEqual((await runSql(source, HISTORY)).rows);
    expect(run.applied.map((m) => m.version)).toEqual([3]);
    const items = await runSql(empty, 'SELECT id, name, price::text, stock FROM items');
    expect(items.rows).toEqual([{ id: 1, name: 'one', price: '9.5', stock: null }]);
  });

  it("recreates a service's own history table beside the default one", async () => {
    // Prepare
    const source = await postgres.createDatabase('own_history');
    await migrate(source, V1_V2);
    await withDatabase({ url: source }, (c) =>
      applyMigrations(
        c,
        parseMigrations(new Map([['V1__notes.sql', 'CREATE TABLE notes (id int);']])),
        'all',
        {
          historyTable: 'cutover_notes_history',
        },
      ),
    );
    const manifestKey = await withDatabase({ url: source }, (c) =>
      backupDatabase(c, store(), 'own-history/b1', ['public']),
    );
    const empty = await postgres.createDatabase('own_history_empty');
    // Act
    await withDatabase({ url: empty }, (c) => restoreDatabase(c, store(), manifestKey));
    // Assess
    const own = await runSql(empty, 'SELECT version, name FROM cutover_notes_history');
    expect(own.rows).toEqual([{ version: 1, name: 'notes' }]);
    expect((await runSql(empty, HISTORY)).rows).toEqual((await runSql(source, HISTORY)).rows);
  });

  it('fills a history table the database already has, empty after a first run that failed', async () => {
    // Prepare
    const source = await postgres.createDatabase('failed_first');
    await migrate(source, V1_V2);
    const manifestKey = await withDatabase({ url: source }, (c) =>
      backupDatabase(c, store(), 'failed-first/b1', ['public']),
    );
    const empty = await postgres.createDatabase('failed_first_empty');
    const failed = await migrate(empty, {
      'V1__items.sql': 'CREATE TABLE items (id int REFERENCES nowhere);',
    }).catch((error: unknown) => error);
    // Act
    await withDatabase({ url: empty }, (c) => restoreDatabase(c, store(), manifestKey));
    // Assess
    expect(failed).toMatchObject({ name: 'MigrationFailed' });
    expect((await runSql(empty, HISTORY)).rows).toEqual((await runSql(source, HISTORY)).rows);
  });

  it('restores the tables of a backup that does not hold its history, and says the history is missing', async () => {
    // Prepare: the manifest as an earlier version of Cutover wrote it
    const source = await postgres.createDatabase('no_history');
    await migrate(source, V1_V2);
    const manifestKey = await withDatabase({ url: source }, (c) =>
      backupDatabase(c, store(), 'no-history/b1', ['public']),
    );
    const { histories, ...earlier } = await readManifest(store(), manifestKey);
    await store().put(manifestKey, JSON.stringify(earlier));
    const empty = await postgres.createDatabase('no_history_empty');
    // Act
    const report = await withDatabase({ url: empty }, (c) => restoreDatabase(c, store(), manifestKey));
    // Assess
    expect(histories).toHaveLength(1);
    expect(report).toEqual({ history: 'missing' });
    expect(await checksums(empty)).toEqual(await checksums(source));
    const history = await runSql(empty, `SELECT to_regclass('cutover_schema_history') AS history`);
    expect(history.rows).toEqual([{ history: null }]);
  });

  it("keeps the database's own history when restoring into its existing tables", async () => {
    // Prepare
    const { url, manifestKey } = await backedUp('kept', 'CREATE TABLE items (id int PRIMARY KEY)');
    // Act
    const report = await withDatabase({ url }, (c) => restoreDatabase(c, store(), manifestKey));
    // Assess
    expect(report).toEqual({ history: 'kept' });
  });
});

/** The user-defined types of `public` as the catalog describes them. */
const TYPES = `
  SELECT t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod) AS base, t.typnotnull,
    pg_get_expr(t.typdefaultbin, 0) AS default,
    (SELECT array_agg(enumlabel ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid) AS labels,
    (SELECT array_agg(format('%s %s', conname, pg_get_constraintdef(oid)) ORDER BY conname)
       FROM pg_constraint WHERE contypid = t.oid) AS constraints,
    (SELECT array_agg(format('%s %s %s', attname, format_type(atttypid, atttypmod), attcollation::regcollation)
       ORDER BY attnum) FROM pg_attribute WHERE attrelid = t.typrelid AND attnum > 0) AS attributes,
    (SELECT format('%s %s', rngsubtype::regtype, rngsubdiff) FROM pg_range WHERE rngtypid = t.oid) AS range
  FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd', 'c', 'r', 'm')
    AND t.typrelid NOT IN (SELECT oid FROM pg_class WHERE relkind <> 'c')
  ORDER BY 1`;

describe('restoreDatabase into an empty database: column types', () => {
  it('recreates domains, composite and range types and arrays of them, each after the types it uses', async () => {
    // Prepare
    const { url, manifestKey } = await backedUp(
      'types',
      `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
       CREATE DOMAIN posint AS integer DEFAULT 1 NOT NULL CHECK (VALUE > 0);
       CREATE DOMAIN good_mood AS mood CONSTRAINT not_sad CHECK (VALUE <> 'sad');
       CREATE TYPE pair AS (a posint, b text COLLATE "C", moods good_mood[]);
       CREATE TYPE floatrange AS RANGE (SUBTYPE = float8, SUBTYPE_DIFF = float8mi);
       CREATE TABLE items (id posint PRIMARY KEY, p pair, ps pair[], m good_mood, r floatrange, counts posint[]);
       INSERT INTO items VALUES
         (1, ROW(1, 'x', ARRAY['ok', 'happy'])::pair, ARRAY[ROW(2, 'y', NULL)::pair], 'happy', '[1.5,2.5)', '{1,2}'),
         (2, NULL, NULL, NULL, 'empty', NULL)`,
    );
    const empty = await postgres.createDatabase('types_empty');
    // Act
    await withDatabase({ url: empty }, (c) => restoreDatabase(c, store(), manifestKey));
    // Assess
    const types = (await runSql(url, TYPES)).rows;
    expect(types.map((type) => type.typname)).toEqual([
      'floatmultirange',
      'floatrange',
      'good_mood',
      'mood',
      'pair',
      'posint',
    ]);
    expect((await runSql(empty, TYPES)).rows).toEqual(types);
    expect(await checksums(empty)).toEqual(await checksums(url));
  });

  it('creates the extension a column type comes from (citext) in a database without it', async () => {
    // Prepare
    const { url, manifestKey } = await backedUp(
      'extension',
      `CREATE EXTENSION citext;
       CREATE DOMAIN email AS citext CHECK (VALUE LIKE '%@%');
       CREATE TABLE users (name citext PRIMARY KEY, emails email[]);
       INSERT INTO users VALUES ('Ada', ARRAY['ada@example.com'])`,
    );
    const empty = await postgres.createDatabase('extension_empty');
    // Act
    await withDatabase({ url: empty }, (c) => restoreDatabase(c, store(), manifestKey));
    // Assess
    expect(await checksums(empty)).toEqual(await checksums(url));
    const found = await runSql(empty, `SELECT name FROM users WHERE name = 'ADA'`);
    expect(found.rows).toEqual([{ name: 'Ada' }]);
  });

  it('creates the schema of an extension kept outside the backed-up schemas', async () => {
    // Prepare
    const { url, manifestKey } = await backedUp(
      'extension_schema',
      `CREATE SCHEMA extensions; CREATE EXTENSION citext WITH SCHEMA extensions;
       CREATE TABLE users (name extensions.citext PRIMARY KEY); INSERT INTO users VALUES ('Ada')`,
    );
    const empty = await postgres.createDatabase('extension_schema_empty');
    // Act
    await withDatabase({ url: empty }, (c) => restoreDatabase(c, store(), manifestKey));
    // Assess
    expect(await checksums(empty)).toEqual(await checksums(url));
  });

  it('fails RestoreFailed naming an extension the server cannot create, rolled back', async () => {
    // Prepare: a backup that needs an extension this server does not have
    const { manifestKey } = await backedUp(
      'no_extension',
      `CREATE EXTENSION citext; CREATE TABLE users (name citext); INSERT INTO users VALUES ('Ada')`,
    );
    const manifest = await readManifest(store(), manifestKey);
    const ddl = manifest.ddl.map((s) =>
      s.replace('EXTENSION IF NOT EXISTS citext', 'EXTENSION IF NOT EXISTS nosuch'),
    );
    await store().put(manifestKey, JSON.stringify({ ...manifest, ddl }));
    const empty = await postgres.createDatabase('no_extension_empty');
    // Act
    const restore = withDatabase({ url: empty }, (c) => restoreDatabase(c, store(), manifestKey));
    // Assess
    await expect(restore).rejects.toMatchObject({
      name: 'RestoreFailed',
      message:
        `restore of ${manifestKey} failed and was rolled back: extension "nosuch" is not available ` +
        '(The extension must first be installed on the system where PostgreSQL is running.)',
    });
    expect((await runSql(empty, `SELECT to_regclass('public.users') AS users`)).rows).toEqual([
      { users: null },
    ]);
  });

  it('names types by their schema, so a backup taken with another search_path restores', async () => {
    // Prepare: the source database searches shop first, the target does not
    const url = await postgres.createDatabase('search_path');
    await runSql(
      url,
      `CREATE SCHEMA shop; CREATE TYPE shop.mood AS ENUM ('ok');
       CREATE TABLE shop.items (id serial PRIMARY KEY, m shop.mood DEFAULT 'ok');
       INSERT INTO shop.items DEFAULT VALUES`,
    );
    await runSql(url, `ALTER DATABASE ${new URL(url).pathname.slice(1)} SET search_path = shop, public`);
    const manifestKey = await withDatabase({ url }, (c) =>
      backupDatabase(c, store(), 'search-path/b1', ['shop']),
    );
    const empty = await postgres.createDatabase('search_path_empty');
    // Act
    await withDatabase({ url: empty }, (c) => restoreDatabase(c, store(), manifestKey));
    // Assess
    expect(await checksums(empty, ['shop'])).toEqual(await checksums(url, ['shop']));
    const next = await runSql(empty, 'INSERT INTO shop.items DEFAULT VALUES RETURNING id, m::text');
    expect(next.rows).toEqual([{ id: 2, m: 'ok' }]);
  });
});

/** A schema with what a backup's DDL does not recreate: a function an index uses, a view, a trigger. */
const WITH_VIEW = `
  CREATE FUNCTION norm(t text) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT lower(t) $$;
  CREATE TABLE people (id int PRIMARY KEY, name text, happy boolean);
  CREATE INDEX people_norm ON people (norm(name));
  CREATE TABLE audit (people_id int);
  CREATE FUNCTION audit_people() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN INSERT INTO audit VALUES (NEW.id); RETURN NEW; END $$;
  CREATE TRIGGER audit_people AFTER INSERT ON people FOR EACH ROW EXECUTE FUNCTION audit_people();
  CREATE VIEW happy_people AS SELECT * FROM people WHERE happy;
  COMMENT ON TABLE people IS 'the people';
  INSERT INTO people SELECT i, 'Person ' || i, i % 2 = 0 FROM generate_series(1, 100) AS i`;

const RELATIONS = `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v') ORDER BY 1`;

describe('restoreDatabase into an empty database: objects the backup does not recreate', () => {
  it('lists in the manifest the objects of its schemas that its DDL does not recreate', async () => {
    // Prepare
    const url = await postgres.createDatabase('left_out');
    await runSql(
      url,
      `CREATE EXTENSION citext; CREATE EXTENSION pg_trgm; CREATE TYPE mood AS ENUM ('ok');
       CREATE SEQUENCE loose; CREATE TABLE people (id int PRIMARY KEY, name text, email citext, m mood);
       CREATE INDEX people_trgm ON people USING gin (name gin_trgm_ops);
       CREATE FUNCTION norm(t text) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT lower(t) $$;
       CREATE PROCEDURE tidy() LANGUAGE sql AS $$ DELETE FROM people WHERE id < 0 $$;
       CREATE AGGREGATE total(int) (SFUNC = int4pl, STYPE = int);
       CREATE VIEW named AS SELECT id, norm(name) FROM people; CREATE MATERIALIZED VIEW counted AS SELECT count(*) FROM people;
       CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
       CREATE TRIGGER touch BEFORE UPDATE ON people FOR EACH ROW EXECUTE FUNCTION touch();
       CREATE POLICY own ON people USING (true); CREATE RULE quiet AS ON DELETE TO people DO INSTEAD NOTHING;
       CREATE STATISTICS people_stats ON id, name FROM people;
       COMMENT ON TABLE people IS 'folks'; COMMENT ON COLUMN people.name IS 'full name';
       COMMENT ON FUNCTION norm(text) IS 'lower case'`,
    );
    // Act
    const manifestKey = await withDatabase({ url }, (c) =>
      backupDatabase(c, store(), 'left-out/b1', ['public']),
    );
    // Assess
    expect((await readManifest(store(), manifestKey)).leftOut).toEqual([
      { kind: 'extension', name: 'pg_trgm' },
      { kind: 'function', name: 'public.norm(text)' },
      { kind: 'function', name: 'public.touch()' },
      { kind: 'procedure', name: 'public.tidy()' },
      { kind: 'aggregate', name: 'public.total(integer)' },
      { kind: 'view', name: 'public.named' },
      { kind: 'materialized view', name: 'public.counted' },
      { kind: 'trigger', name: 'touch on public.people' },
      { kind: 'rule', name: 'quiet on public.people' },
      { kind: 'policy', name: 'own on public.people' },
      { kind: 'statistics object', name: 'public.people_stats' },
      { kind: 'comment', name: 'on function public.norm(pg_catalog.text)' },
      { kind: 'comment', name: 'on table column public.people.name' },
      { kind: 'comment', name: 'on table public.people' },
    ]);
  });

  it('refuses, writing nothing, a restore that would leave out views, functions and triggers', async () => {
    // Prepare
    const { manifestKey } = await backedUp('refused', WITH_VIEW);
    const empty = await postgres.createDatabase('refused_empty');
    // Act
    const restore = withDatabase({ url: empty }, (c) => restoreDatabase(c, store(), manifestKey));
    // Assess
    await expect(restore).rejects.toMatchObject({
      name: 'ValidationError',
      message:
        'restore into an empty database would leave out 2 functions (public.audit_people(), public.norm(text)), ' +
        '1 view (public.happy_people), 1 trigger (audit_people on public.people), 1 comment (on table ' +
        'public.people): the backup recreates only its tables, with their types, sequences and indexes. ' +
        'Restore over the database the backup came from, or apply its migrations first (cutover run ' +
        'database-migration without a copy) and restore over them',
    });
    expect((await runSql(empty, RELATIONS)).rows).toEqual([]);
  });

  it('restores over the migrations that made the objects, which it keeps, firing no trigger', async () => {
    // Prepare
    const source = await postgres.createDatabase('migrated');
    const files = { 'V1__people.sql': WITH_VIEW };
    await migrate(source, files);
    const manifestKey = await withDatabase({ url: source }, (c) =>
      backupDatabase(c, store(), 'migrated/b1', ['public']),
    );
    const target = await postgres.createDatabase('migrated_target');
    await migrate(target, files);
    // Act: the migration's own rows in the target are replaced, which a restore into another database asks for
    const report = await withDatabase({ url: target }, (c) =>
      restoreDatabase(c, store(), manifestKey, { overAnotherDatabase: true }),
    );
    // Assess
    expect(report).toEqual({ history: 'kept' });
    expect(await checksums(target)).toEqual(await checksums(source));
    const happy = await runSql(target, 'SELECT count(*)::int AS n FROM happy_people');
    expect(happy.rows).toEqual([{ n: 50 }]);
  });

  it('restores into a database that already has the objects the backup does not recreate', async () => {
    // Prepare
    const norm = 'CREATE FUNCTION norm(t text) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT lower(t) $$;';
    const { url, manifestKey } = await backedUp(
      'has_function',
      `${norm} CREATE TABLE people (id int PRIMARY KEY, name text); CREATE INDEX people_norm ON people (norm(name));
       INSERT INTO people VALUES (1, 'Ada')`,
    );
    const target = await postgres.createDatabase('has_function_target');
    await runSql(target, norm);
    // Act
    await withDatabase({ url: target }, (c) => restoreDatabase(c, store(), manifestKey));
    // Assess
    expect(await checksums(target)).toEqual(await checksums(url));
    const index = await runSql(target, `SELECT to_regclass('public.people_norm') IS NOT NULL AS made`);
    expect(index.rows).toEqual([{ made: true }]);
  });

  it('restores the tables of a backup that does not list what it leaves out, as before', async () => {
    // Prepare: the manifest as an earlier version of Cutover wrote it
    const { url, manifestKey } = await backedUp(
      'unlisted',
      `CREATE TABLE people (id int PRIMARY KEY, name text); CREATE VIEW named AS SELECT name FROM people;
       INSERT INTO people VALUES (1, 'Ada')`,
    );
    const { leftOut, ...earlier } = await readManifest(store(), manifestKey);
    await store().put(manifestKey, JSON.stringify(earlier));
    const empty = await postgres.createDatabase('unlisted_empty');
    // Act
    await withDatabase({ url: empty }, (c) => restoreDatabase(c, store(), manifestKey));
    // Assess
    expect(leftOut).toEqual([{ kind: 'view', name: 'public.named' }]);
    expect(await checksums(empty)).toEqual(await checksums(url));
    expect((await runSql(empty, RELATIONS)).rows).toEqual([{ relname: 'people' }]);
  });
});

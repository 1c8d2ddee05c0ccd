import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackupStore } from '#adapters/backup/index.ts';
import { runDatabaseMigration } from '#adapters/database/workflow.ts';
import { databaseMigrationRequestSchema } from '#core/schemas/database-migration.ts';
import { databaseMigrationInput } from '#test/builders/database-migration-request.ts';
import { useDatabaseTaskWorld } from '#test/support/database-task.ts';
import { aTempDataDir } from '#test/support/local-app.ts';
import { requestUrl } from '#test/support/postgres.ts';
import { handler as validate } from '../../../lambdas/db-validate/handler.ts';
import { runSql } from './dataset.ts';

const world = useDatabaseTaskWorld();
const files = aTempDataDir();
afterAll(() => files.remove());

const EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:database-migration:validate-lossy';

/**
 * Runs a database migration in this process (no backup): a source holding `sourceSql`, a fresh target
 * whose one migration is `migration`, the copy, then Validate. Returns the request and the run's summary,
 * or what stopped it.
 */
async function runMigration(sourceSql: string, migration: string) {
  const source = await world.postgres.createDatabase('source');
  const target = await world.postgres.createDatabase('target');
  await runSql(source, sourceSql);
  const directory = await mkdtemp(join(files.dataDir, 'migrations-'));
  await writeFile(join(directory, 'V1__create.sql'), migration);
  const input = databaseMigrationInput(
    { source: requestUrl(source), target: requestUrl(target) },
    directory,
    { backup: { enabled: false } },
  );
  const store = createBackupStore({ type: 'filesystem', directory: join(files.dataDir, 'backups') });
  const request = databaseMigrationRequestSchema.parse(input);
  const summary = await runDatabaseMigration(request, store, 'run-1').catch((error: Error) => error);
  return { input, summary };
}

describe('Validate, where a migration changed column types', () => {
  it('fails naming each column whose values the conversion changes, with how many rows change', async () => {
    // Prepare: the target rounds prices to 1 decimal, ratios to real, times to whole seconds and to dates,
    // and keeps the last of duplicate JSON keys; the third row's values survive every conversion
    const source = `CREATE TABLE m (price numeric(12,4), ratio float8, at timestamptz, d timestamptz, j json);
      INSERT INTO m VALUES
        (1.2345, 0.1234567890123, '2024-05-05 10:11:12.654321+00', '2024-05-05 23:59:59+00', '{"a":1,"a":2}'),
        (99.9999, 0.5, '2024-05-05 10:11:12+00', '2024-05-05 00:00:00+00', '[{"x\\u003a": {"k": 1, "k": 2}}]'),
        (1.5, 0.25, NULL, NULL, '{"b": [1, 2],  "a": {"c": null}}'),
        (NULL, NULL, NULL, NULL, NULL);`;
    const migration = 'CREATE TABLE m (price numeric(12,1), ratio real, at timestamptz(0), d date, j jsonb);';
    // Act
    const { summary } = await runMigration(source, migration);
    // Assess
    expect(summary).toMatchObject({
      name: 'ValidationFailed',
      message:
        "the target's column types change copied values: " +
        'public.m.at: 1 row changes from timestamp with time zone to timestamp(0) with time zone; ' +
        'public.m.d: 1 row changes from timestamp with time zone to date; ' +
        'public.m.j: 2 rows change from json to jsonb (jsonb keeps the last of duplicate object keys); ' +
        'public.m.price: 2 rows change from numeric(12,4) to numeric(12,1); ' +
        'public.m.ratio: 1 row changes from double precision to real; ' +
        'give these columns types that hold the source values, or change the values on the source ' +
        'first if the change is intended',
    });
  });

  it('reads a text as the type it becomes: its formatting passes, rounding and duplicate keys fail', async () => {
    // Prepare: the first row's amount is rounded and its document loses a key; the second's only lose
    // white space and spelling
    const source = `CREATE TABLE s (id int PRIMARY KEY, amount text, doc varchar(100), flag text);
      INSERT INTO s VALUES
        (1, '1.25', '{"a": 1, "a": 2}', 'yes'),
        (2, ' 2.50 ', '{ "b":1,  "a": [1e2] }', 'f'),
        (3, NULL, NULL, NULL);`;
    const migration = 'CREATE TABLE s (id int PRIMARY KEY, amount numeric(12,1), doc jsonb, flag boolean);';
    // Act
    const { summary } = await runMigration(source, migration);
    // Assess
    expect(summary).toMatchObject({
      name: 'ValidationFailed',
      message:
        "the target's column types change copied values: " +
        'public.s.amount: 1 row changes from text to numeric(12,1); ' +
        'public.s.doc: 1 row changes from character varying(100) to jsonb (jsonb keeps the last of ' +
        'duplicate object keys); ' +
        'give these columns types that hold the source values, or change the values on the source ' +
        'first if the change is intended',
    });
  });

  it('reads json[] as jsonb[] element by element: white space, key order and spelling pass', async () => {
    // Prepare: elements jsonb writes another way (white space, key order, numbers, escapes), a NULL element,
    // two dimensions
    const source = `CREATE TABLE a (id int PRIMARY KEY, docs json[]);
      INSERT INTO a VALUES
        (1, ARRAY['{"b": 1,  "a": [1e2, 2.50]}', NULL, '"\\u00e9"']::json[]),
        (2, ARRAY[['{"x": {"k": 1}}', '[]'], ['{}', 'null']]::json[]),
        (3, NULL);`;
    const migration = 'CREATE TABLE a (id int PRIMARY KEY, docs jsonb[]);';
    const { input, summary } = await runMigration(source, migration);
    // Act
    const output = await validate({ request: input, executionArn: EXECUTION }, {} as never);
    // Assess
    expect(summary).toMatchObject({ tables: expect.any(Array) });
    expect(output).toEqual({
      tables: [
        { table: 'public.a', rows: 3, converted: [{ column: 'docs', from: 'json[]', to: 'jsonb[]' }] },
      ],
    });
  });

  it('counts the rows of a json[] or text[] read as jsonb[] whose elements hold a key twice', async () => {
    // Prepare: the first row's second element holds a key twice at depth 2, the second's first at depth 1;
    // the third row's elements only change their white space
    const source = `CREATE TABLE a (id int PRIMARY KEY, docs json[], notes text[]);
      INSERT INTO a VALUES
        (1, ARRAY['{"a": 1}', '[{"x\\u003a": {"k": 1, "k": 2}}]']::json[], ARRAY['{"n": 1}']),
        (2, ARRAY['{"a": 1, "a": 2}', NULL]::json[], ARRAY['{"n": 1, "n": 1}', '{}']),
        (3, ARRAY['{ "b" : 1 }']::json[], ARRAY['{ "b" : 1 }']);`;
    const migration = 'CREATE TABLE a (id int PRIMARY KEY, docs jsonb[], notes jsonb[]);';
    // Act
    const { summary } = await runMigration(source, migration);
    // Assess
    expect(summary).toMatchObject({
      name: 'ValidationFailed',
      message:
        "the target's column types change copied values: " +
        'public.a.docs: 2 rows change from json[] to jsonb[] (jsonb keeps the last of duplicate object keys); ' +
        'public.a.notes: 1 row changes from text[] to jsonb[] (jsonb keeps the last of duplicate object keys); ' +
        'give these columns types that hold the source values, or change the values on the source ' +
        'first if the change is intended',
    });
  });

  it('counts the texts a date drops a time of day from, and those read as of the copy', async () => {
    // Prepare: dates spelled in ways PostgreSQL reads as the same date pass; a time of day is dropped; today
    // and now are read as of the copy
    const source = `CREATE TABLE d (id int PRIMARY KEY, due text);
      INSERT INTO d VALUES (1, '2026-1-5'), (2, ' 2026-01-05 '), (3, 'Jan 5 2026'), (4, '2026-01-05 00:00'),
        (5, 'epoch'), (6, 'infinity'), (7, '2026-01-05 23:59'), (8, 'today'), (9, ' NOW '), (10, NULL);`;
    const migration = 'CREATE TABLE d (id int PRIMARY KEY, due date);';
    // Act
    const { summary } = await runMigration(source, migration);
    // Assess: contained, as a copy and a Validate on either side of midnight (UTC) also differ in checksum
    expect(summary).toMatchObject({
      name: 'ValidationFailed',
      message: expect.stringContaining(
        "the target's column types change copied values: " +
          'public.d.due: 3 rows change from text to date (2 read as of the copy: now, today, tomorrow or ' +
          'yesterday); ' +
          'give these columns types that hold the source values, or change the values on the source ' +
          'first if the change is intended',
      ),
    });
  });

  it('counts the texts, doubles and numerics whose digits a real drops', async () => {
    // Prepare: the first row's values keep 8 of their 10 digits; the others' read back the same from the
    // real's text (0.1, 1234567), though not from its cast to double precision or numeric
    const source = `CREATE TABLE r (id int PRIMARY KEY, amount text, ratio float8, total numeric);
      INSERT INTO r VALUES (1, '0.1234567891', 0.1234567891, 0.1234567891), (2, ' 0.1 ', 0.1, 0.1),
        (3, '1e2', 1234567, 1234567), (4, 'NaN', 'NaN', 'NaN'), (5, '-Infinity', '-Infinity', 3.25),
        (6, NULL, NULL, NULL);`;
    const migration = 'CREATE TABLE r (id int PRIMARY KEY, amount real, ratio real, total real);';
    // Act
    const { summary } = await runMigration(source, migration);
    // Assess
    expect(summary).toMatchObject({
      name: 'ValidationFailed',
      message:
        "the target's column types change copied values: " +
        'public.r.amount: 1 row changes from text to real; ' +
        'public.r.ratio: 1 row changes from double precision to real; ' +
        'public.r.total: 1 row changes from numeric to real; ' +
        'give these columns types that hold the source values, or change the values on the source ' +
        'first if the change is intended',
    });
  });

  it('passes lossless changes, its output listing the columns compared through a conversion', async () => {
    // Prepare: wider numbers and texts, a scale added, timestamps read as UTC, JSON without duplicate keys,
    // an enum and a point kept as their text
    const source = `CREATE TYPE mood AS ENUM ('sad', 'ok');
      CREATE TABLE w (id int PRIMARY KEY, n int, code varchar(50), amount numeric(12,4), total numeric,
        qty int, ratio real, at timestamp, j json, label mood, spot point);
      CREATE TABLE plain (id int PRIMARY KEY);
      INSERT INTO w VALUES
        (1, 2147483647, 'Zoë 東京', 99999999.9999, 1.5, 7, 0.1, '2024-05-05 10:11:12.654321',
         '{"b": [1, 2.50, 1e2],  "a": {"c": null}, "é": "\\u00e9", "\\u003a": ":"}', 'ok', '(1.5,-2)'),
        (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
      INSERT INTO plain VALUES (1);`;
    const migration = `CREATE TABLE w (id bigint PRIMARY KEY, n bigint, code text, amount numeric(14,4),
        total numeric(12,4), qty numeric(12,2), ratio float8, at timestamptz, j jsonb, label text, spot text);
      CREATE TABLE plain (id int PRIMARY KEY);`;
    const { input, summary } = await runMigration(source, migration);
    // Act
    const output = await validate({ request: input, executionArn: EXECUTION }, {} as never);
    // Assess
    expect(summary).toMatchObject({ tables: expect.any(Array) });
    expect(output).toEqual({
      tables: [
        { table: 'public.plain', rows: 1 },
        {
          table: 'public.w',
          rows: 2,
          converted: [
            { column: 'amount', from: 'numeric(12,4)', to: 'numeric(14,4)' },
            { column: 'at', from: 'timestamp without time zone', to: 'timestamp with time zone' },
            { column: 'code', from: 'character varying(50)', to: 'text' },
            { column: 'id', from: 'integer', to: 'bigint' },
            { column: 'j', from: 'json', to: 'jsonb' },
            { column: 'label', from: 'mood', to: 'text' },
            { column: 'n', from: 'integer', to: 'bigint' },
            { column: 'qty', from: 'integer', to: 'numeric(12,2)' },
            { column: 'ratio', from: 'real', to: 'double precision' },
            { column: 'spot', from: 'point', to: 'text' },
            { column: 'total', from: 'numeric', to: 'numeric(12,4)' },
          ],
        },
      ],
    });
  });
});

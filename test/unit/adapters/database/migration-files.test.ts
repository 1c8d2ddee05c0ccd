import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadMigrationsFromDirectory,
  migrationFileNames,
  parseMigrations,
} from '#adapters/database/migration-files.ts';
import { outsideTransaction, schemasCreated } from '#adapters/database/transaction-control.ts';

describe('outsideTransaction', () => {
  it('names the statements PostgreSQL runs only outside a transaction block', () => {
    // Prepare
    const statements = [
      'CREATE INDEX CONCURRENTLY orders_total ON orders (total)',
      'create unique index concurrently if not exists orders_key on orders (key)',
      'DROP INDEX CONCURRENTLY IF EXISTS orders_total',
      'REINDEX TABLE CONCURRENTLY orders',
      'REINDEX (VERBOSE, CONCURRENTLY) INDEX orders_total',
      'REINDEX (VERBOSE) SCHEMA shop',
      'REINDEX DATABASE shop',
      'ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY',
      'VACUUM (ANALYZE) orders',
      'CREATE DATABASE reports',
      'DROP DATABASE reports',
      'ALTER DATABASE shop SET TABLESPACE fast',
      'CREATE TABLESPACE fast LOCATION $$/data$$',
      "ALTER SYSTEM SET work_mem = '64MB'",
      'DISCARD ALL',
    ];
    // Act
    const kinds = statements.map((sql) => outsideTransaction(`CREATE TABLE t (id int);\n${sql};`));
    // Assess
    expect(kinds).toEqual([
      'CREATE INDEX CONCURRENTLY',
      'CREATE INDEX CONCURRENTLY',
      'DROP INDEX CONCURRENTLY',
      'REINDEX CONCURRENTLY',
      'REINDEX CONCURRENTLY',
      'REINDEX SCHEMA',
      'REINDEX DATABASE',
      'ALTER TABLE DETACH PARTITION CONCURRENTLY',
      'VACUUM',
      'CREATE DATABASE',
      'DROP DATABASE',
      'ALTER DATABASE SET TABLESPACE',
      'CREATE TABLESPACE',
      'ALTER SYSTEM',
      'DISCARD ALL',
    ]);
  });

  it('leaves statements that run in a transaction, and such statements in comments, strings and bodies', () => {
    // Prepare
    const sql = `
      CREATE INDEX orders_total ON orders (total);
      REINDEX TABLE orders;
      REINDEX (CONCURRENTLY false) INDEX orders_total;
      REINDEX TABLE schema;
      ANALYZE orders;
      ALTER TABLE events DETACH PARTITION events_2019;
      ALTER DATABASE shop SET default_tablespace = 'fast';
      -- CREATE INDEX CONCURRENTLY orders_key ON orders (key);
      /* VACUUM; /* nested */ DROP DATABASE shop; */
      SELECT 'VACUUM', E'it\\'s; CREATE DATABASE x';
      CREATE TABLE "vacuum" (id int);
      DO $$ BEGIN EXECUTE 'VACUUM'; END $$;
      CREATE FUNCTION f() RETURNS void LANGUAGE sql BEGIN ATOMIC SELECT 1; END;`;
    // Act
    const kind = outsideTransaction(sql);
    // Assess
    expect(kind).toBeUndefined();
  });
});

describe('migrationFileNames', () => {
  it('keeps the .sql files and leaves other files be', () => {
    // Act
    const names = migrationFileNames(
      ['V1__init.sql', 'README.md', 'create.sql', 'v2-plan.txt', 'V2__next.sql'],
      'migrations.directory db',
    );
    // Assess
    expect(names).toEqual(['V1__init.sql', 'create.sql', 'V2__next.sql']);
  });

  it('refuses a file that looks like a migration but would not be read, naming it, the field and the form', () => {
    // Prepare
    const listings = [
      ['V1__a.sql', 'V2__b.SQL'],
      ['V1__a.sql', 'V2__b.sql.bak'],
      ['V1__a.sql', 'create.Sql'],
    ];
    // Act
    const errors = listings.map((names) => {
      try {
        return migrationFileNames(names, 'migrations.s3Prefix migrations/shop/');
      } catch (error) {
        return error;
      }
    });
    // Assess
    expect(errors).toEqual(
      ['V2__b.SQL', 'V2__b.sql.bak', 'create.Sql'].map((file) =>
        expect.objectContaining({
          name: 'ValidationError',
          message:
            `migration file ${file} in migrations.s3Prefix migrations/shop/ would not be read: migration files ` +
            'are named V<version>__<name>.sql, ending in .sql in lower case (V3__add_email.sql); rename it, or ' +
            'move it out if it is no migration',
        }),
      ),
    );
  });
});

describe('schemasCreated', () => {
  it('names the schemas CREATE SCHEMA statements create, as PostgreSQL names them', () => {
    // Prepare
    const sql = `CREATE SCHEMA billing;
      create schema if not exists "Reports";
      CREATE SCHEMA AUTHORIZATION ana;
      CREATE SCHEMA IF NOT EXISTS audit AUTHORIZATION ana CREATE TABLE log (id int);
      CREATE SCHEMA AUTHORIZATION CURRENT_USER;`;
    // Act
    const names = schemasCreated(sql);
    // Assess
    expect(names).toEqual(['billing', 'Reports', 'ana', 'audit']);
  });

  it('leaves out what only mentions CREATE SCHEMA: comments, strings and function bodies', () => {
    // Prepare
    const sql = `-- we will CREATE SCHEMA billing later
      /* CREATE SCHEMA audit */
      COMMENT ON TABLE x IS 'CREATE SCHEMA reports';
      CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'CREATE SCHEMA dyn'; END $$;
      CREATE TABLE "CREATE SCHEMA" (id int);`;
    // Act
    const names = schemasCreated(sql);
    // Assess
    expect(names).toEqual([]);
  });
});

describe('loadMigrationsFromDirectory', () => {
  it('names a directory it cannot read, and where a relative one was looked for', async () => {
    // Act
    const absolute = await loadMigrationsFromDirectory('/no/such/migrations').catch((e: Error) => e.message);
    const relative = await loadMigrationsFromDirectory('no-such-migrations').catch((e: Error) => e.message);
    // Assess
    expect(absolute).toBe('migrations.directory /no/such/migrations cannot be read (ENOENT)');
    expect(relative).toBe(
      `migrations.directory no-such-migrations cannot be read (ENOENT); a relative path is resolved from ${process.cwd()}`,
    );
  });
});

describe('loadMigrationsFromDirectory of a directory with a migration that is no readable file', () => {
  it('names the file and why it cannot be read, as a ValidationError', async () => {
    // Prepare
    const directory = mkdtempSync(join(tmpdir(), 'cutover-migrations-'));
    writeFileSync(join(directory, 'V1__orders.sql'), 'CREATE TABLE orders (id int);');
    mkdirSync(join(directory, 'V2__folder.sql'));
    symlinkSync(join(directory, 'missing.sql'), join(directory, 'V3__dangling.sql'));
    // Act
    const refused = await loadMigrationsFromDirectory(directory).catch((e: Error) => e);
    rmSync(directory, { recursive: true, force: true });
    // Assess
    expect(refused).toMatchObject({
      name: 'ValidationError',
      message:
        `migration file V2__folder.sql in migrations.directory ${directory} cannot be read (EISDIR): ` +
        'each V<version>__<name>.sql must be a file',
    });
  });
});

describe('parseMigrations', () => {
  it('refuses a version used twice, naming both files', () => {
    // Prepare
    const files = new Map([
      ['V2__c.sql', 'SELECT 2;'],
      ['V1__b.sql', 'SELECT 1;'],
      ['V1__a.sql', 'SELECT 1;'],
    ]);
    // Act
    const refused = () => parseMigrations(files);
    // Assess
    expect(refused).toThrow(
      expect.objectContaining({
        name: 'ValidationError',
        message: 'migrations: version 1 is used twice (V1__a.sql, V1__b.sql)',
      }),
    );
  });
});

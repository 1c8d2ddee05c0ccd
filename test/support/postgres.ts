import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startLocalPostgres } from '#local/postgres.ts';

/** A PostgreSQL server for one test file: `DATABASE_URL` when set, else an embedded server in a temp dir. */
export interface TestPostgres {
  /** The password in the URLs `createDatabase` returns (random for an embedded server). */
  readonly password: string;
  /** Creates a fresh, empty database and returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts the test file's PostgreSQL. With `DATABASE_URL` set, databases are created on that server
 * (the URL's user needs CREATEDB) and dropped on `stop()`.
 *
 * @example
 * let postgres: TestPostgres;
 * beforeAll(async () => { postgres = await startTestPostgres(); });
 * afterAll(() => postgres?.stop());
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const given = process.env.DATABASE_URL;
  if (given) return onServer(given, async () => undefined);
  const directory = await mkdtemp(join(tmpdir(), 'cutover-pg-'));
  const server = await startLocalPostgres({
    directory: join(directory, 'data'),
    durable: false,
    password: `pw-${randomUUID()}`,
  });
  return onServer(server.url, async () => {
    await server.stop();
    await rm(directory, { recursive: true, force: true });
  });
}

function onServer(adminUrl: string, stopServer: () => Promise<void>): TestPostgres {
  const created: string[] = [];
  const password = decodeURIComponent(new URL(adminUrl).password);
  const admin = async <T>(run: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  };
  return {
    password,
    async createDatabase(prefix = 'test') {
      const name = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      await admin((client) => client.query(`CREATE DATABASE "${name}"`));
      created.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      if (process.env.DATABASE_URL) {
        await admin(async (client) => {
          for (const name of created) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        });
      }
      await stopServer();
    },
  };
}

/**
 * A database URL as a request carries it: without its password (the tasks read `PGPASSWORD`).
 *
 * @example
 * process.env.PGPASSWORD = postgres.password;
 * const request = { database: { target: { url: requestUrl(await postgres.createDatabase()) } } };
 */
export function requestUrl(url: string): string {
  const withoutPassword = new URL(url);
  withoutPassword.password = '';
  return withoutPassword.toString();
}

/** A database whose one table another session holds locked, until `close()`. */
export interface HeldDatabase {
  /** The database's URL as a request carries it (without its password: set `PGPASSWORD`). */
  readonly url: string;
  /** Ends every session of the database, those waiting on the lock first: what waited fails at once. */
  close(): Promise<void>;
}

/**
 * A fresh database on `postgres` with a table `held` that another session keeps locked (ACCESS EXCLUSIVE)
 * until `close()`: a database migration's Backup, reading it, waits there for as long as a test needs,
 * after Prepare has checked the schemas and locked the service.
 *
 * @example
 * process.env.PGPASSWORD = postgres.password;
 * const held = await aDatabaseHeldLocked(postgres);
 */
export async function aDatabaseHeldLocked(postgres: TestPostgres): Promise<HeldDatabase> {
  const url = await postgres.createDatabase('held');
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  await holder.query('CREATE TABLE held (id int)');
  await holder.query('BEGIN');
  await holder.query('LOCK TABLE held IN ACCESS EXCLUSIVE MODE');
  return {
    url: requestUrl(url),
    async close() {
      await holder.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      await holder.end();
    },
  };
}

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

import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CONNECT_TIMEOUT_MS,
  connectBeside,
  LOCAL_POSTGRES_VARIABLE,
  withDatabase,
} from '#adapters/database/connection.ts';
import { requestUrl, startTestPostgres, type TestPostgres } from '#test/support/postgres.ts';
import { startSilentDatabase } from '#test/support/unreachable-database.ts';
import { runSql } from './dataset.ts';

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startTestPostgres();
});
afterAll(() => postgres?.stop());

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('withDatabase', () => {
  it('names a database that does not exist with ValidationError, without the password', async () => {
    // Prepare
    const url = new URL(await postgres.createDatabase('exists'));
    url.pathname = '/no_such_database';
    // Act
    const attempt = withDatabase({ url: url.toString() }, (client) => client.query('SELECT 1'));
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/no_such_database.*database "no_such_database" does not exist/),
    });
    if (postgres.password)
      await expect(attempt).rejects.not.toHaveProperty('message', expect.stringContaining(postgres.password));
  });

  it('fails with TransientAdapterError, which the state machine retries, while the server is unreachable', async () => {
    // Prepare
    const url = `postgres://postgres@127.0.0.1:${await closedPort()}/shop`;
    // Act
    const attempt = withDatabase({ url }, (client) => client.query('SELECT 1'));
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'TransientAdapterError',
      message: expect.stringContaining(url),
    });
  });

  it('fails with TransientAdapterError after the connect timeout when the server accepts and never answers', async () => {
    // Prepare
    const database = await startSilentDatabase();
    const started = Date.now();
    // Act
    const attempt = withDatabase({ url: database.url }, (client) => client.query('SELECT 1'));
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'TransientAdapterError',
      message: expect.stringMatching(/is not reachable: timeout expired$/),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 100);
    expect(Date.now() - started).toBeLessThan(CONNECT_TIMEOUT_MS + 5000);
    await database.close();
  }, 20_000);

  it('fails with ValidationError, at once, when no password is known for a URL without one', async () => {
    // Prepare
    const url = requestUrl(await postgres.createDatabase('nopassword'));
    const saved = process.env.PGPASSWORD;
    delete process.env.PGPASSWORD;
    // Act
    const attempt = withDatabase({ url }, (client) => client.query('SELECT 1'));
    // Assess
    try {
      if (postgres.password) {
        await expect(attempt).rejects.toMatchObject({
          name: 'ValidationError',
          message: expect.stringContaining(
            "set PGPASSWORD or a pgpass file for the process that connects (cutover local's",
          ),
        });
      } else await attempt;
    } finally {
      if (saved !== undefined) process.env.PGPASSWORD = saved;
    }
  });

  it('names a PostgreSQL error DatabaseError and a dropped connection TransientAdapterError', async () => {
    // Prepare
    const url = await postgres.createDatabase('errors');
    // Act
    const failing = await withDatabase({ url }, (client) => client.query('SELECT 1 / 0')).catch(
      (error: unknown) => error,
    );
    const dropped = await withDatabase({ url }, async (client) => {
      await runSql(
        url,
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      return client.query('SELECT 1');
    }).catch((error: unknown) => error);
    // Assess
    expect(failing).toMatchObject({ name: 'DatabaseError', code: '22012' });
    expect(dropped).toMatchObject({ name: 'TransientAdapterError' });
  });
});

describe("withDatabase on cutover local's embedded server", () => {
  afterEach(() => vi.unstubAllEnvs());

  it('connects a URL without a password naming the server with its password, and a session beside it', async ({
    skip,
  }) => {
    // Prepare
    const url = new URL(await postgres.createDatabase('embedded'));
    skip(!['127.0.0.1', 'localhost'].includes(url.hostname), 'DATABASE_URL names a server off this machine');
    const server = new URL(url);
    server.pathname = '/postgres';
    vi.stubEnv(LOCAL_POSTGRES_VARIABLE, server.toString());
    vi.stubEnv('PGPASSWORD', undefined);
    // Act
    const databases = await withDatabase({ url: requestUrl(url.toString()) }, async (client) => {
      const beside = await connectBeside(client);
      try {
        const [own, other] = await Promise.all(
          [client, beside].map((session) => session.query('SELECT current_database() AS name')),
        );
        return [own!.rows[0].name, other!.rows[0].name];
      } finally {
        await beside.end();
      }
    });
    // Assess
    expect(databases).toEqual([url.pathname.slice(1), url.pathname.slice(1)]);
  });

  it('says, for a user the embedded server gives no password, that it gives it to its own user only', async ({
    skip,
  }) => {
    // Prepare
    const url = new URL(await postgres.createDatabase('otheruser'));
    skip(!['127.0.0.1', 'localhost'].includes(url.hostname), 'DATABASE_URL names a server off this machine');
    const server = new URL(url);
    server.pathname = '/postgres';
    vi.stubEnv(LOCAL_POSTGRES_VARIABLE, server.toString());
    vi.stubEnv('PGPASSWORD', undefined);
    const asNobody = new URL(requestUrl(url.toString()));
    asNobody.username = 'nobody';
    // Act
    const attempt = withDatabase({ url: asNobody.toString() }, (client) => client.query('SELECT 1'));
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining(
        `cutover local's embedded server on port ${url.port} gives its password to user ${server.username} only (this URL's user: nobody)`,
      ),
    });
  });
});

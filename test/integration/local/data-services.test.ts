import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '#adapters/database/connection.ts';
import { startLocalDataServices } from '#local/data-services.ts';
import { type LocalPostgres, startLocalPostgres } from '#local/postgres.ts';

/** The user's own server: its password has the characters a pgpass file escapes. */
const OWN_PASSWORD = 'own:pass\\word';
const OWN_PORT = 18352;
const EMBEDDED_PORT = 18353;

let directory: string;
let own: LocalPostgres;
const saved = { PGPASSFILE: process.env.PGPASSFILE, PGPASSWORD: process.env.PGPASSWORD };

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'cutover-data-services-'));
  // As root the embedded servers run as the OS user postgres, which must be able to enter the directory.
  await chmod(directory, 0o755);
  own = await startLocalPostgres({
    directory: join(directory, 'own'),
    port: OWN_PORT,
    password: OWN_PASSWORD,
    durable: false,
  });
});
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});
afterAll(async () => {
  await own?.stop();
  await rm(directory, { recursive: true, force: true });
});

/** `SELECT 1` on `url` (no password in it) as the tasks connect: `'ok'`, or the error's message. */
function reach(url: string): Promise<string> {
  return withDatabase({ url }, (client) => client.query('SELECT 1')).then(
    () => 'ok',
    (error: Error) => error.message,
  );
}

/** A data dir whose embedded PostgreSQL takes `EMBEDDED_PORT` (kept there as by an earlier start). */
async function dataDirNamed(name: string): Promise<string> {
  const dataDir = join(directory, name);
  await mkdir(dataDir);
  await writeFile(join(dataDir, 'postgres.port'), `${EMBEDDED_PORT}\n`);
  return dataDir;
}

describe('startLocalDataServices credentials', () => {
  it("gives the embedded server's password to it only: the user's pgpass file reaches their own server", async () => {
    // Prepare
    const userPgpass = join(directory, 'user.pgpass');
    await writeFile(userPgpass, `127.0.0.1:${OWN_PORT}:*:postgres:own\\:pass\\\\word\n`, { mode: 0o600 });
    process.env.PGPASSFILE = userPgpass;
    delete process.env.PGPASSWORD;
    const dataDir = await dataDirNamed('with-pgpass');
    // Act
    const services = await startLocalDataServices({ dataDir });
    const reached = {
      own: await reach(`postgres://postgres@127.0.0.1:${OWN_PORT}/postgres`),
      embedded: await reach(services.postgres.requestUrlFor('postgres')),
    };
    await services.stop();
    // Assess
    expect(reached).toEqual({ own: 'ok', embedded: 'ok' });
    expect(process.env.PGPASSFILE).toBe(userPgpass);
  });

  it("leaves an exported PGPASSWORD to the user's own servers, untouched", async () => {
    // Prepare
    process.env.PGPASSFILE = join(directory, 'no-such.pgpass');
    process.env.PGPASSWORD = OWN_PASSWORD;
    const dataDir = await dataDirNamed('with-pgpassword');
    // Act
    const services = await startLocalDataServices({ dataDir });
    const during = { PGPASSWORD: process.env.PGPASSWORD, PGPASSFILE: process.env.PGPASSFILE };
    const reached = {
      own: await reach(`postgres://postgres@127.0.0.1:${OWN_PORT}/postgres`),
      embedded: await reach(services.postgres.requestUrlFor('postgres')),
    };
    await services.stop();
    // Assess
    expect(reached).toEqual({ own: 'ok', embedded: 'ok' });
    expect(during).toEqual({ PGPASSWORD: OWN_PASSWORD, PGPASSFILE: join(directory, 'no-such.pgpass') });
    expect(process.env.CUTOVER_LOCAL_POSTGRES).toBeUndefined();
  });
});

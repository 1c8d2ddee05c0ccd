import { execFileSync } from 'node:child_process';
import { chmod, chown, copyFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startLocalPostgres } from '#local/postgres.ts';

/** An embedded PostgreSQL server that offers TLS with a certificate from a CA of its own. */
export interface TlsPostgres {
  readonly port: number;
  readonly password: string;
  /** The CA that issued the server's certificate (for `localhost` and `127.0.0.1`), as a PEM file. */
  readonly caFile: string;
  /** Turns the server's TLS on or off (a reload: sessions stay). */
  setTls(on: boolean): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts an embedded server, issues it a certificate with `openssl` from a CA made for it, and turns TLS
 * on. It needs a server it configures, so it does not use `DATABASE_URL`.
 *
 * @example
 * const server = await startTlsPostgres();
 * // NODE_EXTRA_CA_CERTS=server.caFile in a child process trusts it
 * await server.stop();
 */
export async function startTlsPostgres(): Promise<TlsPostgres> {
  const directory = await mkdtemp(join(tmpdir(), 'cutover-tls-pg-'));
  const password = 'tls-test';
  const dataDir = join(directory, 'data');
  const server = await startLocalPostgres({ directory: dataDir, durable: false, password });
  const caFile = await issueCertificates(directory);
  // The server reads its key only when it is the data directory's owner's, readable by it alone.
  const { uid, gid } = await stat(dataDir);
  for (const file of ['server.pem', 'server.key']) {
    await copyFile(join(directory, file), join(dataDir, file));
    await chown(join(dataDir, file), uid, gid);
    await chmod(join(dataDir, file), 0o600);
  }
  const admin = async (sql: string[]) => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      for (const statement of sql) await client.query(statement);
      await client.query('SELECT pg_reload_conf()');
    } finally {
      await client.end();
    }
  };
  const setTls = async (on: boolean) => {
    await admin([`ALTER SYSTEM SET ssl = ${on ? 'on' : 'off'}`]);
    await waitForTls(server.url, on);
  };
  await admin([
    `ALTER SYSTEM SET ssl_cert_file = 'server.pem'`,
    `ALTER SYSTEM SET ssl_key_file = 'server.key'`,
  ]);
  await setTls(true);
  return {
    port: server.port,
    password,
    caFile,
    setTls,
    async stop() {
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A CA, and a server certificate it signs for localhost and 127.0.0.1, in `directory`; returns the CA's file. */
async function issueCertificates(directory: string): Promise<string> {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: directory, stdio: 'pipe' });
  const subject = (name: string) => ['-subj', `/CN=${name}`, '-days', '2', '-nodes', '-newkey', 'rsa:2048'];
  openssl('req', '-x509', ...subject('Cutover test CA'), '-keyout', 'ca.key', '-out', 'ca.pem');
  openssl('req', ...subject('localhost'), '-keyout', 'server.key', '-out', 'server.csr');
  await writeFile(join(directory, 'san.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.cnf',
    '-out',
    'server.pem',
  );
  return join(directory, 'ca.pem');
}

/** Waits until the reloaded server reports `ssl` as wanted (a reload is asynchronous). */
async function waitForTls(url: string, on: boolean): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ ssl: string }>('SHOW ssl');
    await client.end();
    if ((rows[0]?.ssl === 'on') === on) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server did not turn ssl ${on ? 'on' : 'off'}`);
}

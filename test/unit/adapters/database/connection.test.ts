import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetSecretValueCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  connectDatabase,
  LOCAL_POSTGRES_VARIABLE,
  resolveDatabaseUrl,
} from '#adapters/database/connection.ts';

const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders';

function buildSecrets() {
  const secrets = new SecretsManagerClient({ region: 'eu-west-1' });
  return { secrets, mock: mockClient(secrets) };
}

/** A Secrets Manager error as the SDK throws it once its own retries are spent. */
function secretsError(name: string, message: string) {
  return new SecretsManagerServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message,
  });
}

/** The error `resolveDatabaseUrl` throws for `ref`. */
function errorOf(...args: Parameters<typeof resolveDatabaseUrl>) {
  return resolveDatabaseUrl(...args).then(
    () => undefined,
    (error: Error) => error,
  );
}

describe('resolveDatabaseUrl', () => {
  it('builds the URL from an RDS secret, with TLS that verifies the server', async () => {
    // Prepare
    const { secrets, mock } = buildSecrets();
    mock.on(GetSecretValueCommand, { SecretId: secretArn }).resolves({
      SecretString: JSON.stringify({
        username: 'app',
        password: 'p@ss',
        host: 'db.internal',
        dbname: 'shop',
      }),
    });
    // Act
    const url = await resolveDatabaseUrl({ secretArn }, secrets);
    // Assess
    expect(url).toBe('postgres://app:p%40ss@db.internal:5432/shop?sslmode=verify-full');
  });

  it('fails with TransientAdapterError, which the state machine retries, when Secrets Manager throttles', async () => {
    // Prepare
    const { secrets, mock } = buildSecrets();
    mock.on(GetSecretValueCommand).rejects(
      new SecretsManagerServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      }),
    );
    // Act
    const error = await resolveDatabaseUrl({ secretArn }, secrets).catch((thrown: Error) => thrown);
    // Assess
    expect((error as Error).name).toBe('TransientAdapterError');
    expect((error as Error).message).toContain('Rate exceeded');
  });

  it('fails with ValidationError naming the secret and its request fields when it is missing or forbidden', async () => {
    // Prepare
    const { secrets, mock } = buildSecrets();
    const missing = secretsError(
      'ResourceNotFoundException',
      "Secrets Manager can't find the specified secret.",
    );
    const forbidden = secretsError(
      'AccessDeniedException',
      'User is not authorized to perform GetSecretValue',
    );
    mock.on(GetSecretValueCommand).rejectsOnce(missing).rejectsOnce(forbidden);
    // Act
    const errors = [await errorOf({ secretArn }, secrets), await errorOf({ secretArn }, secrets)];
    // Assess
    expect(errors.map((error) => error?.name)).toEqual(['ValidationError', 'ValidationError']);
    expect(errors.map((error) => error?.cause)).toEqual([missing, forbidden]);
    const advice =
      'On AWS, the database tasks may read the secrets of the databaseSecretArns context key; locally, the ' +
      'tasks read Secrets Manager with the default AWS credential chain';
    const unreadable = `cannot read database secret ${secretArn} (database.target.secretArn or database.source.secretArn)`;
    expect(errors.map((error) => error?.message)).toEqual([
      `${unreadable}: ResourceNotFoundException: Secrets Manager can't find the specified secret. ${advice}`,
      `${unreadable}: AccessDeniedException: User is not authorized to perform GetSecretValue. ${advice}`,
    ]);
  });

  it('refuses a secret that is no JSON object without quoting it, saying what it must hold', async () => {
    // Prepare
    const { secrets, mock } = buildSecrets();
    const values = ['S3cr3tPass', '"S3cr3tPass"', 'null', '["S3cr3tPass"]'];
    const answers = mock.on(GetSecretValueCommand);
    for (const SecretString of values) answers.resolvesOnce({ SecretString });
    // Act
    const errors = [];
    for (const _ of values) errors.push(await errorOf({ secretArn }, secrets));
    // Assess
    for (const error of errors) {
      expect(error?.name).toBe('ValidationError');
      expect(error?.message).toBe(
        `database secret ${secretArn} (database.target.secretArn or database.source.secretArn) is not a JSON ` +
          'object: it must hold a JSON object with url ({"url": "postgres://..."}) or the RDS shape username, ' +
          'password, host (+ port, dbname)',
      );
      expect(error?.cause).toBeUndefined();
    }
  });

  it('refuses a binary secret (no SecretString) as no JSON object', async () => {
    // Prepare
    const { secrets, mock } = buildSecrets();
    mock.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });
    // Act
    const error = await errorOf({ secretArn }, secrets);
    // Assess
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toContain(
      `database secret ${secretArn} (database.target.secretArn or database.source.secretArn) is not a JSON object: `,
    );
  });

  it('names what a JSON object secret lacks, without its values', async () => {
    // Prepare
    const { secrets, mock } = buildSecrets();
    mock
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ username: 'app', password: 'S3cr3t' }) });
    // Act
    const error = await errorOf({ secretArn }, secrets);
    // Assess
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toContain(`database secret ${secretArn} (`);
    expect(error?.message).toContain('lacks url and username, password or host: it must hold');
    expect(error?.message).not.toContain('S3cr3t');
  });
});

describe('resolveDatabaseUrl without a client', () => {
  afterEach(() => vi.unstubAllEnvs());

  it("reads the secret in its ARN's region, not the function's", async () => {
    // Prepare
    // Mocked here, not for the file: mocking a client instance (as buildSecrets does) undoes a class mock.
    const secrets = mockClient(SecretsManagerClient);
    onTestFinished(() => secrets.restore());
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const otherRegion = 'arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:orders-AbCdEf';
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ url: 'postgres://db/shop' }) });
    // Act
    const url = await resolveDatabaseUrl({ secretArn: otherRegion });
    // Assess
    expect(url).toBe('postgres://db/shop');
    const call = secrets.commandCalls(GetSecretValueCommand)[0]!;
    expect(call.args[0].input).toEqual({ SecretId: otherRegion });
    expect(await (call.thisValue as SecretsManagerClient).config.region()).toBe('ap-southeast-2');
  });
});

/** A server speaking just enough of PostgreSQL's protocol to ask for a password in clear text and keep it. */
interface PasswordTrap {
  /** Its TCP port, or the port its Unix socket is named after. */
  readonly port: number;
  /** The connections it accepted. */
  readonly connections: number;
  /** The passwords the clients sent. */
  readonly passwords: string[];
  close(): Promise<void>;
}

/** The protocol messages in `data`: the first has no type byte (a startup or SSL request), the others one. */
function* messagesOf(data: Buffer, first: boolean): Generator<{ type: string; body: Buffer }> {
  let offset = 0;
  let untyped = first;
  while (offset < data.length) {
    const type = untyped ? '' : String.fromCharCode(data[offset]!);
    const start = untyped ? offset : offset + 1;
    const length = data.readInt32BE(start);
    yield { type, body: data.subarray(start + 4, start + length) };
    offset = start + length;
    untyped = false;
  }
}

/** Answers one client: no TLS, then a clear-text password request; the password ends the connection. */
function trapPasswords(socket: Socket, passwords: string[]): void {
  let started = false;
  socket.on('error', () => undefined);
  socket.on('data', (data) => {
    for (const { type, body } of messagesOf(data, !started)) {
      if (type === '' && body.readInt32BE(0) === 80877103) {
        socket.write('N'); // SSLRequest: no TLS here
      } else if (type === '') {
        started = true;
        socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // AuthenticationCleartextPassword
      } else if (type === 'p') {
        passwords.push(body.subarray(0, -1).toString('utf8'));
        socket.destroy();
      }
    }
  });
}

/** Starts a {@link PasswordTrap} on 127.0.0.1, or on the Unix socket of `port` in `directory`. */
async function startPasswordTrap(directory?: string, port = 0): Promise<PasswordTrap> {
  const passwords: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    trapPasswords(socket, passwords);
  });
  await new Promise<void>((resolve) => {
    if (directory) server.listen(join(directory, `.s.PGSQL.${port}`), resolve);
    else server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: directory ? port : (server.address() as { port: number }).port,
    get connections() {
      return sockets.size;
    },
    passwords,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The error `connectDatabase` fails with for `url`, or undefined when it connects. */
function connectionErrorOf(url: string): Promise<Error | undefined> {
  return connectDatabase({ url }).then(
    async (client) => {
      await client.end();
      return undefined;
    },
    (error: Error) => error,
  );
}

describe("connectDatabase with cutover local's embedded server", () => {
  const password = 'embedded-S3cr3t';
  afterEach(() => vi.unstubAllEnvs());

  /** Names `local` as the embedded server, and leaves no other password a client could send. */
  async function asEmbeddedServer(local: PasswordTrap): Promise<void> {
    const directory = await mkdtemp(join(tmpdir(), 'cutover-pgpass-'));
    onTestFinished(() => rm(directory, { recursive: true, force: true }));
    vi.stubEnv(LOCAL_POSTGRES_VARIABLE, `postgres://postgres:${password}@127.0.0.1:${local.port}/postgres`);
    vi.stubEnv('PGPASSWORD', undefined);
    vi.stubEnv('PGPASSFILE', join(directory, 'none'));
    vi.stubEnv('PGSSLMODE', undefined);
  }

  /** A trap started for the test and closed after it. */
  async function trap(directory?: string, port?: number): Promise<PasswordTrap> {
    const started = await startPasswordTrap(directory, port);
    onTestFinished(() => started.close());
    return started;
  }

  it('sends the embedded password to a URL without one that names the server', async () => {
    // Prepare
    const local = await trap();
    await asEmbeddedServer(local);
    // Act
    await connectionErrorOf(`postgres://postgres@127.0.0.1:${local.port}/shop`);
    // Assess
    expect(local.passwords).toEqual([password]);
  });

  it('does not send it where a port parameter takes the connection', async () => {
    // Prepare
    const [local, other] = [await trap(), await trap()];
    await asEmbeddedServer(local);
    // Act
    await connectionErrorOf(`postgres://postgres@127.0.0.1:${local.port}/shop?port=${other.port}`);
    // Assess
    expect(other.connections).toBe(1);
    expect(other.passwords).not.toContain(password);
    expect(local.connections).toBe(0);
  });

  it('does not send it where a host parameter takes the connection', async () => {
    // Prepare
    const local = await trap();
    const directory = await mkdtemp(join(tmpdir(), 'cutover-host-'));
    onTestFinished(() => rm(directory, { recursive: true, force: true }));
    const other = await trap(directory, local.port);
    await asEmbeddedServer(local);
    // Act
    await connectionErrorOf(
      `postgres://postgres@127.0.0.1:${local.port}/shop?host=${encodeURIComponent(directory)}`,
    );
    // Assess
    expect(other.connections).toBe(1);
    expect(other.passwords).not.toContain(password);
    expect(local.connections).toBe(0);
  });

  it("sends a URL's own password parameter, which its errors do not name", async () => {
    // Prepare
    const [local, other] = [await trap(), await trap()];
    await asEmbeddedServer(local);
    // Act
    const error = await connectionErrorOf(
      `postgres://postgres@127.0.0.1:${other.port}/shop?password=Own-S3cr3t`,
    );
    // Assess
    expect(other.passwords).toEqual(['Own-S3cr3t']);
    expect(error?.message).toContain(`postgres://postgres@127.0.0.1:${other.port}/shop`);
    expect(error?.message).not.toContain('Own-S3cr3t');
  });
});

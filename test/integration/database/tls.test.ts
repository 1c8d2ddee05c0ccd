import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '#adapters/database/connection.ts';
import { startTlsPostgres, type TlsPostgres } from '#test/support/tls-postgres.ts';

const run = promisify(execFile);
const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders';

let server: TlsPostgres;
beforeAll(async () => {
  server = await startTlsPostgres();
});
afterAll(() => server?.stop());

/** The secret RDS keeps for an instance, pointing at the test server. */
const rdsSecret = () =>
  JSON.stringify({
    username: 'postgres',
    password: server.password,
    host: 'localhost',
    port: server.port,
    dbname: 'postgres',
  });

/** Connects through the RDS-shaped secret in this process, whose CAs do not include the server's. */
function connectHere() {
  const secrets = new SecretsManagerClient({ region: 'eu-west-1' });
  mockClient(secrets)
    .on(GetSecretValueCommand, { SecretId: secretArn })
    .resolves({ SecretString: rdsSecret() });
  return withDatabase({ secretArn }, (client) => client.query('SELECT 1'), secrets);
}

describe('database connections through an RDS secret', () => {
  it('are encrypted, and verify the server against the CAs Node trusts (NODE_EXTRA_CA_CERTS on Lambda)', async () => {
    // Act
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'test/integration/database/tls-worker.ts', rdsSecret()],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: server.caFile } },
    );
    // Assess
    expect(JSON.parse(stdout)).toEqual({ ssl: true });
  });

  it('refuse a server whose certificate does not verify, and say how to trust it', async () => {
    await expect(connectHere()).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(
        /cannot connect to database arn:aws:secretsmanager:.*: unable to verify the first certificate: the server's certificate does not verify.*NODE_EXTRA_CA_CERTS=\/var\/runtime\/ca-cert\.pem/,
      ),
    });
  });

  it('refuse a server without TLS instead of sending the password in the clear', async () => {
    // Prepare
    await server.setTls(false);
    try {
      // Act
      const attempt = connectHere();
      // Assess
      await expect(attempt).rejects.toMatchObject({
        name: 'ValidationError',
        message: expect.stringMatching(/does not offer TLS, and Cutover sends no password in the clear/),
      });
    } finally {
      await server.setTls(true);
    }
  });
});

import {
  GetSecretValueCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { resolveDatabaseUrl } from '#adapters/database/connection.ts';

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

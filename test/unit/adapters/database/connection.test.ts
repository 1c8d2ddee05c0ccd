import {
  GetSecretValueCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { resolveDatabaseUrl } from '#adapters/database/connection.ts';

const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders';

function buildSecrets() {
  const secrets = new SecretsManagerClient({ region: 'eu-west-1' });
  return { secrets, mock: mockClient(secrets) };
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

  it('passes a missing secret through unchanged', async () => {
    // Prepare
    const { secrets, mock } = buildSecrets();
    const missing = new SecretsManagerServiceException({
      name: 'ResourceNotFoundException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: "Secrets Manager can't find the specified secret.",
    });
    mock.on(GetSecretValueCommand).rejects(missing);
    // Act
    const error = await resolveDatabaseUrl({ secretArn }, secrets).catch((thrown: Error) => thrown);
    // Assess
    expect(error).toBe(missing);
  });
});

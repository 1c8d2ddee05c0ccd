import {
  GetSecretValueCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, onTestFinished } from 'vitest';
import { readSecretString, secretClientConfig, secretRegion } from '#adapters/secrets.ts';

const secretArn = 'arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:orders-AbCdEf';

describe('secretRegion', () => {
  it("reads the region of a secret's ARN, none of a name", () => {
    // Act
    const regions = [secretRegion(secretArn), secretRegion('orders'), secretRegion('arn:aws:s3:::bucket')];
    // Assess
    expect(regions).toEqual(['ap-southeast-2', undefined, undefined]);
    expect(secretClientConfig(secretArn)).toEqual({ region: 'ap-southeast-2' });
    expect(secretClientConfig('orders')).toEqual({});
  });
});

describe('readSecretString', () => {
  it("reads the SecretString in the ARN's region, undefined for a binary secret", async () => {
    // Prepare
    const secrets = mockClient(SecretsManagerClient);
    onTestFinished(() => secrets.restore());
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"url":"postgres://db/shop"}' })
      .resolvesOnce({ SecretBinary: new Uint8Array([1]) });
    const unreadable = (error: unknown) => error;
    // Act
    const text = await readSecretString(secretArn, { unreadable });
    const binary = await readSecretString(secretArn, { unreadable });
    // Assess
    expect([text, binary]).toEqual(['{"url":"postgres://db/shop"}', undefined]);
    const call = secrets.commandCalls(GetSecretValueCommand)[0]!;
    expect(call.args[0].input).toEqual({ SecretId: secretArn });
    expect(await (call.thisValue as SecretsManagerClient).config.region()).toBe('ap-southeast-2');
  });

  it("throws what the caller's unreadable makes of GetSecretValue's error", async () => {
    // Prepare
    const client = new SecretsManagerClient({ region: 'eu-west-1' });
    const missing = new SecretsManagerServiceException({
      name: 'ResourceNotFoundException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: "Secrets Manager can't find the specified secret.",
    });
    mockClient(client).on(GetSecretValueCommand).rejects(missing);
    // Act
    const error = await readSecretString(secretArn, {
      client,
      unreadable: (cause) => new Error('cannot read the orders secret', { cause }),
    }).catch((thrown: Error) => thrown);
    // Assess
    expect(error).toEqual(new Error('cannot read the orders secret'));
    expect((error as Error).cause).toBe(missing);
  });
});

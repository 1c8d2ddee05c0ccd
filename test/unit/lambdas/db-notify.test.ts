import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseMigrationInput } from '#test/builders/database-migration-request.ts';
import { handler } from '../../../lambdas/db-notify/handler.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:cutover-alerts';
const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:database-migration:orders-1a2b3c';
const sns = mockClient(SNSClient);
const context = {} as Parameters<typeof handler>[1];

describe('db-notify', () => {
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    vi.stubEnv('CUTOVER_ALERT_TOPIC_ARN', TOPIC);
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  });
  afterEach(() => vi.unstubAllEnvs());
  afterAll(() => sns.restore());

  it("says why a migration failed, with a stop's reason, as a release's notification does", async () => {
    // Prepare
    const request = databaseMigrationInput(
      { target: 'postgres://postgres@127.0.0.1:5432/orders' },
      'migrations',
    );
    const error = { Error: 'Aborted', Cause: 'copy too slow' };
    // Act
    await handler({ request, executionArn, type: 'Failed', error }, context);
    // Assess
    const published = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(published?.Message).toContain('database migration of shop/orders failed: Aborted (copy too slow)');
  });
});

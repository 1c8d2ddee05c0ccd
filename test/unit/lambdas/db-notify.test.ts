import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseMigrationInput } from '#test/builders/database-migration-request.ts';
import { handler } from '../../../lambdas/db-notify/handler.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:cutover-alerts';
const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:database-migration:orders-1a2b3c';
const sns = mockClient(SNSClient);
const context = {} as Parameters<typeof handler>[1];

/** A database migration request of shop/orders. */
const migrationRequest = () =>
  databaseMigrationInput({ target: 'postgres://postgres@127.0.0.1:5432/orders' }, 'migrations');

/** The cleanup's outcome for a Blue/Green deployment it kept, in `status`, of one blue and green instance. */
const keptDeployment = (status: string, blue: string, green: string) => ({
  outcome: 'kept',
  identifier: 'bgd-1',
  status,
  members: [
    {
      blue: `arn:aws:rds:eu-west-1:123456789012:db:${blue}`,
      green: `arn:aws:rds:eu-west-1:123456789012:db:${green}`,
    },
  ],
});

describe('db-notify', () => {
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    vi.stubEnv('CUTOVER_EVENT_TOPIC_ARN', TOPIC);
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  });
  afterEach(() => vi.unstubAllEnvs());
  afterAll(() => sns.restore());

  it("says why a migration failed, with a stop's reason, as a release's notification does", async () => {
    // Prepare
    const request = migrationRequest();
    const error = { Error: 'Aborted', Cause: 'copy too slow' };
    // Act
    await handler({ request, executionArn, type: 'Failed', error }, context);
    // Assess
    const published = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(published?.Message).toContain('database migration of shop/orders failed: Aborted (copy too slow)');
  });

  it('says when the copy could not be undone, the target keeping the rows copied so far', async () => {
    // Prepare: the target went away mid-copy and stayed out of reach through UndoCopy's retries
    const request = migrationRequest();
    const copyNotUndone = { Error: 'TransientAdapterError', Cause: 'connect ECONNREFUSED 127.0.0.1:5432' };
    const error = { Error: 'TransientAdapterError', Cause: 'copy of public.orders failed', copyNotUndone };
    // Act
    await handler({ request, executionArn, type: 'Failed', error }, context);
    // Assess
    const message = sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '';
    expect(message).toContain(
      '; the copy was not undone (TransientAdapterError (connect ECONNREFUSED 127.0.0.1:5432)): the target keeps the rows copied so far, and a new run refuses it (TargetNotEmpty) saying how to empty it',
    );
  });

  it('says production runs on the former green and names the old blue after a completed switchover', async () => {
    // Prepare
    const request = migrationRequest();
    const blueGreen = keptDeployment('SWITCHOVER_COMPLETED', 'orders-old1', 'orders');
    const error = { Error: 'MigrationFailed', Cause: 'migration V2__b failed', blueGreen };
    // Act
    await handler({ request, executionArn, type: 'Failed', error }, context);
    // Assess
    const published = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(published?.Message).toContain(
      'failed: MigrationFailed (migration V2__b failed); Blue/Green deployment bgd-1 had switched over, ' +
        'so production now runs on the former green arn:aws:rds:eu-west-1:123456789012:db:orders; ' +
        'the old blue arn:aws:rds:eu-west-1:123456789012:db:orders-old1 and the deployment are kept',
    );
  });

  it('says the deployment was deleted, or why it was not, after the original error', async () => {
    // Prepare
    const request = migrationRequest();
    const failure = { Error: 'BlueGreenSwitchoverFailed', Cause: 'INVALID_CONFIGURATION' };
    const deleted = { outcome: 'deleted', identifier: 'bgd-1', status: 'INVALID_CONFIGURATION' };
    const refused = {
      Error: 'BlueGreenSwitchoverFailed',
      Cause: 'DeleteBlueGreenDeployment bgd-1 failed: denied',
    };
    // Act
    await handler(
      { request, executionArn, type: 'Failed', error: { ...failure, blueGreen: deleted } },
      context,
    );
    await handler(
      { request, executionArn, type: 'Failed', error: { ...failure, blueGreen: refused } },
      context,
    );
    // Assess
    const messages = sns.commandCalls(PublishCommand).map((call) => call.args[0].input.Message);
    expect(messages[0]).toContain(
      'failed: BlueGreenSwitchoverFailed (INVALID_CONFIGURATION); Blue/Green deployment bgd-1 deleted with its green instances',
    );
    expect(messages[1]).toContain(
      'failed: BlueGreenSwitchoverFailed (INVALID_CONFIGURATION); its Blue/Green deployment was not deleted: ' +
        'BlueGreenSwitchoverFailed (DeleteBlueGreenDeployment bgd-1 failed: denied)',
    );
  });

  it('says production may be switching to the former green while the switchover is in progress', async () => {
    // Prepare
    const request = migrationRequest();
    const blueGreen = keptDeployment('SWITCHOVER_IN_PROGRESS', 'orders', 'orders-green-abc');
    const error = { Error: 'Aborted', Cause: 'wrong migrations', blueGreen };
    // Act
    await handler({ request, executionArn, type: 'Failed', error }, context);
    // Assess
    const published = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(published?.Message).toContain(
      'failed: Aborted (wrong migrations); Blue/Green deployment bgd-1 was switching over, so production may be ' +
        'switching to the former green arn:aws:rds:eu-west-1:123456789012:db:orders-green-abc; ' +
        'the old blue arn:aws:rds:eu-west-1:123456789012:db:orders and the deployment are kept',
    );
  });

  it('says nothing of a Blue/Green deployment when none was requested (outcome none)', async () => {
    // Prepare
    const request = migrationRequest();
    const error = { Error: 'Aborted', Cause: 'wrong migrations', blueGreen: { outcome: 'none' } };
    // Act
    await handler({ request, executionArn, type: 'Failed', error }, context);
    // Assess
    const event = JSON.parse(sns.commandCalls(PublishCommand)[0]!.args[0].input.Message!);
    expect(event.message).toBe('database migration of shop/orders failed: Aborted (wrong migrations)');
    expect(event.detail).toEqual({ error: 'Aborted', cause: 'wrong migrations' });
  });
});

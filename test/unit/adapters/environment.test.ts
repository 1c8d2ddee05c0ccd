import { describe, expect, it } from 'vitest';
import {
  approvalStoreConfigFromEnvironment,
  createApprovalStoreFromEnvironment,
} from '#adapters/approvals/index.ts';
import { createLockFromEnvironment, lockConfigFromEnvironment } from '#adapters/lock/index.ts';
import { createNotifierFromEnvironment, notifierConfigsFromEnvironment } from '#adapters/notifier/index.ts';

describe('adapters chosen from the environment', () => {
  it('uses the DynamoDB state table for locks and approvals when CUTOVER_STATE_TABLE is set', () => {
    // Prepare
    const env = { CUTOVER_STATE_TABLE: 'cutover-state', AWS_REGION: 'eu-west-1' };
    // Act
    const lock = createLockFromEnvironment(env) as unknown as { type: string };
    const approvals = createApprovalStoreFromEnvironment(env) as unknown as { type: string };
    // Assess
    expect(lock.type).toBe('dynamodb');
    expect(approvals.type).toBe('dynamodb');
    expect(lockConfigFromEnvironment(env)).toEqual({
      type: 'dynamodb',
      tableName: 'cutover-state',
      region: 'eu-west-1',
    });
  });

  it('falls back to the local store in the data directory', () => {
    // Act + Assess
    expect(lockConfigFromEnvironment({})).toEqual({ type: 'local', dataDir: '.cutover' });
    expect(approvalStoreConfigFromEnvironment({ CUTOVER_DATA_DIR: '/var/cutover' })).toEqual({
      type: 'local',
      dataDir: '/var/cutover',
    });
    expect(notifierConfigsFromEnvironment({})).toEqual([{ type: 'local', dataDir: '.cutover' }]);
  });

  it('notifies SNS, EventBridge or both, as configured', () => {
    // Prepare
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:cutover-alerts';
    // Act
    const both = notifierConfigsFromEnvironment({
      CUTOVER_EVENT_TOPIC_ARN: topicArn,
      CUTOVER_EVENT_BUS: 'default',
    });
    const sns = createNotifierFromEnvironment({ CUTOVER_EVENT_TOPIC_ARN: topicArn }) as unknown as {
      type: string;
    };
    // Assess
    expect(both).toEqual([
      { type: 'sns', topicArn },
      { type: 'eventbridge', eventBusName: 'default' },
    ]);
    expect(sns.type).toBe('sns');
  });

  it('refuses a local store when the local runtime has not registered one, naming the registered types', () => {
    // Act + Assess
    expect(() => createLockFromEnvironment({})).toThrowError(
      'lock.type must be one of: dynamodb (got "local")',
    );
  });
});

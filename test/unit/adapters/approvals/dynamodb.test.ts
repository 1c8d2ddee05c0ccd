import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { DynamoDbApprovalStore } from '#adapters/approvals/dynamodb.ts';

const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:cutover-canary:rel-1';
const approval = {
  executionArn,
  taskToken: 'token-1',
  stage: 'promote',
  requestedAt: '2026-11-28T12:00:00.000Z',
};

const requestedAtSeconds = Date.parse('2026-11-28T12:00:00Z') / 1000;
const oneDay = 24 * 3600;

function buildStore() {
  const client = new DynamoDBClient({ region: 'eu-west-1' });
  const mock = mockClient(client);
  const store = new DynamoDbApprovalStore({ client, tableName: 'cutover-state' });
  return { store, mock };
}

describe('DynamoDbApprovalStore', () => {
  it("puts the token under the execution key with when it times out, expiring a day after the approval's timeout", async () => {
    // Prepare
    const { store, mock } = buildStore();
    mock.on(PutItemCommand).resolves({});
    // Act
    await store.put({ ...approval, timeoutSeconds: 3600, onTimeout: 'continue' });
    // Assess
    expect(mock.commandCalls(PutItemCommand)[0]!.args[0].input).toEqual({
      TableName: 'cutover-state',
      Item: {
        pk: { S: `approval#${executionArn}` },
        executionArn: { S: executionArn },
        taskToken: { S: 'token-1' },
        stage: { S: 'promote' },
        requestedAt: { S: '2026-11-28T12:00:00.000Z' },
        timeoutSeconds: { N: '3600' },
        onTimeout: { S: 'continue' },
        timesOutAt: { S: '2026-11-28T13:00:00.000Z' },
        expiresAt: { N: String(requestedAtSeconds + 3600 + oneDay) },
      },
    });
  });

  it('keeps the token of a one-year approval for that year and a day', async () => {
    // Prepare
    const { store, mock } = buildStore();
    mock.on(PutItemCommand).resolves({});
    const oneYear = 31_536_000;
    // Act
    await store.put({ ...approval, timeoutSeconds: oneYear, onTimeout: 'rollback' });
    // Assess
    const item = mock.commandCalls(PutItemCommand)[0]!.args[0].input.Item!;
    expect(item.expiresAt).toEqual({ N: String(requestedAtSeconds + oneYear + oneDay) });
  });

  it('gets a pending approval with a consistent read, and undefined when there is none', async () => {
    // Prepare: one token stored with its timeout, one stored before timeouts were kept
    const { store, mock } = buildStore();
    mock
      .on(GetItemCommand)
      .resolvesOnce({
        Item: {
          taskToken: { S: 'token-1' },
          stage: { S: 'promote' },
          requestedAt: { S: '2026-11-28T12:00:00.000Z' },
          timeoutSeconds: { N: '600' },
          onTimeout: { S: 'continue' },
          timesOutAt: { S: '2026-11-28T12:10:00.000Z' },
        },
      })
      .resolvesOnce({
        Item: {
          taskToken: { S: 'token-1' },
          stage: { S: 'promote' },
          requestedAt: { S: '2026-11-28T12:00:00.000Z' },
        },
      })
      .resolvesOnce({});
    // Act
    const found = await store.get(executionArn);
    const storedBefore = await store.get(executionArn);
    const missing = await store.get(executionArn);
    // Assess
    expect(found).toEqual({ ...approval, timeoutSeconds: 600, onTimeout: 'continue' });
    expect(storedBefore).toEqual(approval);
    expect(missing).toBeUndefined();
    expect(mock.commandCalls(GetItemCommand)[0]!.args[0].input).toEqual({
      TableName: 'cutover-state',
      Key: { pk: { S: `approval#${executionArn}` } },
      ConsistentRead: true,
    });
  });

  it('deletes the token by execution key', async () => {
    // Prepare
    const { store, mock } = buildStore();
    mock.on(DeleteItemCommand).resolves({});
    // Act
    await store.delete(executionArn);
    // Assess
    expect(mock.commandCalls(DeleteItemCommand)[0]!.args[0].input).toEqual({
      TableName: 'cutover-state',
      Key: { pk: { S: `approval#${executionArn}` } },
    });
  });
});

import { describe, expect, it } from 'vitest';
import { formatStatus } from '../../../src/cli/commands/status.ts';
import { readableFailure } from '../../../src/cli/progress.ts';

const service = { name: 'orders', namespace: 'shop' };
const window = { scan: 25, limit: 5 };

describe('formatStatus', () => {
  it('says where it looked when it finds no release', () => {
    expect(formatStatus(service, [], window)).toBe(
      'shop/orders: no release among the newest 25 executions of each workflow',
    );
  });

  it('names the last success when no release among them succeeded, and a rejection by its reason', () => {
    // Act
    const text = formatStatus(
      service,
      [
        {
          workflow: 'canary',
          name: 'orders-v8',
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:canary:orders-v8',
          status: 'FAILED',
          version: 'v8',
          startDate: new Date('2026-11-29T11:00:00Z'),
          stopDate: new Date('2026-11-29T11:00:09Z'),
          ...readableFailure(
            'ApprovalRejected',
            JSON.stringify({ reason: 'p99 is creeping up', approver: 'cli' }),
          ),
        },
        {
          workflow: 'database-migration',
          name: 'orders-db-2',
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:database-migration:orders-db-2',
          status: 'SUCCEEDED',
          startDate: new Date('2026-11-29T10:00:00Z'),
          stopDate: new Date('2026-11-29T10:00:03Z'),
        },
      ],
      window,
    );
    // Assess
    expect(text.split('\n')).toEqual([
      'shop/orders: no successful release among these; last success database-migration orders-db-2',
      'FAILED     canary              v8  orders-v8    2026-11-29T11:00:00.000Z, took 9s: ApprovalRejected — p99 is creeping up',
      'SUCCEEDED  database-migration  -   orders-db-2  2026-11-29T10:00:00.000Z, took 3s',
    ]);
  });

  it('names the last successful release, and shows a migration without a version and a readable cause', () => {
    // Act
    const text = formatStatus(
      service,
      [
        {
          workflow: 'database-migration',
          name: 'orders-db-1',
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:database-migration:orders-db-1',
          status: 'FAILED',
          startDate: new Date('2026-11-29T10:00:00Z'),
          stopDate: new Date('2026-11-29T10:01:05Z'),
          ...readableFailure(
            'MigrationFailed',
            JSON.stringify({ errorType: 'MigrationFailed', errorMessage: 'migration V2__x failed' }),
          ),
        },
        {
          workflow: 'rolling',
          name: 'orders-v7',
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:rolling:orders-v7',
          status: 'SUCCEEDED',
          version: 'v7',
          startDate: new Date('2026-11-29T09:00:00Z'),
          stopDate: new Date('2026-11-29T09:00:42Z'),
        },
      ],
      window,
    );
    // Assess
    expect(text.split('\n')).toEqual([
      'shop/orders: last successful release v7 (rolling orders-v7)',
      'FAILED     database-migration  -   orders-db-1  2026-11-29T10:00:00.000Z, took 1m 5s: MigrationFailed — migration V2__x failed',
      'SUCCEEDED  rolling             v7  orders-v7    2026-11-29T09:00:00.000Z, took 42s',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { openLocalDatabase } from '#local/adapters/database.ts';
import { LocalNotifier } from '#local/adapters/local-notifier.ts';
import { aTempDataDir } from '#test/support/local-app.ts';

const service = { name: 'checkout', namespace: 'shop' };
const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v2-ab12cd';

describe('LocalNotifier', () => {
  it('stores the event in the notifications table and writes one line', async () => {
    // Prepare
    const temp = aTempDataDir();
    const db = openLocalDatabase(temp.dataDir);
    const lines: string[] = [];
    const notifier = new LocalNotifier(db, (line) => lines.push(line));
    // Act
    await notifier.publish({
      type: 'RolledBack',
      service,
      version: 'v2',
      message: 'canary v2 failed analysis',
      detail: { errorRate: 0.3 },
      at: '2026-11-28T12:00:00.000Z',
    });
    // Assess
    const rows = db.prepare('SELECT type, service, version, message, detail FROM notifications').all();
    expect(rows).toEqual([
      {
        type: 'RolledBack',
        service: 'checkout',
        version: 'v2',
        message: 'canary v2 failed analysis',
        detail: '{"errorRate":0.3}',
      },
    ]);
    expect(lines).toEqual(['[cutover] RolledBack shop/checkout: canary v2 failed analysis\n']);
    db.close();
    temp.remove();
  });

  it("names the event's execution in its line", async () => {
    // Prepare
    const temp = aTempDataDir();
    const db = openLocalDatabase(temp.dataDir);
    const lines: string[] = [];
    const notifier = new LocalNotifier(db, (line) => lines.push(line));
    // Act
    await notifier.publish({
      type: 'Started',
      service,
      executionArn,
      message: 'canary release v2 of shop/checkout started',
      at: '2026-11-28T12:00:00.000Z',
    });
    // Assess
    expect(lines).toEqual([
      '[cutover] Started shop/checkout (checkout-v2-ab12cd): canary release v2 of shop/checkout started\n',
    ]);
    db.close();
    temp.remove();
  });

  it("reads back the latest notifications of one execution, oldest first, through the table's index", async () => {
    // Prepare
    const temp = aTempDataDir();
    const db = openLocalDatabase(temp.dataDir);
    const notifier = new LocalNotifier(db, () => {});
    const publish = (type: string, arn: string, detail?: Record<string, unknown>) =>
      notifier.publish({
        type,
        service,
        executionArn: arn,
        message: `${type} message`,
        ...(detail ? { detail } : {}),
        at: '2026-11-28T12:00:00.000Z',
      });
    await publish('Started', executionArn);
    await publish('Started', `${executionArn}-other`);
    await publish('ApprovalRequested', executionArn, { stage: 'promote' });
    await publish('Promoted', executionArn);
    // Act
    const latest = notifier.latestOf(executionArn, 2);
    const plan = db
      .prepare(
        'EXPLAIN QUERY PLAN SELECT type FROM notifications WHERE execution_arn = ? ORDER BY id DESC LIMIT ?',
      )
      .all(executionArn, 2) as { detail: string }[];
    // Assess
    expect(latest).toEqual([
      {
        type: 'ApprovalRequested',
        message: 'ApprovalRequested message',
        detail: '{"stage":"promote"}',
        at: '2026-11-28T12:00:00.000Z',
      },
      { type: 'Promoted', message: 'Promoted message', at: '2026-11-28T12:00:00.000Z' },
    ]);
    expect(plan.map((step) => step.detail).join('\n')).toMatch(/USING INDEX notifications_by_execution/);
    db.close();
    temp.remove();
  });
});

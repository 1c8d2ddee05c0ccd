import { describe, expect, it } from 'vitest';
import { openLocalDatabase } from '#local/adapters/database.ts';
import { LocalNotifier } from '#local/adapters/local-notifier.ts';
import { aTempDataDir } from '#test/support/local-app.ts';

describe('LocalNotifier', () => {
  it('stores the event in the notifications table and writes one line', async () => {
    // Prepare
    const temp = aTempDataDir();
    const db = openLocalDatabase(temp.dataDir);
    const lines: string[] = [];
    const notifier = new LocalNotifier(db, (line) => lines.push(line));
    const service = { name: 'checkout', namespace: 'shop' };
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
});

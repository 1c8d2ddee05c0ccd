import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SqliteStore } from '#local/sqlite-store.ts';
import { anExecution } from '#test/support/store-rows.ts';

let directory: string;

afterEach(() => rmSync(directory, { recursive: true, force: true }));

describe('SqliteStore write-ahead log', () => {
  it('is copied into the database file by the background checkpointer, well before the writer would', async () => {
    // Prepare
    directory = mkdtempSync(join(tmpdir(), 'cutover-wal-'));
    const store = SqliteStore.open(directory);
    const databaseFile = join(directory, 'cutover.db');
    const sizeBefore = statSync(databaseFile).size;
    const input = JSON.stringify({ payload: 'x'.repeat(20_000) });

    // Act: about 2 MB of rows, far below the writer's own checkpoint threshold (about 40 MB of log)
    store.transaction(() =>
      store.insertExecutions(Array.from({ length: 100 }, (_, index) => anExecution(`e${index}`, { input }))),
    );

    // Assess
    await vi.waitFor(() => expect(statSync(databaseFile).size).toBeGreaterThan(sizeBefore + 2_000_000), {
      timeout: 10_000,
      interval: 50,
    });
    expect(store.listRunningExecutions()).toHaveLength(100);
    store.close();
  });
});

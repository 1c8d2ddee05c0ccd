import { ValidationError } from '#core/errors.ts';
import type { Lock } from '#core/ports/lock.ts';
import type { ServiceRef } from '#core/types.ts';
import type { LocalDatabase } from './database.ts';
import { assertServiceRef } from './validation.ts';

/**
 * The `local` lock: one row per service in the runtime's SQLite (table `service_locks`), with an expiry.
 * An expired lock is free; acquiring again as the holder renews it.
 *
 * @example
 * const lock = new SqliteLock(openLocalDatabase('.cutover'));
 * await lock.acquire({ name: 'checkout', namespace: 'shop' }, executionArn, 86_400); // true
 */
export class SqliteLock implements Lock {
  constructor(
    private readonly db: LocalDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS service_locks (
      namespace TEXT NOT NULL, name TEXT NOT NULL, owner TEXT NOT NULL,
      acquired_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (namespace, name))`);
  }

  async acquire(service: ServiceRef, owner: string, ttlSeconds: number): Promise<boolean> {
    assertServiceRef(service);
    assertOwner(owner);
    if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
      throw new ValidationError(`ttlSeconds must be a number > 0 (got ${JSON.stringify(ttlSeconds)})`);
    }
    const now = this.now().getTime();
    const result = this.db
      .prepare(
        `INSERT INTO service_locks (namespace, name, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (namespace, name) DO UPDATE SET
           owner = excluded.owner, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
         WHERE service_locks.owner = excluded.owner OR service_locks.expires_at <= excluded.acquired_at`,
      )
      .run(service.namespace, service.name, owner, now, now + ttlSeconds * 1000);
    return result.changes > 0;
  }

  async release(service: ServiceRef, owner: string): Promise<void> {
    assertServiceRef(service);
    this.db
      .prepare('DELETE FROM service_locks WHERE namespace = ? AND name = ? AND owner = ?')
      .run(service.namespace, service.name, owner);
  }

  async holder(service: ServiceRef): Promise<string | undefined> {
    assertServiceRef(service);
    const row = this.db
      .prepare('SELECT owner FROM service_locks WHERE namespace = ? AND name = ? AND expires_at > ?')
      .get(service.namespace, service.name, this.now().getTime()) as { owner: string } | undefined;
    return row?.owner;
  }
}

function assertOwner(owner: string): void {
  if (typeof owner !== 'string' || owner.length === 0) {
    throw new ValidationError(`owner must be a non-empty string (got ${JSON.stringify(owner)})`);
  }
}

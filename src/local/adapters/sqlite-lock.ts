import { ValidationError } from '#core/errors.ts';
import type { Lock, RollbackClaim } from '#core/ports/lock.ts';
import type { ServiceRef } from '#core/types.ts';
import type { LocalDatabase } from './database.ts';
import { assertServiceRef } from './validation.ts';

/**
 * The `local` lock: one row per service in the runtime's SQLite (table `service_locks`), with an expiry.
 * An expired lock is free; acquiring again as the holder renews it. Rollback claims work the same way, one
 * row per stopped execution (table `rollback_claims`), and one given up (`given_up`) is free to claim too.
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
    db.exec(`CREATE TABLE IF NOT EXISTS rollback_claims (
      execution_arn TEXT PRIMARY KEY, owner TEXT NOT NULL,
      acquired_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, given_up INTEGER NOT NULL DEFAULT 0)`);
    const hasGivenUp = db.prepare(
      "SELECT 1 FROM pragma_table_info('rollback_claims') WHERE name = 'given_up'",
    );
    if (!hasGivenUp.get())
      db.exec('ALTER TABLE rollback_claims ADD COLUMN given_up INTEGER NOT NULL DEFAULT 0');
  }

  async acquire(service: ServiceRef, owner: string, ttlSeconds: number): Promise<boolean> {
    assertServiceRef(service);
    return this.#putUnlessHeld(
      'service_locks',
      { namespace: service.namespace, name: service.name },
      owner,
      ttlSeconds,
    );
  }

  async takeOver(
    service: ServiceRef,
    previousOwner: string,
    owner: string,
    ttlSeconds: number,
  ): Promise<boolean> {
    assertServiceRef(service);
    assertNonEmpty('previousOwner', previousOwner);
    return this.#putUnlessHeld(
      'service_locks',
      { namespace: service.namespace, name: service.name },
      owner,
      ttlSeconds,
      previousOwner,
    );
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

  async claimRollback(executionArn: string, rollbackArn: string, ttlSeconds: number): Promise<boolean> {
    assertNonEmpty('executionArn', executionArn);
    assertNonEmpty('rollbackArn', rollbackArn);
    return this.#putUnlessHeld('rollback_claims', { execution_arn: executionArn }, rollbackArn, ttlSeconds);
  }

  async rollbackOf(executionArn: string): Promise<RollbackClaim | undefined> {
    assertNonEmpty('executionArn', executionArn);
    const claim = this.db
      .prepare(
        'SELECT owner, given_up AS givenUp FROM rollback_claims WHERE execution_arn = ? AND expires_at > ?',
      )
      .get(executionArn, this.now().getTime()) as { owner: string; givenUp: number } | undefined;
    return claim && { rollbackArn: claim.owner, givenUp: claim.givenUp === 1 };
  }

  async giveUpRollback(executionArn: string, rollbackArn: string, ttlSeconds: number): Promise<void> {
    assertNonEmpty('executionArn', executionArn);
    assertNonEmpty('rollbackArn', rollbackArn);
    assertTtl(ttlSeconds);
    this.db
      .prepare(
        'UPDATE rollback_claims SET given_up = 1, expires_at = ? WHERE execution_arn = ? AND owner = ?',
      )
      .run(this.now().getTime() + ttlSeconds * 1000, executionArn, rollbackArn);
  }

  /**
   * Inserts or takes over `key`'s row for `owner`: true unless another owner holds an unexpired row (other
   * than `previousOwner`, when given).
   */
  #putUnlessHeld(
    table: Table,
    key: Record<string, string>,
    owner: string,
    ttlSeconds: number,
    previousOwner?: string,
  ): boolean {
    assertNonEmpty('owner', owner);
    assertTtl(ttlSeconds);
    const columns = Object.keys(key);
    const now = this.now().getTime();
    // A claim given up is free to claim again (a service lock has no such column).
    const claims = table === 'rollback_claims';
    const result = this.db
      .prepare(
        `INSERT INTO ${table} (${columns.join(', ')}, owner, acquired_at, expires_at)
         VALUES (${columns.map(() => '?').join(', ')}, ?, ?, ?)
         ON CONFLICT (${columns.join(', ')}) DO UPDATE SET
           owner = excluded.owner, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
           ${claims ? ', given_up = 0' : ''}
         WHERE ${table}.owner IN (excluded.owner, ?) OR ${table}.expires_at <= excluded.acquired_at
           ${claims ? `OR ${table}.given_up = 1` : ''}`,
      )
      .run(...Object.values(key), owner, now, now + ttlSeconds * 1000, previousOwner ?? owner);
    return result.changes > 0;
  }
}

/** The lock's tables: one row per locked service, one per claimed rollback. */
type Table = 'service_locks' | 'rollback_claims';

function assertTtl(ttlSeconds: number): void {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new ValidationError(`ttlSeconds must be a number > 0 (got ${JSON.stringify(ttlSeconds)})`);
  }
}

function assertNonEmpty(field: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(`${field} must be a non-empty string (got ${JSON.stringify(value)})`);
  }
}

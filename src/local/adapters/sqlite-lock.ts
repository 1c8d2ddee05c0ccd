import { ValidationError } from '#core/errors.ts';
import type { Lock, RollbackClaim } from '#core/ports/lock.ts';
import { STOPPED_CLAIM_KEPT_SECONDS } from '#core/rollback.ts';
import type { ServiceRef } from '#core/types.ts';
import { addMissingColumns, type LocalDatabase } from './database.ts';
import { assertServiceRef } from './validation.ts';

/** Columns added to `rollback_claims` since its first layout: opening a file adds those it lacks. */
const ADDED_CLAIM_COLUMNS = [
  ['given_up', 'INTEGER NOT NULL DEFAULT 0'],
  // Until when the row counts, held or not; null in a row written before: its expires_at.
  ['kept_until', 'INTEGER'],
] as const;

/**
 * The `local` lock: one row per service in the runtime's SQLite (table `service_locks`), with an expiry.
 * An expired lock is free; acquiring again as the holder renews it. Rollback claims work the same way, one
 * row per stopped execution (table `rollback_claims`), held until `expires_at`, and kept, held or given up
 * (`given_up`), until `kept_until`: a claim no longer held is free to claim again.
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
      acquired_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`);
    addMissingColumns(db, 'rollback_claims', ADDED_CLAIM_COLUMNS);
  }

  async acquire(service: ServiceRef, owner: string, ttlSeconds: number): Promise<boolean> {
    assertServiceRef(service);
    return this.#putUnlessHeld(service, owner, ttlSeconds);
  }

  async takeOver(
    service: ServiceRef,
    previousOwner: string,
    owner: string,
    ttlSeconds: number,
  ): Promise<boolean> {
    assertServiceRef(service);
    assertNonEmpty('previousOwner', previousOwner);
    return this.#putUnlessHeld(service, owner, ttlSeconds, previousOwner);
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
    assertTtl(ttlSeconds);
    const now = this.now().getTime();
    const heldUntil = now + ttlSeconds * 1000;
    const result = this.db
      .prepare(
        `INSERT INTO rollback_claims (execution_arn, owner, acquired_at, expires_at, given_up, kept_until)
         VALUES (?, ?, ?, ?, 0, ?)
         ON CONFLICT (execution_arn) DO UPDATE SET
           owner = excluded.owner, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at,
           given_up = 0, kept_until = excluded.kept_until
         WHERE rollback_claims.owner = excluded.owner OR rollback_claims.given_up = 1
           OR rollback_claims.expires_at <= excluded.acquired_at`,
      )
      .run(executionArn, rollbackArn, now, heldUntil, Math.max(heldUntil, this.#keptFrom(now)));
    return result.changes > 0;
  }

  async rollbackOf(executionArn: string): Promise<RollbackClaim | undefined> {
    assertNonEmpty('executionArn', executionArn);
    const now = this.now().getTime();
    const claim = this.db
      .prepare(
        `SELECT owner, given_up = 1 OR expires_at <= ?1 AS givenUp FROM rollback_claims
         WHERE execution_arn = ?2 AND COALESCE(kept_until, expires_at) > ?1`,
      )
      .get(now, executionArn) as { owner: string; givenUp: number } | undefined;
    return claim && { rollbackArn: claim.owner, givenUp: claim.givenUp === 1 };
  }

  async giveUpRollback(executionArn: string, rollbackArn: string): Promise<void> {
    assertNonEmpty('executionArn', executionArn);
    assertNonEmpty('rollbackArn', rollbackArn);
    this.db
      .prepare(
        'UPDATE rollback_claims SET given_up = 1, kept_until = ? WHERE execution_arn = ? AND owner = ?',
      )
      .run(this.#keptFrom(this.now().getTime()), executionArn, rollbackArn);
  }

  /** Until when a claim made or given up at `now` (epoch ms) is kept. */
  #keptFrom(now: number): number {
    return now + STOPPED_CLAIM_KEPT_SECONDS * 1000;
  }

  /**
   * Inserts or takes over `service`'s row for `owner`: true unless another owner holds an unexpired row
   * (other than `previousOwner`, when given).
   */
  #putUnlessHeld(service: ServiceRef, owner: string, ttlSeconds: number, previousOwner?: string): boolean {
    assertNonEmpty('owner', owner);
    assertTtl(ttlSeconds);
    const now = this.now().getTime();
    const result = this.db
      .prepare(
        `INSERT INTO service_locks (namespace, name, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (namespace, name) DO UPDATE SET
           owner = excluded.owner, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
         WHERE service_locks.owner IN (excluded.owner, ?) OR service_locks.expires_at <= excluded.acquired_at`,
      )
      .run(service.namespace, service.name, owner, now, now + ttlSeconds * 1000, previousOwner ?? owner);
    return result.changes > 0;
  }
}

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

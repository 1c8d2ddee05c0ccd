import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { MigrationLockedError } from '#core/errors.ts';

/** pg_advisory_lock key: the 64-bit number spelled by "cutover!" in ASCII. */
const LOCK_KEY = 0x637574_6f76657221n;
/** How often a waiting migration asks for the lock again. */
const POLL_MS = 500;

/** How long a migration waits for the lock, and whom to tell that it waits. */
export interface MigrationLockWait {
  /** Epoch milliseconds after which the wait fails with `MigrationLocked`. */
  readonly until: number;
  /** Called once, with the holder, when the lock is taken and the migration starts to wait. */
  readonly onWait?: (holder: string) => void;
  /** What did not happen, as `MigrationLocked` says it. @default 'no migration ran' */
  readonly refused?: string;
}

/**
 * Runs `work` holding the database's migration lock (a session advisory lock), waiting for it until
 * `wait.until` (not at all when that is now). A lock still held then fails with `MigrationLocked` naming
 * the session that holds it, and `work` does not run: another migration of the same database (another
 * service's, or a run that was stopped while its task went on), or a restore, is still at work.
 *
 * @example
 * await withMigrationLock(client, { until: Date.now() + 300_000 }, () => applyPending(client));
 */
export async function withMigrationLock<T>(
  client: pg.Client,
  wait: MigrationLockWait,
  work: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  // The holder is looked up to tell (when the wait starts) and to name (when it gives up), not at each poll.
  for (let attempt = 0; !(await tryLock(client)); attempt++) {
    if (Date.now() + POLL_MS > wait.until) {
      const waited = Math.round((Date.now() - started) / 1000);
      throw new MigrationLockedError(
        `the migration lock of database ${client.database} is held by ${await lockHolder(client)}` +
          `${waited > 0 ? ` (waited ${waited} s)` : ''}; ${wait.refused ?? 'no migration ran'}: run again ` +
          'once that session has finished or been ended',
      );
    }
    if (attempt === 0 && wait.onWait) wait.onWait(await lockHolder(client));
    await sleep(POLL_MS);
  }
  try {
    return await work();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [String(LOCK_KEY)]);
  }
}

async function tryLock(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>(
    'SELECT pg_try_advisory_lock($1::bigint) AS locked',
    [String(LOCK_KEY)],
  );
  return rows[0]!.locked;
}

/**
 * The session holding the lock as a person reads it: `pid 4242 (cutover, idle in transaction since
 * 2026-11-29T10:00:00.000Z: ALTER TABLE ...)`; a bigint key is stored as its two 32-bit halves.
 */
async function lockHolder(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{
    pid: number;
    application_name: string;
    state: string | null;
    since: Date | null;
    query: string | null;
  }>(
    `SELECT a.pid, a.application_name, a.state, coalesce(a.xact_start, a.state_change) AS since,
            left(a.query, 120) AS query
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid`,
    [String(LOCK_KEY >> 32n), String(LOCK_KEY & 0xffff_ffffn)],
  );
  const session = rows[0];
  if (!session) return 'a session that just released it';
  const application = session.application_name || 'no application name';
  const since = session.since ? ` since ${session.since.toISOString()}` : '';
  const query = session.query ? `: ${session.query.replaceAll(/\s+/g, ' ').trim()}` : '';
  return `pid ${session.pid} (${application}, ${session.state ?? 'state unknown'}${since}${query})`;
}

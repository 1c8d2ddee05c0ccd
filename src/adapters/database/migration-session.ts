import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { connectBeside } from './connection.ts';
import { inTransaction } from './copy.ts';

/** Limits on the statements of a migration's transaction. */
export interface StatementLimits {
  /** Epoch milliseconds by which they must be done. */
  readonly deadline?: number;
  /** How long one may wait for a lock; 0: as long as it takes. */
  readonly lockTimeoutMs: number;
}

/**
 * Sets, for the rest of the transaction, its `lock_timeout` and a `statement_timeout` of the time left
 * before the deadline (without one, the session's own).
 */
export async function limitStatements(client: pg.Client, { deadline, lockTimeoutMs }: StatementLimits) {
  const timeLeft = deadline === undefined ? null : String(Math.max(1, Math.floor(deadline - Date.now())));
  await client.query(
    `SELECT set_config('lock_timeout', $1, true),
            set_config('statement_timeout', coalesce($2, current_setting('statement_timeout')), true)`,
    [String(lockTimeoutMs), timeLeft],
  );
}

/** How many times a migration transaction runs while its statements' lock waits time out. */
const LOCK_ATTEMPTS = 3;
/** The pause before running it again, doubled after each attempt. */
const LOCK_RETRY_PAUSE_MS = 1_000;

/**
 * Runs `work` in a transaction. One whose statement waited for a lock past the lock timeout (SQLSTATE
 * 55P03) is rolled back and run again after a pause, up to {@link LOCK_ATTEMPTS} times and never past the
 * deadline; the application's queries queued behind the wait go on meanwhile (`onRetry` hears of each
 * retry). Then it fails naming the lock (as the session beside saw it).
 */
export async function retryLockTimeouts<T>(
  client: pg.Client,
  work: () => Promise<T>,
  limits: StatementLimits,
  watch: SessionWatch,
  onRetry: (what: string) => void = () => undefined,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    // The lock this attempt waits for, if any, is its own: an earlier wait, since granted, is not.
    watch.lockWait = undefined;
    try {
      return await inTransaction(client, work);
    } catch (error) {
      const state = (error as { code?: unknown } | undefined)?.code;
      if (state === QUERY_CANCELED && watch.cancelled) throw pastDeadline(error);
      if (state !== LOCK_NOT_AVAILABLE) throw error;
      // The looks sent while the statement waited tell what it waited for, even when they answer late.
      await watch.looked();
      const pause = LOCK_RETRY_PAUSE_MS * 2 ** (attempt - 1);
      if (attempt === LOCK_ATTEMPTS || Date.now() + pause >= (limits.deadline ?? Number.POSITIVE_INFINITY)) {
        throw lockTimedOut(error, attempt, limits, watch.lockWait);
      }
      // Set by the session beside while the attempt waited (TypeScript cannot see that).
      const lock = (watch.lockWait as LockWait | undefined)?.lock ?? 'a lock';
      onRetry(
        `gave up waiting for ${lock} after migrations.lockTimeoutSeconds (${limits.lockTimeoutMs / 1000} s), ` +
          `attempt ${attempt} of ${LOCK_ATTEMPTS}: rolled back, trying again in ${pause / 1000} s`,
      );
      await sleep(pause);
    }
  }
}

/** SQLSTATEs of a statement cancelled (by a timeout or a request) and of a lock wait that gave up. */
const QUERY_CANCELED = '57014';
const LOCK_NOT_AVAILABLE = '55P03';

/** A statement cancelled by the session beside, at the deadline. */
function pastDeadline(error: unknown): Error {
  return new Error(
    "canceling statement at the task's deadline, which a migration's own statement_timeout does not extend",
    { cause: error },
  );
}

/** A lock wait that timed out on every attempt, naming the lock and its holders when the session beside saw them. */
function lockTimedOut(error: unknown, attempts: number, limits: StatementLimits, wait?: LockWait): Error {
  const where = (error as { where?: string } | undefined)?.where;
  const lock = wait ? `its ${wait.lock}` : `a lock${where ? ` (${where})` : ''}`;
  const holders = wait?.holders ? `, held by ${wait.holders}` : '';
  return new Error(
    `could not get ${lock} within migrations.lockTimeoutSeconds (${limits.lockTimeoutMs / 1000} s) in ` +
      `${attempts} attempt${attempts === 1 ? '' : 's'}${holders}: run again once the sessions holding it are ` +
      'done, or raise migrations.lockTimeoutSeconds (0-600; 0 waits as long as it takes, while queries on the ' +
      'table queue behind the wait)',
    { cause: error },
  );
}

/** A lock a migration's statement waited for, as a person reads it, and the sessions holding it. */
interface LockWait {
  /** `AccessExclusiveLock on public.orders` */
  readonly lock: string;
  /** `pid 4242 (psql, idle in transaction)`, or null when they had let go. */
  readonly holders: string | null;
}

/** What the session beside the migrations' saw and did. */
interface SessionWatch {
  /** The relation lock a migration's statement last waited for. */
  lockWait?: LockWait;
  /** True once it cancelled the migrations' statement at the deadline. */
  cancelled: boolean;
  /** Resolves once the looks already sent have answered (a loaded server answers late). */
  looked(): Promise<void>;
}

/** The relation lock the session `$1` waits for, and who holds it. */
const LOCK_WAIT = `
  SELECT format('%s on %s.%s', l.mode, n.nspname, c.relname) AS lock,
         (SELECT string_agg(format('pid %s (%s, %s)', a.pid, coalesce(nullif(a.application_name, ''), 'no application name'),
                                   coalesce(a.state, 'state unknown')), ', ' ORDER BY a.pid)
            FROM pg_stat_activity a WHERE a.pid = ANY (pg_blocking_pids(l.pid))) AS holders
    FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE l.pid = $1 AND l.locktype = 'relation' AND NOT l.granted`;

/** How often the session beside looks for a lock wait within one lock timeout: a late timer still leaves some. */
const LOOKS_PER_LOCK_TIMEOUT = 4;
/** How long after the deadline the session beside cancels a statement still running. */
const CANCEL_GRACE_MS = 1_000;
/** The longest delay a timer takes (about 24.8 days); a later deadline needs none. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Runs `work` with a second session beside the migrations' (when `limits` has any): it looks for the
 * lock a migration's statement waits for four times per lock timeout, so no wait that times out goes unseen,
 * and cancels the statement still running {@link CANCEL_GRACE_MS} after the deadline (one whose migration
 * turned its `statement_timeout` off, as pg_dump's `SET statement_timeout = 0` does).
 */
export async function withSessionWatch<T>(
  client: pg.Client,
  limits: StatementLimits,
  work: (watch: SessionWatch) => Promise<T>,
): Promise<T> {
  let looks: Promise<void> = Promise.resolve();
  const watch: SessionWatch = { cancelled: false, looked: () => looks };
  if (limits.lockTimeoutMs === 0 && limits.deadline === undefined) return work(watch);
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const pid = rows[0]!.pid;
  const beside = await connectBeside(client);
  const look = () => {
    const answered = beside.query<LockWait>(LOCK_WAIT, [pid]).then(
      ({ rows: [wait] }) => {
        if (wait) watch.lockWait = wait;
      },
      () => undefined,
    );
    looks = Promise.all([looks, answered]).then(() => undefined);
  };
  let cancelSent: Promise<unknown> = Promise.resolve();
  const cancel = () => {
    watch.cancelled = true;
    cancelSent = beside.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
  };
  const cancelIn = (limits.deadline ?? Number.POSITIVE_INFINITY) + CANCEL_GRACE_MS - Date.now();
  const looking =
    limits.lockTimeoutMs > 0 ? setInterval(look, limits.lockTimeoutMs / LOOKS_PER_LOCK_TIMEOUT) : undefined;
  const cancelling = cancelIn < MAX_TIMER_MS ? setTimeout(cancel, cancelIn) : undefined;
  try {
    return await work(watch);
  } finally {
    clearInterval(looking);
    clearTimeout(cancelling);
    // A cancel sent as the work ended has landed before the session goes on to its next statement.
    await cancelSent;
    await beside.end().catch(() => undefined);
  }
}

/**
 * The one clock of the local runtime: every Wait state, retry interval and timeout goes through it.
 * `now()` is wall time (history timestamps stay real); `sleep` takes a logical duration that the clock
 * may scale, and `scale` says by how much, so a deadline persisted as wall time (`now() + ms * scale`)
 * can be resumed after a restart with its remaining time.
 */
import type { StopSignal } from './stop-signal.ts';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` logical milliseconds (scaled); rejects with the signal's reason when aborted. */
  sleep(ms: number, signal: StopSignal): Promise<void>;
  /** Real milliseconds per logical millisecond: 1 = real time, 0 = no waiting. */
  readonly scale: number;
}

/** The wall-clock instant at which a logical duration of `ms` starting now ends on `clock`. */
export function deadlineAfter(clock: Clock, ms: number): number {
  return clock.now() + Math.max(0, ms) * clock.scale;
}

/** Sleeps until the wall-clock `deadline` (as produced by {@link deadlineAfter}); returns at once if past. */
export function sleepUntil(clock: Clock, deadline: number, signal: StopSignal): Promise<void> {
  const remaining = deadline - clock.now();
  if (remaining <= 0 || clock.scale === 0) return clock.sleep(0, signal);
  return clock.sleep(remaining / clock.scale, signal);
}

/**
 * Adds `listener` to `signal` and returns it, for its removal. (Taking the listener as an argument keeps
 * it anonymous: a named closure costs a property definition each time under tsx's keep-names transform,
 * which a sleep per parked execution would pay.)
 */
function listenForAbort(signal: StopSignal, listener: () => void): () => void {
  signal.addEventListener('abort', listener, { once: true });
  return listener;
}

function abortReason(signal: StopSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/**
 * The real clock, scaled by `WAIT_TIME_SCALE` (as in AWS Step Functions Local): 1 = real time,
 * 0.01 = a hundred times faster, 0 = waits end at once.
 *
 * @example
 * const clock = RealClock.fromEnv(); // reads process.env.WAIT_TIME_SCALE, default 1
 * await clock.sleep(5_000, AbortSignal.timeout(60_000)); // 5 s logical
 */
export class RealClock implements Clock {
  constructor(readonly scale = 1) {
    if (!Number.isFinite(scale) || scale < 0) {
      throw new RangeError(`WAIT_TIME_SCALE must be a number >= 0 (got ${scale})`);
    }
  }

  /** Reads `WAIT_TIME_SCALE` from `env`; unset means 1. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): RealClock {
    const raw = env.WAIT_TIME_SCALE;
    if (raw === undefined || raw.trim() === '') return new RealClock(1);
    const scale = Number(raw);
    if (!Number.isFinite(scale) || scale < 0) {
      throw new RangeError(`WAIT_TIME_SCALE must be a number >= 0 (got ${JSON.stringify(raw)})`);
    }
    return new RealClock(scale);
  }

  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal: StopSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const realMs = Math.max(0, ms) * this.scale;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.min(realMs, 2_147_483_647),
      );
      const onAbort = listenForAbort(signal, () => {
        clearTimeout(timer);
        reject(abortReason(signal));
      });
    });
  }
}

interface VirtualTimer {
  readonly due: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/**
 * A clock for tests: time moves only when `advance` is called, which fires the due timers in order
 * (letting the woken code run, and fire timers it sets within the window, before the next one).
 *
 * @example
 * const clock = new VirtualClock(Date.parse('2026-01-01T00:00:00Z'));
 * const slept = clock.sleep(1_000, new AbortController().signal);
 * await clock.advance(1_000); // `slept` is resolved
 */
export class VirtualClock implements Clock {
  readonly scale = 1;
  #now: number;
  #seq = 0;
  #timers: VirtualTimer[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** How many sleeps are pending. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  sleep(ms: number, signal: StopSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const timer: VirtualTimer = {
        due: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#timers.push(timer);
    });
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, earliest first. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + Math.max(0, ms);
    await settle();
    for (;;) {
      const next = this.#earliest();
      if (!next || next.due > target) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.due);
      next.resolve();
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /** Fires the pending timers one after the other (jumping time to each) until none is left or `maxSteps`. */
  async runAll(maxSteps = 10_000): Promise<void> {
    await settle();
    for (let step = 0; step < maxSteps; step++) {
      const next = this.#earliest();
      if (!next) return;
      await this.advance(Math.max(0, next.due - this.#now));
    }
  }

  #earliest(): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    for (const t of this.#timers) {
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

/** Lets pending promise chains and immediate callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * The one clock of the local runtime: every Wait state, retry interval and timeout goes through it.
 * `now()` is wall time (history timestamps stay real); a timer takes a logical duration that the clock
 * may scale, and `scale` says by how much, so a deadline persisted as wall time (`now() + ms * scale`)
 * can be resumed after a restart with its remaining time.
 */
import { type HeapItem, MinHeap } from './min-heap.ts';
import type { StopSignal } from './stop-signal.ts';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Calls `wake(target)` at the wall-clock `deadline` (an instant of {@link deadlineAfter}), as
   * `setTimeout(wake, ms, target)` does; deadlines already past fire on the next turn of the event loop,
   * the earliest first. The handle is for {@link Clock.clearTimer}.
   */
  setTimerAt<T>(deadline: number, wake: (target: T) => void, target?: T): TimerHandle;
  /** Cancels a timer of {@link Clock.setTimerAt} that has not fired. */
  clearTimer(handle: TimerHandle): void;
  /** Real milliseconds per logical millisecond: 1 = real time, 0 = no waiting. */
  readonly scale: number;
}

/** A pending timer of a {@link Clock}, known only to it. */
export type TimerHandle = object;

/** What {@link waitUntil} tells when a wait ends: its time came, or its signal stopped it first. */
export interface Waiter {
  wake(): void;
  stopped(reason: unknown): void;
}

/**
 * Calls `waiter.wake()` at the wall-clock `deadline` on `clock`, or `waiter.stopped` with the abort reason
 * if `signal` aborts first (at once if it already has); never both. Waits whose deadlines passed while the
 * runtime was down end in the order of their deadlines, as they would have without the restart.
 */
export function waitUntil(clock: Clock, deadline: number, signal: StopSignal, waiter: Waiter): void {
  if (signal.aborted) waiter.stopped(abortReason(signal));
  else new TimedWait(clock, deadline, signal, waiter); // it registers itself with the clock and the signal
}

/**
 * A pending {@link waitUntil}: the clock's timer target and the signal's listener in one object, so a parked
 * execution holds no closures for its wait.
 */
class TimedWait {
  readonly #clock: Clock;
  readonly #signal: StopSignal;
  readonly #waiter: Waiter;
  readonly #timer: TimerHandle;

  constructor(clock: Clock, deadline: number, signal: StopSignal, waiter: Waiter) {
    this.#clock = clock;
    this.#signal = signal;
    this.#waiter = waiter;
    this.#timer = clock.setTimerAt(deadline, wakeTimedWait, this);
    signal.addEventListener('abort', this, { once: true });
  }

  /** The time has come. */
  wake(): void {
    this.#signal.removeEventListener('abort', this);
    this.#waiter.wake();
  }

  /** The signal stopped first. */
  handleEvent(): void {
    this.#clock.clearTimer(this.#timer);
    this.#waiter.stopped(abortReason(this.#signal));
  }
}

function wakeTimedWait(wait: TimedWait): void {
  wait.wake();
}

/** Resolves after `ms` logical milliseconds on `clock`; rejects with the signal's reason when aborted. */
export function sleep(clock: Clock, ms: number, signal: StopSignal): Promise<void> {
  return sleepUntil(clock, deadlineAfter(clock, ms), signal);
}

/**
 * Whether the wall-clock `deadline` has come on `clock`: it has passed, or the clock is of scale 0, where
 * every wait ends at once (a deadline set at another scale too).
 */
export function deadlineReached(clock: Clock, deadline: number): boolean {
  return clock.scale === 0 || deadline <= clock.now();
}

/** The wall-clock instant at which a logical duration of `ms` starting now ends on `clock`. */
export function deadlineAfter(clock: Clock, ms: number): number {
  return clock.now() + Math.max(0, ms) * clock.scale;
}

/** Sleeps until the wall-clock `deadline` (as produced by {@link deadlineAfter}), as {@link waitUntil} waits. */
export function sleepUntil(clock: Clock, deadline: number, signal: StopSignal): Promise<void> {
  return new Promise((resolve, reject) =>
    waitUntil(clock, deadline, signal, { wake: () => resolve(), stopped: reject }),
  );
}

function abortReason(signal: StopSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/**
 * The real clock, scaled by `WAIT_TIME_SCALE` (as in AWS Step Functions Local): 1 = real time,
 * 0.01 = a hundred times faster, 0 = waits end at once.
 *
 * Its timers fire in the order of their deadlines, then in the order they were set, one a turn of the
 * event loop, so what one sets in motion runs before the next fires. Deadlines that passed while the
 * runtime was down (or all, at scale 0) therefore end in the order they would have without the restart,
 * not in the order the executions resumed in; a timeout per timer would fire two equal deadlines set a
 * millisecond apart in either order. One Node timeout stands for the earliest deadline.
 *
 * @example
 * const clock = RealClock.fromEnv(); // reads process.env.WAIT_TIME_SCALE, default 1
 * await sleep(clock, 5_000, AbortSignal.timeout(60_000)); // 5 s logical
 */
export class RealClock implements Clock {
  readonly #timers = new MinHeap<ClockTimer>(byDeadline);
  #timersSet = 0;
  /** The Node timeout set for the earliest deadline, and that deadline. */
  #timeout: NodeJS.Timeout | undefined;
  #timeoutDeadline = 0;
  /** Whether the next due timer fires on the next turn (a `setImmediate` is pending). */
  #firingNext = false;

  constructor(readonly scale = 1) {
    if (!Number.isFinite(scale) || scale < 0) {
      throw new RangeError(`WAIT_TIME_SCALE must be a number >= 0 (got ${scale})`);
    }
  }

  /** Reads `WAIT_TIME_SCALE` from `env`, a decimal number (`0.1`, `2`, `1e-3`); unset means 1. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): RealClock {
    const raw = env.WAIT_TIME_SCALE;
    if (raw === undefined || raw.trim() === '') return new RealClock(1);
    // Number() would also read hexadecimal, octal and binary (`0x10` is 16).
    const scale = /^\s*(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isFinite(scale) || scale < 0) {
      throw new RangeError(`WAIT_TIME_SCALE must be a number >= 0 (got ${JSON.stringify(raw)})`);
    }
    return new RealClock(scale);
  }

  /** How many timers are pending. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  now(): number {
    return Date.now();
  }

  setTimerAt<T>(deadline: number, wake: (target: T) => void, target?: T): TimerHandle {
    const timer = new ClockTimer(deadline, this.#timersSet++, wake as (target: unknown) => void, target);
    this.#timers.push(timer);
    this.#scheduleNext();
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    if (this.#timers.remove(handle as ClockTimer) && this.#timers.size === 0) this.#clearTimeout();
  }

  /** Fires the earliest timer if it is due, then schedules the next. */
  #fireNext(): void {
    const earliest = this.#timers.peek();
    try {
      if (earliest && deadlineReached(this, earliest.deadline)) {
        this.#timers.pop();
        earliest.wake(earliest.target);
      }
    } finally {
      this.#scheduleNext();
    }
  }

  /** On the next turn if the earliest timer is due, else a Node timeout at its deadline; nothing once none is left. */
  #scheduleNext(): void {
    const earliest = this.#timers.peek();
    if (!earliest) this.#clearTimeout();
    else if (deadlineReached(this, earliest.deadline)) {
      if (!this.#firingNext) {
        this.#firingNext = true;
        setImmediate(this.#fireOnNextTurn);
      }
    } else if (!this.#timeout || this.#timeoutDeadline > earliest.deadline) {
      this.#clearTimeout();
      this.#timeoutDeadline = earliest.deadline;
      // Node fires a longer timeout at once: one at the longest, then another for the rest.
      const ms = Math.min(earliest.deadline - Date.now(), LONGEST_TIMEOUT_MS);
      this.#timeout = setTimeout(this.#fireOnTimeout, ms);
    }
  }

  readonly #fireOnNextTurn = (): void => {
    this.#firingNext = false;
    this.#fireNext();
  };

  readonly #fireOnTimeout = (): void => {
    this.#timeout = undefined;
    this.#fireNext();
  };

  #clearTimeout(): void {
    if (this.#timeout) clearTimeout(this.#timeout);
    this.#timeout = undefined;
  }
}

/** The longest delay `setTimeout` takes (about 24.8 days). */
const LONGEST_TIMEOUT_MS = 2_147_483_647;

/** A pending timer of a {@link RealClock} or a {@link VirtualClock}. */
class ClockTimer implements HeapItem {
  heapIndex = -1;

  constructor(
    readonly deadline: number,
    readonly setAs: number,
    readonly wake: (target: unknown) => void,
    readonly target: unknown,
  ) {}
}

function byDeadline(a: ClockTimer, b: ClockTimer): number {
  return a.deadline - b.deadline || a.setAs - b.setAs;
}

/**
 * A clock for tests: time moves only when `advance` is called, which fires the due timers in order
 * (letting the woken code run, and fire timers it sets within the window, before the next one).
 *
 * @example
 * const clock = new VirtualClock(Date.parse('2026-01-01T00:00:00Z'));
 * const slept = sleep(clock, 1_000, new AbortController().signal);
 * await clock.advance(1_000); // `slept` is resolved
 */
export class VirtualClock implements Clock {
  readonly scale = 1;
  #now: number;
  readonly #timers = new MinHeap<ClockTimer>(byDeadline);
  #timersSet = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** How many sleeps are pending. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  setTimerAt<T>(deadline: number, wake: (target: T) => void, target?: T): TimerHandle {
    const timer = new ClockTimer(deadline, this.#timersSet++, wake as (target: unknown) => void, target);
    this.#timers.push(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    this.#timers.remove(handle as ClockTimer);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, earliest first. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + Math.max(0, ms);
    await settle();
    for (;;) {
      const next = this.#timers.peek();
      if (!next || next.deadline > target) break;
      this.#timers.pop();
      this.#now = Math.max(this.#now, next.deadline);
      next.wake(next.target);
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /** Fires the pending timers one after the other (jumping time to each) until none is left or `maxSteps`. */
  async runAll(maxSteps = 10_000): Promise<void> {
    await settle();
    for (let step = 0; step < maxSteps; step++) {
      const next = this.#timers.peek();
      if (!next) return;
      await this.advance(Math.max(0, next.deadline - this.#now));
    }
  }
}

/** Lets pending promise chains and immediate callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

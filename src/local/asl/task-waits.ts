/**
 * What a Task waits on, bounded by its `TimeoutSeconds` and, for task tokens, its `HeartbeatSeconds` (both
 * States.Timeout, without a cause, as AWS records them): an invocation, a task token's outcome, a nested
 * execution.
 */
import { type Clock, deadlineAfter, sleepUntil } from '../clock.ts';
import type { StopSignal } from '../stop-signal.ts';
import type { Store } from '../store.ts';
import type { Engine } from './engine.ts';
import { HeartbeatTimeoutError, StatesError, TaskTimeoutError } from './errors.ts';

/** The error of a task whose `TimeoutSeconds` elapsed: `States.Timeout` alone, as AWS records it. */
function taskTimeout(): StatesError {
  return new TaskTimeoutError();
}

/** Whether a task's `timeoutAt` has passed: one in flight at a restart then times out, not invoked again. */
export function deadlinePassed(clock: Clock, timeoutAt: number | undefined): boolean {
  return timeoutAt !== undefined && clock.now() >= timeoutAt;
}

/**
 * Fails with `error` at a `deadline` that has passed (while the runtime was down): on the clock, so the
 * instants that passed meanwhile end in their order rather than in the order their tasks resume.
 */
async function failAtPassedDeadline(
  clock: Clock,
  deadline: number,
  signal: StopSignal,
  error: StatesError,
): Promise<never> {
  await sleepUntil(clock, deadline, signal);
  throw error;
}

/** Fails with `States.Timeout` if the task's `timeoutAt` has passed, as {@link failAtPassedDeadline} does. */
export async function timeOutIfPassed(
  clock: Clock,
  timeoutAt: number | undefined,
  signal: StopSignal,
): Promise<void> {
  if (deadlinePassed(clock, timeoutAt)) await failAtPassedDeadline(clock, timeoutAt!, signal, taskTimeout());
}

/**
 * Runs `work`, failing with `States.Timeout` at `timeoutAt` and with the abort reason when `signal` aborts.
 * The signal given to `work` aborts once the race is over.
 */
export async function withinDeadline<T>(
  clock: Clock,
  timeoutAt: number | undefined,
  signal: StopSignal,
  work: (settled: AbortSignal) => Promise<T>,
): Promise<T> {
  const timers = new AbortController();
  const stop = (): void => timers.abort(signal.reason);
  const aborted = new Promise<T>((_, reject) => {
    timers.signal.addEventListener('abort', () => reject(timers.signal.reason), { once: true });
  });
  signal.addEventListener('abort', stop, { once: true });
  if (signal.aborted) stop();
  try {
    const racers: Promise<T>[] = [work(timers.signal), aborted];
    if (timeoutAt !== undefined) {
      racers.push(
        sleepUntil(clock, timeoutAt, timers.signal).then(() => {
          throw taskTimeout();
        }),
      );
    }
    return await Promise.race(racers);
  } finally {
    signal.removeEventListener('abort', stop);
    timers.abort();
  }
}

/** The outcome sent for a task token (SendTaskSuccess / SendTaskFailure). */
export type TaskOutcome = { output: string } | { error?: string; cause?: string };

/** Who waits for a task token: its task's {@link TokenMailbox}. */
interface TokenListener {
  deliver(outcome: TaskOutcome): void;
  heartbeat(): void;
}

/**
 * The open task tokens of an engine: records an outcome sent for one (durably) and hands it, or a
 * heartbeat, to the task listening for it.
 *
 * @example
 * engine.tokens.send(token, { output: '{"ok":true}' });   // false if `token` is not open
 */
export class TaskTokens {
  readonly #store: Store;
  readonly #listeners = new Map<string, TokenListener>();

  constructor(store: Store) {
    this.#store = store;
  }

  /** Records the outcome of an open task token and wakes its task. False if the token is not open. */
  send(token: string, outcome: TaskOutcome): boolean {
    if (!this.#isOpen(token)) return false;
    this.#store.setTaskTokenOutcome(token, JSON.stringify(outcome));
    this.#listeners.get(token)?.deliver(outcome);
    return true;
  }

  /** Restarts the heartbeat timer of an open task token. False if the token is not open. */
  heartbeat(token: string): boolean {
    if (!this.#isOpen(token)) return false;
    this.#listeners.get(token)?.heartbeat();
    return true;
  }

  /** Listens for the outcome of `token` until the returned function is called. */
  listen(token: string, listener: TokenListener): () => void {
    this.#listeners.set(token, listener);
    return () => {
      if (this.#listeners.get(token) === listener) this.#listeners.delete(token);
    };
  }

  /** Forgets every listener (the engine is closing). */
  clear(): void {
    this.#listeners.clear();
  }

  #isOpen(token: string): boolean {
    const open = this.#store.getTaskToken(token);
    return open !== undefined && open.outcome === null;
  }
}

/**
 * Receives the outcome of one task token. Open it before invoking the task (a function may answer
 * during its own invocation); an outcome stored before a restart is read from the store.
 */
export class TokenMailbox {
  readonly #outcome: Promise<TaskOutcome>;
  /**
   * What a heartbeat does: before {@link wait} arms its timer (the task still being invoked), it moves the
   * stored deadline, which the wait then starts from; while waiting, it re-arms the timer too.
   */
  #beat: () => void = () => this.#moveDeadline();
  readonly #unlisten: () => void;

  constructor(
    private readonly engine: Engine,
    readonly token: string,
    private readonly heartbeatSeconds: number | undefined,
  ) {
    let deliver: (outcome: TaskOutcome) => void = () => undefined;
    this.#outcome = new Promise((resolve) => {
      deliver = resolve;
    });
    this.#unlisten = engine.tokens.listen(token, { deliver, heartbeat: () => this.#beat() });
  }

  /** Whether an outcome was sent for the token (and stored). */
  get answered(): boolean {
    return Boolean(this.engine.store.getTaskToken(this.token)?.outcome);
  }

  /**
   * The task's result; throws the sent error, States.Timeout at `timeoutAt` or (a {@link HeartbeatTimeoutError}) at
   * the token's heartbeat deadline (its last heartbeat's, also one sent before a restart). A restart past
   * both ends the task with the error of the one that came first.
   */
  async wait(signal: StopSignal, timeoutAt: number | undefined): Promise<unknown> {
    const open = this.engine.store.getTaskToken(this.token);
    const heartbeatDeadline = open?.heartbeatDeadline ?? undefined;
    const outcome = open?.outcome
      ? (JSON.parse(open.outcome) as TaskOutcome)
      : await this.#outcomeWithin(signal, timeoutAt, this.heartbeatSeconds, heartbeatDeadline);
    if ('output' in outcome) return JSON.parse(outcome.output);
    throw new StatesError(outcome.error, outcome.cause);
  }

  close(): void {
    this.#unlisten();
  }

  /** Stores the heartbeat deadline a heartbeat now sets, and returns it; none without `HeartbeatSeconds`. */
  #moveDeadline(): number | undefined {
    if (this.heartbeatSeconds === undefined) return undefined;
    const deadline = deadlineAfter(this.engine.clock, this.heartbeatSeconds * 1000);
    this.engine.store.setTaskTokenHeartbeat(this.token, deadline);
    return deadline;
  }

  async #outcomeWithin(
    signal: StopSignal,
    timeoutAt: number | undefined,
    heartbeatSeconds: number | undefined,
    heartbeatDeadline: number | undefined,
  ): Promise<TaskOutcome> {
    const { clock } = this.engine;
    const timedOut = deadlinePassed(clock, timeoutAt);
    if (deadlinePassed(clock, heartbeatDeadline) && !(timedOut && timeoutAt! <= heartbeatDeadline!)) {
      return failAtPassedDeadline(clock, heartbeatDeadline!, signal, new HeartbeatTimeoutError());
    }
    if (timedOut) return failAtPassedDeadline(clock, timeoutAt!, signal, taskTimeout());
    return withinDeadline(clock, timeoutAt, signal, (settled) =>
      this.#withHeartbeat(settled, heartbeatSeconds, heartbeatDeadline),
    );
  }

  /**
   * The outcome, failing with a {@link HeartbeatTimeoutError} at `heartbeatDeadline` (or `heartbeatSeconds` from now)
   * unless a heartbeat comes first: each heartbeat moves the deadline, in the store too.
   */
  #withHeartbeat(
    signal: StopSignal,
    heartbeatSeconds: number | undefined,
    heartbeatDeadline: number | undefined,
  ): Promise<TaskOutcome> {
    if (heartbeatSeconds === undefined) return this.#outcome;
    const clock = this.engine.clock;
    return new Promise<TaskOutcome>((resolve, reject) => {
      let timer = new AbortController();
      const arm = (deadline: number): void => {
        timer.abort();
        timer = new AbortController();
        const current = timer;
        const onSettled = (): void => current.abort();
        signal.addEventListener('abort', onSettled, { once: true });
        sleepUntil(clock, deadline, current.signal).then(
          () => reject(new HeartbeatTimeoutError()),
          () => signal.removeEventListener('abort', onSettled),
        );
      };
      this.#beat = () => arm(this.#moveDeadline()!);
      arm(heartbeatDeadline ?? deadlineAfter(clock, heartbeatSeconds * 1000));
      this.#outcome.then((outcome) => {
        timer.abort();
        resolve(outcome);
      });
    });
  }
}

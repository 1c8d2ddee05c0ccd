/**
 * What a Task waits on, bounded by its `TimeoutSeconds` (States.Timeout) and, for task tokens, its
 * `HeartbeatSeconds` (States.HeartbeatTimeout): an invocation, a task token's outcome, a nested execution.
 */
import { type Clock, sleep, sleepUntil } from '../clock.ts';
import type { StopSignal } from '../stop-signal.ts';
import type { Engine, TaskOutcome } from './engine.ts';
import { STATES_ERRORS, StatesError } from './errors.ts';

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
          throw new StatesError(STATES_ERRORS.Timeout, 'Task timed out (TimeoutSeconds elapsed)');
        }),
      );
    }
    return await Promise.race(racers);
  } finally {
    signal.removeEventListener('abort', stop);
    timers.abort();
  }
}

/**
 * Receives the outcome of one task token. Open it before invoking the task (a function may answer
 * during its own invocation); an outcome stored before a restart is read from the store.
 */
export class TokenMailbox {
  readonly #outcome: Promise<TaskOutcome>;
  #beat: () => void = () => undefined;
  readonly #unlisten: () => void;

  constructor(
    private readonly engine: Engine,
    readonly token: string,
  ) {
    let deliver: (outcome: TaskOutcome) => void = () => undefined;
    this.#outcome = new Promise((resolve) => {
      deliver = resolve;
    });
    this.#unlisten = engine.listenForToken(token, { deliver, heartbeat: () => this.#beat() });
  }

  /** The task's result; throws the sent error, States.Timeout or States.HeartbeatTimeout. */
  async wait(
    signal: StopSignal,
    timeoutAt: number | undefined,
    heartbeatSeconds: number | undefined,
  ): Promise<unknown> {
    const stored = this.engine.store.getTaskToken(this.token)?.outcome;
    const outcome = stored
      ? (JSON.parse(stored) as TaskOutcome)
      : await withinDeadline(this.engine.clock, timeoutAt, signal, (settled) =>
          this.#withHeartbeat(settled, heartbeatSeconds),
        );
    if ('output' in outcome) return JSON.parse(outcome.output);
    throw new StatesError(outcome.error, outcome.cause);
  }

  close(): void {
    this.#unlisten();
  }

  #withHeartbeat(signal: StopSignal, heartbeatSeconds: number | undefined): Promise<TaskOutcome> {
    if (heartbeatSeconds === undefined) return this.#outcome;
    const clock = this.engine.clock;
    return new Promise<TaskOutcome>((resolve, reject) => {
      let timer = new AbortController();
      const arm = (): void => {
        timer.abort();
        timer = new AbortController();
        const current = timer;
        const onSettled = (): void => current.abort();
        signal.addEventListener('abort', onSettled, { once: true });
        sleep(clock, heartbeatSeconds * 1000, current.signal).then(
          () =>
            reject(new StatesError(STATES_ERRORS.HeartbeatTimeout, 'No heartbeat within HeartbeatSeconds')),
          () => signal.removeEventListener('abort', onSettled),
        );
      };
      this.#beat = arm;
      arm();
      this.#outcome.then((outcome) => {
        timer.abort();
        resolve(outcome);
      });
    });
  }
}

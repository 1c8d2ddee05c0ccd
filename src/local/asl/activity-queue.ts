/**
 * The tasks activity states have scheduled, by activity, and the workers polling for them (GetActivityTask).
 * A task and a poller meet oldest first: the task records that it started (ActivityStarted, committed)
 * before the poller gets its token and input.
 */

/** A task an activity state scheduled, waiting for a worker. */
export interface ScheduledActivityTask {
  readonly token: string;
  /** The task's input (JSON), as the worker gets it. */
  readonly input: string;
  /** Records that a worker (named `workerName`, if it gave a name) took the task; throws if that fails. */
  start(workerName: string | undefined): void;
}

/** What GetActivityTask hands a worker. */
export interface ActivityTaskHandout {
  taskToken: string;
  input: string;
}

interface Poller {
  readonly workerName: string | undefined;
  /** Ends the poll with a task, or with none (undefined). */
  answer(handout: ActivityTaskHandout | undefined): void;
  /** Ends the poll with the error of a task that could not record its start. */
  fail(error: unknown): void;
}

interface WaitingTask {
  readonly task: ScheduledActivityTask;
  readonly taken: () => void;
  readonly failed: (error: unknown) => void;
}

/**
 * @example
 * const queue = new ActivityQueue();
 * const started = queue.waitForWorker(activityArn, task, settled);       // in the activity state
 * const handout = await queue.poll(activityArn, 'worker-1', 60_000, signal); // GetActivityTask
 */
export class ActivityQueue {
  readonly #tasks = new Map<string, WaitingTask[]>();
  readonly #pollers = new Map<string, Poller[]>();
  #closed = false;

  /**
   * Schedules `task` for the next worker polling `activityArn`; resolves once one took it (after its
   * `start`), rejects with the error of a failed `start`. When `settled` aborts first (the task timed out
   * or its execution stopped), the task is withdrawn and the promise never settles: the caller's race has
   * already ended.
   */
  waitForWorker(activityArn: string, task: ScheduledActivityTask, settled: AbortSignal): Promise<void> {
    return new Promise<void>((taken, failed) => {
      if (settled.aborted) return;
      const waiting: WaitingTask = { task, taken, failed };
      const poller = takeFirst(this.#pollers, activityArn);
      if (poller) return this.#handOver(waiting, poller);
      append(this.#tasks, activityArn, waiting);
      settled.addEventListener('abort', () => remove(this.#tasks, activityArn, waiting), { once: true });
    });
  }

  /**
   * Takes the oldest task scheduled for `activityArn`, for `workerName`, waiting up to `waitMs` for one;
   * undefined when none came, when `signal` aborts (the worker went away) or when the queue closes.
   */
  poll(
    activityArn: string,
    workerName: string | undefined,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<ActivityTaskHandout | undefined> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', giveUp);
      };
      const poller: Poller = {
        workerName,
        answer: (handout) => {
          finish();
          resolve(handout);
        },
        fail: (error) => {
          finish();
          reject(error);
        },
      };
      const giveUp = (): void => {
        remove(this.#pollers, activityArn, poller);
        poller.answer(undefined);
      };
      const waiting = takeFirst(this.#tasks, activityArn);
      if (waiting) return this.#handOver(waiting, poller);
      if (this.#closed || signal.aborted) return poller.answer(undefined);
      timer = setTimeout(giveUp, waitMs);
      signal.addEventListener('abort', giveUp, { once: true });
      append(this.#pollers, activityArn, poller);
    });
  }

  /** How many workers are polling `activityArn` now. */
  pollerCount(activityArn: string): number {
    return this.#pollers.get(activityArn)?.length ?? 0;
  }

  /** Answers every poll with no task (the runtime is closing), and each poll from now on at once. */
  close(): void {
    this.#closed = true;
    const pollers = [...this.#pollers.values()].flat();
    this.#pollers.clear();
    for (const poller of pollers) poller.answer(undefined);
  }

  /** Starts `waiting`'s task for `poller`: the task records its start, then both sides learn of it. */
  #handOver(waiting: WaitingTask, poller: Poller): void {
    try {
      waiting.task.start(poller.workerName);
    } catch (error) {
      waiting.failed(error);
      poller.fail(error);
      return;
    }
    waiting.taken();
    poller.answer({ taskToken: waiting.task.token, input: waiting.task.input });
  }
}

function append<T>(map: Map<string, T[]>, key: string, item: T): void {
  const items = map.get(key);
  if (items) items.push(item);
  else map.set(key, [item]);
}

function takeFirst<T>(map: Map<string, T[]>, key: string): T | undefined {
  const items = map.get(key);
  const first = items?.shift();
  if (items?.length === 0) map.delete(key);
  return first;
}

function remove<T>(map: Map<string, T[]>, key: string, item: T): void {
  const items = map.get(key);
  const index = items?.indexOf(item) ?? -1;
  if (index < 0) return;
  items!.splice(index, 1);
  if (items!.length === 0) map.delete(key);
}

/**
 * The part of `AbortSignal` the runtime's waits use. An AbortSignal is one; so is a {@link Stopper}, the
 * cheap one each execution carries: a Node AbortSignal is an event target (several objects and a map),
 * which thousands of parked executions would each hold.
 */
export interface StopSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: StopListener, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: StopListener): void;
}

/**
 * What a {@link StopSignal} calls when it stops: a function, or an object's `handleEvent` (as DOM event
 * targets do), so a long-lived wait can be its own listener instead of holding a closure.
 */
export type StopListener = (() => void) | { handleEvent(): void };

/**
 * A {@link StopSignal} that is its own controller: `stop(reason)` aborts it and calls each listener once.
 *
 * @example
 * const stopper = new Stopper();
 * stopper.addEventListener('abort', () => console.log('stopped:', stopper.reason));
 * stopper.stop('finished'); // stopped: finished
 */
export class Stopper implements StopSignal {
  aborted = false;
  reason: unknown;
  #listeners: StopListener[] | undefined;

  /** Adds `listener` (once; adding it again does nothing); after the stop, nothing is added. */
  addEventListener(_type: 'abort', listener: StopListener): void {
    if (this.aborted) return;
    // Most stoppers get one listener: an array of one, not a growable one of 17 slots.
    if (!this.#listeners) this.#listeners = [listener];
    else if (!this.#listeners.includes(listener)) this.#listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: StopListener): void {
    const index = this.#listeners?.indexOf(listener) ?? -1;
    if (index >= 0) this.#listeners!.splice(index, 1);
  }

  /** Aborts with `reason` and calls the listeners; later calls do nothing. */
  stop(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.#listeners ?? [];
    this.#listeners = undefined;
    for (const listener of listeners) {
      if (typeof listener === 'function') listener();
      else listener.handleEvent();
    }
  }
}

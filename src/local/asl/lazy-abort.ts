/**
 * An AbortController made on the first read of its signal. Most executions (Pass and Choice only) never
 * need a signal, and a Node AbortController, an event target, costs more than the rest of a short run.
 *
 * @example
 * const halt = new LazyAbortController();
 * halt.abort('finished');          // no AbortController made
 * halt.signal.aborted;             // true: made now, already aborted with 'finished'
 */
export class LazyAbortController {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** Aborts the signal (if it was made) with `reason`; later calls do nothing. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

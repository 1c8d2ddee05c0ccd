/** Failures the emulator injects before handling a request, to test how adapters surface them. */
export type Fault =
  /** Answer with this HTTP status and a `Status` body (e.g. 500, 503, 429). */
  | { readonly status: number; readonly message?: string; readonly method?: string }
  /** Never answer (the client's timeout must fire). */
  | { readonly hang: true; readonly method?: string };

/** A queue of faults; each matching request consumes one. */
export class FaultQueue {
  readonly #faults: Fault[] = [];

  /** Queues `fault` for the next `times` requests (of `fault.method`, if given). */
  inject(fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.#faults.push(fault);
  }

  /** Removes and returns the first fault matching this request's method, if any. */
  take(method: string): Fault | undefined {
    const index = this.#faults.findIndex((f) => !f.method || f.method === method);
    return index < 0 ? undefined : this.#faults.splice(index, 1)[0];
  }

  clear(): void {
    this.#faults.length = 0;
  }
}

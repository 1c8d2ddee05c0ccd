/**
 * A Map Run's dispatch: runs its children as executions, at most its `maxConcurrency` at once, counts their
 * failures against its thresholds and records how it ends.
 */
import {
  type ExecutionRow,
  isUnsuccessful,
  type MapRunChildRow,
  type MapRunRow,
  type MapRunUpdate,
} from '../../store.ts';
import type { Engine } from '../engine.ts';
import { asStatesError, STATES_ERRORS, StatesError } from '../errors.ts';
import type { StateRun } from '../state-run.ts';
import type { MapState } from '../types.ts';
import { exceedsThreshold, THRESHOLD_EXCEEDED_CAUSE } from './distributed-map.ts';
import { type MapRunChildren, startChild } from './map-run-children.ts';
import { failedChildDescription, recordFailure, redrivable } from './map-run-records.ts';

/** Children run at once when a Distributed Map sets no `MaxConcurrency` (or 0), as on AWS. */
export const MAP_RUN_DEFAULT_CONCURRENCY = 10_000;

/** What UpdateMapRun reaches of a Map Run running its children: new settings take effect at once. */
export interface MapRunControl {
  update(update: MapRunUpdate): void;
}

/** Runs the children, at most the Map Run's `maxConcurrency` at once (UpdateMapRun may change it). */
export class MapRunDispatch implements MapRunControl {
  readonly #run: StateRun<MapState>;
  readonly #engine: Engine;
  readonly #mapRun: MapRunRow;
  readonly #children: MapRunChildren;
  readonly #known: Map<number, MapRunChildRow>;
  readonly #results: unknown[];
  readonly #running = new Set<string>();
  readonly #workers = new Set<Promise<void>>();
  /** Workers that have not decided to leave: counted at once, so a lowered `maxConcurrency` lets only the excess go. */
  #staying = 0;
  /**
   * Rejects once the Map is stopped (with its reason) or the Map Run failed: each awaited child races it, so
   * no worker waits for a child it aborted (one listener on the Map's signal for all).
   */
  readonly #stopped: Promise<never>;
  readonly #rejectStopped: (reason: unknown) => void;
  readonly #onStop: () => void;
  #next = 0;
  #failedItems = 0;
  #failure: StatesError | undefined;

  constructor(run: StateRun<MapState>, mapRun: MapRunRow, children: MapRunChildren) {
    this.#run = run;
    this.#engine = run.engine;
    this.#mapRun = mapRun;
    this.#children = children;
    this.#known = new Map(
      run.engine.store.mapRuns.listChildren(mapRun.id).map((child) => [child.index, child]),
    );
    // Children running since before a restart, beyond the workers' reach too: a failure or abort stops them.
    for (const { execution } of this.#known.values()) {
      if (execution.status === 'RUNNING') this.#running.add(execution.arn);
    }
    this.#results = new Array(children.count);
    const { signal } = run;
    let reject!: (reason: unknown) => void;
    this.#stopped = new Promise<never>((_, rejectStopped) => {
      reject = rejectStopped;
    });
    this.#stopped.catch(() => undefined);
    this.#rejectStopped = reject;
    this.#onStop = () => reject(signal.reason);
    signal.addEventListener('abort', this.#onStop);
    if (signal.aborted) this.#onStop();
  }

  async run(): Promise<unknown[]> {
    const { mapRuns } = this.#engine;
    mapRuns.set(this.#mapRun.arn, this);
    try {
      // Until no worker is left: UpdateMapRun may add workers while the first ones are awaited.
      do {
        this.#spawnWorkers();
        await Promise.all(this.#workers);
      } while (this.#workers.size > 0 || (!this.#halted && this.#next < this.#children.count));
    } finally {
      mapRuns.delete(this.#mapRun.arn);
      this.#run.signal.removeEventListener('abort', this.#onStop);
    }
    const { signal } = this.#run;
    if (signal.aborted) {
      this.#abort();
      throw signal.reason;
    }
    if (this.#failure) throw this.#failure;
    return this.#results;
  }

  update(update: MapRunUpdate): void {
    Object.assign(this.#mapRun, update);
    if (update.maxConcurrency !== undefined) this.#spawnWorkers();
    const { toleratedFailureCount, toleratedFailurePercentage } = update;
    if (toleratedFailureCount !== undefined || toleratedFailurePercentage !== undefined)
      this.#checkThresholds(-1);
  }

  get #limit(): number {
    return this.#mapRun.maxConcurrency === 0 ? MAP_RUN_DEFAULT_CONCURRENCY : this.#mapRun.maxConcurrency;
  }

  #spawnWorkers(): void {
    const wanted = Math.min(this.#limit, this.#children.count - this.#next + this.#staying);
    while (this.#staying < wanted && !this.#halted) {
      this.#staying += 1;
      const worker: Promise<void> = this.#work().finally(() => this.#workers.delete(worker));
      this.#workers.add(worker);
    }
  }

  /** Whether the Map Run failed or the Map was stopped: no child starts any more. */
  get #halted(): boolean {
    return this.#failure !== undefined || this.#run.signal.aborted;
  }

  async #work(): Promise<void> {
    while (!this.#halted && this.#next < this.#children.count && this.#staying <= this.#limit) {
      const index = this.#next++;
      try {
        this.#settle(index, await this.#runChild(index));
      } catch (thrown) {
        // A child that could not start (its input over the payload limit) fails the Map Run.
        if (!this.#halted) this.#fail(index, asStatesError(thrown));
        break;
      }
    }
    this.#staying -= 1;
  }

  /**
   * Runs child `index` (starting, redriving or awaiting it) and returns its ended row. A child that did not
   * succeed in a round before the Map Run's last redrive is redriven (once per round, also after a restart),
   * unless it may not be any more (see redrive-status.ts): then its failure stands.
   */
  async #runChild(index: number): Promise<ExecutionRow> {
    const known = this.#known.get(index);
    let row = known?.execution ?? (await startChild(this.#run, this.#mapRun, this.#children, index));
    const round = this.#mapRun.redriveCount;
    if (known && isUnsuccessful(row) && known.round < round) {
      const { store } = this.#engine;
      const { id } = row;
      const write = () => store.mapRuns.setRound(id, round);
      // Past the rules since the redrive began (its redrivable period ran out while it waited its turn).
      if (!redrivable(this.#run, row)) this.#run.save({}, write);
      else row = this.#engine.redrive(row, { write });
    }
    if (row.status !== 'RUNNING') return row;
    // Kept among the running when the Map is stopped meanwhile: the abort stops it.
    this.#running.add(row.arn);
    // The Map Run failed while it started: it is aborted like the children that were running then.
    if (this.#failure) this.#engine.stop(row.arn);
    const ended = await Promise.race([this.#engine.awaitExecution(row.arn), this.#stopped]);
    this.#running.delete(row.arn);
    return ended;
  }

  /** Records how child `index` ended: its output, or a failure counted against the thresholds. */
  #settle(index: number, row: ExecutionRow): void {
    if (row.status === 'SUCCEEDED') {
      this.#results[index] = JSON.parse(row.output!);
      return;
    }
    this.#results[index] = failedChildDescription(row, this.#engine.redriveStatus(row));
    this.#failedItems += this.#children.itemsOf(index);
    this.#checkThresholds(index);
  }

  /** Fails the Map Run if its failed items exceed its thresholds (`index`: the child that failed last). */
  #checkThresholds(index: number): void {
    if (this.#halted || this.#failedItems === 0) return;
    const { toleratedFailureCount: count, toleratedFailurePercentage: percentage } = this.#mapRun;
    const thresholds = { count: count ?? undefined, percentage: percentage ?? undefined };
    if (!exceedsThreshold(thresholds, this.#failedItems, this.#children.itemCount)) return;
    this.#fail(
      index,
      new StatesError(STATES_ERRORS.ExceedToleratedFailureThreshold, THRESHOLD_EXCEEDED_CAUSE),
    );
  }

  /** Fails the Map Run with `error` (child `index` caused it) and aborts the children still running. */
  #fail(index: number, error: StatesError): void {
    recordFailure(this.#run, this.#mapRun, index, error);
    this.#failure = error;
    this.#stopRunning();
    this.#rejectStopped(error);
  }

  #stopRunning(): void {
    for (const arn of [...this.#running]) this.#engine.stop(arn);
  }

  /**
   * The Map state was stopped (its execution stopped, timed out or failed elsewhere): its running children
   * are aborted and the Map Run with them, unless the runtime is closing (they resume at its next start).
   */
  #abort(): void {
    if (this.#run.run.controller.reason === 'closing') return;
    this.#stopRunning();
    if (this.#mapRun.status !== 'RUNNING') return;
    const end = { status: 'ABORTED', stopDate: this.#engine.clock.now() } as const;
    this.#engine.store.transaction(() => this.#engine.store.mapRuns.update(this.#mapRun.id, end));
    Object.assign(this.#mapRun, end);
  }
}

/**
 * A Distributed Map's Map Run: its children run as executions of their own, of a labelled state machine
 * (`<machine>/<label>`) whose definition is the Map's item processor, as on AWS. The parent's history records
 * `MapRunStarted`, then `MapRunSucceeded` or `MapRunFailed` (or `MapRunRedriven` when a redrive of the parent
 * runs it on); each child's states are in the child's own history.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ExecutionRow, MapRunChildRow, MapRunRow, MapRunUpdate } from '../../store.ts';
import type { Engine } from '../engine.ts';
import {
  asStatesError,
  errorDetails,
  raiseAgain,
  STATES_ERRORS,
  StatesError,
  type StoredError,
  storedError,
} from '../errors.ts';
import { type StateRun, serializeWithinLimit } from '../state-run.ts';
import type { MapState, StateMachineDefinition } from '../types.ts';
import { exceedsThreshold, type Thresholds } from './distributed-map.ts';

/** Children run at once when a Distributed Map sets no `MaxConcurrency` (or 0), as on AWS. */
export const MAP_RUN_DEFAULT_CONCURRENCY = 10_000;

/** The cause AWS gives a Map Run that failed more children than it tolerates. */
export const THRESHOLD_EXCEEDED_CAUSE = 'The specified tolerated failure threshold was exceeded';

/** What UpdateMapRun reaches of a Map Run running its children: new settings take effect at once. */
export interface MapRunControl {
  update(update: MapRunUpdate): void;
}

/** A Map Run's children: how many, each one's input and how many of the Map's items it holds. */
export interface MapRunChildren {
  count: number;
  input(index: number): unknown;
  itemsOf(index: number): number;
  /** The items of all children. */
  itemCount: number;
}

/**
 * Starts the Map Run of `run`'s Distributed Map: `save` commits the Map's cursor, given the Map Run's ARN,
 * with `MapRunStarted` and the writes that record the Map Run and its children's labelled state machine (a
 * revision holding the item processor). Returns the Map Run's ARN.
 */
export function startMapRun(
  run: StateRun<MapState>,
  settings: { concurrency: number; thresholds: Thresholds },
  save: (mapRunArn: string, write: () => void) => void,
): string {
  const { engine, state } = run;
  const parent = run.run;
  const label = state.Label ?? generatedLabel(parent.row.stateMachineArn, run.name);
  const machine = `${parent.machineName}/${label}`;
  const prefix = `arn:aws:states:${engine.region}:${engine.account}`;
  const mapRunArn = `${prefix}:mapRun:${machine}:${randomUUID()}`;
  const now = engine.clock.now();
  run.emit('MapRunStarted', { mapRunArn });
  save(mapRunArn, () => {
    const revision = labelledRevision(run, { arn: `${prefix}:stateMachine:${machine}`, name: machine }, now);
    engine.store.insertMapRun({
      arn: mapRunArn,
      executionId: parent.row.id,
      executionArn: parent.row.arn,
      stateMachineArn: `${prefix}:stateMachine:${machine}`,
      revision,
      status: 'RUNNING',
      startDate: now,
      stopDate: null,
      maxConcurrency: settings.concurrency,
      toleratedFailurePercentage: settings.thresholds.percentage ?? null,
      toleratedFailureCount: settings.thresholds.count ?? null,
      itemCount: 0,
      childCount: 0,
      redriveCount: 0,
      redriveDate: null,
      parentRedriveCount: parent.row.redriveCount,
    });
  });
  return mapRunArn;
}

/**
 * Fails a Map Run before its children start (its `ItemReader` failed): records `MapRunFailed` with the
 * error and the Map Run's end, and throws the error for the Map state to fail with.
 */
export function failMapRunBeforeChildren(run: StateRun<MapState>, mapRun: MapRunRow, thrown: unknown): never {
  const error = asStatesError(thrown);
  recordFailure(run, mapRun, -1, error);
  throw error;
}

/**
 * Runs a Map Run's children to their ends and returns their results in order: a child's output, or for a
 * failed child within the thresholds its execution's description (as AWS returns it). A child that takes
 * the failures past the thresholds fails the Map Run (`States.ExceedToleratedFailureThreshold`) and aborts
 * the children still running. After a restart it goes on with the children it started; when the parent has
 * been redriven since the Map Run last ran, it redrives the children that did not succeed.
 */
export async function runMapRunChildren(
  run: StateRun<MapState>,
  mapRun: MapRunRow,
  children: MapRunChildren,
): Promise<unknown[]> {
  const { engine } = run;
  if (mapRun.childCount !== children.count) {
    const update = { itemCount: children.itemCount, childCount: children.count };
    run.save({}, () => engine.store.updateMapRun(mapRun.id, update));
    Object.assign(mapRun, update);
  }
  if (mapRun.status !== 'SUCCEEDED' && run.run.row.redriveCount > mapRun.parentRedriveCount) {
    recordRedrive(run, mapRun);
  }
  const results = await new MapRunDispatch(run, mapRun, children).run();
  if (mapRun.status !== 'SUCCEEDED') {
    run.emit('MapRunSucceeded');
    const end = { status: 'SUCCEEDED', stopDate: engine.clock.now() } as const;
    run.save({}, () => engine.store.updateMapRun(mapRun.id, end));
  }
  return results;
}

/** Runs the children, at most the Map Run's `maxConcurrency` at once (UpdateMapRun may change it). */
class MapRunDispatch implements MapRunControl {
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
      run.engine.store.listMapRunChildren(mapRun.id).map((child) => [child.index, child]),
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
   * succeed in a round before the Map Run's last redrive is redriven (once per round, also after a restart).
   */
  async #runChild(index: number): Promise<ExecutionRow> {
    const known = this.#known.get(index);
    let row = known?.execution ?? (await this.#start(index));
    const unsuccessful = row.status !== 'RUNNING' && row.status !== 'SUCCEEDED';
    const round = this.#mapRun.redriveCount;
    if (known && unsuccessful && known.round < round) {
      const { store } = this.#engine;
      const { id } = row;
      row = this.#engine.redrive(row, { write: () => store.setMapRunChildRound(id, round) });
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

  /** Starts child `index` as an execution of the Map Run's labelled state machine. */
  async #start(index: number): Promise<ExecutionRow> {
    const { stateMachineArn, revision, id } = this.#mapRun;
    const name = randomUUID();
    const arn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const parent = this.#run.run.row;
    const row = await this.#engine.startExecution({
      stateMachine: { arn: stateMachineArn, revision },
      arn,
      name,
      input: serializeWithinLimit(this.#children.input(index), this.#run.name),
      parentArn: parent.arn,
      traceHeader: parent.traceHeader,
      mapRun: {
        mapRunId: id,
        index,
        itemCount: this.#children.itemsOf(index),
        round: this.#mapRun.redriveCount,
      },
    });
    if (!row) throw new Error(`Map Run child execution ${arn} exists already`);
    return row;
  }

  /** Records how child `index` ended: its output, or a failure counted against the thresholds. */
  #settle(index: number, row: ExecutionRow): void {
    if (row.status === 'SUCCEEDED') {
      this.#results[index] = JSON.parse(row.output!);
      return;
    }
    this.#results[index] = failedChildDescription(row);
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
    this.#engine.store.transaction(() => this.#engine.store.updateMapRun(this.#mapRun.id, end));
    Object.assign(this.#mapRun, end);
  }
}

/** Records `MapRunFailed` and the Map Run's end with the Map's cursor keeping the failure (of child `index`). */
function recordFailure(run: StateRun<MapState>, mapRun: MapRunRow, index: number, error: StatesError): void {
  const { engine } = run;
  run.emit('MapRunFailed', errorDetails(error.error, error.causeText));
  const end = { status: 'FAILED', stopDate: engine.clock.now() } as const;
  run.save({ failure: { index, ...storedError(error) } }, () => engine.store.updateMapRun(mapRun.id, end));
  Object.assign(mapRun, end);
}

/** Records `MapRunRedriven`: the parent was redriven, and the Map Run runs on with its unfinished children. */
function recordRedrive(run: StateRun<MapState>, mapRun: MapRunRow): void {
  const { engine } = run;
  const redrive = {
    status: 'RUNNING',
    stopDate: null,
    redriveCount: mapRun.redriveCount + 1,
    redriveDate: engine.clock.now(),
    parentRedriveCount: run.run.row.redriveCount,
  } as const;
  run.emit('MapRunRedriven', { mapRunArn: mapRun.arn, redriveCount: redrive.redriveCount });
  run.save({}, () => engine.store.updateMapRun(mapRun.id, redrive));
  Object.assign(mapRun, redrive);
}

/**
 * Raises again the failure a Map Run recorded before a restart, once the children it had not stopped then
 * are stopped.
 */
export function raiseRecordedFailure(
  run: StateRun<MapState>,
  mapRun: MapRunRow,
  recorded: StoredError,
): never {
  for (const { execution } of run.engine.store.listMapRunChildren(mapRun.id)) {
    if (execution.status === 'RUNNING') run.engine.stop(execution.arn);
  }
  throw raiseAgain(recorded);
}

/**
 * A failed child as a Distributed Map's output holds it: its execution's description, keys in AWS's order,
 * dates as ISO-8601 (recorded on AWS in a `ResultWriter`'s `FAILED_0.json`).
 */
export function failedChildDescription(row: ExecutionRow): Record<string, unknown> {
  return {
    ...(row.cause === null ? {} : { Cause: row.cause }),
    ...(row.error === null ? {} : { Error: row.error }),
    ExecutionArn: row.arn,
    Input: row.input,
    InputDetails: { Included: true },
    Name: row.name,
    OutputDetails: { Included: true },
    RedriveCount: row.redriveCount,
    RedriveStatus: 'REDRIVABLE_BY_MAP_RUN',
    StartDate: new Date(row.startDate).toISOString(),
    StateMachineArn: row.stateMachineArn,
    Status: row.status,
    StopDate: new Date(row.stopDate ?? row.startDate).toISOString(),
  };
}

/**
 * The revision a Map Run's children run, of the labelled state machine `arn`: the one an earlier Map Run of
 * this Map state (by name: two Maps may share a `Label`) in this runtime recorded for the same revision of its
 * state machine, else a new one.
 */
function labelledRevision(
  run: StateRun<MapState>,
  { arn, name }: { arn: string; name: string },
  now: number,
): number {
  const { engine } = run;
  const key = `${run.run.row.revision}:${run.name}:${arn}`;
  const known = engine.labelledRevisions.get(key);
  if (known !== undefined) return known;
  const configuration = engine.store.getRevision(run.run.row.revision)!;
  const definition = JSON.stringify(childDefinition(run));
  const revision = engine.store.insertRevision(
    { ...configuration, arn, name, definition, publications: '{}' },
    now,
  );
  engine.labelledRevisions.set(key, revision);
  return revision;
}

/** The state machine a Map Run's children run: the item processor, in the query language of the whole definition. */
function childDefinition(run: StateRun<MapState>): StateMachineDefinition {
  const processor = (run.state.ItemProcessor ?? run.state.Iterator)!;
  const { QueryLanguage } = run.run.definition;
  return {
    ...(QueryLanguage === undefined ? {} : { QueryLanguage }),
    StartAt: processor.StartAt,
    States: processor.States,
  } as StateMachineDefinition;
}

/**
 * The label of a Map state without `Label`: a UUID made from its state machine and name, so every run of
 * the state has the same labelled state machine (AWS's generated labels are name-based UUIDs too).
 */
function generatedLabel(stateMachineArn: string, stateName: string): string {
  const hex = createHash('md5').update(`${stateMachineArn}#${stateName}`).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-3${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

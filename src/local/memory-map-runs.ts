import {
  type ExecutionRow,
  type MapRunChildRow,
  type MapRunExecutionFilter,
  type MapRunMembership,
  type MapRunRow,
  type MapRunTable,
  type MapRunUpdate,
  mapRunChildStatus,
  type NewMapRunChild,
} from './store.ts';

/** A child as kept: its place, its items, the round it last ran in and its execution's id. */
type ChildRecord = Omit<NewMapRunChild, 'mapRunId'>;

/**
 * The Map Run part of the in-memory store. Every write registers its undo step with `onUndo`; rows go in
 * and out as copies, and a child's execution row is read with `execution`.
 *
 * @example
 * const mapRuns = new MemoryMapRuns((step) => undo.push(step), (id) => executionCopy(id));
 * mapRuns.insertChild({ mapRunId: mapRuns.insert(row), index: 0, executionId, itemCount: 1, round: 0 });
 */
export class MemoryMapRuns implements MapRunTable {
  /** Map Runs by id - 1. */
  readonly #runs: MapRunRow[] = [];
  readonly #byArn = new Map<string, MapRunRow>();
  readonly #byExecution = new Map<number, MapRunRow[]>();
  /** Children by Map Run id, in insertion order. */
  readonly #children = new Map<number, ChildRecord[]>();
  /** The Map Run of each child execution, by execution id. */
  readonly #parentOf = new Map<number, MapRunRow>();
  /** Each child, by its execution's id. */
  readonly #childOf = new Map<number, ChildRecord>();
  readonly #onUndo: (step: () => void) => void;
  readonly #execution: (id: number) => ExecutionRow | undefined;

  /** `onUndo` registers how to undo a write; `execution` answers a copy of an execution's row. */
  constructor(onUndo: (step: () => void) => void, execution: (id: number) => ExecutionRow | undefined) {
    this.#onUndo = onUndo;
    this.#execution = execution;
  }

  /** Records a Map Run and returns its id. */
  insert(row: Omit<MapRunRow, 'id'>): number {
    const stored: MapRunRow = { ...row, id: this.#runs.length + 1 };
    this.#runs.push(stored);
    this.#byArn.set(stored.arn, stored);
    const ofExecution = pushTo(this.#byExecution, stored.executionId, stored);
    this.#onUndo(() => {
      this.#runs.pop();
      this.#byArn.delete(stored.arn);
      ofExecution.pop();
    });
    return stored.id;
  }

  get(arn: string): MapRunRow | undefined {
    const stored = this.#byArn.get(arn);
    return stored && { ...stored };
  }

  /** An execution's Map Runs, oldest first, with ids above `afterId`, at most `limit`. */
  list(executionId: number, afterId: number, limit: number): MapRunRow[] {
    return (this.#byExecution.get(executionId) ?? [])
      .filter((row) => row.id > afterId)
      .slice(0, limit)
      .map((row) => ({ ...row }));
  }

  /** Sets the fields present in `update`. */
  update(id: number, update: MapRunUpdate): void {
    const stored = this.#runs[id - 1];
    if (!stored) return;
    const before = { ...stored };
    for (const [field, value] of Object.entries(update)) {
      if (value !== undefined) Object.assign(stored, { [field]: value });
    }
    this.#onUndo(() => Object.assign(stored, before));
  }

  /** Records an execution as a child of a Map Run. */
  insertChild({ mapRunId, ...child }: NewMapRunChild): void {
    const { executionId } = child;
    const mapRun = this.#runs[mapRunId - 1];
    if (!mapRun) return;
    const children = pushTo(this.#children, mapRunId, child);
    this.#parentOf.set(executionId, mapRun);
    this.#childOf.set(executionId, child);
    this.#onUndo(() => {
      children.pop();
      this.#parentOf.delete(executionId);
      this.#childOf.delete(executionId);
    });
  }

  /** Records the round a child runs in now. */
  setRound(executionId: number, round: number): void {
    const child = this.#childOf.get(executionId);
    if (!child) return;
    const before = child.round;
    child.round = round;
    this.#onUndo(() => {
      child.round = before;
    });
  }

  /** A Map Run's children, by index. */
  listChildren(mapRunId: number): MapRunChildRow[] {
    const children = [...(this.#children.get(mapRunId) ?? [])].sort((a, b) => a.index - b.index);
    return this.#withExecutions(children, Number.POSITIVE_INFINITY, () => true);
  }

  /** A Map Run's children newest first (execution ids below `beforeId`) that `filter` takes, at most `limit`. */
  listExecutions(
    mapRunId: number,
    { status, redriven, pendingRound }: MapRunExecutionFilter,
    beforeId: number,
    limit: number,
  ): MapRunChildRow[] {
    const children = (this.#children.get(mapRunId) ?? [])
      .filter((child) => child.executionId < beforeId)
      .sort((a, b) => b.executionId - a.executionId);
    return this.#withExecutions(children, limit, (child) => {
      if (status !== null && mapRunChildStatus(child, pendingRound) !== status) return false;
      return redriven === undefined || child.execution.redriveCount > 0 === redriven;
    });
  }

  /** The Map Run an execution is a child of, and the round it last ran in; undefined for any other execution. */
  ofExecution(executionId: number): MapRunMembership | undefined {
    const mapRun = this.#parentOf.get(executionId);
    const child = this.#childOf.get(executionId);
    return mapRun && child && { mapRunArn: mapRun.arn, round: child.round };
  }

  /**
   * The first `limit` of `children` that `wanted` takes, with copies of their execution rows; one whose
   * execution is unknown is left out.
   */
  #withExecutions(
    children: readonly ChildRecord[],
    limit: number,
    wanted: (child: MapRunChildRow) => boolean,
  ): MapRunChildRow[] {
    const rows: MapRunChildRow[] = [];
    for (const { index, itemCount, round, executionId } of children) {
      if (rows.length >= limit) break;
      const execution = this.#execution(executionId);
      const child = execution && { index, itemCount, round, execution };
      if (child && wanted(child)) rows.push(child);
    }
    return rows;
  }
}

/** Appends `value` to `map`'s array of `key` (created if missing) and returns that array. */
function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): V[] {
  let values = map.get(key);
  if (!values) {
    values = [];
    map.set(key, values);
  }
  values.push(value);
  return values;
}

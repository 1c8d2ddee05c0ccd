import { type HistoryChain, HistoryLog } from './history-log.ts';
import { MemoryMapRuns } from './memory-map-runs.ts';
import type { RedriveToken } from './redrive-tokens.ts';
import {
  type ActivityRow,
  type EventRow,
  type ExecutionEnd,
  type ExecutionFilter,
  type ExecutionRedrive,
  type ExecutionRow,
  type FrameRow,
  type RevisionRow,
  type SinkMessage,
  type StateMachineRow,
  type Store,
  type TaskTokenRow,
  updatedMachine,
} from './store.ts';

/** An execution with everything recorded for it (its events in the history log); frames and tokens only while it has any. */
interface ExecutionRecord extends HistoryChain {
  readonly row: ExecutionRow;
  frames?: Map<string, FrameRow>;
  tokens?: Set<string>;
  redriveTokens?: readonly RedriveToken[];
}

/**
 * The in-memory {@link Store}: plain maps and arrays, no native calls, so a transition costs only the
 * interpreter's own work. A transaction keeps an undo list and replays it if its function throws.
 * Rows go in and out as copies, so a caller never changes a stored row by accident.
 *
 * @example
 * const store = new MemoryStore();
 * store.transaction(() => { store.insertEvents(rows); store.putFrames(frames); });
 */
export class MemoryStore implements Store {
  readonly durable = false;
  readonly #revisions: (RevisionRow & { stateMachineArn: string })[] = [];
  readonly #machines = new Map<string, StateMachineRow>();
  readonly #activities = new Map<string, ActivityRow>();
  /** Executions by id - 1. */
  readonly #executions: ExecutionRecord[] = [];
  readonly #history = new HistoryLog();
  readonly #executionsByArn = new Map<string, ExecutionRow>();
  readonly #executionsByMachine = new Map<string, ExecutionRow[]>();
  readonly #running = new Set<ExecutionRow>();
  readonly #tokens = new Map<string, TaskTokenRow>();
  readonly #sinkMessages: SinkMessage[] = [];
  readonly mapRuns = new MemoryMapRuns(
    (step) => this.#onUndo(step),
    (id) => {
      const record = this.#executions[id - 1];
      return record && copyExecution(record.row, id);
    },
  );
  /** Undo steps of the open transaction, newest last; undefined outside a transaction. */
  #undo: (() => void)[] | undefined;
  #open = true;

  get isOpen(): boolean {
    return this.#open;
  }

  close(): void {
    this.#open = false;
  }

  transaction<T>(fn: () => T): T {
    if (this.#undo) return fn();
    const undo: (() => void)[] = [];
    this.#undo = undo;
    try {
      return fn();
    } catch (error) {
      for (let index = undo.length - 1; index >= 0; index--) undo[index]!();
      throw error;
    } finally {
      this.#undo = undefined;
    }
  }

  /** Registers how to undo a write, when inside a transaction. */
  #onUndo(step: () => void): void {
    this.#undo?.push(step);
  }

  // --- state machines -------------------------------------------------------------------------------

  insertRevision(
    machine: Omit<StateMachineRow, 'revision' | 'creationDate' | 'type' | 'description' | 'status' | 'tags'>,
    date: number,
  ): number {
    const { arn, name, definition, roleArn, revisionId } = machine;
    const { loggingConfiguration, tracingConfiguration, encryptionConfiguration } = machine;
    this.#revisions.push({
      stateMachineArn: arn,
      name,
      definition,
      roleArn,
      revisionId,
      loggingConfiguration,
      tracingConfiguration,
      encryptionConfiguration,
      updateDate: date,
    });
    this.#onUndo(() => this.#revisions.pop());
    return this.#revisions.length;
  }

  getRevision(id: number): RevisionRow | undefined {
    const stored = this.#revisions[id - 1];
    if (!stored) return undefined;
    const { stateMachineArn, ...revision } = stored;
    return revision;
  }

  insertStateMachine(row: StateMachineRow): void {
    this.#setMachine(row.arn, { ...row });
  }

  updateStateMachine(row: StateMachineRow): void {
    const stored = this.#machines.get(row.arn);
    if (stored) this.#setMachine(row.arn, updatedMachine(stored, row));
  }

  getStateMachine(arn: string): StateMachineRow | undefined {
    const stored = this.#machines.get(arn);
    return stored && { ...stored };
  }

  listStateMachines(afterArn: string, limit: number): StateMachineRow[] {
    return pageByArn(this.#machines.values(), afterArn, limit);
  }

  deleteStateMachine(arn: string): void {
    this.#setMachine(arn, undefined);
  }

  #setMachine(arn: string, row: StateMachineRow | undefined): void {
    this.#setEntry(this.#machines, arn, row);
  }

  /** Sets or removes `map`'s entry of `key`, undone with the transaction. */
  #setEntry<T>(map: Map<string, T>, key: string, value: T | undefined): void {
    const previous = map.get(key);
    if (value === undefined) map.delete(key);
    else map.set(key, value);
    this.#onUndo(() => (previous === undefined ? map.delete(key) : map.set(key, previous)));
  }

  // --- activities -----------------------------------------------------------------------------------

  putActivity(row: ActivityRow): void {
    this.#setEntry(this.#activities, row.arn, { ...row });
  }

  getActivity(arn: string): ActivityRow | undefined {
    const stored = this.#activities.get(arn);
    return stored && { ...stored };
  }

  listActivities(afterArn: string, limit: number): ActivityRow[] {
    return pageByArn(this.#activities.values(), afterArn, limit);
  }

  deleteActivity(arn: string): void {
    this.#setEntry(this.#activities, arn, undefined);
  }

  // --- executions -----------------------------------------------------------------------------------

  insertExecutions(rows: readonly Omit<ExecutionRow, 'id'>[]): (number | undefined)[] {
    return rows.map((row) => this.#insertExecution(row));
  }

  #insertExecution(row: Omit<ExecutionRow, 'id'>): number | undefined {
    if (this.#executionsByArn.has(row.arn)) return undefined;
    const stored = copyExecution(row, this.#executions.length + 1);
    // Created with every member it may get, so one hidden class serves a record from start to end.
    this.#executions.push({
      row: stored,
      firstEvent: 0,
      lastEvent: 0,
      eventCount: 0,
      frames: undefined,
      tokens: undefined,
    });
    this.#executionsByArn.set(stored.arn, stored);
    let ofMachine = this.#executionsByMachine.get(stored.stateMachineArn);
    if (!ofMachine) {
      ofMachine = [];
      this.#executionsByMachine.set(stored.stateMachineArn, ofMachine);
    }
    ofMachine.push(stored);
    if (stored.status === 'RUNNING') this.#running.add(stored);
    this.#onUndo(() => {
      this.#executions.pop();
      this.#executionsByArn.delete(stored.arn);
      ofMachine.pop();
      this.#running.delete(stored);
    });
    return stored.id;
  }

  getExecution(arn: string): ExecutionRow | undefined {
    const stored = this.#executionsByArn.get(arn);
    return stored && copyExecution(stored, stored.id);
  }

  listExecutions(
    stateMachineArn: string,
    { status, redriven, startedWith }: ExecutionFilter,
    beforeId: number,
    limit: number,
  ): ExecutionRow[] {
    const ofMachine = this.#executionsByMachine.get(stateMachineArn) ?? [];
    const rows: ExecutionRow[] = [];
    for (let index = ofMachine.length - 1; index >= 0 && rows.length < limit; index--) {
      const row = ofMachine[index]!;
      const redriveMatches = redriven === undefined || row.redriveCount > 0 === redriven;
      const startMatches =
        startedWith === undefined || row.versionArn === startedWith || row.aliasArn === startedWith;
      if (row.id < beforeId && (status === null || row.status === status) && redriveMatches && startMatches)
        rows.push(copyExecution(row, row.id));
    }
    return rows;
  }

  listRunningExecutions(): ExecutionRow[] {
    return [...this.#running].sort((a, b) => a.id - b.id).map((row) => copyExecution(row, row.id));
  }

  countRunningExecutions(stateMachineArn: string): number {
    let count = 0;
    for (const row of this.#running) if (row.stateMachineArn === stateMachineArn) count += 1;
    return count;
  }

  finishExecutions(ends: readonly (readonly [id: number, end: ExecutionEnd])[]): void {
    for (const [id, end] of ends) this.#finishExecution(id, end);
  }

  #finishExecution(id: number, end: ExecutionEnd): void {
    const record = this.#executions[id - 1];
    if (!record) return;
    const { row: stored, frames, tokens } = record;
    const { status, output, error, cause, stopDate } = stored;
    stored.status = end.status;
    stored.output = end.output ?? null;
    stored.error = end.error ?? null;
    stored.cause = end.cause ?? null;
    stored.stopDate = end.stopDate;
    if (end.status !== 'RUNNING') this.#running.delete(stored);
    // An unsuccessful execution keeps its frames: a redrive runs on from them.
    if (end.status === 'SUCCEEDED') record.frames = undefined;
    record.tokens = undefined;
    const openTokens = [...(tokens ?? [])].map((token) => [token, this.#tokens.get(token)!] as const);
    for (const [token] of openTokens) this.#tokens.delete(token);
    this.#onUndo(() => {
      Object.assign(stored, { status, output, error, cause, stopDate });
      if (stored.status === 'RUNNING') this.#running.add(stored);
      record.frames = frames;
      record.tokens = tokens;
      for (const [token, open] of openTokens) this.#tokens.set(token, open);
    });
  }

  redriveExecution(id: number, { redriveDate, deadline, frames, redriveTokens }: ExecutionRedrive): void {
    const record = this.#executions[id - 1];
    if (!record) return;
    const { row: stored, frames: framesBefore, redriveTokens: tokensBefore } = record;
    const before = { ...stored };
    Object.assign(stored, {
      status: 'RUNNING',
      output: null,
      error: null,
      cause: null,
      stopDate: null,
      redriveCount: stored.redriveCount + 1,
      redriveDate,
      deadline,
    });
    this.#running.add(stored);
    record.frames = new Map(frames.map((frame) => [frame.path, { ...frame }]));
    if (redriveTokens !== undefined) record.redriveTokens = redriveTokens.map((token) => ({ ...token }));
    this.#onUndo(() => {
      Object.assign(stored, before);
      this.#running.delete(stored);
      record.frames = framesBefore;
      record.redriveTokens = tokensBefore;
    });
  }

  redriveTokens(id: number): RedriveToken[] {
    return (this.#executions[id - 1]?.redriveTokens ?? []).map((token) => ({ ...token }));
  }

  // --- history --------------------------------------------------------------------------------------

  insertEvents(rows: readonly (readonly [executionId: number, event: EventRow])[]): void {
    const lengthBefore = this.#history.length;
    for (const [executionId, event] of rows) {
      const record = this.#executions[executionId - 1];
      if (record) this.#history.append(record, event);
    }
    this.#onUndo(() => {
      const records = rows.map(([executionId]) => this.#executions[executionId - 1]);
      this.#history.truncate(
        lengthBefore,
        records.filter((record) => record !== undefined),
      );
    });
  }

  lastEventId(executionId: number): number {
    return this.#executions[executionId - 1]?.eventCount ?? 0;
  }

  listEvents(executionId: number, fromId: number, limit: number, reverse: boolean): EventRow[] {
    const record = this.#executions[executionId - 1];
    if (!record) return [];
    // Event ids run 1, 2, 3... per execution.
    const newest = Math.min(fromId, record.eventCount);
    const first = reverse ? Math.max(1, newest - limit + 1) : Math.max(1, fromId);
    const last = reverse ? newest : Math.min(first + limit - 1, record.eventCount);
    if (first > last) return [];
    const events = this.#history.read(record, first, last);
    return reverse ? events.reverse() : events;
  }

  // --- frames and task tokens -----------------------------------------------------------------------

  putFrames(rows: readonly (readonly [executionId: number, frame: FrameRow])[]): void {
    for (const [executionId, { path, cursor, input }] of rows) {
      const record = this.#executions[executionId - 1];
      if (!record) continue;
      const frames = record.frames ?? new Map<string, FrameRow>();
      record.frames = frames;
      const previous = frames.get(path);
      frames.set(path, { path, cursor, input });
      this.#onUndo(() => (previous ? frames.set(path, previous) : frames.delete(path)));
    }
  }

  deleteFramesBelow(executionId: number, path: string): void {
    const frames = this.#executions[executionId - 1]?.frames;
    if (!frames) return;
    const prefix = `${path}/`;
    const removed = [...frames.values()].filter((frame) => frame.path.startsWith(prefix));
    for (const frame of removed) frames.delete(frame.path);
    this.#onUndo(() => {
      for (const frame of removed) frames.set(frame.path, frame);
    });
  }

  hasFrames(executionId: number): boolean {
    return (this.#executions[executionId - 1]?.frames?.size ?? 0) > 0;
  }

  listFrames(executionId: number): FrameRow[] {
    return [...(this.#executions[executionId - 1]?.frames?.values() ?? [])].map((frame) => ({ ...frame }));
  }

  putTaskToken(token: string, executionId: number, path: string, heartbeatDeadline?: number): void {
    if (this.#tokens.has(token)) return;
    this.#setToken(token, { executionId, path, outcome: null, heartbeatDeadline: heartbeatDeadline ?? null });
  }

  getTaskToken(token: string): TaskTokenRow | undefined {
    const open = this.#tokens.get(token);
    return open && { ...open };
  }

  setTaskTokenOutcome(token: string, outcome: string): void {
    const open = this.#tokens.get(token);
    if (open) this.#setToken(token, { ...open, outcome });
  }

  setTaskTokenHeartbeat(token: string, heartbeatDeadline: number): void {
    const open = this.#tokens.get(token);
    if (open) this.#setToken(token, { ...open, heartbeatDeadline });
  }

  deleteTaskToken(token: string): void {
    this.#setToken(token, undefined);
  }

  /** Sets or removes an open task token, keeping its execution's set of tokens in step. */
  #setToken(token: string, row: TaskTokenRow | undefined): void {
    const previous = this.#tokens.get(token);
    const owner = (row ?? previous)?.executionId;
    const record = owner === undefined ? undefined : this.#executions[owner - 1];
    const apply = (value: TaskTokenRow | undefined) => {
      if (value) {
        this.#tokens.set(token, value);
        if (record) {
          record.tokens ??= new Set();
          record.tokens.add(token);
        }
      } else {
        this.#tokens.delete(token);
        record?.tokens?.delete(token);
      }
    };
    apply(row);
    this.#onUndo(() => apply(previous));
  }

  // --- sinks ----------------------------------------------------------------------------------------

  insertSinkMessage(sink: string, target: string, message: unknown, timestamp: number): number {
    const id = this.#sinkMessages.length + 1;
    // Stored as JSON, as the SQLite store does, so later changes to `message` do not show.
    this.#sinkMessages.push({ id, sink, target, message: JSON.stringify(message), timestamp });
    this.#onUndo(() => this.#sinkMessages.pop());
    return id;
  }

  listSinkMessages(sink: string): SinkMessage[] {
    return this.#sinkMessages
      .filter((row) => row.sink === sink)
      .map((row) => ({ ...row, message: JSON.parse(row.message as string) }));
  }
}

/** A copy of an execution row with `id`: a literal of fixed shape, cheaper than a spread. */
function copyExecution(row: Omit<ExecutionRow, 'id'>, id: number): ExecutionRow {
  return {
    id,
    arn: row.arn,
    stateMachineArn: row.stateMachineArn,
    name: row.name,
    revision: row.revision,
    status: row.status,
    input: row.input,
    output: row.output,
    error: row.error,
    cause: row.cause,
    startDate: row.startDate,
    stopDate: row.stopDate,
    deadline: row.deadline,
    parentArn: row.parentArn,
    traceHeader: row.traceHeader,
    redriveCount: row.redriveCount,
    redriveDate: row.redriveDate,
    versionArn: row.versionArn,
    aliasArn: row.aliasArn,
  };
}

/** Copies of the `rows` whose ARN sorts after `afterArn`, in ARN order, at most `limit`. */
function pageByArn<T extends { arn: string }>(rows: Iterable<T>, afterArn: string, limit: number): T[] {
  return [...rows]
    .filter((row) => row.arn > afterArn)
    .sort((a, b) => (a.arn < b.arn ? -1 : 1))
    .slice(0, limit)
    .map((row) => ({ ...row }));
}

import { MemoryStore } from './memory-store.ts';
import type { RedriveToken } from './redrive-tokens.ts';
import { SqliteStore } from './sqlite-store.ts';

/** A state machine as stored. Dates are epoch milliseconds. */
export interface StateMachineRow {
  arn: string;
  name: string;
  type: 'STANDARD' | 'EXPRESS';
  roleArn: string;
  definition: string;
  /** Given by the first update that changes something: null until then, as on AWS. */
  revisionId: string | null;
  /** Id of the current row in `revisions`, which executions point at. */
  revision: number;
  creationDate: number;
  description: string | null;
  /** The `loggingConfiguration` DescribeStateMachine answers, as JSON. */
  loggingConfiguration: string;
  /** The `tracingConfiguration` DescribeStateMachine answers, as JSON. */
  tracingConfiguration: string;
  /** The `encryptionConfiguration` DescribeStateMachine answers, as JSON. */
  encryptionConfiguration: string;
  /** DELETING once DeleteStateMachine found it with RUNNING executions: the row goes when the last one ends. */
  status: 'ACTIVE' | 'DELETING';
  /** Its tags as ListTagsForResource answers them, as JSON (`[{"key":"team","value":"payments"}]`). */
  tags: string;
  /** Its published versions and its aliases, as JSON (see `Publications` in state-machine-versions.ts). */
  publications: string;
}

/** `stored` as `row` updates it: everything but its ARN, name, type and creation date comes from `row`. */
export function updatedMachine(stored: StateMachineRow, row: StateMachineRow): StateMachineRow {
  const { arn, name, type, creationDate } = stored;
  return { ...row, arn, name, type, creationDate };
}

/** The `loggingConfiguration` (JSON) of a state machine created without one: nothing is logged. */
export const DEFAULT_LOGGING_CONFIGURATION = '{"level":"OFF","includeExecutionData":false}';
/** The `tracingConfiguration` (JSON) of a state machine created without one: X-Ray tracing is off. */
export const DEFAULT_TRACING_CONFIGURATION = '{"enabled":false}';
/** The `encryptionConfiguration` (JSON) of a state machine or activity created without one: an AWS owned key. */
export const DEFAULT_ENCRYPTION_CONFIGURATION = '{"type":"AWS_OWNED_KEY"}';

/** An activity as stored (CreateActivity). */
export interface ActivityRow {
  arn: string;
  name: string;
  /** Epoch milliseconds. */
  creationDate: number;
  /** Its tags as ListTagsForResource answers them, as JSON (see {@link StateMachineRow.tags}). */
  tags: string;
  /** The `encryptionConfiguration` DescribeActivity answers, as JSON. */
  encryptionConfiguration: string;
}

/** An execution as stored. */
export interface ExecutionRow {
  id: number;
  arn: string;
  stateMachineArn: string;
  name: string;
  revision: number;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  input: string;
  output: string | null;
  error: string | null;
  cause: string | null;
  startDate: number;
  stopDate: number | null;
  /** Wall-clock instant of the top-level `TimeoutSeconds`, if any. */
  deadline: number | null;
  /** The execution whose task started this one (`states:startExecution`), if any. */
  parentArn: string | null;
  /** The X-Ray trace header StartExecution was given, if any (DescribeExecution answers it). */
  traceHeader: string | null;
  /** How many times RedriveExecution restarted it (0: never). */
  redriveCount: number;
  /** When it was last redriven, if ever. */
  redriveDate: number | null;
  /** The version it runs, when it was started with a version or alias ARN. */
  versionArn: string | null;
  /** The alias it was started with, if any. */
  aliasArn: string | null;
}

/**
 * One history event: `details` is the type's `...EventDetails` member (JSON values only). ExecutionStarted
 * is stored without details (null): they are the execution's input and role, so the service fills them
 * in from the execution. A store may keep the rows given to {@link Store.insertEvents} as they are: do
 * not change them afterwards.
 */
export interface EventRow {
  id: number;
  type: string;
  previousEventId: number;
  timestamp: number;
  details: Readonly<Record<string, unknown>> | null;
}

/** A stored frame: its cursor JSON and its state input JSON. */
export interface FrameRow {
  path: string;
  cursor: string;
  input: string;
}

/** Whether an execution is a Map Run's child: only a child runs a labelled state machine (`<machine>/<label>`). */
export function isMapRunChild(row: Pick<ExecutionRow, 'stateMachineArn'>): boolean {
  return row.stateMachineArn.includes('/');
}

/** The state machine an execution descends from: for a Map Run's child, its labelled state machine's up to the first label. */
export function topStateMachineArn(row: Pick<ExecutionRow, 'stateMachineArn'>): string {
  const slash = row.stateMachineArn.indexOf('/');
  return slash === -1 ? row.stateMachineArn : row.stateMachineArn.slice(0, slash);
}

/** A Map Run's status as stored; a RUNNING one whose parent execution ended is reported ABORTED. */
export type MapRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/**
 * A Map Run as stored: a Distributed Map state's run of its children as executions of their own
 * (DescribeMapRun). Dates are epoch milliseconds.
 */
export interface MapRunRow {
  id: number;
  arn: string;
  /** The execution whose Map state started it. */
  executionId: number;
  executionArn: string;
  /** The labelled state machine its children run (`arn:...:stateMachine:<machine>/<label>`). */
  stateMachineArn: string;
  /** The revision its children run: the Map state's item processor. */
  revision: number;
  status: MapRunStatus;
  startDate: number;
  stopDate: number | null;
  /** Children run at once; 0: up to 10,000. */
  maxConcurrency: number;
  /** The tolerated failure thresholds; null for one the Map does not set (not checked; DescribeMapRun answers 0). */
  toleratedFailurePercentage: number | null;
  toleratedFailureCount: number | null;
  /** The items it processes (children hold batches of them under an `ItemBatcher`). */
  itemCount: number;
  /** The child executions it runs: one per item, or one per batch. */
  childCount: number;
  redriveCount: number;
  redriveDate: number | null;
  /** The parent's `redriveCount` when the Map Run started or was last redriven: a later parent redrive redrives it. */
  parentRedriveCount: number;
  /** The error it failed with, while FAILED (a redrive clears it). */
  error: string | null;
}

/** What {@link Store.updateMapRun} may change. */
export type MapRunUpdate = Partial<
  Pick<
    MapRunRow,
    | 'status'
    | 'stopDate'
    | 'maxConcurrency'
    | 'toleratedFailurePercentage'
    | 'toleratedFailureCount'
    | 'redriveCount'
    | 'redriveDate'
    | 'parentRedriveCount'
    | 'itemCount'
    | 'childCount'
    | 'error'
  >
>;

/**
 * A child execution of a Map Run: its place among the children, the items it holds, the round it last ran
 * in (the Map Run's `redriveCount` when it started or was last redriven), and its row.
 */
export interface MapRunChildRow {
  index: number;
  itemCount: number;
  round: number;
  execution: ExecutionRow;
}

/** What {@link MapRunTable.insertChild} records: a child's Map Run, place, items and start round, and its execution. */
export type NewMapRunChild = Omit<MapRunChildRow, 'execution'> & { mapRunId: number; executionId: number };

/** A child execution's Map Run and the round it last ran in ({@link MapRunTable.ofExecution}). */
export interface MapRunMembership {
  mapRunArn: string;
  round: number;
}

/** Which of a state machine's executions ListExecutions lists (see {@link Store.listExecutions}). */
export interface ExecutionFilter {
  /** Their status, or null for any. */
  status: string | null;
  /** Only redriven ones (true), only never redriven ones (false), or both (undefined). */
  redriven?: boolean;
  /** Only those started with this version or alias ARN. */
  startedWith?: string;
}

/** Which of a Map Run's children ListExecutions lists (see {@link MapRunTable.listExecutions}). */
export interface MapRunExecutionFilter {
  /** Their status as reported ({@link mapRunChildStatus}), or null for any. */
  status: string | null;
  /** Only redriven ones (true), only never redriven ones (false), or both (undefined). */
  redriven?: boolean;
  /** The round an unsuccessful child of an earlier one waits to be redriven in (see {@link mapRunChildStatus}). */
  pendingRound: number;
}

/** Whether an execution ended without succeeding: FAILED, ABORTED or TIMED_OUT (what a redrive runs again). */
export function isUnsuccessful({ status }: Pick<ExecutionRow, 'status'>): boolean {
  return status !== 'RUNNING' && status !== 'SUCCEEDED';
}

/**
 * A Map Run child's status as reported: `PENDING_REDRIVE` when it did not succeed in a round before
 * `pendingRound` (its Map Run was redriven since, runs, and has not reached it yet), else its execution's.
 * `pendingRound` is a running Map Run's redrive count, 0 for one that ended.
 */
export function mapRunChildStatus(
  { round, execution }: Pick<MapRunChildRow, 'round' | 'execution'>,
  pendingRound: number,
): ExecutionRow['status'] | 'PENDING_REDRIVE' {
  return round < pendingRound && isUnsuccessful(execution) ? 'PENDING_REDRIVE' : execution.status;
}

/** A message delivered to a local sink (`sns` for sns:publish, `events` for events:putEvents). */
/** An open task token: its task, the outcome sent for it and its heartbeat deadline (see `Store.getTaskToken`). */
export interface TaskTokenRow {
  executionId: number;
  path: string;
  outcome: string | null;
  heartbeatDeadline: number | null;
}

export interface SinkMessage {
  id: number;
  sink: string;
  /** TopicArn / TargetArn for sns, EventBusName for events. */
  target: string;
  /** The message: the task's parameters and MessageId for sns, the event EventBridge delivers for events. */
  message: unknown;
  timestamp: number;
}

/** The revision an execution runs: the definition, identity and configuration of its state machine when it started. */
export interface RevisionRow {
  definition: string;
  roleArn: string;
  name: string;
  updateDate: number;
  revisionId: string | null;
  loggingConfiguration: string;
  tracingConfiguration: string;
  encryptionConfiguration: string;
}

/** What {@link Store.finishExecutions} records of one execution. */
export interface ExecutionEnd {
  status: ExecutionRow['status'];
  output?: string;
  error?: string;
  cause?: string;
  stopDate: number;
}

/**
 * What {@link Store.redriveExecution} records: the redrive's date, the new deadline, the frames to run on
 * and, when a `clientToken` asked for it, the execution's tokens with it (what {@link Store.redriveTokens}
 * answers afterwards).
 */
export interface ExecutionRedrive {
  redriveDate: number;
  deadline: number | null;
  frames: readonly FrameRow[];
  redriveTokens?: readonly RedriveToken[];
}

/** The Map Run part of a {@link Store}: each write joins the store's transaction in progress. */
export interface MapRunTable {
  /** Records a Map Run and returns its id. */
  insert(row: Omit<MapRunRow, 'id'>): number;
  get(arn: string): MapRunRow | undefined;
  /** An execution's Map Runs, oldest first, with ids above `afterId`, at most `limit`. */
  list(executionId: number, afterId: number, limit: number): MapRunRow[];
  /** Changes a Map Run's settings (UpdateMapRun), or records its end or redrive. */
  update(id: number, update: MapRunUpdate): void;
  /** Records an execution as a child of a Map Run. */
  insertChild(child: NewMapRunChild): void;
  /** Records the round a Map Run's child execution runs in now (it was redriven with its Map Run). */
  setRound(executionId: number, round: number): void;
  /** A Map Run's children, by index. */
  listChildren(mapRunId: number): MapRunChildRow[];
  /**
   * A Map Run's children newest first (execution ids below `beforeId`) that `filter` takes, at most `limit`
   * (ListExecutions with a `mapRunArn`).
   */
  listExecutions(
    mapRunId: number,
    filter: MapRunExecutionFilter,
    beforeId: number,
    limit: number,
  ): MapRunChildRow[];
  /** The Map Run an execution is a child of, and the round it last ran in; undefined for any other execution. */
  ofExecution(executionId: number): MapRunMembership | undefined;
}

/**
 * The runtime's records: state machines and their revisions, activities, executions, history events, execution
 * frames (cursors), task tokens, Map Runs and local sink messages. Two implementations: {@link SqliteStore}
 * (durable, a file in the data directory) and {@link MemoryStore} (a process's lifetime). Callers
 * group the writes of one transition with {@link Store.transaction}: all of them or none.
 */
export interface Store {
  readonly isOpen: boolean;
  /** Whether a commit survives the process (then the engine groups commits to share their cost). */
  readonly durable: boolean;
  close(): void;
  /** Runs `fn` in one transaction (nested calls join the outer one); a throw undoes its writes. */
  transaction<T>(fn: () => T): T;

  /** Records a revision of a state machine and returns its id. */
  insertRevision(
    machine: Omit<StateMachineRow, 'revision' | 'creationDate' | 'type' | 'description' | 'status' | 'tags'>,
    date: number,
  ): number;
  getRevision(id: number): RevisionRow | undefined;
  insertStateMachine(row: StateMachineRow): void;
  updateStateMachine(row: StateMachineRow): void;
  getStateMachine(arn: string): StateMachineRow | undefined;
  /** State machines by ARN, after `afterArn` (exclusive), at most `limit`. */
  listStateMachines(afterArn: string, limit: number): StateMachineRow[];
  deleteStateMachine(arn: string): void;

  /** Records an activity, or replaces the one with its ARN (its tags changed). */
  putActivity(row: ActivityRow): void;
  getActivity(arn: string): ActivityRow | undefined;
  /** Activities by ARN, after `afterArn` (exclusive), at most `limit`. */
  listActivities(afterArn: string, limit: number): ActivityRow[];
  deleteActivity(arn: string): void;

  /**
   * Inserts executions and returns their ids, in order; undefined (and nothing written) for one whose ARN
   * exists, or comes again later in `rows`.
   */
  insertExecutions(rows: readonly Omit<ExecutionRow, 'id'>[]): (number | undefined)[];
  getExecution(arn: string): ExecutionRow | undefined;
  /** A state machine's executions newest first (ids below `beforeId`) that `filter` takes, at most `limit`. */
  listExecutions(
    stateMachineArn: string,
    filter: ExecutionFilter,
    beforeId: number,
    limit: number,
  ): ExecutionRow[];
  /** RUNNING executions, oldest first. */
  listRunningExecutions(): ExecutionRow[];
  countRunningExecutions(stateMachineArn: string): number;
  /**
   * Records each execution's terminal status and removes its task tokens, and the frames of one that
   * SUCCEEDED (those of an unsuccessful one are kept: a redrive runs on from them).
   */
  finishExecutions(ends: readonly (readonly [id: number, end: ExecutionEnd])[]): void;
  /**
   * Makes an ended execution RUNNING again: clears its end, counts the redrive, sets its deadline and
   * replaces its frames with `redrive.frames`.
   */
  redriveExecution(id: number, redrive: ExecutionRedrive): void;
  /** The `clientToken`s of the execution's latest redrives, oldest first (none: never redriven with one). */
  redriveTokens(id: number): RedriveToken[];

  /** Appends history events (of any executions). */
  insertEvents(rows: readonly (readonly [executionId: number, event: EventRow])[]): void;
  lastEventId(executionId: number): number;
  /** Events from `fromId` (inclusive) in the given direction, at most `limit`. */
  listEvents(executionId: number, fromId: number, limit: number, reverse: boolean): EventRow[];

  /**
   * Saves frames (replacing those of the same execution and path): `cursor` is the small JSON of the
   * frame's position, `input` the JSON of its state input.
   */
  putFrames(rows: readonly (readonly [executionId: number, frame: FrameRow])[]): void;
  /** Deletes the frames strictly below `path`. */
  deleteFramesBelow(executionId: number, path: string): void;
  listFrames(executionId: number): FrameRow[];
  /** Whether the execution has a frame stored (one that ended unsuccessfully keeps them for a redrive). */
  hasFrames(executionId: number): boolean;

  /**
   * Opens a task token for the task of frame `path`, timing out at `heartbeatDeadline` (epoch ms) without a
   * heartbeat when its task has `HeartbeatSeconds`; a token already open keeps its outcome and deadline.
   */
  putTaskToken(token: string, executionId: number, path: string, heartbeatDeadline?: number): void;
  /**
   * The open task of `token`, with the outcome sent for it (JSON) if one was sent and not yet consumed, and
   * when it times out without a heartbeat (null: never).
   */
  getTaskToken(token: string): TaskTokenRow | undefined;
  /** Moves an open task's heartbeat deadline (a heartbeat was sent), so it survives a restart. */
  setTaskTokenHeartbeat(token: string, heartbeatDeadline: number): void;
  /** Records the outcome sent for an open task (SendTaskSuccess/Failure), so it survives a restart. */
  setTaskTokenOutcome(token: string, outcome: string): void;
  deleteTaskToken(token: string): void;

  /** The Map Runs of Distributed Map states and their child executions. */
  readonly mapRuns: MapRunTable;

  /** Records a message of a local sink and returns its id. */
  insertSinkMessage(sink: string, target: string, message: unknown, timestamp: number): number;
  /** A sink's messages, oldest first. */
  listSinkMessages(sink: string): SinkMessage[];
}

/**
 * Opens the runtime's store: durable in `<dataDir>/cutover.db` when a data directory is given, else in
 * memory (nothing survives the process, and nothing is written to disk).
 *
 * @example
 * const store = openStore('.cutover');
 */
export function openStore(dataDir?: string): Store {
  return dataDir === undefined ? new MemoryStore() : SqliteStore.open(dataDir);
}

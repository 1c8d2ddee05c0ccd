/**
 * The Map Run operations of the local Step Functions API: DescribeMapRun, ListMapRuns, UpdateMapRun, and
 * ListExecutions with a `mapRunArn` (a Distributed Map's child executions; see asl/states/map-run.ts).
 */
import type * as Sfn from '@aws-sdk/client-sfn';
import type { Engine } from './asl/engine.ts';
import { JAVA_INT_MAX } from './asl/expressions/java-int.ts';
import type { Clock } from './clock.ts';
import { StepFunctionsApiError } from './service-errors.ts';
import { encodePageToken, pagePosition, pageSize, parseArn, startedWithArns } from './service-validation.ts';
import {
  type ExecutionRow,
  isMapRunChild,
  isUnsuccessful,
  type MapRunRow,
  type MapRunStatus,
  type MapRunUpdate,
  mapRunChildStatus,
  type Store,
} from './store.ts';

type Out<T> = Omit<T, '$metadata'>;

/** What the Map Run operations work with. */
export interface MapRunsApiOptions {
  store: Store;
  clock: Clock;
  engine: Engine;
}

/**
 * @example
 * const mapRuns = new MapRunsApi({ store, clock, engine });
 * const { mapRuns: [first] } = await mapRuns.listMapRuns({ executionArn });
 * await mapRuns.updateMapRun({ mapRunArn: first.mapRunArn, maxConcurrency: 5 });
 */
export class MapRunsApi {
  constructor(private readonly options: MapRunsApiOptions) {}

  /** A Map Run's settings, status and counts of its items and child executions by status. */
  async describeMapRun(input: Sfn.DescribeMapRunCommandInput): Promise<Out<Sfn.DescribeMapRunCommandOutput>> {
    this.options.engine.flush();
    const row = this.#mapRun(input.mapRunArn);
    const { status, stopDate } = this.#reported(row);
    const pending = pendingRound(row, status);
    const { engine } = this.options;
    const children = this.options.store.mapRuns.listChildren(row.id).map((child): CountedChild => {
      const { execution } = child;
      const notRedrivable =
        isUnsuccessful(execution) && engine.redriveStatus(execution).redriveStatus === 'NOT_REDRIVABLE';
      return { itemCount: child.itemCount, status: mapRunChildStatus(child, pending), notRedrivable };
    });
    return {
      mapRunArn: row.arn,
      executionArn: row.executionArn,
      status,
      startDate: new Date(row.startDate),
      ...(stopDate === null ? {} : { stopDate: new Date(stopDate) }),
      // 0 is no limit, which AWS answers as the largest MaxConcurrency (measured, floci-io/floci's
      // StepFunctionsDescribeMapRunIntegrationTest).
      maxConcurrency: row.maxConcurrency === 0 ? JAVA_INT_MAX : row.maxConcurrency,
      toleratedFailurePercentage: row.toleratedFailurePercentage ?? 0,
      toleratedFailureCount: row.toleratedFailureCount ?? 0,
      itemCounts: childCounts(children, row.itemCount, status, (child) => child.itemCount),
      executionCounts: childCounts(children, row.childCount, status, () => 1),
      redriveCount: row.redriveCount,
      ...(row.redriveDate === null ? {} : { redriveDate: new Date(row.redriveDate) }),
    };
  }

  /** The Map Runs an execution started, oldest first. */
  async listMapRuns(input: Sfn.ListMapRunsCommandInput): Promise<Out<Sfn.ListMapRunsCommandOutput>> {
    const { store, clock, engine } = this.options;
    engine.flush();
    const executionArn = parseArn(input.executionArn, 'executionArn', 'execution');
    const execution = store.getExecution(executionArn);
    if (!execution) {
      throw new StepFunctionsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    }
    const limit = pageSize(input.maxResults, 1000);
    const request = ['ListMapRuns', executionArn];
    const now = clock.now();
    const after = pagePosition(input.nextToken, request, 0, now);
    const rows = store.mapRuns.list(execution.id, after, limit + 1);
    const page = rows.slice(0, limit);
    return {
      mapRuns: page.map((row) => {
        const { stopDate } = this.#reported(row);
        return {
          executionArn: row.executionArn,
          mapRunArn: row.arn,
          stateMachineArn: row.stateMachineArn,
          startDate: new Date(row.startDate),
          ...(stopDate === null ? {} : { stopDate: new Date(stopDate) }),
        };
      }),
      ...(rows.length > limit ? { nextToken: encodePageToken(page.at(-1)!.id, request, now) } : {}),
    };
  }

  /**
   * Changes a running Map Run's `maxConcurrency` and tolerated failure thresholds; its children follow at
   * once (more start, or the Map Run fails if its failures now exceed a threshold). A Map Run that ended is
   * refused with `ValidationException`.
   */
  async updateMapRun(input: Sfn.UpdateMapRunCommandInput): Promise<Out<Sfn.UpdateMapRunCommandOutput>> {
    const { store, engine } = this.options;
    engine.flush();
    const row = this.#mapRun(input.mapRunArn);
    const update: MapRunUpdate = {
      ...(input.maxConcurrency === undefined ? {} : { maxConcurrency: input.maxConcurrency }),
      ...(input.toleratedFailureCount === undefined
        ? {}
        : { toleratedFailureCount: input.toleratedFailureCount }),
      ...(input.toleratedFailurePercentage === undefined
        ? {}
        : { toleratedFailurePercentage: input.toleratedFailurePercentage }),
    };
    if (Object.keys(update).length === 0) {
      throw new StepFunctionsApiError(
        'ValidationException',
        'Provide at least one of maxConcurrency, toleratedFailureCount and toleratedFailurePercentage',
      );
    }
    const { status } = this.#reported(row);
    if (status !== 'RUNNING') {
      throw new StepFunctionsApiError(
        'ValidationException',
        `Cannot update a Map Run that is ${status}: only a RUNNING Map Run can be updated`,
      );
    }
    store.transaction(() => store.mapRuns.update(row.id, update));
    engine.mapRuns.get(row.arn)?.update(update);
    return {};
  }

  /**
   * ListExecutions with a `mapRunArn`: the Map Run's child executions, newest first, with their item counts;
   * `statusFilter` and `redriveFilter` apply as for a state machine's executions.
   */
  listMapRunExecutions(input: Sfn.ListExecutionsCommandInput): Out<Sfn.ListExecutionsCommandOutput> {
    const { store, clock } = this.options;
    const row = this.#mapRun(input.mapRunArn);
    const limit = pageSize(input.maxResults, 1000);
    const status = input.statusFilter ?? null;
    const request = ['ListExecutions', row.arn, status, input.redriveFilter ?? null];
    const now = clock.now();
    const before = pagePosition(input.nextToken, request, Number.MAX_SAFE_INTEGER, now);
    const redriven = input.redriveFilter === undefined ? undefined : input.redriveFilter === 'REDRIVEN';
    const pending = pendingRound(row, this.#reported(row).status);
    const filter = { status, redriven, pendingRound: pending };
    const children = store.mapRuns.listExecutions(row.id, filter, before, limit + 1);
    const page = children.slice(0, limit);
    return {
      executions: page.map((child) => ({
        ...executionListItem(child.execution),
        status: mapRunChildStatus(child, pending),
        mapRunArn: row.arn,
        itemCount: child.itemCount,
      })),
      ...(children.length > limit
        ? { nextToken: encodePageToken(page.at(-1)!.execution.id, request, now) }
        : {}),
    };
  }

  /**
   * What DescribeExecution tells of a Map Run's child `row` (undefined for any other execution): its Map
   * Run, and its status as reported (`PENDING_REDRIVE` while its redriven Map Run has not reached it).
   */
  childOf(row: ExecutionRow): { mapRunArn: string; status: Sfn.ExecutionStatus } | undefined {
    const membership = isMapRunChild(row) ? this.options.store.mapRuns.ofExecution(row.id) : undefined;
    if (!membership) return undefined;
    const { mapRunArn, round } = membership;
    const mapRun = this.options.store.mapRuns.get(mapRunArn)!;
    const pending = pendingRound(mapRun, this.#reported(mapRun).status);
    return { mapRunArn, status: mapRunChildStatus({ round, execution: row }, pending) };
  }

  #mapRun(arn: unknown): MapRunRow {
    const checked = parseArn(arn, 'mapRunArn', 'mapRun');
    const row = this.options.store.mapRuns.get(checked);
    if (!row) throw new StepFunctionsApiError('ResourceNotFound', `Resource not found: '${checked}'`);
    return row;
  }

  /**
   * A Map Run's status and stop date as reported: a Map Run still RUNNING in the store whose execution ended
   * (it was stopped, timed out or failed, and the runtime could not record the abort) was aborted with it.
   */
  #reported(row: MapRunRow): { status: MapRunStatus; stopDate: number | null } {
    if (row.status !== 'RUNNING') return { status: row.status, stopDate: row.stopDate };
    const parent = this.options.store.getExecution(row.executionArn);
    if (!parent || parent.status === 'RUNNING') return { status: 'RUNNING', stopDate: null };
    return { status: 'ABORTED', stopDate: parent.stopDate };
  }
}

/** An execution as ListExecutions lists it. */
export function executionListItem(row: ExecutionRow): Sfn.ExecutionListItem {
  return {
    executionArn: row.arn,
    stateMachineArn: row.stateMachineArn,
    name: row.name,
    status: row.status,
    startDate: new Date(row.startDate),
    ...(row.stopDate === null ? {} : { stopDate: new Date(row.stopDate) }),
    ...startedWithArns(row),
    redriveCount: row.redriveCount,
    ...(row.redriveDate === null ? {} : { redriveDate: new Date(row.redriveDate) }),
  };
}

/**
 * The round an unsuccessful child of an earlier one waits to be redriven in (see `mapRunChildStatus`): a
 * running Map Run's redrive count; none waits in a Map Run that ended.
 */
function pendingRound(row: MapRunRow, status: MapRunStatus): number {
  return status === 'RUNNING' ? row.redriveCount : 0;
}

/** A child as DescribeMapRun counts it: its items, its reported status, and whether it is past the redrive rules. */
interface CountedChild {
  itemCount: number;
  status: ReturnType<typeof mapRunChildStatus>;
  notRedrivable: boolean;
}

/**
 * DescribeMapRun's `itemCounts` or `executionCounts`: `weight` gives what a child counts for (its items, or
 * 1). Those not started yet are pending; those waiting to be redriven count as pending redrive, not by
 * their last status; the results written are those that stand in the Map's output.
 */
function childCounts(
  children: readonly CountedChild[],
  total: number,
  status: MapRunStatus,
  weight: (child: CountedChild) => number,
): Sfn.MapRunItemCounts {
  const counts = { running: 0, succeeded: 0, failed: 0, timedOut: 0, aborted: 0, pendingRedrive: 0 };
  const byStatus = {
    RUNNING: 'running',
    SUCCEEDED: 'succeeded',
    FAILED: 'failed',
    TIMED_OUT: 'timedOut',
    ABORTED: 'aborted',
    PENDING_REDRIVE: 'pendingRedrive',
  } as const;
  let started = 0;
  let failuresNotRedrivable = 0;
  for (const child of children) {
    const count = weight(child);
    started += count;
    counts[byStatus[child.status]] += count;
    if (child.notRedrivable) failuresNotRedrivable += count;
  }
  const { pendingRedrive, ...byEnd } = counts;
  const unsuccessful = byEnd.failed + byEnd.timedOut + byEnd.aborted;
  // Written once the Map Run ends, as AWS reports them: those that stand in the Map's output.
  const resultsWritten =
    status === 'RUNNING' ? 0 : byEnd.succeeded + (status === 'SUCCEEDED' ? unsuccessful : 0);
  return {
    pending: total - started,
    ...byEnd,
    total,
    resultsWritten,
    failuresNotRedrivable,
    pendingRedrive,
  };
}

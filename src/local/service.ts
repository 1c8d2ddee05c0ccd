/**
 * The local AWS Step Functions service: the API operations (camelCase, taking the `@aws-sdk/client-sfn`
 * command inputs and returning their outputs without `$metadata`) over the SQLite store and the engine.
 */
import { randomUUID } from 'node:crypto';
import type * as Sfn from '@aws-sdk/client-sfn';
import { ACTIVITY_POLL_SECONDS, ActivityApi, type CallContext } from './activity-api.ts';
import { Engine, type NewExecution } from './asl/engine.ts';
import type { FrameCursor } from './asl/frame.ts';
import type { ObjectStorage } from './asl/object-storage.ts';
import type { StateStandIns } from './asl/stand-ins.ts';
import { isWellFormedTaskToken } from './asl/task-token.ts';
import type { TaskOutcome } from './asl/task-waits.ts';
import { type Clock, RealClock } from './clock.ts';
import type { StoreFailedError } from './errors.ts';
import { generatedExecutionName } from './execution-names.ts';
import { type LambdaRegistry, withFunction } from './lambda-registry.ts';
import { executionListItem, MapRunsApi } from './map-runs-api.ts';
import { answeredRedrive } from './redrive-tokens.ts';
import { StepFunctionsApiError, stateMachineTypeNotSupported } from './service-errors.ts';
import {
  EXECUTION_STATUSES,
  encodePageToken,
  historyEvent,
  INCLUDED_DATA,
  isExpressExecutionArn,
  pagePosition,
  pageSize,
  parseArn,
  REDRIVE_FILTERS,
  startedWithArns,
  validateInput,
  validateName,
  validateOneOf,
  validateTaskTokenLength,
} from './service-validation.ts';
import { aliasArn, qualifierOf, splitQualifiedArn, versionArn } from './state-machine-versions.ts';
import {
  configurationOf,
  definitionData,
  StateMachinesApi,
  stateMachineDeleting,
} from './state-machines-api.ts';
import {
  type ExecutionRow,
  isMapRunChild,
  openStore,
  type SinkMessage,
  type StateMachineRow,
  type Store,
} from './store.ts';
import { parseTags, resourceNotFound, withoutTags, withTags } from './tags.ts';
import { type TestStateOptions, testState } from './test-state.ts';
import { VersionsApi } from './versions-api.ts';

type Out<T> = Omit<T, '$metadata'>;
type SyncExecutionStatus = NonNullable<Sfn.StartSyncExecutionCommandOutput['status']>;

export interface LocalStepFunctionsOptions {
  /** Directory of `cutover.db`; undefined keeps the store in memory. Ignored when `store` is given. */
  dataDir?: string;
  /** An open store to use (the caller closes it); default: one opened from `dataDir`. */
  store?: Store;
  /** Default: the real clock scaled by `WAIT_TIME_SCALE`. */
  clock?: Clock;
  lambdas: LambdaRegistry;
  /** The S3 a Distributed Map's `ItemReader` reads; default: none (such a Map fails, `States.ItemReaderFailed`). */
  objectStorage?: ObjectStorage;
  /** Default `us-east-1`. */
  region?: string;
  /** Default `000000000000`. */
  account?: string;
  /**
   * Events one execution's history may hold before it fails (States.Runtime), as on AWS. Default 25,000,
   * AWS's hard quota; a benchmark of long loops lifts it.
   */
  historyEventLimit?: number;
  /** How long GetActivityTask holds a poll with no task, in real seconds. Default 60, as on AWS. */
  activityPollSeconds?: number;
  /**
   * Told once when a write to the store fails (a full disk, an I/O error): the runtime has stopped its
   * executions, and every call that needs the store throws the same {@link StoreFailedError} (the API answers
   * it as InternalFailure). Default: a line on stderr.
   */
  onStoreFailure?: (error: StoreFailedError) => void;
  /** What stands in for parts of states' runs: TestState's runtime sets them (see test-state.ts). */
  standIns?: StateStandIns;
}

/**
 * The Step Functions API of the embedded runtime.
 *
 * @example
 * const sfn = new LocalStepFunctions({ dataDir: '.cutover', lambdas: new MapLambdaRegistry({ add: ({ a, b }) => a + b }) });
 * sfn.start(); // resumes RUNNING executions
 * const { stateMachineArn } = await sfn.createStateMachine({ name: 'm', definition, roleArn });
 * const { executionArn } = await sfn.startExecution({ stateMachineArn, input: '{}' });
 * await sfn.close();
 */
export class LocalStepFunctions {
  readonly region: string;
  readonly account: string;
  readonly clock: Clock;
  readonly store: Store;
  readonly #ownsStore: boolean;
  readonly #engine: Engine;
  readonly #activities: ActivityApi;
  readonly #versions: VersionsApi;
  readonly #stateMachines: StateMachinesApi;
  readonly #mapRuns: MapRunsApi;
  readonly #testOptions: TestStateOptions;
  readonly #endListeners = new Set<(row: Out<Sfn.DescribeExecutionCommandOutput>) => void>();

  constructor(options: LocalStepFunctionsOptions) {
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '000000000000';
    this.clock = options.clock ?? RealClock.fromEnv();
    this.#ownsStore = options.store === undefined;
    this.store = options.store ?? openStore(options.dataDir);
    this.#engine = new Engine({
      store: this.store,
      clock: this.clock,
      lambdas: options.lambdas,
      objectStorage: options.objectStorage,
      region: this.region,
      account: this.account,
      historyEventLimit: options.historyEventLimit,
      standIns: options.standIns,
      onStoreFailure: options.onStoreFailure ?? ((error) => console.error(`[cutover] ${error.message}`)),
      onExecutionEnd: (row) => {
        for (const listener of this.#endListeners) listener(this.#describe(row));
      },
      startNested: (input, parentArn) => {
        const execution = this.#newExecution(
          {
            stateMachineArn: input.stateMachineArn as string,
            name: input.name as string | undefined,
            input: input.input as string | undefined,
          },
          parentArn,
        );
        return this.store.transaction(
          () => this.#engine.createExecution(execution) ?? this.#existingExecution(execution),
        );
      },
    });
    this.#testOptions = {
      openRuntime: ({ clock, mock, standIns, objectStorage, onStoreFailure }) =>
        new LocalStepFunctions({
          ...options,
          dataDir: undefined,
          store: undefined,
          clock,
          region: this.region,
          lambdas: mock ? withFunction(options.lambdas, mock.name, mock.handler) : options.lambdas,
          objectStorage: objectStorage ?? options.objectStorage,
          standIns,
          onStoreFailure,
        }),
    };
    this.#activities = new ActivityApi({
      store: this.store,
      clock: this.clock,
      queue: this.#engine.activities,
      region: this.region,
      account: this.account,
      pollSeconds: options.activityPollSeconds ?? ACTIVITY_POLL_SECONDS,
    });
    this.#versions = new VersionsApi({
      store: this.store,
      clock: this.clock,
      machine: (arn) => this.#stateMachines.machine(arn),
      activeMachine: (arn) => this.#stateMachines.activeMachine(arn),
    });
    this.#stateMachines = new StateMachinesApi({
      store: this.store,
      clock: this.clock,
      region: this.region,
      account: this.account,
      publish: (machine, description) => this.#versions.publish(machine, description),
      flush: () => this.#engine.flush(),
      markDeleting: (arn) => this.#engine.markDeleting(arn),
    });
    this.#mapRuns = new MapRunsApi({ store: this.store, clock: this.clock, engine: this.#engine });
  }

  /**
   * Calls `listener` with DescribeExecution's answer for every execution that ends from now on, once its
   * end is committed (the local counterpart of EventBridge's "Step Functions Execution Status Change").
   * Returns a function that removes the listener.
   */
  onExecutionEnd(listener: (execution: Out<Sfn.DescribeExecutionCommandOutput>) => void): () => void {
    this.#endListeners.add(listener);
    return () => this.#endListeners.delete(listener);
  }

  /** Resumes every RUNNING execution of the store; returns their ARNs. */
  start(): string[] {
    return this.#engine.resumeAll();
  }

  /** The ARNs of the executions RUNNING now: those a `close()` would leave for the next `start()`. */
  runningExecutionArns(): string[] {
    this.#engine.flush();
    return this.store.listRunningExecutions().map((row) => row.arn);
  }

  /** Stops running executions (they stay RUNNING, to be resumed by the next `start()`) and closes an owned store. */
  async close(): Promise<void> {
    await this.#engine.close();
    if (this.#ownsStore) this.store.close();
  }

  /** Messages delivered by `sns:publish` (`'sns'`) or `events:putEvents` (`'events'`) tasks, oldest first. */
  listSinkMessages(sink: 'sns' | 'events'): SinkMessage[] {
    return this.store.listSinkMessages(sink);
  }

  /** Resolves with DescribeExecution's answer once the execution is no longer RUNNING (a local extension). */
  async awaitExecution(executionArn: string | undefined): Promise<Out<Sfn.DescribeExecutionCommandOutput>> {
    const arn = parseArn(executionArn, 'executionArn', 'execution');
    if (!this.#engine.isActive(arn)) {
      const row = this.#execution(arn);
      if (row.status !== 'RUNNING') return this.#describe(row);
    }
    return this.#describe(await this.#engine.awaitExecution(arn));
  }

  // --- state machines -------------------------------------------------------------------------------

  createStateMachine(
    input: Sfn.CreateStateMachineCommandInput,
  ): Promise<Out<Sfn.CreateStateMachineCommandOutput>> {
    return this.#stateMachines.createStateMachine(input);
  }

  updateStateMachine(
    input: Sfn.UpdateStateMachineCommandInput,
  ): Promise<Out<Sfn.UpdateStateMachineCommandOutput>> {
    return this.#stateMachines.updateStateMachine(input);
  }

  describeStateMachine(
    input: Sfn.DescribeStateMachineCommandInput,
  ): Promise<Out<Sfn.DescribeStateMachineCommandOutput>> {
    return this.#stateMachines.describeStateMachine(input);
  }

  listStateMachines(
    input: Sfn.ListStateMachinesCommandInput = {},
  ): Promise<Out<Sfn.ListStateMachinesCommandOutput>> {
    return this.#stateMachines.listStateMachines(input);
  }

  deleteStateMachine(
    input: Sfn.DeleteStateMachineCommandInput,
  ): Promise<Out<Sfn.DeleteStateMachineCommandOutput>> {
    return this.#stateMachines.deleteStateMachine(input);
  }

  validateStateMachineDefinition(
    input: Sfn.ValidateStateMachineDefinitionInput,
  ): Promise<Out<Sfn.ValidateStateMachineDefinitionCommandOutput>> {
    return this.#stateMachines.validateStateMachineDefinition(input);
  }

  async tagResource(input: Sfn.TagResourceCommandInput): Promise<Out<Sfn.TagResourceCommandOutput>> {
    const resource = this.#tagged(input.resourceArn);
    resource.save(withTags(resource.tags, input.tags ?? [], resource.arn));
    return {};
  }

  async untagResource(input: Sfn.UntagResourceCommandInput): Promise<Out<Sfn.UntagResourceCommandOutput>> {
    const resource = this.#tagged(input.resourceArn);
    resource.save(withoutTags(resource.tags, input.tagKeys ?? []));
    return {};
  }

  async listTagsForResource(
    input: Sfn.ListTagsForResourceCommandInput,
  ): Promise<Out<Sfn.ListTagsForResourceCommandOutput>> {
    return { tags: parseTags(this.#tagged(input.resourceArn).tags) };
  }

  createActivity(input: Sfn.CreateActivityCommandInput): Promise<Out<Sfn.CreateActivityCommandOutput>> {
    return this.#activities.createActivity(input);
  }

  describeActivity(input: Sfn.DescribeActivityCommandInput): Promise<Out<Sfn.DescribeActivityCommandOutput>> {
    return this.#activities.describeActivity(input);
  }

  listActivities(input: Sfn.ListActivitiesCommandInput = {}): Promise<Out<Sfn.ListActivitiesCommandOutput>> {
    return this.#activities.listActivities(input);
  }

  deleteActivity(input: Sfn.DeleteActivityCommandInput): Promise<Out<Sfn.DeleteActivityCommandOutput>> {
    return this.#activities.deleteActivity(input);
  }

  /** A worker's long poll for a task of an activity (see {@link ActivityApi.getActivityTask}). */
  getActivityTask(
    input: Sfn.GetActivityTaskCommandInput,
    context?: CallContext,
  ): Promise<Out<Sfn.GetActivityTaskCommandOutput>> {
    return this.#activities.getActivityTask(input, context);
  }

  publishStateMachineVersion(
    input: Sfn.PublishStateMachineVersionCommandInput,
  ): Promise<Out<Sfn.PublishStateMachineVersionCommandOutput>> {
    return this.#versions.publishStateMachineVersion(input);
  }

  listStateMachineVersions(
    input: Sfn.ListStateMachineVersionsCommandInput,
  ): Promise<Out<Sfn.ListStateMachineVersionsCommandOutput>> {
    return this.#versions.listStateMachineVersions(input);
  }

  deleteStateMachineVersion(
    input: Sfn.DeleteStateMachineVersionCommandInput,
  ): Promise<Out<Sfn.DeleteStateMachineVersionCommandOutput>> {
    return this.#versions.deleteStateMachineVersion(input);
  }

  createStateMachineAlias(
    input: Sfn.CreateStateMachineAliasCommandInput,
  ): Promise<Out<Sfn.CreateStateMachineAliasCommandOutput>> {
    return this.#versions.createStateMachineAlias(input);
  }

  describeStateMachineAlias(
    input: Sfn.DescribeStateMachineAliasCommandInput,
  ): Promise<Out<Sfn.DescribeStateMachineAliasCommandOutput>> {
    return this.#versions.describeStateMachineAlias(input);
  }

  updateStateMachineAlias(
    input: Sfn.UpdateStateMachineAliasCommandInput,
  ): Promise<Out<Sfn.UpdateStateMachineAliasCommandOutput>> {
    return this.#versions.updateStateMachineAlias(input);
  }

  deleteStateMachineAlias(
    input: Sfn.DeleteStateMachineAliasCommandInput,
  ): Promise<Out<Sfn.DeleteStateMachineAliasCommandOutput>> {
    return this.#versions.deleteStateMachineAlias(input);
  }

  listStateMachineAliases(
    input: Sfn.ListStateMachineAliasesCommandInput,
  ): Promise<Out<Sfn.ListStateMachineAliasesCommandOutput>> {
    return this.#versions.listStateMachineAliases(input);
  }

  /** Runs one state's definition on an input, as AWS's TestState does (see {@link testState}). */
  testState(input: Sfn.TestStateInput): Promise<Out<Sfn.TestStateOutput>> {
    return testState(input, this.#testOptions);
  }

  describeMapRun(input: Sfn.DescribeMapRunCommandInput): Promise<Out<Sfn.DescribeMapRunCommandOutput>> {
    return this.#mapRuns.describeMapRun(input);
  }

  listMapRuns(input: Sfn.ListMapRunsCommandInput): Promise<Out<Sfn.ListMapRunsCommandOutput>> {
    return this.#mapRuns.listMapRuns(input);
  }

  updateMapRun(input: Sfn.UpdateMapRunCommandInput): Promise<Out<Sfn.UpdateMapRunCommandOutput>> {
    return this.#mapRuns.updateMapRun(input);
  }

  async describeStateMachineForExecution(
    input: Sfn.DescribeStateMachineForExecutionCommandInput,
  ): Promise<Out<Sfn.DescribeStateMachineForExecutionCommandOutput>> {
    const execution = this.#readableExecution(input.executionArn);
    const revision = this.store.getRevision(execution.revision)!;
    const mapRunArn = this.#mapRunOf(execution);
    return {
      stateMachineArn: execution.stateMachineArn,
      name: revision.name,
      ...definitionData(revision.definition, input.includedData),
      roleArn: revision.roleArn,
      updateDate: new Date(revision.updateDate),
      ...configurationOf(revision),
      // A Map Run's child runs the labelled state machine `<machine>/<label>`.
      ...(mapRunArn ? { mapRunArn, label: revision.name.slice(revision.name.lastIndexOf('/') + 1) } : {}),
    };
  }

  // --- executions -----------------------------------------------------------------------------------

  /**
   * Starts an execution. The same name with the same input while the first is RUNNING returns that
   * execution; any other reuse of a name is `ExecutionAlreadyExists`.
   */
  async startExecution(input: Sfn.StartExecutionCommandInput): Promise<Out<Sfn.StartExecutionCommandOutput>> {
    const execution = this.#newExecution(input, null);
    const row = (await this.#engine.startExecution(execution)) ?? this.#existingExecution(execution);
    return { executionArn: row.arn, startDate: new Date(row.startDate) };
  }

  /**
   * Runs an execution of an EXPRESS state machine to its end and answers how it ended, as AWS's synchronous
   * Express workflows do. A caller that goes away leaves it running.
   */
  async startSyncExecution(
    input: Sfn.StartSyncExecutionCommandInput,
  ): Promise<Out<Sfn.StartSyncExecutionCommandOutput>> {
    const execution = this.#newExecution(input, null);
    const machine = execution.stateMachine;
    if (machine.type !== 'EXPRESS') throw stateMachineTypeNotSupported();
    const includeData = validateOneOf(input.includedData ?? 'ALL_DATA', 'includedData', INCLUDED_DATA);
    const row = (await this.#engine.startExecution(execution))!;
    const { redriveCount, redriveDate, redriveStatus, redriveStatusReason, status, stopDate, ...described } =
      await this.awaitExecution(row.arn);
    const ended = {
      ...described,
      status: status as SyncExecutionStatus,
      stopDate: stopDate!,
      billingDetails: expressBilling(stopDate!.getTime() - described.startDate!.getTime()),
      // AWS says the output is included even when a failed execution has none.
      outputDetails: { included: true },
    };
    if (includeData === 'ALL_DATA') return ended;
    const { input: _input, inputDetails, output, outputDetails, ...metadata } = ended;
    return metadata;
  }

  async describeExecution(
    input: Sfn.DescribeExecutionCommandInput,
  ): Promise<Out<Sfn.DescribeExecutionCommandOutput>> {
    this.#engine.flush();
    const described = this.#describe(this.#readableExecution(input.executionArn));
    if (validateOneOf(input.includedData ?? 'ALL_DATA', 'includedData', INCLUDED_DATA) === 'ALL_DATA') {
      return described;
    }
    // METADATA_ONLY: the execution's data (its input and output) is left out.
    const { input: _input, inputDetails, output, outputDetails, ...metadata } = described;
    return metadata;
  }

  #describe(row: ExecutionRow): Out<Sfn.DescribeExecutionCommandOutput> {
    const child = this.#mapRuns.childOf(row);
    return {
      executionArn: row.arn,
      stateMachineArn: row.stateMachineArn,
      name: row.name,
      status: child?.status ?? row.status,
      startDate: new Date(row.startDate),
      ...(row.stopDate === null ? {} : { stopDate: new Date(row.stopDate) }),
      input: row.input,
      inputDetails: { included: true },
      ...(row.output === null ? {} : { output: row.output, outputDetails: { included: true } }),
      ...(row.error === null ? {} : { error: row.error }),
      ...(row.cause === null ? {} : { cause: row.cause }),
      ...(row.traceHeader === null ? {} : { traceHeader: row.traceHeader }),
      ...startedWithArns(row),
      redriveCount: row.redriveCount,
      ...(row.redriveDate === null ? {} : { redriveDate: new Date(row.redriveDate) }),
      ...this.#engine.redriveStatus(row),
      ...(child ? { mapRunArn: child.mapRunArn } : {}),
    };
  }

  /**
   * Runs an execution that ended FAILED, ABORTED or TIMED_OUT on from its unsuccessful step, as AWS does:
   * the steps that succeeded are not run again, finished Parallel branches and Map iterations keep their
   * outputs, and the history goes on with `ExecutionRedriven`. Refused with `ExecutionNotRedrivable` and
   * DescribeExecution's reason otherwise. A call again with the `clientToken` of one of the execution's
   * last 10 redrives, within 15 minutes of it, answers that redrive's `redriveDate` and changes nothing.
   */
  async redriveExecution(
    input: Sfn.RedriveExecutionCommandInput,
  ): Promise<Out<Sfn.RedriveExecutionCommandOutput>> {
    this.#engine.flush();
    const row = this.#execution(input.executionArn);
    const token = input.clientToken;
    const answered =
      token === undefined
        ? undefined
        : answeredRedrive(this.store.redriveTokens(row.id), token, this.clock.now());
    if (answered !== undefined) return { redriveDate: new Date(answered) };
    const mapRunArn = this.#mapRunOf(row);
    if (mapRunArn) {
      throw new StepFunctionsApiError(
        'ExecutionNotRedrivable',
        `Execution is a child execution of Map Run ${mapRunArn}: redrive the execution that started the Map Run, which redrives its children that did not succeed`,
      );
    }
    const { redriveStatusReason } = this.#engine.redriveStatus(row);
    if (redriveStatusReason !== undefined) {
      throw new StepFunctionsApiError('ExecutionNotRedrivable', redriveStatusReason);
    }
    const { redriveDate } = this.#engine.redrive(row, { clientToken: token });
    return { redriveDate: new Date(redriveDate!) };
  }

  async listExecutions(input: Sfn.ListExecutionsCommandInput): Promise<Out<Sfn.ListExecutionsCommandOutput>> {
    this.#engine.flush();
    checkListExecutionsFilters(input);
    if (input.mapRunArn !== undefined) {
      return this.#mapRuns.listMapRunExecutions(input);
    }
    // A version or alias ARN lists the executions started with it.
    const startedWithArn = qualifierOf(input.stateMachineArn) && input.stateMachineArn;
    const machine = this.#stateMachines.machine(
      startedWithArn ? splitQualifiedArn(startedWithArn).machineArn : input.stateMachineArn,
    );
    // AWS keeps no list of Express executions (they are in CloudWatch Logs).
    if (machine.type === 'EXPRESS') throw stateMachineTypeNotSupported();
    const limit = pageSize(input.maxResults, 1000);
    const request = [
      'ListExecutions',
      input.stateMachineArn,
      input.statusFilter ?? null,
      input.redriveFilter ?? null,
    ];
    const now = this.clock.now();
    const before = pagePosition(input.nextToken, request, Number.MAX_SAFE_INTEGER, now);
    const redriven = input.redriveFilter === undefined ? undefined : input.redriveFilter === 'REDRIVEN';
    const rows = this.store.listExecutions(
      machine.arn,
      { status: input.statusFilter ?? null, redriven, startedWith: startedWithArn },
      before,
      limit + 1,
    );
    const page = rows.slice(0, limit);
    return {
      // Nor those of an EXPRESS state machine deleted and created again as a STANDARD one of its name.
      executions: page.filter((row) => !isExpressExecutionArn(row.arn)).map(executionListItem),
      ...(rows.length > limit ? { nextToken: encodePageToken(page.at(-1)!.id, request, now) } : {}),
    };
  }

  async getExecutionHistory(
    input: Sfn.GetExecutionHistoryCommandInput,
  ): Promise<Out<Sfn.GetExecutionHistoryCommandOutput>> {
    this.#engine.flush();
    const row = this.#readableExecution(input.executionArn);
    const limit = pageSize(input.maxResults, 1000);
    const reverse = input.reverseOrder === true;
    const request = ['GetExecutionHistory', row.arn, reverse];
    const now = this.clock.now();
    const from = pagePosition(input.nextToken, request, reverse ? Number.MAX_SAFE_INTEGER : 1, now);
    const rows = this.store.listEvents(row.id, from, limit + 1, reverse);
    const page = rows.slice(0, limit);
    const includeData = input.includeExecutionData !== false;
    const roleArn = () => this.store.getRevision(row.revision)!.roleArn;
    return {
      events: page.map((event) => historyEvent(event, includeData, row, roleArn)),
      ...(rows.length > limit ? { nextToken: encodePageToken(rows[limit]!.id, request, now) } : {}),
    };
  }

  async stopExecution(input: Sfn.StopExecutionCommandInput): Promise<Out<Sfn.StopExecutionCommandOutput>> {
    this.#engine.flush();
    const row = this.#readableExecution(input.executionArn);
    // As on AWS, stopping an execution that already ended changes nothing: the answer is when it ended.
    if (row.status !== 'RUNNING') return { stopDate: new Date(row.stopDate!) };
    const stopped = this.#engine.stop(row.arn, input.error, input.cause);
    if (!stopped) {
      throw new StepFunctionsApiError(
        'ValidationException',
        `Execution is not running in this runtime (call start() first): ${row.arn}`,
      );
    }
    return { stopDate: new Date(stopped.stopDate!) };
  }

  async sendTaskSuccess(
    input: Sfn.SendTaskSuccessCommandInput,
  ): Promise<Out<Sfn.SendTaskSuccessCommandOutput>> {
    const token = validateToken(input.taskToken);
    const output = validateInput(input.output, 'output', 'InvalidOutput');
    this.#deliver(token, { output });
    return {};
  }

  async sendTaskFailure(
    input: Sfn.SendTaskFailureCommandInput,
  ): Promise<Out<Sfn.SendTaskFailureCommandOutput>> {
    const token = validateToken(input.taskToken);
    // Both are optional, as in AWS: a failure without them reports none.
    this.#deliver(token, { error: input.error ?? undefined, cause: input.cause ?? undefined });
    return {};
  }

  async sendTaskHeartbeat(
    input: Sfn.SendTaskHeartbeatCommandInput,
  ): Promise<Out<Sfn.SendTaskHeartbeatCommandOutput>> {
    const token = validateToken(input.taskToken);
    if (!this.#engine.tokens.heartbeat(token)) throw taskTimedOut();
    return {};
  }

  /**
   * When the open task waiting on `taskToken` times out (wall-clock epoch ms), as the runtime set it when
   * the task started: its `TimeoutSeconds` at the clock's scale then, which a restart with another
   * `WAIT_TIME_SCALE` keeps. Undefined for a token not open, or a task without `TimeoutSeconds`.
   *
   * @example
   * const timesOutAt = sfn.taskTimesOutAt(pending.taskToken);
   */
  taskTimesOutAt(taskToken: string): number | undefined {
    const open = this.store.getTaskToken(taskToken);
    if (!open) return undefined;
    const frame = this.store.listFrames(open.executionId).find((row) => row.path === open.path);
    return frame ? (JSON.parse(frame.cursor) as FrameCursor).timeoutAt : undefined;
  }

  // --- helpers --------------------------------------------------------------------------------------

  #deliver(token: string, outcome: TaskOutcome): void {
    if (!this.#engine.tokens.send(token, outcome)) throw taskTimedOut();
  }

  /**
   * A validated new execution of `input.stateMachineArn`. One of an EXPRESS state machine has an Express ARN,
   * `...:express:<machine>:<name>:<id>`, as on AWS: its name may be given again.
   */
  #newExecution(
    input: { stateMachineArn?: string; name?: string; input?: string; traceHeader?: string },
    parentArn: string | null,
  ): NewExecution & { stateMachine: StateMachineRow } {
    const target = this.#runTarget(input.stateMachineArn);
    const { machine } = target;
    // A generated name (a UUID) is valid by construction.
    const name =
      input.name === undefined || input.name === null
        ? generatedExecutionName(this.clock.now())
        : validateName(input.name, 'name');
    const executionInput = validateInput(input.input ?? '{}', 'input', 'InvalidExecutionInput');
    // Joined, not concatenated: one flat string, where `+` or a template leaves a chain of pieces that every
    // map keyed by the ARN would keep alongside its flattened copy.
    const arn = (
      machine.type === 'EXPRESS'
        ? ['arn:aws:states', this.region, this.account, 'express', machine.name, name, randomUUID()]
        : ['arn:aws:states', this.region, this.account, 'execution', machine.name, name]
    ).join(':');
    const traceHeader = input.traceHeader ?? null;
    return {
      stateMachine: machine,
      arn,
      name,
      input: executionInput,
      parentArn,
      traceHeader,
      versionArn: target.versionArn,
      aliasArn: target.aliasArn,
    };
  }

  /**
   * What an execution of `arn` runs: the state machine's current revision, or, for a version or alias ARN,
   * that version's revision (`machine.revision` is then the version's), with the version and alias ARNs.
   */
  #runTarget(arn: unknown): { machine: StateMachineRow; versionArn?: string; aliasArn?: string } {
    const qualifier = qualifierOf(arn);
    if (!qualifier) return { machine: this.#stateMachines.activeMachine(arn) };
    const { machine, version, alias } = this.#stateMachines.version(
      parseArn(arn, 'stateMachineArn', 'stateMachine'),
      qualifier,
    );
    if (machine.status === 'DELETING') throw stateMachineDeleting(machine.arn);
    return {
      machine: { ...machine, revision: version.revision },
      versionArn: versionArn(machine.arn, version.version),
      ...(alias ? { aliasArn: aliasArn(machine.arn, alias.name) } : {}),
    };
  }

  /**
   * The execution that already has the ARN of `execution`: StartExecution answers with it while it runs
   * with the same input, and fails with ExecutionAlreadyExists otherwise.
   */
  #existingExecution(execution: NewExecution): ExecutionRow {
    const existing = this.store.getExecution(execution.arn)!;
    if (existing.status === 'RUNNING' && existing.input === execution.input) return existing;
    throw new StepFunctionsApiError('ExecutionAlreadyExists', `Execution Already Exists: '${execution.arn}'`);
  }

  /**
   * The state machine or activity `arn` names, for the tag operations (which answer ResourceNotFound): its
   * tags, and how to store others in their place.
   */
  #tagged(arn: unknown): { arn: string; tags: string; save(tags: string): void } {
    const { store } = this;
    const machine = typeof arn === 'string' ? store.getStateMachine(arn) : undefined;
    if (machine) {
      const save = (tags: string) => store.transaction(() => store.updateStateMachine({ ...machine, tags }));
      return { arn: machine.arn, tags: machine.tags, save };
    }
    const activity = typeof arn === 'string' ? store.getActivity(arn) : undefined;
    if (activity) {
      const save = (tags: string) => store.transaction(() => store.putActivity({ ...activity, tags }));
      return { arn: activity.arn, tags: activity.tags, save };
    }
    throw resourceNotFound(arn);
  }

  /** The ARN of the Map Run `row` is a child execution of, if any (no other execution costs a lookup). */
  #mapRunOf(row: ExecutionRow): string | undefined {
    return isMapRunChild(row) ? this.store.mapRuns.ofExecution(row.id)?.mapRunArn : undefined;
  }

  #execution(arn: unknown): ExecutionRow {
    const checked = parseArn(arn, 'executionArn', 'execution');
    const row = this.store.getExecution(checked);
    if (!row)
      throw new StepFunctionsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${checked}'`);
    return row;
  }

  /**
   * The execution of `arn` for an operation AWS serves for Standard executions only (DescribeExecution,
   * GetExecutionHistory, StopExecution, DescribeStateMachineForExecution): an Express ARN is refused, as AWS
   * refuses it.
   */
  #readableExecution(arn: unknown): ExecutionRow {
    if (isExpressExecutionArn(arn)) {
      throw new StepFunctionsApiError(
        'InvalidArn',
        "Invalid Arn: 'Resource type not valid in this context: express'",
      );
    }
    return this.#execution(arn);
  }
}

/** AWS bills an Express execution's duration in 100 ms steps (at least one), its memory in 64 MB steps. */
const BILLED_DURATION_STEP_MS = 100;
const BILLED_MEMORY_STEP_MB = 64;

/**
 * StartSyncExecution's `billingDetails` of an execution that took `durationMs`: its duration as AWS bills
 * it, and the least memory AWS bills (this runtime does not measure an execution's memory).
 */
function expressBilling(durationMs: number): Sfn.BillingDetails {
  const steps = Math.max(1, Math.ceil(durationMs / BILLED_DURATION_STEP_MS));
  return {
    billedDurationInMilliseconds: steps * BILLED_DURATION_STEP_MS,
    billedMemoryUsedInMB: BILLED_MEMORY_STEP_MB,
  };
}

/**
 * ListExecutions' filters and ARNs, checked as AWS does: exactly one of `stateMachineArn` and `mapRunArn`,
 * and no `PENDING_REDRIVE` with a `stateMachineArn`.
 */
function checkListExecutionsFilters(input: Sfn.ListExecutionsCommandInput): void {
  if (input.statusFilter !== undefined) validateOneOf(input.statusFilter, 'statusFilter', EXECUTION_STATUSES);
  if (input.redriveFilter !== undefined) {
    validateOneOf(input.redriveFilter, 'redriveFilter', REDRIVE_FILTERS);
  }
  const refuse = (message: string) => new StepFunctionsApiError('ValidationException', message);
  if (input.stateMachineArn === undefined && input.mapRunArn === undefined) {
    throw refuse('Must provide a StateMachine ARN or MapRun ARN');
  }
  if (input.stateMachineArn !== undefined && input.mapRunArn !== undefined) {
    throw refuse('Provide either stateMachineArn or mapRunArn, not both');
  }
  if (input.statusFilter === 'PENDING_REDRIVE' && input.mapRunArn === undefined) {
    throw refuse('statusFilter PENDING_REDRIVE is only allowed with a mapRunArn, not with a stateMachineArn');
  }
}

function validateToken(input: unknown): string {
  const token = validateTaskTokenLength(input);
  if (!isWellFormedTaskToken(token)) {
    throw new StepFunctionsApiError(
      'InvalidToken',
      'Invalid Token: taskToken is not a token this service issued',
    );
  }
  return token;
}

/** AWS's answer to a token whose task is no longer open (it ended, timed out, or its execution stopped). */
function taskTimedOut(): StepFunctionsApiError {
  return new StepFunctionsApiError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
}

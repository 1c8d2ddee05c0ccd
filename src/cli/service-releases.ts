/**
 * The recent releases of one service, read from the Step Functions API alone (the same against AWS and
 * the local runtime): which executions of the workflows concern it, how each ended, and where a running
 * one is.
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { RollbackStoppedError } from '#core/errors.ts';
import type { CaughtError } from '#core/failure-path.ts';
import { heaviestTrack } from '#core/plan/index.ts';
import { isRollbackArn, machineParts, stoppedExecutionOf } from '#core/rollback.ts';
import { closestName } from '#core/schemas/closest-name.ts';
import type { ServiceRef } from '#core/types.ts';
import { type StopRollbackStatus, stopRollbackStatus } from './abort-release.ts';
import { failureOnItsPath, type HistoryPages } from './history.ts';
import { migrationsAppliedText, readableFailure, rollbackShortfallText } from './progress.ts';
import {
  type CliStrategy,
  LOCAL_MACHINES,
  listCutoverExecutions,
  type MachineNaming,
  namingOfExecution,
  resolveRollbackMachineArn,
  STRATEGIES,
  workflowStateMachines,
} from './resolve.ts';
import { type ExecutionPosition, whereItIs } from './where-it-is.ts';

/**
 * One execution of a workflow for the service. Times are those Step Functions recorded; a running one also
 * says where it is ({@link ExecutionPosition}).
 */
export interface ServiceRelease extends ExecutionPosition {
  readonly workflow: CliStrategy;
  readonly name: string;
  readonly executionArn: string;
  readonly status: string;
  /** `release.version` of the request (none for a database migration). */
  readonly version?: string;
  readonly startDate?: Date;
  readonly stopDate?: Date;
  readonly error?: string;
  /** As a person reads it: a Lambda error's message, a rejection's reason. */
  readonly cause?: string;
  /**
   * An ABORTED one's rollback (its latest retry), its status, and which tracks it did not bring back in full
   * when it SUCCEEDED without them (`notRestored`); absent when none was found.
   */
  readonly rollback?: ReleaseRollback;
  /** Why an ABORTED one's rollback could not be looked up (no rollback state machine, an SFN error): no `rollback` then. */
  readonly rollbackLookupError?: string;
  /**
   * Set on a FAILED release whose new version was promoted (it took all traffic) before it failed: only its
   * clean-up of the old track did. Absent when its history says otherwise or could not be read.
   */
  readonly promoted?: true;
  /**
   * On a FAILED release whose rollback did not bring every track back in full, which and why: `green 2/4
   * ready (not back after 120s of checks)`. Absent when all came back, or its history could not be read.
   */
  readonly notRestored?: string;
  /** On a RUNNING one on its failure path (rolling back, cleaning up), the failure it handles. */
  readonly failure?: CaughtError;
}

/**
 * The rollback of an ABORTED release, as {@link stopRollbackStatus} finds it, with, when it SUCCEEDED
 * without bringing every track back in full, which and why, as its last check said (`cutover watch
 * <rollback>` says it too): `stable 0/2 ready of v15 (CrashLoopBackOff; v16's 2 replicas still serve)`.
 */
export interface ReleaseRollback extends StopRollbackStatus {
  readonly notRestored?: string;
  /** A stopped database migration's: the migrations it applied, which stay applied, as a clause. */
  readonly migrationsApplied?: string;
}

/**
 * Whether a release ended FAILED at `RollbackStopped`: its rollback stopped before it moved any traffic (the
 * track it would give traffic back to had no ready replica), so the weights stay as the release left them.
 * Its `weights` are those it last set, when its history could be read and records some.
 */
export function stoppedItsRollback(release: ServiceRelease): boolean {
  return release.status === 'FAILED' && release.error === RollbackStoppedError.errorName;
}

/**
 * The track a release whose rollback stopped (see {@link stoppedItsRollback}) left the most traffic, as the
 * router's weights name the live track ({@link heaviestTrack}); `undefined` when its weights are not known.
 *
 * @example
 * trackLeftLive({ ...release, error: 'RollbackStopped', weights: { stable: 90, canary: 10 } }); // 'stable'
 */
export function trackLeftLive(release: ServiceRelease): string | undefined {
  const { weights } = release;
  return stoppedItsRollback(release) && weights ? heaviestTrack(weights, Object.keys(weights)) : undefined;
}

/** How far back {@link serviceReleases} looks, and how many it gives. */
export interface ReleaseWindow {
  /** The newest executions of each workflow's state machine that are read. */
  readonly scan: number;
  /** The most releases given. */
  readonly limit: number;
}

/** The DescribeExecution calls, and the GetExecutionHistory calls, made at once. */
const DESCRIBE_AT_ONCE = 10;
const HISTORIES_AT_ONCE = 10;

/**
 * The state a canary, blue-green or rolling release goes through when it failed after its new version was
 * promoted: only the clean-up of the old track failed.
 */
const CLEANUP_FAILED_STATE = 'NotifyCleanupFailed';
/**
 * The newest events read of a FAILED execution: enough to reach its entry into {@link CLEANUP_FAILED_STATE},
 * or its rollback's last check. That state and the two after it (UnlockAfterFailure, Failed) take a dozen
 * events, as do the states after the last check (NotifyRolledBack, UnlockAfterFailure, Failed); each retry
 * of their tasks adds 3, at most 13 retries each. The same reaches the last check of a rollback execution
 * that SUCCEEDED (NotifyRolledBack, Unlock, KeepClaim, RolledBack after it).
 */
const FAILURE_EVENTS = 100;

/** What {@link serviceReleases} found. */
export interface ServiceReleases {
  /** The newest releases and migrations, at most `limit`, newest first. */
  readonly releases: readonly ServiceRelease[];
  /** The newest release (with a version) that SUCCEEDED, even past `limit`, within `scan`. */
  readonly lastSuccessfulRelease?: ServiceRelease;
  /**
   * The release that last set what serves, as Cutover recorded it: the newest that SUCCEEDED, was
   * {@link ServiceRelease.promoted} (its version serves all traffic), {@link stoppedItsRollback stopped its
   * rollback} (its `weights` serve, when they could be read), or was ABORTED and its rollback did not
   * restore in full (`rollback.notRestored`: which version serves is not known then, only what that says),
   * within `scan`. A promoted, stopped or aborted one only when newer than `lastSuccessfulRelease`.
   */
  readonly servingRelease?: ServiceRelease;
  /** The newest execution of any workflow that SUCCEEDED (a database migration too), within `scan`. */
  readonly lastSuccess?: ServiceRelease;
  /**
   * With no release found, the service among those read that the one asked for most likely meant: the
   * same name in another namespace (`shop/checkout` for `checkout`), or a name one typo away.
   */
  readonly didYouMean?: string;
}

/**
 * The service's releases among the newest `scan` executions of each workflow, newest first, at most
 * `limit`, and its last successes, read on past `limit` until found: one ListExecutions per state
 * machine and a DescribeExecution per execution read (its input names the service), plus one page of the
 * history of each FAILED one read (was it {@link ServiceRelease.promoted}?) and of each running one shown,
 * of each FAILED one that {@link stoppedItsRollback} its newest pages again back to the weights it last set,
 * and the rollback of each ABORTED one shown, and of each older one read until `servingRelease` is found
 * (see {@link stopRollbackStatus}; the rollback machine is looked up once, and again after a lookup that
 * failed), with one page of the history of each such rollback that SUCCEEDED (see
 * {@link withRollbackShortfall}). A rollback lookup that fails leaves that release without `rollback`,
 * saying why in `rollbackLookupError` (and not known to have left a shortfall); the others are
 * unaffected. A history that cannot be read leaves its release not known to be promoted, nor the weights
 * it left, nor its rollback's shortfall.
 *
 * @example
 * const { releases } = await serviceReleases(sfn, { name: 'checkout', namespace: 'shop' }, { scan: 25, limit: 5 });
 */
export async function serviceReleases(
  sfn: SFNClient,
  service: ServiceRef,
  window: ReleaseWindow,
  naming: MachineNaming = LOCAL_MACHINES,
): Promise<ServiceReleases> {
  const newest = await newestExecutions(sfn, window.scan, naming);
  const pages: HistoryPages = (input) => sfn.send(new GetExecutionHistoryCommand(input));
  const { releases: found, services } = await releasesUntilLastSuccess(sfn, newest, service, window.limit);
  if (found.length === 0) {
    const meant = serviceMeant(service, services);
    return { releases: [], ...(meant ? { didYouMean: meant } : {}) };
  }
  const read = await withFailureDetails(pages, found);
  let rollbackMachineArn: Promise<string> | undefined;
  const rollbackOf = async ({ executionArn, stopDate }: ServiceRelease) => {
    rollbackMachineArn ??= resolveRollbackMachineArn(sfn, namingOfExecution(executionArn));
    // A failed look-up is not kept: the next ABORTED release looks the machine up again.
    const machineArn = await rollbackMachineArn.catch((error: unknown) => {
      rollbackMachineArn = undefined;
      throw error;
    });
    const rollback = await stopRollbackStatus(sfn, machineArn, executionArn, stopDate);
    return rollback && withRollbackShortfall(pages, rollback);
  };
  const releases: ServiceRelease[] = [];
  for (const release of read.slice(0, window.limit)) releases.push(await detailed(sfn, release, rollbackOf));
  const lastSuccessfulRelease = read.find(isSuccessfulRelease);
  // Past those shown, an ABORTED release's rollback is looked up only on the way to the serving release.
  const servingRelease = await firstServing([...releases, ...read.slice(window.limit)], (release) =>
    releases.includes(release) ? Promise.resolve(release) : detailed(sfn, release, rollbackOf),
  );
  const lastSuccess = read.find((release) => release.status === 'SUCCEEDED');
  return {
    releases,
    ...(lastSuccessfulRelease ? { lastSuccessfulRelease } : {}),
    ...(servingRelease ? { servingRelease } : {}),
    ...(lastSuccess ? { lastSuccess } : {}),
  };
}

/**
 * A running execution of one of the workflows for the service, or a running rollback of one (which holds
 * the service until it ends): where {@link runningReleaseOf} found it.
 */
export interface RunningRelease {
  readonly executionArn: string;
  /** The workflow it runs; of a rollback, that of the execution it cleans up after. */
  readonly workflow: CliStrategy;
  /** A release's or migration's input, the request it was started with (none for a rollback). */
  readonly input?: string;
  readonly startDate?: Date;
  /** Set on a rollback: the stopped execution it restores (or, of a migration, unlocks the service of). */
  readonly rollsBack?: string;
}

/**
 * A running release or database migration of `service`, or a running rollback of one, if one runs: the
 * RUNNING executions of its workflows' and the rollback's state machines (ListExecutions, see
 * {@link listCutoverExecutions}), described {@link DESCRIBE_AT_ONCE} at a time until one is the service's: a
 * release's or migration's input names it, as the request a rollback's input carries does. Another release
 * of the service would fail `ServiceLocked` meanwhile.
 *
 * @example
 * const running = await runningReleaseOf(sfn, { name: 'checkout', namespace: 'shop' });
 */
export async function runningReleaseOf(
  sfn: SFNClient,
  service: ServiceRef,
  naming: MachineNaming = LOCAL_MACHINES,
): Promise<RunningRelease | undefined> {
  const running = (await listCutoverExecutions(sfn, 'RUNNING', naming)).filter(
    (item) => item.status === 'RUNNING',
  );
  for (let i = 0; i < running.length; i += DESCRIBE_AT_ONCE) {
    const described = await Promise.all(
      running
        .slice(i, i + DESCRIBE_AT_ONCE)
        .map(({ executionArn }) => sfn.send(new DescribeExecutionCommand({ executionArn }))),
    );
    for (const execution of described) {
      const found = execution.status === 'RUNNING' ? runningFor(execution, service) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

/** The running `execution` as a {@link RunningRelease}, when it is a workflow's or a rollback's for `service`. */
function runningFor(
  execution: DescribeExecutionCommandOutput,
  service: ServiceRef,
): RunningRelease | undefined {
  const { executionArn, startDate } = execution;
  const since = startDate ? { startDate } : {};
  const workflow = workflowOf(executionArn);
  if (isCliStrategy(workflow)) {
    return isFor(requestOf(execution), service)
      ? {
          executionArn: executionArn!,
          workflow,
          ...since,
          ...(execution.input ? { input: execution.input } : {}),
        }
      : undefined;
  }
  if (!isRollbackArn(executionArn)) return undefined;
  const rollsBack = stoppedExecutionOf(execution.input);
  const stoppedWorkflow = workflowOf(rollsBack);
  if (rollsBack === undefined || !isCliStrategy(stoppedWorkflow)) return undefined;
  if (!isFor(rolledBackRequestOf(execution), service)) return undefined;
  return { executionArn: executionArn!, workflow: stoppedWorkflow, ...since, rollsBack };
}

/** The workflow of the state machine that ran `executionArn` (`canary` of `...:execution:Cutover-canary:x`). */
function workflowOf(executionArn: string | undefined): string | undefined {
  return machineParts(executionArn?.split(':')[6] ?? '')?.workflow;
}

function isCliStrategy(workflow: string | undefined): workflow is CliStrategy {
  return (STRATEGIES as readonly (string | undefined)[]).includes(workflow);
}

/** A release (with a version) that SUCCEEDED. */
function isSuccessfulRelease(release: ServiceRelease): boolean {
  return release.status === 'SUCCEEDED' && release.version !== undefined;
}

/**
 * The newest of `releases` (newest first) with a version that SUCCEEDED, was promoted, stopped its
 * rollback, or was ABORTED and its rollback did not restore in full: each ABORTED one on the way is given
 * its rollback by `withRollback` first (those shown already have it).
 */
async function firstServing(
  releases: readonly ServiceRelease[],
  withRollback: (release: ServiceRelease) => Promise<ServiceRelease>,
): Promise<ServiceRelease | undefined> {
  for (const release of releases) {
    if (release.version === undefined) continue;
    if (release.status === 'SUCCEEDED' || release.promoted === true || stoppedItsRollback(release))
      return release;
    if (release.status !== 'ABORTED') continue;
    const aborted = await withRollback(release);
    if (aborted.rollback?.notRestored !== undefined) return aborted;
  }
  return undefined;
}

/**
 * `rollback` with, when it SUCCEEDED, the tracks it did not bring back in full (`notRestored`) as its last
 * check named them, or for a database migration, the migrations it found applied (`migrationsApplied`):
 * one page of its newest events (see {@link FAILURE_EVENTS}). As it is when that page cannot be read, or
 * says neither.
 *
 * @example
 * const rollback = await withRollbackShortfall(pages, { executionArn: rollbackArn, status: 'SUCCEEDED' });
 */
export async function withRollbackShortfall(
  pages: HistoryPages,
  rollback: StopRollbackStatus,
): Promise<ReleaseRollback> {
  if (rollback.status !== 'SUCCEEDED') return rollback;
  const { notRestored, migrationsApplied } = await newestEventsDetails(pages, rollback.executionArn);
  return {
    ...rollback,
    ...(notRestored ? { notRestored } : {}),
    ...(migrationsApplied ? { migrationsApplied } : {}),
  };
}

/**
 * The service's releases among `newest`, newest first, described {@link DESCRIBE_AT_ONCE} at a time, until
 * `limit` are read and a successful release is among them.
 */
async function releasesUntilLastSuccess(
  sfn: SFNClient,
  newest: readonly NewestExecution[],
  service: ServiceRef,
  limit: number,
): Promise<{ releases: ServiceRelease[]; services: Set<string> }> {
  const read: ServiceRelease[] = [];
  const services = new Set<string>();
  let successRead = false;
  const done = () => read.length >= limit && successRead;
  for (let i = 0; i < newest.length && !done(); i += DESCRIBE_AT_ONCE) {
    const described = await Promise.all(
      newest.slice(i, i + DESCRIBE_AT_ONCE).map(async ({ workflow, item }) => ({
        workflow,
        execution: await sfn.send(new DescribeExecutionCommand({ executionArn: item.executionArn })),
      })),
    );
    for (const { workflow, execution } of described) {
      if (done()) break;
      const request = requestOf(execution);
      if (request.service?.name)
        services.add(`${request.service.namespace ?? 'default'}/${request.service.name}`);
      if (!isFor(request, service)) continue;
      const release = releaseOf(workflow, execution, request);
      read.push(release);
      successRead ||= isSuccessfulRelease(release);
    }
  }
  return { releases: read, services };
}

/**
 * The one of `services` (`namespace/name`) that `service` most likely meant: the only one of its name in
 * another namespace, else the closest by {@link closestName}.
 */
function serviceMeant(service: ServiceRef, services: ReadonlySet<string>): string | undefined {
  const sameName = [...services].filter((label) => label.endsWith(`/${service.name}`));
  if (sameName.length === 1) return sameName[0];
  return closestName(`${service.namespace}/${service.name}`, [...services].sort());
}

/**
 * The releases, each FAILED one with what the newest events of its history say (see {@link failureDetails}),
 * the histories read {@link HISTORIES_AT_ONCE} at a time.
 */
async function withFailureDetails(
  pages: HistoryPages,
  releases: readonly ServiceRelease[],
): Promise<ServiceRelease[]> {
  const details = new Map<string, FailureDetails>();
  const failed = releases.filter((release) => release.status === 'FAILED');
  for (let i = 0; i < failed.length; i += HISTORIES_AT_ONCE) {
    await Promise.all(
      failed.slice(i, i + HISTORIES_AT_ONCE).map(async (release) => {
        details.set(release.executionArn, await failureDetails(pages, release));
      }),
    );
  }
  return releases.map((release) => ({ ...release, ...details.get(release.executionArn) }));
}

/** What the history of a FAILED release adds to it. */
type FailureDetails = Pick<ServiceRelease, 'promoted' | 'notRestored' | 'weights'>;

/**
 * What the history of a failed release says (see {@link newestEventsDetails}), and, of one that
 * {@link stoppedItsRollback}, the `weights` it last set, which it left: read back from its newest events as
 * those of a running one are (see {@link whereItIs}). Each left out when the history cannot be read.
 */
async function failureDetails(pages: HistoryPages, release: ServiceRelease): Promise<FailureDetails> {
  const { executionArn } = release;
  const [details, weights] = await Promise.all([
    newestEventsDetails(pages, executionArn),
    stoppedItsRollback(release)
      ? whereItIs(pages, executionArn).then(
          (position) => position.weights,
          () => undefined,
        )
      : undefined,
  ]);
  return { ...details, ...(weights ? { weights } : {}) };
}

/**
 * Whether a failed execution went through {@link CLEANUP_FAILED_STATE} (`promoted`), and which tracks its
 * rollback did not bring back in full (`notRestored`): one page of its newest events. Nothing when its
 * history cannot be read.
 */
async function newestEventsDetails(
  pages: HistoryPages,
  executionArn: string,
): Promise<Pick<ServiceRelease, 'promoted' | 'notRestored'> & { migrationsApplied?: string }> {
  try {
    const page = await pages({ executionArn, reverseOrder: true, maxResults: FAILURE_EVENTS });
    const events = page.events ?? [];
    const promoted = events.some(
      (event) =>
        event.type?.endsWith('StateEntered') === true &&
        event.stateEnteredEventDetails?.name === CLEANUP_FAILED_STATE,
    );
    const notRestored = rollbackShortfallText(events);
    const migrationsApplied = migrationsAppliedText(events);
    return {
      ...(promoted ? { promoted: true as const } : {}),
      ...(notRestored ? { notRestored } : {}),
      ...(migrationsApplied ? { migrationsApplied } : {}),
    };
  } catch {
    return {};
  }
}

/** One execution listed, with the workflow of its state machine. */
interface NewestExecution {
  readonly workflow: CliStrategy;
  readonly item: ExecutionListItem;
}

/** The newest `scan` executions of each workflow's state machine, newest first. */
async function newestExecutions(
  sfn: SFNClient,
  scan: number,
  naming: MachineNaming,
): Promise<NewestExecution[]> {
  const machines = await workflowStateMachines(sfn, naming);
  const pages = await Promise.all(
    machines.map(async ({ workflow, stateMachineArn }) => {
      const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: scan }));
      return (page.executions ?? []).map((item: ExecutionListItem) => ({ workflow, item }));
    }),
  );
  return pages.flat().sort((a, b) => (b.item.startDate?.getTime() ?? 0) - (a.item.startDate?.getTime() ?? 0));
}

interface RequestFields {
  readonly service?: { readonly name?: unknown; readonly namespace?: unknown };
  readonly release?: { readonly version?: unknown };
}

function requestOf(execution: DescribeExecutionCommandOutput): RequestFields {
  return parsedRequest(execution.input);
}

/**
 * The request of the execution a rollback cleans up after: its input's `request`, or the stopped
 * execution's input it carries as a JSON string (as the EventBridge rule and `cutover abort` pass it).
 */
function rolledBackRequestOf(rollback: DescribeExecutionCommandOutput): RequestFields {
  const { request, input } = parsedObject(rollback.input) as { request?: unknown; input?: unknown };
  if (typeof request === 'object' && request !== null) return request as RequestFields;
  return typeof input === 'string' ? parsedRequest(input) : {};
}

function parsedRequest(json: string | undefined): RequestFields {
  return parsedObject(json) as RequestFields;
}

/** `json` parsed, when it is an object; else `{}`. */
function parsedObject(json: string | undefined): object {
  try {
    const parsed = JSON.parse(json ?? '{}') as unknown;
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

/** Whether a request is the service's (a request without a namespace is in `default`, as the schemas say). */
function isFor(request: RequestFields, service: ServiceRef): boolean {
  return (
    request.service?.name === service.name && (request.service.namespace ?? 'default') === service.namespace
  );
}

function releaseOf(
  workflow: CliStrategy,
  execution: DescribeExecutionCommandOutput,
  request: RequestFields,
): ServiceRelease {
  const version = request.release?.version;
  return {
    workflow,
    name: execution.name ?? '',
    executionArn: execution.executionArn ?? '',
    status: execution.status ?? 'UNKNOWN',
    ...(typeof version === 'string' ? { version } : {}),
    ...(execution.startDate ? { startDate: execution.startDate } : {}),
    ...(execution.stopDate ? { stopDate: execution.stopDate } : {}),
    ...readableFailure(execution.error, execution.cause),
  };
}

/**
 * A running release with the state it is in and the weights it last set; an ABORTED one with its rollback,
 * or why it could not be looked up.
 */
async function detailed(
  sfn: SFNClient,
  release: ServiceRelease,
  rollbackOf: (release: ServiceRelease) => Promise<ReleaseRollback | undefined>,
): Promise<ServiceRelease> {
  if (release.status === 'RUNNING') {
    const pages: HistoryPages = (input) => sfn.send(new GetExecutionHistoryCommand(input));
    const [position, failure] = await Promise.all([
      whereItIs(pages, release.executionArn, {
        step: release.workflow === 'canary' || release.workflow === 'rolling',
      }),
      failureOnItsPath(pages, release.executionArn),
    ]);
    return { ...release, ...position, ...(failure ? { failure } : {}) };
  }
  if (release.status !== 'ABORTED') return release;
  try {
    const rollback = await rollbackOf(release);
    return rollback ? { ...release, rollback } : release;
  } catch (error) {
    return { ...release, rollbackLookupError: error instanceof Error ? error.message : String(error) };
  }
}

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
import type { ServiceRef } from '#core/types.ts';
import { type StopRollbackStatus, stopRollbackStatus } from './abort-release.ts';
import { readableFailure } from './progress.ts';
import {
  type CliStrategy,
  LOCAL_MACHINES,
  type MachineNaming,
  namingOfExecution,
  resolveRollbackMachineArn,
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
  /** An ABORTED one's rollback (its latest retry), and its status; absent when none was found. */
  readonly rollback?: StopRollbackStatus;
  /** Why an ABORTED one's rollback could not be looked up (no rollback state machine, an SFN error): no `rollback` then. */
  readonly rollbackLookupError?: string;
}

/** How far back {@link serviceReleases} looks, and how many it gives. */
export interface ReleaseWindow {
  /** The newest executions of each workflow's state machine that are read. */
  readonly scan: number;
  /** The most releases given. */
  readonly limit: number;
}

const DESCRIBE_AT_ONCE = 10;

/** What {@link serviceReleases} found. */
export interface ServiceReleases {
  /** The newest releases and migrations, at most `limit`, newest first. */
  readonly releases: readonly ServiceRelease[];
  /** The newest release (with a version) that SUCCEEDED, even past `limit`, within `scan`. */
  readonly lastSuccessfulRelease?: ServiceRelease;
  /** The newest execution of any workflow that SUCCEEDED (a database migration too), within `scan`. */
  readonly lastSuccess?: ServiceRelease;
}

/**
 * The service's releases among the newest `scan` executions of each workflow, newest first, at most
 * `limit`, and its last successes, read on past `limit` until found: one ListExecutions per state
 * machine and a DescribeExecution per execution read (its input names the service), plus the history of
 * each running one shown, and the rollback of each ABORTED one shown (see {@link stopRollbackStatus}; the
 * rollback machine is looked up once, and again after a lookup that failed). A rollback lookup that fails
 * leaves that release without `rollback`, saying why in `rollbackLookupError`; the others are unaffected.
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
  const releases: ServiceRelease[] = [];
  let lastSuccessfulRelease: ServiceRelease | undefined;
  let lastSuccess: ServiceRelease | undefined;
  const done = () => releases.length >= window.limit && lastSuccessfulRelease !== undefined;
  let rollbackMachineArn: Promise<string> | undefined;
  const rollbackOf = async ({ executionArn, stopDate }: ServiceRelease) => {
    rollbackMachineArn ??= resolveRollbackMachineArn(sfn, namingOfExecution(executionArn));
    // A failed look-up is not kept: the next ABORTED release looks the machine up again.
    const machineArn = await rollbackMachineArn.catch((error: unknown) => {
      rollbackMachineArn = undefined;
      throw error;
    });
    return stopRollbackStatus(sfn, machineArn, executionArn, stopDate);
  };
  for (let i = 0; i < newest.length && !done(); i += DESCRIBE_AT_ONCE) {
    const described = await Promise.all(
      newest.slice(i, i + DESCRIBE_AT_ONCE).map(async ({ workflow, item }) => ({
        workflow,
        execution: await sfn.send(new DescribeExecutionCommand({ executionArn: item.executionArn })),
      })),
    );
    for (const { workflow, execution } of described) {
      const request = requestOf(execution);
      if (!isFor(request, service)) continue;
      const release = releaseOf(workflow, execution, request);
      if (releases.length < window.limit) releases.push(await detailed(sfn, release, rollbackOf));
      if (release.status === 'SUCCEEDED') {
        lastSuccess ??= release;
        if (release.version !== undefined) lastSuccessfulRelease ??= release;
      }
    }
  }
  return {
    releases,
    ...(lastSuccessfulRelease ? { lastSuccessfulRelease } : {}),
    ...(lastSuccess ? { lastSuccess } : {}),
  };
}

/** The newest `scan` executions of each workflow's state machine, newest first. */
async function newestExecutions(sfn: SFNClient, scan: number, naming: MachineNaming) {
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
  try {
    const input = JSON.parse(execution.input ?? '{}') as unknown;
    return typeof input === 'object' && input !== null ? (input as RequestFields) : {};
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
  rollbackOf: (release: ServiceRelease) => Promise<StopRollbackStatus | undefined>,
): Promise<ServiceRelease> {
  if (release.status === 'RUNNING') {
    const position = await whereItIs(
      (input) => sfn.send(new GetExecutionHistoryCommand(input)),
      release.executionArn,
    );
    return { ...release, ...position };
  }
  if (release.status !== 'ABORTED') return release;
  try {
    const rollback = await rollbackOf(release);
    return rollback ? { ...release, rollback } : release;
  } catch (error) {
    return { ...release, rollbackLookupError: error instanceof Error ? error.message : String(error) };
  }
}

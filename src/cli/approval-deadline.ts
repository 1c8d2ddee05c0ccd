/**
 * When a waiting approval times out, as `cutover watch` and the local console state it: its task's
 * `TimeoutSeconds` after the task was scheduled, on the clock of the runtime that runs it.
 */
import { executionIdOf } from '#core/api-routes.ts';
import { UNANSWERED_RELEASE } from '#core/approval-stages.ts';
import type { ApprovalTimeoutAction } from '#core/schemas/index.ts';
import { consoleJson } from './console-api.ts';
import { type EndpointOptions, localEndpoint } from './endpoint.ts';
import { formatDuration } from './format.ts';
import type { ProgressLine } from './progress.ts';

/**
 * The instant (epoch milliseconds) an approval task scheduled at `scheduledAt` with `timeoutSeconds` times
 * out, on a runtime whose waits run `waitScale` real milliseconds per logical one (`WAIT_TIME_SCALE` of
 * `cutover local`; 1 on AWS).
 *
 * @example
 * approvalTimesOutAt(Date.parse('2026-11-29T20:22:28Z'), 60, 0.1); // 20:22:34
 */
export function approvalTimesOutAt(scheduledAt: number, timeoutSeconds: number, waitScale = 1): number {
  return scheduledAt + timeoutSeconds * 1000 * waitScale;
}

/** What is known of a waiting approval's timeout; times are epoch milliseconds. */
export interface ApprovalTimeout {
  /** The task's `TimeoutSeconds`, in the runtime's logical seconds. */
  readonly timeoutSeconds?: number;
  /** When the task was scheduled. */
  readonly scheduledAt?: number;
  /** When it times out, when the runtime's clock is known. */
  readonly timesOutAt?: number;
  /** What follows when it times out, when its task says (`approval.onTimeout`). */
  readonly onTimeout?: ApprovalTimeoutAction;
}

/**
 * `20:22:34 UTC` in local time with its zone (`15:22:34 UTC-05:00`), and the date when it is not that of
 * `now` (`20:22:34 UTC on 2026-11-30`): next to the UTC timestamps of the same lines, a bare local time
 * would read as another instant.
 */
function clockTime(at: number, now: number): string {
  const date = new Date(at);
  const day =
    date.toDateString() === new Date(now).toDateString() ? '' : ` on ${date.toLocaleDateString('en-CA')}`;
  return `${date.toTimeString().slice(0, 8)} ${zoneOf(date)}${day}`;
}

/** The local zone's offset at `date`: `UTC`, `UTC-05:00`, `UTC+05:30`. */
function zoneOf(date: Date): string {
  const east = -date.getTimezoneOffset();
  if (east === 0) return 'UTC';
  const minutes = Math.abs(east);
  const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  return `UTC${east > 0 ? '+' : '-'}${hhmm}`;
}

/**
 * An approval's timeout as a person reads it: `times out at 20:22:34, in 6s` when its instant is known,
 * else the timeout as the task states it (`times out after 60 s`: on a runtime that scales its waits, or
 * for an approval already answered when its history is read, the instant is not known), then what follows
 * when the task says (`, then the release goes on`); `undefined` for an approval that does not time out.
 */
export function approvalTimeoutText(
  { timeoutSeconds, timesOutAt, onTimeout }: ApprovalTimeout,
  now = Date.now(),
): string | undefined {
  const then = onTimeout ? `, then the release ${UNANSWERED_RELEASE[onTimeout]}` : '';
  if (timesOutAt !== undefined) {
    const left = Math.round((timesOutAt - now) / 1000);
    return `times out at ${clockTime(timesOutAt, now)}${left > 0 ? `, in ${formatDuration(left)}` : ''}${then}`;
  }
  return timeoutSeconds === undefined
    ? undefined
    : `times out after ${timeoutSeconds.toLocaleString('en-US')} s${then}`;
}

/** When the approval an execution waits for times out at its endpoint, if that can be known. */
export type ApprovalDeadline = (
  executionArn: string,
  approval: ApprovalTimeout,
) => Promise<number | undefined>;

/** On AWS Step Functions, whose waits run at real time. */
export const realTimeDeadline: ApprovalDeadline = async (_executionArn, { scheduledAt, timeoutSeconds }) =>
  scheduledAt === undefined || timeoutSeconds === undefined
    ? undefined
    : approvalTimesOutAt(scheduledAt, timeoutSeconds);

/**
 * At a local runtime: the deadline its console shows (`approvalTimesOutAt` of `GET
 * /console/api/executions/<executionId>`), which runs the timeout at its `WAIT_TIME_SCALE`; unknown at an
 * endpoint without that API, or once the approval no longer waits.
 *
 * @example
 * const deadline = consoleDeadline('http://127.0.0.1:8083');
 */
export function consoleDeadline(endpoint: string): ApprovalDeadline {
  return async (executionArn) => {
    const id = encodeURIComponent(executionIdOf(executionArn));
    const view = (await consoleJson(endpoint, `/console/api/executions/${id}`)) as
      | { approvalTimesOutAt?: unknown }
      | undefined;
    const timesOutAt = view?.approvalTimesOutAt;
    return typeof timesOutAt === 'number' ? timesOutAt : undefined;
  };
}

/** Where the commands' endpoint options say an approval's deadline is read: the console, or AWS's real time. */
export function approvalDeadlineFor(options: EndpointOptions): ApprovalDeadline {
  return options.aws ? realTimeDeadline : consoleDeadline(localEndpoint(options));
}

/** `line`, and when it is an approval, with the instant it times out when `deadline` knows it. */
export async function withApprovalDeadline(
  line: ProgressLine,
  executionArn: string,
  deadline: ApprovalDeadline | undefined,
): Promise<ProgressLine> {
  if (line.kind !== 'approval' || !deadline) return line;
  const timesOutAt = await deadline(executionArn, line);
  return timesOutAt === undefined ? line : { ...line, timesOutAt };
}

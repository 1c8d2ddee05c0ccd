/**
 * The notifications of an execution as its console page lists them: the events the local notifier kept
 * (on AWS they go to the SNS topic and EventBridge instead).
 */
import type { LocalNotifier } from '../adapters/local-notifier.ts';
import { SHOWN_LINES } from './execution-view.ts';

/** The longest detail shown with its notification, in characters of JSON; a longer one is left out. */
const SHORT_DETAIL_LENGTH = 200;

/** A notification on the execution's page. `at` is in epoch milliseconds. */
export interface ExecutionNotification {
  readonly type: string;
  readonly at: number;
  readonly message: string;
  /** The event's detail as JSON, when at most {@link SHORT_DETAIL_LENGTH} characters. */
  readonly detail?: string;
}

/**
 * The latest {@link SHOWN_LINES} notifications of the execution, oldest first.
 *
 * @example
 * notificationsOf(adapters.notifier, executionArn); // [{ type: 'Started', at: 1795902165433, message: '...' }]
 */
export function notificationsOf(
  notifier: Pick<LocalNotifier, 'latestOf'>,
  executionArn: string,
): ExecutionNotification[] {
  return notifier.latestOf(executionArn, SHOWN_LINES).map(({ type, at, message, detail }) => ({
    type,
    at: new Date(at).getTime(),
    message,
    ...(detail !== undefined && detail.length <= SHORT_DETAIL_LENGTH ? { detail } : {}),
  }));
}

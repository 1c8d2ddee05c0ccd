import type { Notifier } from '#core/ports/index.ts';
import type { DeploymentEventType, DeploymentRequest, Strategy } from '#core/schemas/index.ts';
import { logger, toTaskError } from './task-handler.ts';

/** Who and what an event is about. */
export interface EventSubject {
  readonly strategy: Strategy;
  readonly request: DeploymentRequest;
  readonly executionArn: string;
}

/**
 * The events published whatever `notifications.events` says: the ones an on-call acts on (an alert
 * subscription filters on them), which a request's author cannot turn off.
 */
const ALWAYS_PUBLISHED: ReadonlySet<DeploymentEventType> = new Set(['Failed', 'RolledBack']);

/**
 * Publishes a lifecycle event unless the request's `notifications.events` leaves it out (`Failed` and
 * `RolledBack` always go out: {@link ALWAYS_PUBLISHED}). Returns whether it was published.
 *
 * @example
 * await publishEvent(notifier, input, 'Promoted', 'canary v2 of shop/checkout promoted');
 */
export async function publishEvent(
  notifier: Notifier,
  subject: EventSubject,
  type: DeploymentEventType,
  message: string,
  detail?: Record<string, unknown>,
): Promise<boolean> {
  const wanted = subject.request.notifications?.events;
  if (wanted && !wanted.includes(type) && !ALWAYS_PUBLISHED.has(type)) return false;
  await notifier.publish({
    type,
    service: subject.request.service,
    executionArn: subject.executionArn,
    strategy: subject.strategy,
    version: subject.request.release.version,
    message,
    ...(detail ? { detail } : {}),
    at: new Date().toISOString(),
  });
  return true;
}

/** Whether a task's event went out, and if not, the error that stopped it (as a state's `Catch` records one). */
export interface PublishOutcome {
  readonly published: boolean;
  readonly notifyError?: { readonly Error: string; readonly Cause: string };
}

/**
 * {@link publishEvent} from a task whose own work is done (Promote, RequestApproval): a notifier that fails
 * is logged and reported as `notifyError`, never thrown, so a release never fails because a message did not go out.
 *
 * @example
 * const { published, notifyError } = await publishEventBestEffort(deps.notifier, input, 'Promoted', message);
 */
export async function publishEventBestEffort(
  notifier: () => Promise<Notifier>,
  subject: EventSubject,
  type: DeploymentEventType,
  message: string,
  detail?: Record<string, unknown>,
): Promise<PublishOutcome> {
  try {
    return { published: await publishEvent(await notifier(), subject, type, message, detail) };
  } catch (thrown) {
    const error = toTaskError(thrown);
    logger.warn('event not published', {
      eventType: type,
      errorName: error.name,
      errorMessage: error.message,
    });
    return { published: false, notifyError: { Error: error.name, Cause: error.message } };
  }
}

/** `canary release v2 of shop/checkout`: how messages name a release. */
export function describeRelease({ strategy, request }: Pick<EventSubject, 'strategy' | 'request'>): string {
  return `${strategy} release ${request.release.version} of ${request.service.namespace}/${request.service.name}`;
}

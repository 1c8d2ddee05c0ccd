import type { Notifier } from '#core/ports/index.ts';
import type { DeploymentEventType, DeploymentRequest, Strategy } from '#core/schemas/index.ts';

/** Who and what an event is about. */
export interface EventSubject {
  readonly strategy: Strategy;
  readonly request: DeploymentRequest;
  readonly executionArn: string;
}

/**
 * Publishes a lifecycle event unless the request's `notifications.events` leaves it out. Returns whether
 * it was published.
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
  if (wanted && !wanted.includes(type)) return false;
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

/** `canary release v2 of shop/checkout`: how messages name a release. */
export function describeRelease({ strategy, request }: Pick<EventSubject, 'strategy' | 'request'>): string {
  return `${strategy} release ${request.release.version} of ${request.service.namespace}/${request.service.name}`;
}

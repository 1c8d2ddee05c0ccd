import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { TransientAdapterError } from '#core/errors.ts';
import type { Notifier } from '#core/ports/notifier.ts';
import type { DeploymentEvent } from '#core/types.ts';
import { asAdapterError } from '../aws-errors.ts';
import { NotifierDeliveryError } from './errors.ts';

/** Options of {@link EventBridgeNotifier}. */
export interface EventBridgeNotifierOptions {
  readonly client: Pick<EventBridgeClient, 'send'>;
  /** Name or ARN of the event bus. */
  readonly eventBusName: string;
}

/** Entry error codes worth retrying (the others are permanent: bad detail, missing bus, ...). */
const TRANSIENT_ENTRY_ERRORS = new Set(['InternalFailure', 'ThrottlingException']);

/** The `source` of every event Cutover puts on a bus. */
export const CUTOVER_EVENT_SOURCE = 'cutover';

/**
 * Puts deployment events on an EventBridge bus as `source: cutover`, `detail-type: Deployment <type>`
 * (e.g. `Deployment RolledBack`), the event as `detail`, so rules can route them by type or service.
 *
 * @example
 * const notifier = new EventBridgeNotifier({ client: new EventBridgeClient({}), eventBusName: 'default' });
 * await notifier.publish({ type: 'Promoted', service, message: 'v2 is live', at: new Date().toISOString() });
 */
export class EventBridgeNotifier implements Notifier {
  readonly type = 'eventbridge';
  readonly #client: Pick<EventBridgeClient, 'send'>;
  readonly #eventBusName: string;

  constructor(options: EventBridgeNotifierOptions) {
    this.#client = options.client;
    this.#eventBusName = options.eventBusName;
  }

  async publish(event: DeploymentEvent): Promise<void> {
    const { PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const command = new PutEventsCommand({
      Entries: [
        {
          EventBusName: this.#eventBusName,
          Source: CUTOVER_EVENT_SOURCE,
          DetailType: `Deployment ${event.type}`,
          Detail: JSON.stringify(event),
          Time: new Date(event.at),
          ...(event.executionArn ? { Resources: [event.executionArn] } : {}),
        },
      ],
    });
    const result = await this.#client.send(command).catch((error: unknown) => {
      throw asAdapterError(error, 'events:PutEvents');
    });
    // PutEvents answers 200 even when an entry is rejected; the entry carries the error.
    const failed = result.FailedEntryCount ? result.Entries?.find((entry) => entry.ErrorCode) : undefined;
    if (failed?.ErrorCode && TRANSIENT_ENTRY_ERRORS.has(failed.ErrorCode)) {
      throw new TransientAdapterError(`events:PutEvents: ${failed.ErrorCode}, retry later`);
    }
    if (failed) {
      throw new NotifierDeliveryError(
        `events:PutEvents rejected the ${event.type} event on bus ${this.#eventBusName}: ${failed.ErrorCode} ${failed.ErrorMessage ?? ''}`.trim(),
      );
    }
  }
}

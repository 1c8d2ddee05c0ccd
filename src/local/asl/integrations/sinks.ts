/**
 * `sns:publish` and `events:putEvents` delivered to local sinks (rows of the store's `sink_messages`,
 * read with `LocalStepFunctions.listSinkMessages('sns' | 'events')`).
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../../store.ts';
import { STATES_ERRORS, StatesError } from '../errors.ts';

/** What an integration returns: its result, and writes to commit with the task's next event. */
export interface IntegrationResult {
  output: unknown;
  writes?: () => void;
}

/** SNS Publish: needs `Message` and one of `TopicArn`, `TargetArn`, `PhoneNumber`. */
export function publishToSnsSink(store: Store, parameters: unknown, now: number): IntegrationResult {
  const params = asObject(parameters, 'sns:publish');
  const target = params.TopicArn ?? params.TargetArn ?? params.PhoneNumber;
  if (typeof target !== 'string' || params.Message === undefined) {
    throw new StatesError(
      'SNS.InvalidParameterException',
      'sns:publish needs Parameters.Message and one of TopicArn, TargetArn or PhoneNumber',
    );
  }
  const messageId = randomUUID();
  return {
    output: {
      MessageId: messageId,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: randomUUID() },
    },
    writes: () => store.insertSinkMessage('sns', target, { MessageId: messageId, ...params }, now),
  };
}

/** EventBridge PutEvents: `Entries`, 1 to 10 of `{ Source, DetailType, Detail, EventBusName? }`. */
export function putEventsToSink(store: Store, parameters: unknown, now: number): IntegrationResult {
  const params = asObject(parameters, 'events:putEvents');
  const entries = params.Entries;
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10) {
    throw new StatesError(
      'EventBridge.ValidationException',
      'events:putEvents needs Parameters.Entries: 1 to 10 entries',
    );
  }
  const ids = entries.map(() => randomUUID());
  return {
    output: { Entries: ids.map((EventId) => ({ EventId })), FailedEntryCount: 0 },
    writes: () =>
      entries.forEach((entry, index) => {
        const bus = typeof entry?.EventBusName === 'string' ? entry.EventBusName : 'default';
        store.insertSinkMessage('events', bus, { EventId: ids[index], ...entry }, now);
      }),
  };
}

function asObject(parameters: unknown, resource: string): Record<string, unknown> {
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
    throw new StatesError(STATES_ERRORS.Runtime, `${resource} needs Parameters as an object`);
  }
  return parameters as Record<string, unknown>;
}

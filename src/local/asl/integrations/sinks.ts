/**
 * `sns:publish` and `events:putEvents` delivered to local sinks (rows of the store's `sink_messages`,
 * read with `LocalStepFunctions.listSinkMessages('sns' | 'events')`).
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../../store.ts';
import { STATES_ERRORS, StatesError } from '../errors.ts';
import { serviceAnswerMetadata } from './sdk-http-metadata.ts';

/** What an integration returns: its result, and writes to commit with the task's next event. */
export interface IntegrationResult {
  output: unknown;
  writes?: () => void;
}

/**
 * SNS Publish: needs `Message` and one of `TopicArn`, `TargetArn`, `PhoneNumber`. Answers as AWS records
 * it: the `MessageId`, SNS's headers and request id, and a `SequenceNumber` for a FIFO topic (`.fifo`).
 */
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
  const requestId = randomUUID();
  const sequenceNumber = target.endsWith('.fifo') ? nextSequenceNumber(now) : undefined;
  const body = publishResponseXml(messageId, requestId, sequenceNumber);
  return {
    output: {
      MessageId: messageId,
      SdkHttpMetadata: serviceAnswerMetadata({ requestId, body, contentType: 'text/xml', now }),
      SdkResponseMetadata: { RequestId: requestId },
      ...(sequenceNumber && { SequenceNumber: sequenceNumber }),
    },
    writes: () => store.insertSinkMessage('sns', target, { MessageId: messageId, ...params }, now),
  };
}

/** The body of SNS's Publish answer (its length is the answer's Content-Length). */
function publishResponseXml(
  messageId: string,
  requestId: string,
  sequenceNumber: string | undefined,
): string {
  const sequence = sequenceNumber ? `    <SequenceNumber>${sequenceNumber}</SequenceNumber>\n` : '';
  return (
    '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">\n' +
    '  <PublishResult>\n' +
    `    <MessageId>${messageId}</MessageId>\n${sequence}` +
    '  </PublishResult>\n' +
    '  <ResponseMetadata>\n' +
    `    <RequestId>${requestId}</RequestId>\n` +
    '  </ResponseMetadata>\n' +
    '</PublishResponse>\n'
  );
}

let lastSequenceNumber = 0n;

/** A FIFO message's sequence number: 20 digits, growing with every message (SNS's are not consecutive). */
function nextSequenceNumber(now: number): string {
  const fromClock = 10n ** 19n + BigInt(now) * 1_000_000n;
  lastSequenceNumber = fromClock > lastSequenceNumber ? fromClock : lastSequenceNumber + 1n;
  return String(lastSequenceNumber);
}

/**
 * EventBridge PutEvents: `Entries`, 1 to 10 of `{ Source, DetailType, Detail, EventBusName?, Resources? }`.
 * Each accepted entry is delivered as the event EventBridge sends its rules' targets (see
 * {@link deliveredEvent}). An entry EventBridge refuses (no `Source`; a `Detail` that is not a JSON object)
 * is not delivered and fails the task with `EventBridge.FailedEntry`, whose cause is the
 * `{ Entries, FailedEntryCount }` response; the accepted entries of that call are delivered all the same,
 * as AWS does (LocalStack's AWS-recorded `test_put_events_no_source`).
 */
export function putEventsToSink(
  store: Store,
  parameters: unknown,
  { origin, now }: { origin: EventOrigin; now: number },
): IntegrationResult {
  const params = asObject(parameters, 'events:putEvents');
  const entries = params.Entries;
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10) {
    throw new StatesError(
      'EventBridge.ValidationException',
      'events:putEvents needs Parameters.Entries: 1 to 10 entries',
    );
  }
  const results: PutEventsResultEntry[] = entries.map((entry) => refusal(entry) ?? { EventId: randomUUID() });
  const deliver = () =>
    entries.forEach((entry, index) => {
      const result = results[index]!;
      if (!('EventId' in result)) return;
      const bus = typeof entry?.EventBusName === 'string' ? entry.EventBusName : 'default';
      store.insertSinkMessage('events', bus, deliveredEvent(entry, result.EventId, origin, now), now);
    });
  const failedEntryCount = results.filter((result) => 'ErrorCode' in result).length;
  const response = { Entries: results, FailedEntryCount: failedEntryCount };
  if (failedEntryCount > 0) {
    // The task fails, so nothing commits its writes: the accepted entries are delivered now.
    store.transaction(deliver);
    throw new StatesError('EventBridge.FailedEntry', JSON.stringify(response));
  }
  return { output: response, writes: deliver };
}

/** The execution that puts events, named in the `resources` of every event it puts. */
export interface EventOrigin {
  stateMachineArn: string;
  executionArn: string;
}

/**
 * The event EventBridge delivers for an accepted entry, as AWS-recorded deliveries show it: the entry's
 * `Resources` followed by the state machine's and the execution's ARNs, `detail` as JSON (`{}` without one),
 * `time` to the second, `account` and `region` those of the execution.
 */
function deliveredEvent(
  entry: Record<string, unknown>,
  eventId: string,
  origin: EventOrigin,
  now: number,
): Record<string, unknown> {
  const [, , , region, account] = origin.executionArn.split(':');
  const resources = Array.isArray(entry.Resources) ? entry.Resources : [];
  const detail = typeof entry.Detail === 'string' ? JSON.parse(entry.Detail) : (entry.Detail ?? {});
  return {
    version: '0',
    id: eventId,
    'detail-type': entry.DetailType,
    source: entry.Source,
    account,
    time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [...resources, origin.stateMachineArn, origin.executionArn],
    detail,
  };
}

/** One entry of the PutEvents response: an accepted entry's id, or why EventBridge refused it. */
type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** Why EventBridge refuses `entry`, as AWS records it; undefined when it accepts it. */
function refusal(entry: unknown): { ErrorCode: string; ErrorMessage: string } | undefined {
  const { Source, Detail } = (entry ?? {}) as { Source?: unknown; Detail?: unknown };
  if (Source === undefined || Source === null) {
    return {
      ErrorCode: 'InvalidArgument',
      ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
    };
  }
  if (Detail !== undefined && Detail !== null && !isJsonObjectDetail(Detail)) {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  return undefined;
}

/** Whether `detail` is a JSON object, or the text of one (Step Functions sends an object as its text). */
function isJsonObjectDetail(detail: unknown): boolean {
  let value = detail;
  if (typeof detail === 'string') {
    try {
      value = JSON.parse(detail);
    } catch {
      return false;
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(parameters: unknown, resource: string): Record<string, unknown> {
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
    throw new StatesError(STATES_ERRORS.Runtime, `${resource} needs Parameters as an object`);
  }
  return parameters as Record<string, unknown>;
}

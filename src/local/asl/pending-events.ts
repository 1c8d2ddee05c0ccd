/**
 * The history events an engine queues for its next commit. An event lives until its commit hands it to
 * the store (the memory store copies its members into its `HistoryLog`, the SQLite store writes it). A
 * StateEntered / StateExited event keeps the state's name and JSON, from which a store builds its details
 * object only when it is read.
 */
import type { EventRow } from '../store.ts';

/** The `inputDetails` / `outputDetails` of history events: the local runtime never truncates a payload. */
export const NOT_TRUNCATED: Readonly<{ truncated: false }> = Object.freeze({ truncated: false });

/**
 * A history event waiting for the frame's next commit, which sets its `id` and `previousEventId` and
 * hands the same object to the store. `emitted` orders the events of an engine as they happened: a
 * commit numbers the events of a run's frames in that order.
 */
export interface PendingEvent extends EventRow {
  readonly emitted: number;
}

/** What every queued event holds: its numbering, its type and its time. */
abstract class QueuedEvent implements PendingEvent {
  id = 0;
  previousEventId = 0;
  readonly type: string;
  readonly emitted: number;
  timestamp: number;

  constructor(type: string, timestamp: number, emitted: number) {
    this.type = type;
    this.emitted = emitted;
    this.timestamp = timestamp;
  }

  abstract get details(): Readonly<Record<string, unknown>> | null;
}

/** An event with the details its state or the engine gave it (null for ExecutionStarted). */
export class DetailedEvent extends QueuedEvent {
  readonly #details: Readonly<Record<string, unknown>> | null;

  constructor(
    type: string,
    timestamp: number,
    emitted: number,
    details: Readonly<Record<string, unknown>> | null,
  ) {
    super(type, timestamp, emitted);
    this.#details = details;
  }

  get details(): Readonly<Record<string, unknown>> | null {
    return this.#details;
  }
}

/**
 * An event that points at a given event rather than at the last of its flow (the flow then continues from
 * it): an `EvaluationFailed` event points where its state's StateEntered event does, as AWS records it.
 */
export class LinkedEvent extends DetailedEvent {
  constructor(
    type: string,
    timestamp: number,
    emitted: number,
    details: Readonly<Record<string, unknown>>,
    readonly after: number,
  ) {
    super(type, timestamp, emitted, details);
  }
}

/**
 * A Distributed Map's MapStateSucceeded. It points at its Map Run's end (`mapRunEnd`, the id of its
 * MapRunSucceeded, which points at MapRunStarted; undefined when a restart came between the two, and the
 * event just before it is taken) and leaves its flow at MapRunStarted, so the Map state's Exited points
 * there, as AWS has recorded since November 2024.
 */
export class DistributedMapSucceededEvent extends DetailedEvent {
  constructor(
    timestamp: number,
    emitted: number,
    readonly mapRunEnd: number | undefined,
  ) {
    super('MapStateSucceeded', timestamp, emitted, null);
  }
}

/** Builds a StateEntered or StateExited event's details from the state's name and its JSON. */
export type TransitionDetails = (stateName: string, json: string) => Readonly<Record<string, unknown>>;

const enteredDetails: TransitionDetails = (name, input) => ({ name, input, inputDetails: NOT_TRUNCATED });
const exitedDetails: TransitionDetails = (name, output) => ({ name, output, outputDetails: NOT_TRUNCATED });

/** A StateEntered or StateExited event: the state's name and its input or output JSON. */
export abstract class StateTransitionEvent extends QueuedEvent {
  readonly stateName: string;
  readonly json: string;

  constructor(type: string, timestamp: number, emitted: number, stateName: string, json: string) {
    super(type, timestamp, emitted);
    this.stateName = stateName;
    this.json = json;
  }

  /** How this kind of event builds its details (a store may keep the name and JSON, and build them later). */
  abstract get detailsOf(): TransitionDetails;

  get details(): Readonly<Record<string, unknown>> {
    return this.detailsOf(this.stateName, this.json);
  }
}

/** A `<Type>StateEntered` event, `json` the state's input. */
export class StateEnteredEvent extends StateTransitionEvent {
  get detailsOf(): TransitionDetails {
    return enteredDetails;
  }
}

/** A `<Type>StateExited` event of a state that assigned no variables, `json` the state's output. */
export class StateExitedEvent extends StateTransitionEvent {
  get detailsOf(): TransitionDetails {
    return exitedDetails;
  }
}

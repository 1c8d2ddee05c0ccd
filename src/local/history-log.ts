/**
 * The history events of every execution of a `MemoryStore`, in one append-only log of large chunks, each
 * execution's events linked in id order. A history outlives V8's young generation, which copies every
 * object that survives a scavenge, twice before it reaches the old space: kept as one object per event, the
 * histories of ended executions were most of what each scavenge copied. A chunk's arrays are large enough
 * for V8's large-object space, which is never copied; an event adds two slots and four numbers to them,
 * and only its JSON strings (or the details object of an event other than a state's entry or exit) are
 * young objects of their own. Memory touched for the first time is slow to fill (about 3 ns a byte on a
 * small VM), so an event's type and how its details are built are one byte: its kind, an index into the
 * log's table of kinds.
 */
import { StateTransitionEvent, type TransitionDetails } from './asl/pending-events.ts';
import type { EventRow } from './store.ts';

/** Events per chunk: 8,192 events of {@link SLOTS} slots take 128 KiB and more, V8's large-object size. */
const CHUNK_EVENTS = 8192;
/** Slots per event: the state's name and its JSON (an entry or exit), or the details (any other event). */
const SLOTS = 2;

class Chunk {
  readonly values: unknown[] = new Array(CHUNK_EVENTS * SLOTS);
  readonly timestamps = new Float64Array(CHUNK_EVENTS);
  readonly previousEventIds = new Int32Array(CHUNK_EVENTS);
  /** The log index of the next event of the same execution. */
  readonly next = new Int32Array(CHUNK_EVENTS);
  /** The event's index in the log's table of {@link EventKind}s. */
  readonly kinds = new Uint8Array(CHUNK_EVENTS);
}

/** An event type, and how its events' details are built (a state's entry or exit), unless they are kept. */
interface EventKind {
  readonly type: string;
  readonly detailsOf: TransitionDetails | undefined;
}

/** Where one execution's events are in a {@link HistoryLog}; an execution's record holds it. */
export interface HistoryChain {
  /** Log index of event 1 (meaningless while `eventCount` is 0). */
  firstEvent: number;
  /** Log index of the last event. */
  lastEvent: number;
  eventCount: number;
}

/** Every execution's history events, appended in commit order; each read builds fresh rows. */
export class HistoryLog {
  readonly #chunks: Chunk[] = [];
  readonly #kinds: EventKind[] = [];
  /** Kind indexes by how details are built (undefined: kept), then by type. */
  readonly #kindIndexes = new Map<TransitionDetails | undefined, Map<string, number>>();
  #length = 0;

  /** Events appended, over all executions. */
  get length(): number {
    return this.#length;
  }

  /** Appends `event` to `chain`; its id must be the next one of the chain (ids run 1, 2, 3...). */
  append(chain: HistoryChain, event: EventRow): void {
    if (event.id !== chain.eventCount + 1) {
      throw new Error(`event ${event.id} cannot follow event ${chain.eventCount} of an execution's history`);
    }
    const index = this.#length;
    const chunk = this.#chunks[Math.floor(index / CHUNK_EVENTS)] ?? this.#newChunk();
    const at = index % CHUNK_EVENTS;
    const slot = at * SLOTS;
    if (event instanceof StateTransitionEvent) {
      chunk.kinds[at] = this.#kindOf(event.type, event.detailsOf);
      chunk.values[slot] = event.stateName;
      chunk.values[slot + 1] = event.json;
    } else {
      chunk.kinds[at] = this.#kindOf(event.type, undefined);
      chunk.values[slot] = event.details;
    }
    chunk.timestamps[at] = event.timestamp;
    chunk.previousEventIds[at] = event.previousEventId;
    if (chain.eventCount === 0) chain.firstEvent = index;
    else this.#chunkOf(chain.lastEvent).next[chain.lastEvent % CHUNK_EVENTS] = index;
    chain.lastEvent = index;
    chain.eventCount += 1;
    this.#length = index + 1;
  }

  /**
   * Drops the events appended since the log held `length` (a rolled back transaction), and sets each of
   * `chains` (those that had events appended) back to the events it still has.
   */
  truncate(length: number, chains: Iterable<HistoryChain>): void {
    for (let index = length; index < this.#length; index++) {
      this.#chunkOf(index).values.fill(
        undefined,
        (index % CHUNK_EVENTS) * SLOTS,
        ((index % CHUNK_EVENTS) + 1) * SLOTS,
      );
    }
    this.#length = Math.min(this.#length, length);
    for (const chain of chains) {
      let kept = 0;
      let index = chain.firstEvent;
      while (kept < chain.eventCount && index < length) {
        chain.lastEvent = index;
        kept += 1;
        index = this.#chunkOf(index).next[index % CHUNK_EVENTS]!;
      }
      chain.eventCount = kept;
    }
  }

  /** The events of `chain` with ids `fromId` to `toId` (both included, within 1..eventCount), in id order. */
  read(chain: HistoryChain, fromId: number, toId: number): EventRow[] {
    const events: EventRow[] = [];
    let index = chain.firstEvent;
    for (let id = 1; id <= toId; id++) {
      const chunk = this.#chunkOf(index);
      const at = index % CHUNK_EVENTS;
      if (id >= fromId) events.push(eventAt(chunk, at, id, this.#kinds[chunk.kinds[at]!]!));
      index = chunk.next[at]!;
    }
    return events;
  }

  /** The index of the kind of events of `type` whose details `detailsOf` builds (undefined: kept as given). */
  #kindOf(type: string, detailsOf: TransitionDetails | undefined): number {
    let byType = this.#kindIndexes.get(detailsOf);
    if (!byType) {
      byType = new Map();
      this.#kindIndexes.set(detailsOf, byType);
    }
    const known = byType.get(type);
    if (known !== undefined) return known;
    if (this.#kinds.length > 0xff) throw new Error('a history log holds at most 256 kinds of events');
    this.#kinds.push({ type, detailsOf });
    byType.set(type, this.#kinds.length - 1);
    return this.#kinds.length - 1;
  }

  #chunkOf(index: number): Chunk {
    return this.#chunks[Math.floor(index / CHUNK_EVENTS)]!;
  }

  #newChunk(): Chunk {
    const chunk = new Chunk();
    this.#chunks.push(chunk);
    return chunk;
  }
}

/** A fresh row of the event at `at` in `chunk`, of `kind`: a caller may change it without changing the log. */
function eventAt(chunk: Chunk, at: number, id: number, kind: EventKind): EventRow {
  const slot = at * SLOTS;
  const stored = chunk.values[slot];
  const details = kind.detailsOf
    ? kind.detailsOf(stored as string, chunk.values[slot + 1] as string)
    : stored && { ...(stored as Record<string, unknown>) };
  return {
    id,
    type: kind.type,
    previousEventId: chunk.previousEventIds[at]!,
    timestamp: chunk.timestamps[at]!,
    details: (details ?? null) as EventRow['details'],
  };
}

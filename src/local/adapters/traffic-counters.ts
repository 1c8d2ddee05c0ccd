import type { ServiceRef } from '#core/types.ts';

/** The longest window a metric query may ask for, and the number of per-second buckets kept per track. */
export const MAX_WINDOW_SECONDS = 3600;
/** Latencies kept per bucket; beyond this a bucket keeps a uniform sample (reservoir sampling). */
const SAMPLES_PER_BUCKET = 128;

/** One second of one track's traffic. */
export interface Bucket {
  second: number;
  requests: number;
  errors: number;
  samples: number[];
}

/** What changed since {@link TrafficCounters.markSaved}: tracks forgotten, then buckets written, by track key. */
export interface CounterChanges {
  readonly forgotten: readonly string[];
  readonly written: readonly (readonly [trackKey: string, bucket: Bucket])[];
}

/** A track's traffic over a window: counts, and latency percentiles from the recorded samples. */
export interface WindowSummary {
  readonly requests: number;
  readonly errors: number;
  /** The latency (ms) at percentile `p` (0 < p <= 100); undefined when no request was recorded. */
  percentile(p: number): number | undefined;
}

/**
 * Per-track request, 5xx and latency counters, as a ring of per-second buckets: memory stays bounded
 * (at most {@link MAX_WINDOW_SECONDS} buckets of at most 128 latency samples per track).
 *
 * @example
 * const counters = new TrafficCounters();
 * counters.record(service, 'canary', 500, 12.5);
 * counters.summary(service, 'canary', 60).errors; // 1
 */
export class TrafficCounters {
  readonly #rings = new Map<string, Bucket[]>();
  /** Buckets written since the last save, with their track's key. */
  readonly #written = new Map<Bucket, string>();
  /** Tracks forgotten since the last save. */
  readonly #forgotten = new Set<string>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records one answered request. */
  record(service: ServiceRef, track: string, status: number, latencyMs: number): void {
    const key = `${service.namespace}/${service.name}/${track}`;
    let ring = this.#rings.get(key);
    if (!ring) {
      ring = [];
      this.#rings.set(key, ring);
    }
    const second = Math.floor(this.now() / 1000);
    const slot = second % MAX_WINDOW_SECONDS;
    let bucket = ring[slot];
    if (!bucket || bucket.second !== second) {
      bucket = { second, requests: 0, errors: 0, samples: [] };
      ring[slot] = bucket;
    }
    bucket.requests += 1;
    if (status >= 500) bucket.errors += 1;
    if (bucket.samples.length < SAMPLES_PER_BUCKET) bucket.samples.push(latencyMs);
    else {
      const index = Math.floor(Math.random() * bucket.requests);
      if (index < SAMPLES_PER_BUCKET) bucket.samples[index] = latencyMs;
    }
    this.#written.set(bucket, key);
  }

  /**
   * Takes back buckets saved before a restart (see counter-table.ts), so an analysis resumed after it still
   * counts the requests its window saw before.
   */
  restore(trackKey: string, bucket: Bucket): void {
    let ring = this.#rings.get(trackKey);
    if (!ring) {
      ring = [];
      this.#rings.set(trackKey, ring);
    }
    ring[bucket.second % MAX_WINDOW_SECONDS] = bucket;
  }

  /** What changed since the last {@link markSaved}. */
  changes(): CounterChanges {
    return {
      forgotten: [...this.#forgotten],
      written: [...this.#written].map(([bucket, key]) => [key, bucket]),
    };
  }

  /** Marks every change as saved. */
  markSaved(): void {
    this.#written.clear();
    this.#forgotten.clear();
  }

  /** Drops everything recorded for the track (it runs another release now, or no longer exists). */
  forget(service: ServiceRef, track: string): void {
    const key = `${service.namespace}/${service.name}/${track}`;
    for (const bucket of this.#rings.get(key) ?? []) if (bucket) this.#written.delete(bucket);
    this.#rings.delete(key);
    this.#forgotten.add(key);
  }

  /** The track's traffic over the last `windowSeconds` seconds, the current second included. */
  summary(service: ServiceRef, track: string, windowSeconds: number): WindowSummary {
    const newest = Math.floor(this.now() / 1000);
    return this.#summarize(service, track, (second) => second > newest - windowSeconds);
  }

  /**
   * The track's traffic from `since` until `until` (epoch ms; now by default), as whole seconds: those
   * starting at or after `since` (the second it falls in also holds traffic from before it) and before
   * `until` (its second so far included). Windows that follow each other count no second twice.
   *
   * @example
   * counters.summarySince(service, 'canary', Date.parse('2026-11-28T12:00:00.400Z')); // 12:00:01 on, until now
   */
  summarySince(service: ServiceRef, track: string, since: number, until = this.now()): WindowSummary {
    const first = Math.ceil(since / 1000);
    const last = Math.ceil(until / 1000) - 1;
    return this.#summarize(service, track, (second) => second >= first && second <= last);
  }

  #summarize(service: ServiceRef, track: string, counted: (second: number) => boolean): WindowSummary {
    const ring = this.#rings.get(`${service.namespace}/${service.name}/${track}`) ?? [];
    const inWindow = ring.filter((bucket) => bucket && counted(bucket.second));
    const requests = inWindow.reduce((sum, bucket) => sum + bucket.requests, 0);
    const errors = inWindow.reduce((sum, bucket) => sum + bucket.errors, 0);
    // Each sample stands for requests / samples requests of its bucket.
    const weighted = inWindow
      .flatMap((bucket) =>
        bucket.samples.map((value) => ({ value, weight: bucket.requests / bucket.samples.length })),
      )
      .sort((a, b) => a.value - b.value);
    return { requests, errors, percentile: (p) => weightedPercentile(weighted, requests, p) };
  }
}

/** Nearest-rank percentile over weighted samples sorted by value. */
function weightedPercentile(
  sorted: readonly { value: number; weight: number }[],
  total: number,
  p: number,
): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = (p / 100) * total;
  let cumulative = 0;
  for (const { value, weight } of sorted) {
    cumulative += weight;
    if (cumulative >= rank - 1e-9) return value;
  }
  return sorted.at(-1)!.value;
}

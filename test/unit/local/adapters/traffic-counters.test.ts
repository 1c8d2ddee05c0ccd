import { describe, expect, it } from 'vitest';
import { analysisWindowSeconds } from '#core/analysis/index.ts';
import { CounterTable } from '#local/adapters/counter-table.ts';
import { openLocalDatabase } from '#local/adapters/database.ts';
import { ProxyMetrics } from '#local/adapters/proxy-metrics.ts';
import { TrafficCounters } from '#local/adapters/traffic-counters.ts';
import { aTempDataDir } from '#test/support/local-app.ts';

const service = { name: 'checkout', namespace: 'shop' };

/** Counters on a clock the test moves. */
function countersOnAClock() {
  const clock = { now: Date.parse('2026-11-28T12:00:00Z') };
  return { clock, counters: new TrafficCounters(() => clock.now) };
}

describe('TrafficCounters', () => {
  it('computes nearest-rank percentiles from the recorded latencies', () => {
    // Prepare
    const { counters } = countersOnAClock();
    for (let latency = 1; latency <= 100; latency += 1) counters.record(service, 'canary', 200, latency);
    // Act
    const summary = counters.summary(service, 'canary', 60);
    // Assess
    expect([summary.percentile(50), summary.percentile(95), summary.percentile(99)]).toEqual([50, 95, 99]);
  });

  it('leaves the requests of the previous split out of an analysis of the new one', () => {
    // Prepare: 5xx answers at the previous weights in the second the weights change, then a clean canary
    const { clock, counters } = countersOnAClock();
    const shiftedAt = clock.now + 199;
    for (let i = 0; i < 11; i++) counters.record(service, 'canary', 500, 10);
    clock.now = shiftedAt;
    for (let tick = 1; tick <= 50; tick++) {
      clock.now = shiftedAt + tick * 100;
      counters.record(service, 'canary', 200, 10);
    }
    clock.now = shiftedAt + 5_009;
    // Act
    const window = analysisWindowSeconds(50, new Date(shiftedAt).toISOString(), clock.now);
    const summary = counters.summary(service, 'canary', window);
    // Assess: only requests of the new split, most of them (the seconds after the shift)
    expect(summary.errors).toBe(0);
    expect(summary.requests).toBeGreaterThanOrEqual(40);
  });

  it('forgets requests older than the window', () => {
    // Prepare
    const { clock, counters } = countersOnAClock();
    counters.record(service, 'canary', 500, 10);
    clock.now += 30_000;
    counters.record(service, 'canary', 200, 20);
    // Act
    const last10s = counters.summary(service, 'canary', 10);
    const last60s = counters.summary(service, 'canary', 60);
    // Assess
    expect([last10s.requests, last10s.errors]).toEqual([1, 0]);
    expect([last60s.requests, last60s.errors]).toEqual([2, 1]);
  });

  it('keeps percentiles close under load while keeping a bounded sample per second', () => {
    // Prepare
    const { counters } = countersOnAClock();
    for (let i = 0; i < 50_000; i += 1) counters.record(service, 'stable', 200, i % 100 < 99 ? 10 : 1_000);
    // Act
    const summary = counters.summary(service, 'stable', 60);
    // Assess
    expect(summary.requests).toBe(50_000);
    expect(summary.percentile(50)).toBe(10);
  });

  it("forgets one track's traffic on request, keeping the others'", () => {
    // Prepare
    const counters = new TrafficCounters();
    counters.record(service, 'canary', 500, 1);
    counters.record(service, 'stable', 200, 1);
    // Act
    counters.forget(service, 'canary');
    // Assess
    expect(counters.summary(service, 'canary', 60).requests).toBe(0);
    expect(counters.summary(service, 'stable', 60).requests).toBe(1);
  });

  it('reuses a slot of the ring once its second is out of every window', () => {
    // Prepare
    const { clock, counters } = countersOnAClock();
    counters.record(service, 'stable', 500, 10);
    clock.now += 3_600_000;
    // Act
    counters.record(service, 'stable', 200, 10);
    // Assess
    expect(counters.summary(service, 'stable', 3_600).errors).toBe(0);
  });
});

describe('CounterTable', () => {
  /** Counters saved to the SQLite file of a temp data dir, and a way to read them back as a restart does. */
  function savedCounters() {
    const temp = aTempDataDir();
    const clock = { now: Date.parse('2026-11-28T12:00:00Z') };
    const db = openLocalDatabase(temp.dataDir);
    const counters = new TrafficCounters(() => clock.now);
    const table = new CounterTable(db, counters, () => clock.now);
    const restart = () => {
      const reopened = openLocalDatabase(temp.dataDir);
      const restored = new TrafficCounters(() => clock.now);
      new CounterTable(reopened, restored, () => clock.now).load();
      reopened.close();
      return restored;
    };
    const close = () => {
      db.close();
      temp.remove();
    };
    return { db, clock, counters, table, restart, close };
  }

  it('gives a restart what was saved, and what changed after a save once saved again', () => {
    // Prepare
    const { clock, counters, table, restart, close } = savedCounters();
    counters.record(service, 'canary', 500, 10);
    table.save();
    clock.now += 1_000;
    counters.record(service, 'canary', 200, 20);
    counters.record(service, 'stable', 200, 30);
    // Act
    const beforeSecondSave = restart().summary(service, 'canary', 60).requests;
    table.save();
    const restored = restart();
    // Assess
    expect(beforeSecondSave).toBe(1);
    const canary = restored.summary(service, 'canary', 60);
    expect([canary.requests, canary.errors, canary.percentile(100)]).toEqual([2, 1, 20]);
    expect(restored.summary(service, 'stable', 60).requests).toBe(1);
    close();
  });

  it('forgets a forgotten track in the file too, and keeps what it records afterwards', () => {
    // Prepare
    const { counters, table, restart, close } = savedCounters();
    counters.record(service, 'canary', 500, 10);
    table.save();
    // Act
    counters.forget(service, 'canary');
    counters.record(service, 'canary', 200, 10);
    table.save();
    // Assess
    const canary = restart().summary(service, 'canary', 60);
    expect([canary.requests, canary.errors]).toEqual([1, 0]);
    close();
  });

  it('drops buckets older than the longest window, from the file too', () => {
    // Prepare
    const { db, clock, counters, table, restart, close } = savedCounters();
    counters.record(service, 'stable', 500, 10);
    table.save();
    clock.now += 3_600_000;
    counters.record(service, 'stable', 200, 10);
    // Act
    table.save();
    // Assess
    const stable = restart().summary(service, 'stable', 3_600);
    expect([stable.requests, stable.errors]).toEqual([1, 0]);
    expect(db.prepare('SELECT count(*) AS rows FROM local_traffic_buckets').get()).toMatchObject({ rows: 1 });
    close();
  });
});

describe('ProxyMetrics', () => {
  it('answers undefined for rates and latencies without traffic, and a request count of 0', async () => {
    // Prepare
    const metrics = new ProxyMetrics(countersOnAClock().counters);
    const query = (metric: string) => metrics.query({ service, track: 'canary', metric, windowSeconds: 60 });
    // Act
    const values = await Promise.all(['requestCount', 'errorRate', 'latencyP99Ms'].map(query));
    // Assess
    expect(values).toEqual([0, undefined, undefined]);
  });

  /** A query as the analyze task asks it: the whole seconds since `since`, rounded down, and `since` itself. */
  const sinceQuery = (metric: string, since: number, now: number) => ({
    service,
    track: 'blue',
    metric,
    windowSeconds: analysisWindowSeconds(30, new Date(since).toISOString(), now),
    windowStart: since,
    windowEnd: now,
  });
  /** 100 requests a second (one each 10 ms of the clock) answered `status`, until `end`. */
  const trafficUntil = (clock: { now: number }, counters: TrafficCounters, end: number, status = 200) => {
    for (let at = Math.ceil(clock.now / 10) * 10; at < end; at += 10) {
      clock.now = at;
      counters.record(service, 'blue', status, 10);
    }
    clock.now = end;
  };

  it('counts the traffic since the check before 1.5 s ago, not only the current second', async () => {
    // Prepare: the check before ran at 12:00:00.515, this one runs 1.5 s later, at 12:00:02.015
    const { clock, counters } = countersOnAClock();
    const checkedAt = clock.now + 515;
    trafficUntil(clock, counters, checkedAt + 1_500);
    const metrics = new ProxyMetrics(counters);
    // Act
    const requestCount = await metrics.query(sinceQuery('requestCount', checkedAt, clock.now));
    // Assess: the seconds :01 and :02 so far, not the 15 ms of :02 alone (2 requests)
    expect(requestCount).toBe(102);
  });

  it('counts no request in two checks in a row, nor one from before the shift in its second', async () => {
    // Prepare: 5xx answers at the previous split until the shift at 12:00:00.515, then a healthy blue
    const { clock, counters } = countersOnAClock();
    const shiftedAt = clock.now + 515;
    trafficUntil(clock, counters, shiftedAt, 500);
    const metrics = new ProxyMetrics(counters);
    const check = async (since: number) => ({
      requests: await metrics.query(sinceQuery('requestCount', since, clock.now)),
      errorRate: await metrics.query(sinceQuery('errorRate', since, clock.now)),
    });
    // Act: a check 1.5 s after the shift, the next 1.5 s after it
    trafficUntil(clock, counters, shiftedAt + 1_500);
    const first = await check(shiftedAt);
    const firstAt = clock.now;
    trafficUntil(clock, counters, firstAt + 1_500);
    const second = await check(firstAt);
    // Assess: no 5xx of the previous split; the whole seconds after each start, the current one so far
    expect([first.errorRate, second.errorRate]).toEqual([0, 0]);
    expect([first.requests, second.requests]).toEqual([102, 52]);
  });

  it('refuses a window it does not keep, naming the field and the allowed range', async () => {
    // Prepare
    const metrics = new ProxyMetrics(countersOnAClock().counters);
    // Act
    const querying = metrics.query({ service, track: 'canary', metric: 'errorRate', windowSeconds: 7_200 });
    // Assess
    await expect(querying).rejects.toThrow('windowSeconds must be an integer between 1 and 3600 (got 7200)');
  });
});

/**
 * Scenario (c), run in a child process per engine so memory is not mixed: parks `count` executions in a
 * one-hour Wait on the real clock, started in bursts of 200, and measures the process RSS before and after
 * (each after a GC).
 * An execution counts as parked once its Wait timer is pending (one more pending timer of the engine).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { type EngineKind, openEngine } from './engines.ts';
import { PARK_DEFINITION, PARKED_TRANSITIONS } from './scenarios.ts';

/** What the child reports on its stdout (one JSON line). */
export interface ParkResult {
  count: number;
  seconds: number;
  transitions: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  heapUsedAfterMb: number;
}

const MB = 1024 * 1024;
const PARK_DEADLINE_MS = 120_000;
/** Executions started together (each awaits its StartExecution answer). */
const START_BURST = 200;

async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the park child with node --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await delay(20);
  }
}

/** Parks `count` executions on a fresh engine of `kind`; the caller prints the result. */
export async function parkExecutions(kind: EngineKind, count: number): Promise<ParkResult> {
  const engine = await openEngine(kind);
  try {
    const machine = await engine.machine('park', PARK_DEFINITION);
    await collectGarbage();
    const rssBefore = process.memoryUsage().rss;
    const timersBefore = engine.pendingTimers();
    const started = performance.now();
    // Started in bursts of START_BURST, as scenario (b) does: each answer of a durable engine waits for its
    // commit, so one-at-a-time starts would measure the disk's commit latency instead of the runtime.
    for (let first = 0; first < count; first += START_BURST) {
      const ids = Array.from({ length: Math.min(START_BURST, count - first) }, (_, index) => first + index);
      await Promise.all(ids.map((id) => machine.start({ id })));
    }
    while (engine.pendingTimers() - timersBefore < count) {
      if (performance.now() - started > PARK_DEADLINE_MS) {
        throw new Error(
          `${kind}: only ${engine.pendingTimers() - timersBefore} of ${count} executions parked`,
        );
      }
      await delay(1);
    }
    const seconds = (performance.now() - started) / 1000;
    await collectGarbage();
    const memory = process.memoryUsage();
    return {
      count,
      seconds,
      transitions: count * PARKED_TRANSITIONS,
      rssBeforeMb: rssBefore / MB,
      rssAfterMb: memory.rss / MB,
      heapUsedAfterMb: memory.heapUsed / MB,
    };
  } finally {
    await engine.close();
  }
}

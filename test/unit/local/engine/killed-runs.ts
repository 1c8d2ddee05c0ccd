/** Helpers of the tests that kill a runtime with SIGKILL at random moments. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { HistoryEvent } from '@aws-sdk/client-sfn';

/** The types of the events that end an execution. */
export const TERMINAL_EVENTS: ReadonlySet<string> = new Set([
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionAborted',
  'ExecutionTimedOut',
]);

/** A small seeded generator, so that a failing sequence of kill moments can be run again. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of a test's kill moments: `KILL_SEED`, or one taken from the clock. */
export const killSeed = (): number => Number(process.env.KILL_SEED ?? Date.now() % 1_000_000);

/**
 * Runs `fixtures/<fixture>` with `args` in a child process; with `killAfterMs` kills it with SIGKILL that
 * long after it printed READY, else waits for it to exit. Resolves with what it printed.
 */
export function runFixture(fixture: string, args: readonly string[], killAfterMs?: number): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fixtures', fixture), ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      const ready = !out.includes('READY');
      out += chunk;
      if (ready && out.includes('READY') && killAfterMs !== undefined) {
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolve(out);
      else reject(new Error(`${fixture} exited with ${code ?? signal}: ${out}`));
    });
  });
}

/**
 * What is wrong with a history as a whole: ids other than 1..n, an event linked to itself or a later one,
 * a time earlier than the one before, a start other than one ExecutionStarted first, an end other than
 * one terminal event last. Empty when it is whole.
 */
export function historyFaults(events: readonly HistoryEvent[]): string[] {
  const faults: string[] = [];
  events.forEach((event, index) => {
    if (event.id !== index + 1) faults.push(`event ${index + 1} has id ${event.id}`);
    if (index > 0 && !(event.previousEventId! < event.id!)) {
      faults.push(`event ${event.id} links to ${event.previousEventId}`);
    }
    if (index > 0 && new Date(event.timestamp!) < new Date(events[index - 1]!.timestamp!)) {
      faults.push(`event ${event.id} is earlier than the one before`);
    }
  });
  const starts = events.filter((event) => event.type === 'ExecutionStarted').length;
  if (starts !== 1 || events[0]?.type !== 'ExecutionStarted')
    faults.push(`${starts} ExecutionStarted, first ${events[0]?.type}`);
  const ends = events.filter((event) => TERMINAL_EVENTS.has(String(event.type))).length;
  if (ends !== 1 || !TERMINAL_EVENTS.has(String(events.at(-1)?.type)))
    faults.push(`${ends} ends, last ${events.at(-1)?.type}`);
  return faults;
}

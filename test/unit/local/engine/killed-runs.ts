/** Helpers of the tests that kill a runtime with SIGKILL at random moments. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

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

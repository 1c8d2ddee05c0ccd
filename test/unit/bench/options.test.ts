import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs a benchmark script as its docs say, with `args`, and returns what it printed and its exit code. */
function runBench(script: string, ...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('benchmark options', () => {
  it('--help prints the usage and exits 0 without running anything', () => {
    const run = runBench('bench/runtime.ts', '--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('usage: node --import tsx bench/runtime.ts [--quick]\n');
  });

  it('an unknown option exits 2 naming it, with the usage, before anything runs', () => {
    const run = runBench('bench/runtime.ts', '--qiuck');
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      "Unknown option '--qiuck'\nusage: node --import tsx bench/runtime.ts [--quick]\n",
    );
    expect(run.stdout).toBe('');
  });

  it('a value that is not a number above 0 exits 2 naming the option and the value', () => {
    const rate = runBench('bench/rollback.ts', '--rate', 'fast');
    expect(rate.status).toBe(2);
    expect(rate.stderr).toContain('--rate must be a number above 0 (got "fast")');
    const repeat = runBench('bench/db-copy.ts', '--repeat', '2.5');
    expect(repeat.status).toBe(2);
    expect(repeat.stderr).toContain('--repeat must be a whole number above 0 (got "2.5")');
    expect(repeat.stdout).toBe('');
  });
});

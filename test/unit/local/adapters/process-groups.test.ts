import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftoverGroups } from '#local/adapters/process-groups.ts';
import { aTempDataDir, isAlive } from '#test/support/local-app.ts';

const PROCESS_GROUPS = resolve(import.meta.dirname, '../../../../src/local/adapters/process-groups.ts');

/** A stand-in runtime: starts `sleep 300` as a recorded group in `recordDir`, prints its pid, then waits. */
function runtimeWithOneGroup(recordDir: string): { runtime: ChildProcess; groupPid: Promise<number> } {
  const script = `
    import { spawn } from 'node:child_process';
    import { trackGroup } from ${JSON.stringify(PROCESS_GROUPS)};
    const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    trackGroup(child.pid, ${JSON.stringify(recordDir)});
    console.log(child.pid);
    setInterval(() => {}, 1000);`;
  const runtime = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const groupPid = new Promise<number>((done) => {
    runtime.stdout!.once('data', (chunk: Buffer) => done(Number.parseInt(chunk.toString(), 10)));
  });
  return { runtime, groupPid };
}

async function waitUntilGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !isAlive(pid);
}

describe('process groups', () => {
  let temp: ReturnType<typeof aTempDataDir>;
  const strays: number[] = [];
  afterEach(() => {
    for (const pid of strays.splice(0)) if (isAlive(pid)) process.kill(-pid, 'SIGKILL');
    temp?.remove();
  });

  it('kills the groups a SIGKILLed runtime left running, and removes their records', async () => {
    // Prepare
    temp = aTempDataDir();
    const recordDir = join(temp.dataDir, 'replica-groups');
    const { runtime, groupPid } = runtimeWithOneGroup(recordDir);
    const pid = await groupPid;
    strays.push(pid);
    runtime.kill('SIGKILL');
    await new Promise((done) => runtime.once('exit', done));
    const survivedTheKill = isAlive(pid);
    // Act
    const killed = killLeftoverGroups(recordDir);
    // Assess
    expect(survivedTheKill).toBe(true);
    expect(killed).toBe(1);
    expect(await waitUntilGone(pid)).toBe(true);
    expect(readdirSync(recordDir)).toEqual([]);
  });

  it('leaves alone a process that got a recorded pid later (another start time)', async () => {
    // Prepare: a record naming a live process, with the start time of an earlier one
    temp = aTempDataDir();
    const recordDir = join(temp.dataDir, 'replica-groups');
    const other = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    strays.push(other.pid!);
    const { runtime, groupPid } = runtimeWithOneGroup(recordDir);
    const recorded = await groupPid;
    strays.push(recorded);
    runtime.kill('SIGKILL');
    writeFileSync(join(recordDir, String(other.pid)), '1');
    // Act
    const killed = killLeftoverGroups(recordDir);
    // Assess
    expect(killed).toBe(1);
    expect(isAlive(other.pid!)).toBe(true);
    expect(readdirSync(recordDir)).toEqual([]);
  });
});

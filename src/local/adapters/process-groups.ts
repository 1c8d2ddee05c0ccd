/**
 * Every replica runs as the leader of its own process group; this module remembers the live groups and
 * kills them when the runtime exits, so nothing is left running even when a test or the demo fails. A
 * group can also be recorded in a directory (one file per group, named by its pid, holding its start
 * time), so that a runtime restarted after being killed (SIGKILL runs no exit hook) stops the groups
 * left running ({@link killLeftoverGroups}).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const liveGroups = new Set<number>();
/** The record file of each recorded live group. */
const records = new Map<number, string>();
let hooksInstalled = false;

/** Sends `signal` to the whole process group led by `pid` (the replica and anything it started). */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * Starts tracking a process group, and with `recordDir` records it there until {@link untrackGroup};
 * installs the exit hooks on first use.
 */
export function trackGroup(pid: number, recordDir?: string): void {
  liveGroups.add(pid);
  const started = startTime(pid);
  if (recordDir !== undefined && started !== undefined) {
    mkdirSync(recordDir, { recursive: true });
    const file = join(recordDir, String(pid));
    writeFileSync(file, started);
    records.set(pid, file);
  }
  installExitHooks();
}

/** Stops tracking a process group once its leader has exited (and removes its record). */
export function untrackGroup(pid: number): void {
  liveGroups.delete(pid);
  removeRecord(pid);
}

/** SIGKILLs every tracked group, synchronously (safe inside an `exit` handler). */
export function killAllGroups(): void {
  for (const pid of liveGroups) {
    signalGroup(pid, 'SIGKILL');
    removeRecord(pid);
  }
  liveGroups.clear();
}

/**
 * SIGKILLs the groups recorded in `recordDir` that no live replica of this process leads: those a killed
 * runtime left running. A record whose pid now names another process (a different start time) is only
 * removed. Returns how many groups were killed.
 */
export function killLeftoverGroups(recordDir: string): number {
  let killed = 0;
  let names: string[];
  try {
    names = readdirSync(recordDir);
  } catch {
    return 0; // nothing recorded yet
  }
  for (const name of names) {
    const pid = Number(name);
    if (liveGroups.has(pid)) continue;
    const file = join(recordDir, name);
    if (Number.isInteger(pid) && pid > 0 && startTime(pid) === readFileSync(file, 'utf8')) {
      signalGroup(pid, 'SIGKILL');
      killed += 1;
    }
    rmSync(file, { force: true });
  }
  return killed;
}

function removeRecord(pid: number): void {
  const file = records.get(pid);
  if (file === undefined) return;
  records.delete(pid);
  rmSync(file, { force: true });
}

/** When a process started (clock ticks after boot, /proc/<pid>/stat), to tell it from a later one with its pid. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 (state); start time is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined; // gone, or no /proc
  }
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllGroups);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllGroups();
      // Nobody else handles the signal: keep its default effect (exit) by raising it again.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

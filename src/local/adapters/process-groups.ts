/**
 * Every replica runs as the leader of its own process group; this module remembers the live groups and
 * kills them when the runtime exits, so nothing is left running even when a test or the demo fails.
 */
const liveGroups = new Set<number>();
let hooksInstalled = false;

/** Sends `signal` to the whole process group led by `pid` (the replica and anything it started). */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Starts tracking a process group; installs the exit hooks on first use. */
export function trackGroup(pid: number): void {
  liveGroups.add(pid);
  installExitHooks();
}

/** Stops tracking a process group once its leader has exited. */
export function untrackGroup(pid: number): void {
  liveGroups.delete(pid);
}

/** SIGKILLs every tracked group, synchronously (safe inside an `exit` handler). */
export function killAllGroups(): void {
  for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
  liveGroups.clear();
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
